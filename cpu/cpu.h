/* The guest CPU: architectural state of one x86-64 / x86 (compatibility mode) thread and the
 * interface its driver (the kernel, a test, a debugger) uses to run it.
 *
 * The CPU knows nothing about Windows. It runs guest code until a trap — syscall, software
 * interrupt, fault, single step, instruction budget — and reports it with precise state. */
#ifndef NTEMU_CPU_H
#define NTEMU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct guest_mem;
struct block_cache;
struct block;
struct insn;

enum cpu_mode { CPU_MODE_64 = 0, CPU_MODE_32 = 1 };

/* Selectors that switch modes on far transfers (Heaven's Gate); the kernel sets the others. */
#define CPU_SEL_CS64 0x33
#define CPU_SEL_CS32 0x23

enum reg {
	R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
	R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15,
};

enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT, SEG_NONE = 7 };

/* RFLAGS bits (Intel SDM Vol. 1, 3.4.3). */
enum {
	FL_CF = 1u << 0, FL_PF = 1u << 2, FL_AF = 1u << 4, FL_ZF = 1u << 6, FL_SF = 1u << 7,
	FL_TF = 1u << 8, FL_IF = 1u << 9, FL_DF = 1u << 10, FL_OF = 1u << 11,
	FL_AC = 1u << 18, FL_ID = 1u << 21,
	FL_ARITH = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF,
	FL_RESERVED1 = 1u << 1, /* always reads as 1 */
};

/* 80-bit extended real as stored by x87: 64-bit significand with explicit integer bit, sign in
 * bit 15 of sign_exp. Kept as plain integers so results never depend on the host long double. */
struct float80 {
	uint64_t mant;
	uint16_t sign_exp;
};

union xmm {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t l[4];
	uint64_t q[2];
	float f[4];
	double d[2];
};

struct x87_state {
	struct float80 st[8]; /* physical registers R0..R7; ST(i) = st[(top + i) & 7] */
	uint16_t cw;          /* control word */
	uint16_t sw;          /* status word with TOP (bits 11-13) kept in `top` instead */
	uint8_t top;
	uint16_t tag;         /* full tag word, 2 bits per physical register (11 = empty) */
	uint16_t fop;
	uint64_t fip, fdp;    /* last instruction / data pointer (64-bit forms, FXSAVE64) */
};

/* Lazy arithmetic flags: the last flag-setting operation, evaluated only when read.
 * See cpu/flags.h. */
struct lazy_flags {
	uint64_t res;
	uint64_t src1;
	uint64_t src2;
	uint8_t op;   /* enum lazy_op */
	uint8_t size; /* operand size in bytes */
	uint8_t cin;  /* carry in for ADC/SBB */
};

enum cpu_exit {
	EXIT_CODE_CHANGED = 1, /* decoded code was written: re-look-up the next instruction */
	EXIT_STOP = 2,         /* cpu_request_stop() */
};

enum trap_kind {
	TRAP_NONE,
	TRAP_BUDGET,      /* instruction budget exhausted; rip = next instruction to run */
	TRAP_STOP,        /* cpu_request_stop() was called (from a hook or another thread) */
	TRAP_SYSCALL,     /* `syscall` (64-bit); rcx/r11 hold return rip/rflags as the ISA says */
	TRAP_INT,         /* int n (vector in trap.vector), incl. int 0x2e/0x29/0x2d; into → vector 4 */
	TRAP_BREAKPOINT,  /* int3 (0xcc); insn_rip = address of the int3 */
	TRAP_SINGLE_STEP, /* TF was set when an instruction completed */
	TRAP_UD,          /* #UD; trap.bytes holds the instruction bytes */
	TRAP_DE,          /* #DE divide error */
	TRAP_GP,          /* #GP: privileged instruction, non-canonical address, misaligned SSE
	                   * operand, or a far transfer / segment load with a selector other than
	                   * 0x23/0x33/0x2b/0x53/null (GP_SELECTOR, trap.selector) (trap.reason) */
	TRAP_PAGE_FAULT,  /* trap.addr, trap.access, trap.guard */
	TRAP_X87,         /* #MF: unmasked x87 exception pending at a waiting instruction */
	TRAP_SIMD,        /* #XM: unmasked SSE floating-point exception */
	TRAP_BOUND,       /* #BR (32-bit `bound`) */
};

