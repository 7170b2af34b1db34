/* stdout and stderr reach the host's stdout and stderr, in order, and the exit code is
 * ntemu's exit status. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    printf("to stdout via printf\n");
    fflush(stdout);
    fprintf(stderr, "to stderr via fprintf\n");
    DWORD n;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "to stdout via WriteFile\n", 24, &n, NULL);
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), "to stderr via WriteFile\n", 24, &n, NULL);
    return 7;
}
