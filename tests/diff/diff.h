/* Differential CPU tester: every opcode row is run natively on the host CPU and in the
 * interpreter from the same random state, and every architecturally defined result is compared.
 *
 * Layout shared by both sides (guest address == host address, so RIP-relative operands and
 * pushed return addresses are the same numbers in both):
 *   DIFF_DATA  the data buffer: memory operands, the stack (RSP points into it), string buffers
 *   DIFF_CODE  one page: the native stub's prologue, the instruction at DIFF_INSN, the epilogue;
 *              in the guest the same page holds the instruction followed by int3 */
#ifndef NTEMU_TEST_DIFF_H
#define NTEMU_TEST_DIFF_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/decode.h"
#include "cpu/opcode_defs.h"

#define DIFF_DATA 0x10000000ull
#define DIFF_DATA_SIZE 0x20000ull
#define DIFF_DATA_MID (DIFF_DATA + DIFF_DATA_SIZE / 2)
#define DIFF_CODE 0x10100000ull
#define DIFF_INSN (DIFF_CODE + 0x800)
#define DIFF_STATE 0x10200000ull /* host only: the stub's in/out state blocks */

/* FXSAVE64 image offsets (SDM Vol. 1, 10.5.1, table 10-2). */
enum {
	FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
	FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160,
};

/* Register, flag and FPU/SSE state as the stub loads and stores it. */
struct xstate {
	uint64_t r[16];
	uint64_t rflags;
	uint64_t pad;
	uint8_t fx[512] __attribute__((aligned(16)));
};

/* How a run ended, comparable between the two sides. */
enum outcome {
	OUT_OK,    /* the instruction completed */
	OUT_DE,    /* #DE (SIGFPE FPE_INTDIV/INTOVF) */
	OUT_FPE,   /* #MF / #XM (SIGFPE, other codes) */
	OUT_GP,    /* #GP / #PF / #SS (SIGSEGV, SIGBUS) */
	OUT_UD,    /* #UD (SIGILL) */
	OUT_TRAP,  /* int3 / single step (SIGTRAP) */
	OUT_OTHER, /* anything else: never equal to the other side */
	OUT_CRASH, /* the interpreter itself crashed (a host signal outside guest code) */
};

struct result {
	struct xstate s;
	enum outcome out;
	int sig, code;  /* native: the signal and si_code of a fault */
	uint64_t addr;  /* native: si_addr */
	bool host_flake; /* native: the stub itself faulted (not the instruction): run again */
};

/* One generated test case: encoding and initial state. */
struct tcase {
	uint8_t bytes[16];
	unsigned len;
	unsigned osz;       /* operand size the decoder chose */
	bool is_mem;
	unsigned asz;
	unsigned row;
	bool mode32;        /* runs in compatibility mode (CS 0x23) */
	bool branch;        /* control transfer: a `cmc` follows, the taken target skips it */
	uint64_t shift_count; /* the immediate byte, for tables that depend on a shift count */
	uint64_t ea;        /* memory operand address (is_mem) */
	struct xstate in;
	/* data buffer windows randomised for this case (the rest holds a fixed pattern) */
	uint64_t win_lo[6], win_hi[6];
	unsigned nwin;
	uint64_t mem_seed;
	/* then these values are stored (branch targets, operands made equal on purpose) */
	struct { uint64_t at, val; unsigned n; } init[2];
	unsigned ninit;
	/* and, if non-zero, these bytes are copied (a string compare's equal buffers) */
	uint64_t copy_from, copy_to, copy_n;
	uint64_t popf_at;   /* non-zero: the popf image there gets TF and AC cleared */
	uint32_t pinned;    /* registers the case's set-up relies on (pointers, counts) */
	uint32_t zydis_undef; /* RFLAGS bits Zydis lists as undefined for this encoding */
	/* optional flag-producing register instruction run just before, at DIFF_INSN - prelen */
	uint8_t pre[8];
	unsigned prelen;
};

/* ---- rng.c-free helpers: splitmix64, deterministic per (seed, row, case) ---- */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned rng_below(struct rng *g, unsigned n)
{
	return (unsigned)(rng_next(g) % n);
}

/* ---- gen.c ---- */
enum gen_status { GEN_OK, GEN_SKIP, GEN_DECODE_DIFFERS };
/* Whether the generator can run this row at all (compat: compatibility-mode cases are run
 * too); if not, *why says why (the exclusion list). */
bool gen_row_supported(unsigned row, bool compat, const char **why);
/* Build case `k` of `row` from `g`. GEN_SKIP: no valid encoding found (or the case's result
 * is architecturally undefined); GEN_DECODE_DIFFERS: a runnable case, but Zydis names this
 * row's instruction and ntemu's decoder picks something else (message in `msg`): the run
 * against the host decides who is right. */
enum gen_status gen_case(unsigned row, bool mode32, struct rng *g, struct tcase *t, char *msg, size_t msgsz);
/* gs_zero: the host's GS base is 0, so GS-prefixed operands mean the same on both sides */
void gen_init(bool gs_zero);
/* Put an add/adc/sub/sbb/cmp/neg/inc/dec on an unpinned register before the tested instruction:
 * then the tested one reads lazily recorded flags inside one interpreter block, and a fault of
 * the tested one happens mid-block. */
void gen_prefix(struct rng *g, struct tcase *t);

/* ---- native.c ---- */
bool native_init(void);
bool native_gs_base_zero(void);
bool native_compat_available(void);
uint8_t *native_data(void);
void native_run(const struct tcase *t, struct result *out);
/* While set, a host fault outside the stub jumps here (with the signal number) instead of
 * killing the tester: an interpreter crash becomes a reported mismatch. */
void native_guard(sigjmp_buf *jb);

/* ---- emu.c ---- */
bool emu_init(void);
uint8_t *emu_data(void);
void emu_run(const struct tcase *t, struct result *out);

/* ---- undef.c: what is architecturally undefined, per mnemonic ---- */
/* RFLAGS bits the SDM leaves undefined for this case: the table in undef.c, else what Zydis
 * says for the encoding. *from_zydis tells which. */
uint64_t undef_flags(const char *mnemonic, const struct tcase *t, bool *from_zydis);
/* Approximate results: allowed distance in units in the last place (0: exact). */
unsigned x87_approx_ulps(const char *mnemonic);
unsigned sse_approx_ulps(const char *mnemonic);
/* x87 status word bits left undefined (C0..C3). */
uint16_t undef_fsw(const char *mnemonic);
/* Results the SDM leaves undefined (e.g. 16-bit SHLD by more than 16): such cases are skipped. */
bool undef_result(const char *mnemonic, const struct tcase *t);
/* Rows that must fault on both sides (privileged at CPL 3, or #UD by definition). */
bool fault_row(unsigned row);
/* Exclusion reason for a row, NULL if it is tested. */
const char *excluded_row(unsigned row);
/* Host CPU feature the instruction needs that the host lacks (a /proc/cpuinfo flag name),
 * NULL if it runs here. */
const char *missing_host_feature(int zydis_isa_set);
bool host_is_amd(void);

#endif