enum mem_access { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 8 }; /* = NT AV codes */

enum gp_reason {
	GP_PRIVILEGED = 1, GP_MISALIGNED, GP_NONCANONICAL, GP_SELECTOR, GP_OTHER,
};

struct cpu_trap {
	enum trap_kind kind;
	uint64_t insn_rip;  /* address of the instruction that trapped */
	uint64_t addr;      /* page fault: faulting guest address */
	uint8_t access;     /* page fault: enum mem_access */
	bool guard;         /* page fault hit a guard page (the kernel clears the guard bit) */
	uint8_t vector;     /* TRAP_INT */
	uint8_t reason;     /* TRAP_GP: enum gp_reason */
	uint16_t selector;  /* TRAP_GP with GP_SELECTOR */
	uint8_t nbytes;     /* TRAP_UD: instruction bytes */
	uint8_t bytes[15];
};

/* What the driver provides. All optional. */
struct cpu_hooks {
	void *ctx;
	/* RDTSC/RDTSCP value; default: retired instruction count. */
	uint64_t (*read_tsc)(void *ctx, struct cpu *c);
};

struct cpu {
	/* Hot state first. */
	uint64_t r[16];
	uint64_t rip;
	uint64_t rflags;          /* non-arithmetic bits always; arithmetic bits when lf.op == LF_NONE */
	struct lazy_flags lf;
	struct guest_mem *mem;
	const struct insn *cur;   /* instruction being executed (for fault reporting) */
	struct block *cur_block;  /* block being executed */
	volatile int exit_request;/* enum cpu_exit bits: leave the block loop after this instruction */
	enum cpu_mode mode;
	uint64_t seg_base[SEG_COUNT]; /* only FS and GS are non-zero in practice */
	uint16_t seg[SEG_COUNT];

	union xmm xmm[16];
	uint32_t mxcsr;
	struct x87_state fpu;

	uint64_t icount;          /* retired instructions */
	uint64_t rng_state;       /* RDRAND/RDSEED: deterministic, seeded by cpu_init */
	struct cpu_trap trap;
	struct cpu_hooks hooks;
	struct block_cache *cache;
	jmp_buf fault_jmp;        /* valid only inside cpu_run */
	bool in_run;
};

/* Initialise `c` for `mem` (shared by all threads of a process) and `cache` (likewise):
 * mode 64, selectors CS 0x33 / SS DS ES GS 0x2b / FS 0x53 (32-bit) as Windows, rflags 0x202,
 * mxcsr 0x1f80, x87 CW 0x37f (FNINIT). */
void cpu_init(struct cpu *c, struct guest_mem *mem, struct block_cache *cache, uint64_t seed);

/* Run at most `budget` instructions. Returns the trap kind (also in c->trap). For faults the
 * state is as before the faulting instruction and c->rip = trap.insn_rip; for TRAP_SYSCALL,
 * TRAP_INT, TRAP_BREAKPOINT and TRAP_SINGLE_STEP c->rip is the next instruction. */
enum trap_kind cpu_run(struct cpu *c, uint64_t budget);

/* Ask a running cpu_run to return TRAP_STOP after the current instruction. */
void cpu_request_stop(struct cpu *c);

/* Full RFLAGS (materialises lazy flags) and setting it (only user-writable bits change). */
uint64_t cpu_get_rflags(struct cpu *c);
void cpu_set_rflags(struct cpu *c, uint64_t value);

/* Switch between 64-bit and compatibility mode as a far transfer to `cs` would. */
bool cpu_set_cs(struct cpu *c, uint16_t cs);

const char *cpu_trap_name(enum trap_kind kind);

/* The 512-byte FXSAVE image of the x87/SSE state (SDM Vol. 1, 10.5.1), with 64-bit FIP/FDP
 * (FXSAVE64) when `fip64`: what a Windows CONTEXT's FltSave holds. Restoring fails (state
 * unchanged) if the image's MXCSR has reserved bits set. */
void cpu_fxsave_image(const struct cpu *c, uint8_t img[512], bool fip64);
bool cpu_fxrstor_image(struct cpu *c, const uint8_t img[512], bool fip64);

#endif
