/* Native execution: a generated stub loads the whole test state (GPRs, RFLAGS, x87/SSE via
 * FXRSTOR64), runs the instruction bytes at DIFF_INSN, stores everything back and returns to C.
 * The stub addresses its state blocks with absolute 32-bit displacements (everything lives
 * below 2 GiB), so no register is reserved and RSP itself is a test register. A fault inside the
 * instruction is caught by a signal handler on an alternate stack, which records the state at
 * the fault from the signal context and resumes at a recovery path. */
/* diff.h first: <signal.h> pulls in <unistd.h>, whose F_LOCK macro would clobber the row flag */
#include "tests/diff/diff.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)

/* DIFF_STATE page layout */
#define ST_IN (DIFF_STATE + 0x000)
#define ST_OUT (DIFF_STATE + 0x400)
#define ST_HOSTFX (DIFF_STATE + 0x800)
#define ST_SAVED_RSP (DIFF_STATE + 0xa00)
#define ST_FARPTR (DIFF_STATE + 0xa10) /* m16:32 for the jump into compatibility mode */

#define CODE_TO32 (DIFF_CODE + 0x600) /* jmp far [ST_FARPTR] */
#define CODE_EPILOGUE (DIFF_CODE + 0xa00)
#define CODE_RECOVER (DIFF_CODE + 0xc00)

static volatile int fault_sig, fault_code;
static volatile uint64_t fault_addr;
static volatile int stub_fault;
static sigjmp_buf *volatile guard;

void native_guard(sigjmp_buf *jb)
{
	guard = jb;
}

static uint8_t *prologue_jmp; /* rel32 of the prologue's jump to the tested code */
static volatile int probing, probe_failed;

#define CODE_PROBE (DIFF_CODE + 0xe00)    /* jmp far [ST_FARPTR] into 32-bit code ... */
#define CODE_PROBE32 (DIFF_CODE + 0xe80)  /* ... which jumps far back to ... */
#define CODE_PROBE_RET (DIFF_CODE + 0xec0) /* ... a 64-bit ret */

static uint8_t *emit_abs(uint8_t *p, uint8_t rex, uint8_t op, unsigned regf, uint64_t addr)
{
	if (rex)
		*p++ = rex;
	*p++ = op;
	*p++ = (uint8_t)((regf & 7) << 3 | 4); /* mod 00, SIB follows */
	*p++ = 0x25;                           /* SIB: no base, no index: [disp32] */
	uint32_t d = (uint32_t)addr;
	memcpy(p, &d, 4);
	return p + 4;
}

static uint8_t *emit_fx(uint8_t *p, unsigned sub, uint64_t addr) /* fxsave64 /0, fxrstor64 /1 */
{
	*p++ = 0x48;
	*p++ = 0x0f;
	return emit_abs(p, 0, 0xae, sub, addr);
}

static uint8_t *emit_host_return(uint8_t *p)
{
	p = emit_abs(p, 0x48, 0x8b, R_SP, ST_SAVED_RSP); /* mov rsp, [saved] */
	p = emit_fx(p, 1, ST_HOSTFX);                    /* the C code's x87/SSE state */
	*p++ = 0xfc;                                     /* cld (SysV ABI) */
	static const uint8_t pops[] = {0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3};
	memcpy(p, pops, sizeof pops);
	return p + sizeof pops;
}

