/* Test machine code on the host CPU, for the suites that compare the interpreter with it: an
 * executable page to call, and a call that survives the SIGFPE an unmasked x87 or SIMD
 * exception raises, keeping the state at the fault. */
#ifndef NTEMU_TEST_HOST_RUN_H
#define NTEMU_TEST_HOST_RUN_H

#if defined(__x86_64__)
#include <stdbool.h>
#include <stddef.h>
#include <ucontext.h>

struct host_fault {
	greg_t gregs[NGREG];     /* REG_RIP (the faulting instruction), REG_RAX, REG_EFL... */
	struct _libc_fpstate fp; /* x87 and SSE state there, in FXSAVE layout */
};

/* `code` followed by ret, in an executable page: the address to call. The one page is reused
 * by the next call. */
void *host_code(const void *code, size_t n);

/* Runs fn(arg). When it raises SIGFPE it ends there: true, with the state at the fault in
 * *fault (the caller resets the FPU it left with exceptions pending). */
bool host_call(void (*fn)(void *), void *arg, struct host_fault *fault);
#endif

#endif
