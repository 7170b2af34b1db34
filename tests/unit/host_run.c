#include "host_run.h"

#if defined(__x86_64__)
#include <check.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t *page;
static sigjmp_buf fault_jmp;
static struct host_fault *volatile fault_out; /* non-NULL only inside host_call */

void *host_code(const void *code, size_t n)
{
	if (!page) {
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		ck_assert_ptr_ne(page, MAP_FAILED);
	}
	ck_assert_uint_lt(n, 4096);
	memcpy(page, code, n);
	page[n] = 0xc3; /* ret */
	__builtin___clear_cache((char *)page, (char *)page + n + 1);
	return page;
}

static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	const ucontext_t *uc = ctx;
	struct host_fault *f = fault_out;
	if (!f)
		abort(); /* a SIGFPE outside the code under test is a bug of the test itself */
	memcpy(f->gregs, uc->uc_mcontext.gregs, sizeof f->gregs);
	memcpy(&f->fp, uc->uc_mcontext.fpregs, sizeof f->fp);
	siglongjmp(fault_jmp, 1);
}

bool host_call(void (*fn)(void *), void *arg, struct host_fault *fault)
{
	static bool installed;
	if (!installed) {
		struct sigaction sa = {.sa_sigaction = on_sigfpe, .sa_flags = SA_SIGINFO};
		sigemptyset(&sa.sa_mask);
		ck_assert_int_eq(sigaction(SIGFPE, &sa, NULL), 0);
		installed = true;
	}
	fault_out = fault;
	/* savemask 1: the jump out of the handler unblocks SIGFPE again */
	if (sigsetjmp(fault_jmp, 1)) {
		fault_out = NULL;
		return true;
	}
	fn(arg);
	fault_out = NULL;
	return false;
}
#endif