static void build_stub(void)
{
	uint8_t *code = (uint8_t *)DIFF_CODE;
	memset(code, 0xcc, GUEST_PAGE_SIZE);
	uint8_t *p = code;
	static const uint8_t pushes[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57};
	memcpy(p, pushes, sizeof pushes);
	p += sizeof pushes;
	/* Linux leaves DS and ES null in 64-bit processes; compatibility mode checks them, so give
	 * them the flat user data selector (64-bit code ignores them) */
	static const uint8_t flat_ds[] = {0xb8, 0x2b, 0x00, 0x00, 0x00, 0x8e, 0xd8, 0x8e, 0xc0};
	memcpy(p, flat_ds, sizeof flat_ds);
	p += sizeof flat_ds;
	p = emit_abs(p, 0x48, 0x89, R_SP, ST_SAVED_RSP); /* mov [saved], rsp */
	p = emit_fx(p, 0, ST_HOSTFX);
	p = emit_fx(p, 1, ST_IN + offsetof(struct xstate, fx));
	p = emit_abs(p, 0, 0xff, 6, ST_IN + offsetof(struct xstate, rflags)); /* push [rflags] */
	*p++ = 0x9d;                                                          /* popfq */
	for (unsigned n = 0; n < 16; n++) /* mov rN, [in.r[n]] */
		p = emit_abs(p, (uint8_t)(0x48 | (n >= 8 ? 4 : 0)), 0x8b, n, ST_IN + 8 * n);
	*p++ = 0xe9; /* jmp DIFF_INSN (minus a prefix instruction's length: native_run) */
	prologue_jmp = p;
	int32_t rel = (int32_t)(DIFF_INSN - ((uint64_t)(uintptr_t)p + 4));
	memcpy(p, &rel, 4);

	p = (uint8_t *)CODE_TO32;
	p = emit_abs(p, 0, 0xff, 5, ST_FARPTR); /* jmp far m16:32: CS 0x23, compatibility mode */

	p = (uint8_t *)CODE_EPILOGUE;
	for (unsigned n = 0; n < 16; n++) /* mov [out.r[n]], rN */
		p = emit_abs(p, (uint8_t)(0x48 | (n >= 8 ? 4 : 0)), 0x89, n, ST_OUT + 8 * n);
	p = emit_abs(p, 0x48, 0x8b, R_SP, ST_SAVED_RSP);
	*p++ = 0x9c; /* pushfq; pop rax; mov [out.rflags], rax */
	*p++ = 0x58;
	p = emit_abs(p, 0x48, 0x89, R_AX, ST_OUT + offsetof(struct xstate, rflags));
	p = emit_fx(p, 0, ST_OUT + offsetof(struct xstate, fx));
	*p++ = 0x31, *p++ = 0xc0; /* xor eax, eax: completed */
	emit_host_return(p);

	p = (uint8_t *)CODE_RECOVER;
	*p++ = 0xb8; /* mov eax, 1: faulted */
	uint32_t one = 1;
	memcpy(p, &one, 4);
	p += 4;
	/* emit_host_return does not touch eax */
	emit_host_return(p);
}

/* Signal context registers in ntemu's order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15). */
static const int greg_index[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	if (probing) { /* the compatibility-mode probe faulted: return from it in 64-bit mode */
		probe_failed = 1;
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)CODE_PROBE_RET;
		uc->uc_mcontext.gregs[REG_CSGSFS] = (uc->uc_mcontext.gregs[REG_CSGSFS] & ~(greg_t)0xffff) | CPU_SEL_CS64;
		return;
	}
	/* the tested instruction, possibly after a prefix instruction (gen_prefix) */
	bool tested = rip >= DIFF_INSN - 16 && rip < CODE_EPILOGUE;
	if (!tested && guard)
		siglongjmp(*guard, sig);
	if (rip >= CODE_EPILOGUE && rip < CODE_RECOVER) {
		/* the stub's own stores to its state page cannot fault; this VM has been seen to
		 * report such a fault anyway: the caller runs the case again */
		stub_fault = 1;
		fault_sig = sig;
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)CODE_RECOVER;
		uc->uc_mcontext.gregs[REG_RSP] = *(greg_t *)ST_SAVED_RSP;
		return;
	}
	if (!tested) {
		/* not the instruction under test: a real crash of the tester */
		char msg[] = "diff-cpu: signal 00 outside the tested instruction at rip 0x0000000000000000\n";
		msg[17] = (char)('0' + sig / 10), msg[18] = (char)('0' + sig % 10);
		for (int k = 0; k < 16; k++)
			msg[sizeof msg - 3 - k] = "0123456789abcdef"[rip >> (4 * k) & 15];
		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(3);
		signal(sig, SIG_DFL);
		return;
	}
	struct xstate *out = (struct xstate *)ST_OUT;
	for (int n = 0; n < 16; n++)
		out->r[n] = (uint64_t)uc->uc_mcontext.gregs[greg_index[n]];
	out->rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
	out->pad = rip;
	if (uc->uc_mcontext.fpregs)
		memcpy(out->fx, uc->uc_mcontext.fpregs, 512);
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uint64_t)(uintptr_t)si->si_addr;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)CODE_RECOVER;
	/* the recovery path is 64-bit code (CS is the low word of REG_CSGSFS) */
	uc->uc_mcontext.gregs[REG_CSGSFS] = (uc->uc_mcontext.gregs[REG_CSGSFS] & ~(greg_t)0xffff) | CPU_SEL_CS64;
	/* the test's RSP may be non-canonical: returning to it would fault again */
	uc->uc_mcontext.gregs[REG_RSP] = *(greg_t *)ST_SAVED_RSP;
}

