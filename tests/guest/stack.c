/* The stack grows through its guard page on demand; running out of it ends the process with
 * STATUS_STACK_OVERFLOW (0xc00000fd: exit status 253), as on Windows. */
#include <stdio.h>
#include <string.h>

static unsigned depth(unsigned n, volatile char *prev)
{
    volatile char frame[4096];
    frame[0] = (char)n;
    frame[4095] = prev ? prev[0] : 0;
    return n ? depth(n - 1, frame) + frame[0] - (char)n + 1 : 0;
}

/* Unbounded on purpose: this is the stack overflow under test. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static unsigned forever(unsigned n)
{
    volatile char frame[4096];
    memset((char *)frame, (int)n, sizeof frame);
    return forever(n + 1) + frame[100];
}

int main(void)
{
    /* 1.5 MiB of the 2 MiB stack mingw's linker reserves. */
    printf("recursion 384 x 4 KiB: %u\n", depth(384, NULL));
    fflush(stdout);
    printf("%u\n", forever(0));
    return 0;
}
