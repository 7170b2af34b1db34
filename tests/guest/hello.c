/* The smallest guest: proves the CRT start-up, argument passing, console output and the
 * exit code all reach the host. Exit code 3 so a run that merely "finished" is not enough. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello from a %d-bit guest, argc=%d\n", (int)(sizeof(void *) * 8), argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    return 3;
}
