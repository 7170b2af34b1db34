/* A vectored exception handler sees an access violation with its address and access kind,
 * repairs the faulting register and continues; RaiseException reaches it too. */
#include <stdio.h>
#include <windows.h>

static int good = 42;

static LONG CALLBACK handler(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (r->ExceptionCode == EXCEPTION_ACCESS_VIOLATION) {
        printf("handler: access violation, %s of %#llx\n",
               r->ExceptionInformation[0] ? "write" : "read",
               (unsigned long long)r->ExceptionInformation[1]);
#ifdef __x86_64__
        ep->ContextRecord->Rax = (DWORD64)&good;
#else
        ep->ContextRecord->Eax = (DWORD)&good;
#endif
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (r->ExceptionCode == 0xe0001234) {
        printf("handler: exception %#lx with %lu parameters\n", r->ExceptionCode, r->NumberParameters);
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

int main(void)
{
    AddVectoredExceptionHandler(1, handler);
    int v;
#ifdef __x86_64__
    __asm__ volatile("mov $0x10, %%rax\n\tmov (%%rax), %%ecx\n\tmov %%ecx, %0" : "=r"(v) : : "rax", "rcx", "memory");
#else
    __asm__ volatile("mov $0x10, %%eax\n\tmov (%%eax), %%ecx\n\tmov %%ecx, %0" : "=r"(v) : : "eax", "ecx", "memory");
#endif
    printf("value after retry: %d\n", v);
    ULONG_PTR args[2] = {1, 2};
    RaiseException(0xe0001234, 0, 2, args);
    printf("continued after RaiseException\n");
    return 0;
}