bool native_init(void)
{
	void *d = mmap((void *)DIFF_DATA, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *c = mmap((void *)DIFF_CODE, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *s = mmap((void *)DIFF_STATE, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (d != (void *)DIFF_DATA || c != (void *)DIFF_CODE || s != (void *)DIFF_STATE)
		return false;
	build_stub();

	static uint8_t altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	if (sigaltstack(&ss, NULL))
		return false;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
	for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
		if (sigaction(sigs[k], &sa, NULL))
			return false;
	return true;
}

/* Some hosts cannot run 32-bit code (kernels without IA-32 emulation, some VMs): try a far
 * jump to CS 0x23 and back. */
bool native_compat_available(void)
{
	uint8_t *p = (uint8_t *)CODE_PROBE;
	emit_abs(p, 0, 0xff, 5, ST_FARPTR); /* jmp far m16:32 */
	p = (uint8_t *)CODE_PROBE32;
	*p++ = 0xea; /* jmp far 0x33:CODE_PROBE_RET */
	uint32_t off = (uint32_t)CODE_PROBE_RET;
	uint16_t sel = CPU_SEL_CS64;
	memcpy(p, &off, 4);
	memcpy(p + 4, &sel, 2);
	*(uint8_t *)CODE_PROBE_RET = 0xc3;
	off = (uint32_t)CODE_PROBE32;
	sel = CPU_SEL_CS32;
	memcpy((uint8_t *)ST_FARPTR, &off, 4);
	memcpy((uint8_t *)ST_FARPTR + 4, &sel, 2);
	probing = 1;
	probe_failed = 0;
	((void (*)(void))(uintptr_t)CODE_PROBE)();
	probing = 0;
	return !probe_failed;
}

bool native_gs_base_zero(void)
{
	unsigned long base = 1;
	return syscall(SYS_arch_prctl, ARCH_GET_GS, &base) == 0 && base == 0;
}

uint8_t *native_data(void)
{
	return (uint8_t *)DIFF_DATA;
}

static enum outcome outcome_of(int sig, int code)
{
	switch (sig) {
	case SIGFPE:
		return code == FPE_INTDIV || code == FPE_INTOVF ? OUT_DE : OUT_FPE;
	case SIGSEGV:
	case SIGBUS:
		return OUT_GP;
	case SIGILL:
		return OUT_UD;
	case SIGTRAP:
		return OUT_TRAP;
	default:
		return OUT_OTHER;
	}
}

void native_run(const struct tcase *t, struct result *res)
{
	uint8_t *insn = (uint8_t *)DIFF_INSN;
	uint64_t start = DIFF_INSN - t->prelen;
	memcpy(insn - t->prelen, t->pre, t->prelen);
	uint64_t first = start;
	if (t->mode32) { /* enter compatibility mode through the far jump */
		uint32_t off = (uint32_t)start;
		uint16_t sel = CPU_SEL_CS32;
		memcpy((uint8_t *)ST_FARPTR, &off, 4);
		memcpy((uint8_t *)ST_FARPTR + 4, &sel, 2);
		first = CODE_TO32;
	}
	int32_t rel = (int32_t)(first - ((uint64_t)(uintptr_t)prologue_jmp + 4));
	memcpy(prologue_jmp, &rel, 4);
	memcpy(insn, t->bytes, t->len);
	uint8_t *p = insn + t->len;
	if (t->branch)
		*p++ = 0xf5; /* cmc: runs only when the branch falls through */
	if (t->mode32) { /* jmp far 0x33:epilogue (ptr16:32) back to 64-bit mode */
		*p++ = 0xea;
		uint32_t off = (uint32_t)CODE_EPILOGUE;
		uint16_t sel = CPU_SEL_CS64;
		memcpy(p, &off, 4);
		memcpy(p + 4, &sel, 2);
	} else {
		*p++ = 0xe9;
		rel = (int32_t)(CODE_EPILOGUE - ((uint64_t)(uintptr_t)p + 4));
		memcpy(p, &rel, 4);
	}

	*(struct xstate *)ST_IN = t->in;
	fault_sig = 0;
	stub_fault = 0;
	int (*stub)(void) = (int (*)(void))(uintptr_t)DIFF_CODE;
	int faulted = stub();
	res->s = *(struct xstate *)ST_OUT;
	res->out = stub_fault ? OUT_OTHER : faulted ? outcome_of(fault_sig, fault_code) : OUT_OK;
	res->host_flake = stub_fault;
	res->sig = faulted ? fault_sig : 0;
	res->code = fault_code;
	res->addr = fault_addr;
}

#endif
