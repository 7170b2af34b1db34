/* An unhandled access violation ends the process with its code (0xc0000005: exit status 5). */
#include <stdio.h>

int main(void)
{
    printf("about to crash\n");
    fflush(stdout);
    volatile int *volatile bad = (volatile int *)0x10;
    *bad = 1;
    printf("not reached\n");
    return 0;
}
