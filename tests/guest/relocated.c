/* A program linked at ntdll's own base (see the Makefile): the kernel must map it elsewhere and
 * apply its relocations, since ntdll never relocates the main program. Absolute pointers in
 * its data (the table below) must point at the moved code and strings. */
#include <stdint.h>
#include <stdio.h>
#include <windows.h>

#ifdef _WIN64
#define NTDLL_BASE 0x170000000u
#else
#define NTDLL_BASE 0x7bc00000u
#endif

static const char *const words[] = {"relocated", "pointers", "work"};

static int twice(int x) { return 2 * x; }
static int (*const fn)(int) = twice;

int main(void)
{
    uintptr_t base = (uintptr_t)GetModuleHandleA(NULL);
    printf("moved from its preferred base: %s\n", base != NTDLL_BASE ? "yes" : "no");
    printf("%s %s %s, twice(21) = %d\n", words[0], words[1], words[2], fn(21));
    return 0;
}
