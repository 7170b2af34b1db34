/* Arguments reach main() exactly as quoted on the host, --env adds variables, the guest sees
 * a Windows-like environment and no host variable leaks in. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    const char *t = getenv("NTEMU_TEST");
    printf("NTEMU_TEST=%s\n", t ? t : "(unset)");
    char buf[MAX_PATH];
    DWORD n = GetEnvironmentVariableA("SystemRoot", buf, sizeof buf);
    printf("SystemRoot=%.*s\n", (int)n, buf);
    printf("HOME=%s\n", getenv("HOME") ? "(leaked from the host)" : "(unset)");
    return 0;
}
