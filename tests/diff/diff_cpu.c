/* diff-cpu: differential test of the interpreter against the host CPU.
 *
 *   diff-cpu [--seed S] [--cases N]            every runnable row, N cases each (default 300);
 *                                              every third case runs after a flag-producing
 *                                              register instruction in the same block
 *   diff-cpu --fuzz N [--seed S]               N cases on randomly chosen rows
 *   diff-cpu --seed S --row R --case K         one case, with its full state (a reproducer)
 *   options: --mnemonic M (only rows named M), -v (a line per row), --out FILE (mismatch log)
 *
 * Every case's encoding and state derive from (seed, row, case) alone, so the reproducer line
 * printed with a mismatch replays exactly that case. Exit status 1 on any mismatch. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/diff/diff.h"

#include <signal.h> /* after diff.h: it pulls in <unistd.h>, whose F_LOCK clobbers the row flag */

#if defined(__x86_64__)

static struct {
	uint64_t seed;
	unsigned cases;
	long row;
	long one_case;
	uint64_t fuzz;
	const char *mnemonic;
	bool verbose;
	bool trace;
	const char *out;
} opt = {.seed = 1, .cases = 300, .row = -1, .one_case = -1, .out = NULL};

static FILE *mlog;
static bool compat; /* the host can run compatibility-mode code */
static uint64_t host_flakes;
static uint8_t *pattern;

struct row_stats {
	uint64_t run, skipped, faults, mismatches, decode_notes;
	uint32_t variants; /* bit (osz index * 2 + is_mem) */
	uint32_t zydis_undef; /* undefined flags taken from Zydis (the table has no entry) */
	char skip_msg[96];
};
static struct row_stats *stats;

static void seed_case(struct rng *g, unsigned row, uint64_t k)
{
	g->s = opt.seed * 0x9e3779b97f4a7c15ull ^ (uint64_t)row << 40 ^ k;
	rng_next(g);
}

static bool in_buffer(uint64_t addr, uint64_t n)
{
	return addr >= DIFF_DATA && addr + n <= DIFF_DATA + DIFF_DATA_SIZE && addr + n >= addr;
}

static void prepare_memory(const struct tcase *t)
{
	uint8_t *nd = native_data();
	memcpy(nd, pattern, DIFF_DATA_SIZE);
	struct rng g = {t->mem_seed};
	for (unsigned w = 0; w < t->nwin; w++)
		for (uint64_t a = t->win_lo[w]; a < t->win_hi[w]; a += 8) {
			uint64_t v = rng_next(&g);
			memcpy(nd + (a - DIFF_DATA), &v, a + 8 <= t->win_hi[w] ? 8 : t->win_hi[w] - a);
		}
	if (t->copy_n && in_buffer(t->copy_from, t->copy_n) && in_buffer(t->copy_to, t->copy_n))
		memmove(nd + (t->copy_to - DIFF_DATA), nd + (t->copy_from - DIFF_DATA), t->copy_n);
	for (unsigned k = 0; k < t->ninit; k++)
		if (in_buffer(t->init[k].at, t->init[k].n))
			memcpy(nd + (t->init[k].at - DIFF_DATA), &t->init[k].val, t->init[k].n);
	if (t->popf_at && in_buffer(t->popf_at, 8)) { /* user-mode POPF must not set TF or AC */
		uint64_t *fl = (uint64_t *)(nd + (t->popf_at - DIFF_DATA));
		*fl &= ~(uint64_t)(FL_TF | FL_AC);
	}
	memcpy(emu_data(), nd, DIFF_DATA_SIZE);
}

static const char *outcome_name(enum outcome o)
{
	static const char *const n[] = {"completed", "#DE", "#MF/#XM", "#GP/#PF", "#UD", "trap", "other",
					"CRASHED (host signal in the interpreter)"};
	return n[o];
}

static void logf_both(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_both(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs(buf, stdout);
	if (mlog)
		fputs(buf, mlog);
}

static void hex16(char *s, const uint8_t *p, unsigned n)
{
	for (unsigned k = n; k-- > 0;)
		s += sprintf(s, "%02x", p[k]);
}

static void print_state(const struct tcase *t)
{
	logf_both("  initial state:\n");
	for (int n = 0; n < 16; n += 4)
		logf_both("    r%-2d %016llx %016llx %016llx %016llx\n", n, (unsigned long long)t->in.r[n],
			  (unsigned long long)t->in.r[n + 1], (unsigned long long)t->in.r[n + 2],
			  (unsigned long long)t->in.r[n + 3]);
	uint16_t fcw, fsw;
	uint32_t mxcsr;
	memcpy(&fcw, t->in.fx + FX_FCW, 2);
	memcpy(&fsw, t->in.fx + FX_FSW, 2);
	memcpy(&mxcsr, t->in.fx + FX_MXCSR, 4);
	logf_both("    rflags %llx mxcsr %08x fcw %04x fsw %04x ftw %02x\n",
		  (unsigned long long)t->in.rflags, mxcsr, fcw, fsw, t->in.fx[FX_FTW]);
	const struct opcode_row *r = &opcode_rows[t->row];
	if (r->mnemonic[0] == 'f' || r->map != M1) { /* x87, MMX and SSE operands */
		unsigned top = (fsw >> 11) & 7;
		for (unsigned i = 0; i < 8; i++) {
			char h[24];
			hex16(h, t->in.fx + FX_ST + 16 * i, 10);
			logf_both("    st(%u) %s%s", i, h, t->in.fx[FX_FTW] >> ((top + i) & 7) & 1 ? "" : " (empty)");
			logf_both(i % 2 ? "\n" : "   ");
		}
		for (unsigned x = 0; x < 16; x += 2) {
			char h1[40], h2[40];
			hex16(h1, t->in.fx + FX_XMM + 16 * x, 16), hex16(h2, t->in.fx + FX_XMM + 16 * x + 16, 16);
			logf_both("    xmm%-2u %s  xmm%-2u %s\n", x, h1, x + 1, h2);
		}
	}
}


/* Sign-magnitude encodings as a monotonic integer line: the distance is the number of
 * representable values between two numbers of the same sign. */
static bool f80_close(const uint8_t *x, const uint8_t *y, uint64_t ulps)
{
	if (!memcmp(x, y, 10))
		return true;
	uint64_t mx, my;
	uint16_t ex, ey;
	memcpy(&mx, x, 8), memcpy(&ex, x + 8, 2);
	memcpy(&my, y, 8), memcpy(&ey, y + 8, 2);
	if (!ulps || (ex ^ ey) & 0x8000 || (ex & 0x7fff) == 0x7fff || (ey & 0x7fff) == 0x7fff)
		return false;
	/* normal numbers: (exponent, significand without the integer bit) is monotonic */
	unsigned __int128 vx = (unsigned __int128)(ex & 0x7fff) << 63 | (mx & ~(1ull << 63));
	unsigned __int128 vy = (unsigned __int128)(ey & 0x7fff) << 63 | (my & ~(1ull << 63));
	return (vx > vy ? vx - vy : vy - vx) <= ulps;
}

/* |x - y| <= 2^e for two extended-precision values, read as the host's long double (this
 * test runs on x86-64 hosts only, where that is the same format). For results near zero whose
 * sign an argument error can flip, which no count of ulps covers. */
static bool f80_abs_close(const uint8_t *x, const uint8_t *y, int e)
{
	long double a = 0, b = 0;
	memcpy(&a, x, 10), memcpy(&b, y, 10);
	return fabsl(a - b) <= ldexpl(1, e);
}

static bool xmm_close(const uint8_t *x, const uint8_t *y, unsigned ulps)
{
	if (!memcmp(x, y, 16))
		return true;
	if (!ulps)
		return false;
	for (int l = 0; l < 4; l++) { /* the approximations are single precision */
		uint32_t a, b;
		memcpy(&a, x + 4 * l, 4), memcpy(&b, y + 4 * l, 4);
		if (a == b)
			continue;
		if ((a ^ b) >> 31 || (a & 0x7f800000) == 0x7f800000 || (b & 0x7f800000) == 0x7f800000)
			return false;
		uint32_t d = (a & 0x7fffffff) > (b & 0x7fffffff) ? (a & 0x7fffffff) - (b & 0x7fffffff)
								   : (b & 0x7fffffff) - (a & 0x7fffffff);
		if (d > ulps)
			return false;
	}
	return true;
}

/* Compare one case; describe every difference into `why`. Returns the number of differences. */
static int compare(const struct tcase *t, const struct result *nat, const struct result *emu, char *why,
		   size_t whysz)
{
	const char *m = opcode_rows[t->row].mnemonic;
	size_t len = 0;
	int diffs = 0;
#define NOTE(...)                                                                   \
	do {                                                                        \
		if (len < whysz)                                                    \
			len += (size_t)snprintf(why + len, whysz - len, __VA_ARGS__); \
		diffs++;                                                            \
	} while (0)
	static const char *const rn[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
	if (nat->out != emu->out)
		NOTE("    outcome: native %s (signal %d code %d addr %llx rip %llx), ntemu %s\n",
		     outcome_name(nat->out), nat->sig, nat->code, (unsigned long long)nat->addr,
		     (unsigned long long)nat->s.pad, outcome_name(emu->out));
	/* a fault must point at the faulting instruction (not the prefix one, not the next) */
	if (nat->out == emu->out && nat->out != OUT_OK && nat->out != OUT_TRAP && nat->s.pad != emu->s.pad)
		NOTE("    fault address: native rip %llx, ntemu %llx\n", (unsigned long long)nat->s.pad,
		     (unsigned long long)emu->s.pad);
	if (emu->out == OUT_CRASH) {
		NOTE("    host signal %llu inside cpu_run\n", (unsigned long long)emu->s.pad);
		return diffs;
	}
	/* after compatibility mode only the low halves are architectural */
	uint64_t rmask = t->mode32 ? 0xffffffffull : ~0ull;
	for (int n = 0; n < 16; n++)
		if ((nat->s.r[n] ^ emu->s.r[n]) & rmask)
			NOTE("    %s: native %016llx ntemu %016llx\n", rn[n], (unsigned long long)nat->s.r[n],
			     (unsigned long long)emu->s.r[n]);
	uint64_t fmask = FL_ARITH | FL_DF;
	bool from_zydis;
	uint64_t undef = undef_flags(m, t, &from_zydis);
	if (from_zydis)
		stats[t->row].zydis_undef |= (uint32_t)undef;
	if (nat->out == OUT_OK)
		fmask &= ~undef;
	else if ((!strncmp(m, "cmps", 4) || !strncmp(m, "scas", 4)) && opcode_rows[t->row].pfx == P_ANY)
		/* a REPE/REPNE compare interrupted by a fault: the host reports varying arithmetic
		 * flags for the same case (the SDM does not define them at the interruption) */
		fmask = FL_DF;
	if ((nat->s.rflags ^ emu->s.rflags) & fmask)
		NOTE("    rflags (compared bits %03llx): native %03llx ntemu %03llx\n", (unsigned long long)fmask,
		     (unsigned long long)(nat->s.rflags & fmask), (unsigned long long)(emu->s.rflags & fmask));

	const uint8_t *a = nat->s.fx, *b = emu->s.fx;
	uint16_t acw, bcw, asw, bsw;
	memcpy(&acw, a + FX_FCW, 2), memcpy(&bcw, b + FX_FCW, 2);
	memcpy(&asw, a + FX_FSW, 2), memcpy(&bsw, b + FX_FSW, 2);
	uint16_t swmask = (uint16_t)~(nat->out == OUT_OK ? undef_fsw(m) : 0);
	if (acw != bcw)
		NOTE("    fcw: native %04x ntemu %04x\n", acw, bcw);
	if ((asw ^ bsw) & swmask)
		NOTE("    fsw: native %04x ntemu %04x (mask %04x)\n", asw, bsw, swmask);
	if (a[FX_FTW] != b[FX_FTW])
		NOTE("    ftw: native %02x ntemu %02x\n", a[FX_FTW], b[FX_FTW]);
	unsigned top = (asw >> 11) & 7;
	uint64_t x87_ulps = nat->out == OUT_OK ? x87_approx_ulps(m) : 0;
	/* Arguments beyond pi/4 are reduced with a finite approximation of pi (Intel: 66 bits,
	 * SDM Vol. 1, 8.3.8): the reduced argument, and so the result, is only as exact as about
	 * |x| * 2^-64 in absolute terms, which differs between implementations (ntemu reduces
	 * exactly). Near a multiple of pi/2 the result is small and that absolute error is many
	 * of its ulps: the allowance is 2^(e(x) - e(result) + 2) ulps of each result. tan's
	 * derivative 1 + tan^2 amplifies the same argument error near pi/2, where the result is
	 * large: 2^(e(x) + |e(result)| + 2) ulps there. A result so near zero that the argument
	 * error can change its sign is compared in absolute terms: within 2^(e(x) - 62), times
	 * 2^(2 e(result)) for a large tan. */
	int trig_arg_e = -1;
	if (x87_ulps && (!strcmp(m, "fsin") || !strcmp(m, "fcos") || !strcmp(m, "fsincos") || !strcmp(m, "fptan"))) {
		uint16_t se;
		memcpy(&se, t->in.fx + FX_ST + 8, 2);
		trig_arg_e = (se & 0x7fff) - 0x3fff;
	}
	for (unsigned i = 0; i < 8; i++) {
		if (!(a[FX_FTW] >> ((top + i) & 7) & 1))
			continue;
		uint64_t ulps = x87_ulps;
		int abs_e = INT_MIN;
		if (trig_arg_e > 0) {
			uint16_t rse;
			memcpy(&rse, a + FX_ST + 16 * i + 8, 2);
			int re = (rse & 0x7fff) - 0x3fff;
			bool large_tan = !strcmp(m, "fptan") && re > 0;
			int shift = trig_arg_e + (large_tan ? re : -re) + 2;
			ulps += shift >= 62 ? ~0ull >> 2 : shift > 0 ? 1ull << shift : 0;
			abs_e = trig_arg_e - 62 + (large_tan ? 2 * re : 0);
		}
		if (!f80_close(a + FX_ST + 16 * i, b + FX_ST + 16 * i, ulps) &&
		    (abs_e == INT_MIN || !f80_abs_close(a + FX_ST + 16 * i, b + FX_ST + 16 * i, abs_e))) {
			char x[24], y[24];
			hex16(x, a + FX_ST + 16 * i, 10), hex16(y, b + FX_ST + 16 * i, 10);
			NOTE("    st(%u): native %s ntemu %s\n", i, x, y);
		}
	}
	uint32_t amx, bmx;
	memcpy(&amx, a + FX_MXCSR, 4), memcpy(&bmx, b + FX_MXCSR, 4);
	if (amx != bmx)
		NOTE("    mxcsr: native %08x ntemu %08x\n", amx, bmx);
	unsigned sse_ulps = sse_approx_ulps(m);
	for (int x = 0; x < 16; x++)
		if (!xmm_close(a + FX_XMM + 16 * x, b + FX_XMM + 16 * x, sse_ulps)) {
			char s1[40], s2[40];
			hex16(s1, a + FX_XMM + 16 * x, 16), hex16(s2, b + FX_XMM + 16 * x, 16);
			NOTE("    xmm%d: native %s ntemu %s\n", x, s1, s2);
		}
	const uint8_t *nd = native_data(), *ed = emu_data();
	/* A REP MOVS/STOS that faults at the end (or start) of the buffer: this host sometimes
	 * stores the first bytes of the element that straddles into the unmapped page; the SDM
	 * promises nothing about them, so that element's bytes are not compared. */
	size_t skip = 0;
	if (nat->out != OUT_OK && opcode_rows[t->row].pfx == P_ANY && (!strncmp(m, "movs", 4) || !strncmp(m, "stos", 4)))
		skip = t->osz;
	if (memcmp(nd, ed, DIFF_DATA_SIZE)) {
		int shown = 0;
		for (size_t off = 0; off < DIFF_DATA_SIZE && shown < 6; off += 8) {
			uint64_t x, y;
			memcpy(&x, nd + off, 8), memcpy(&y, ed + off, 8);
			for (size_t b = 0; b < 8; b++)
				if (off + b < skip || off + b >= DIFF_DATA_SIZE - skip)
					((uint8_t *)&x)[b] = ((uint8_t *)&y)[b];
			if (x == y)
				continue;
			memcpy(&x, nd + off, 8);
			NOTE("    memory qword at %llx: native %016llx ntemu %016llx\n",
			     (unsigned long long)(DIFF_DATA + off), (unsigned long long)x, (unsigned long long)y);
			shown++;
		}
	}
	return diffs;
#undef NOTE
}

static unsigned osz_index(unsigned osz)
{
	return osz == 1 ? 0 : osz == 2 ? 1 : osz == 4 ? 2 : osz == 8 ? 3 : 4;
}

/* Native faults this VM has been seen to raise without cause: inside the stub itself, or a
 * page fault on the data buffer, which is mapped read-write throughout. */
static bool native_spurious(const struct tcase *t, const struct result *nat)
{
	if (nat->host_flake || (nat->sig == SIGSEGV && nat->addr >= DIFF_DATA && nat->addr < DIFF_DATA + DIFF_DATA_SIZE))
		return true;
	/* A string instruction's page fault must come with rsi or rdi at the faulting element; the
	 * VM has reported the fault with registers from an earlier interruption point instead. */
	const char *m = opcode_rows[t->row].mnemonic;
	static const char *const strs[] = {"movs", "stos", "lods", "cmps", "scas"};
	if (nat->sig != SIGSEGV || opcode_rows[t->row].pfx != P_ANY)
		return false;
	for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
		if (strncmp(m, strs[k], 4))
			continue;
		uint64_t mask = t->asz == 4 ? 0xffffffffull : ~0ull;
		uint64_t si = nat->s.r[R_SI] & mask, di = nat->s.r[R_DI] & mask;
		return !(nat->addr - si < 8 || si - nat->addr < 8 || nat->addr - di < 8 || di - nat->addr < 8);
	}
	return false;
}

/* Run case k of row; returns false on a mismatch. */
static bool run_case(unsigned row, uint64_t k, bool show_state)
{
	struct rng g;
	struct tcase t;
	char msg[200] = "";
	struct row_stats *st = &stats[row];
	const struct opcode_row *r = &opcode_rows[row];
	seed_case(&g, row, k);
	/* compatibility-mode-only rows always, 64-bit-only rows never, the rest in a quarter of cases */
	uint32_t fl = opcode_rows[row].flags;
	bool mode32 = compat && ((fl & F_I64) || (!(fl & F_O64) && k % 4 == 3));
	enum gen_status gs = gen_case(row, mode32, &g, &t, msg, sizeof msg);
	if (gs == GEN_SKIP) {
		st->skipped++;
		if (msg[0])
			snprintf(st->skip_msg, sizeof st->skip_msg, "%s", msg);
		return true;
	}
	/* every third case runs after a flag-producing instruction (see gen_prefix) */
	if (k % 3 == 2)
		gen_prefix(&g, &t);
	char bytes[96] = "";
	size_t bl = 0;
	if (t.prelen) {
		bl += (size_t)sprintf(bytes + bl, "[");
		for (unsigned n = 0; n < t.prelen; n++)
			bl += (size_t)sprintf(bytes + bl, n + 1 < t.prelen ? "%02x " : "%02x] ", t.pre[n]);
	}
	for (unsigned n = 0; n < t.len; n++)
		bl += (size_t)sprintf(bytes + bl, "%02x ", t.bytes[n]);
	if (gs == GEN_DECODE_DIFFERS && ++st->decode_notes == 1)
		printf("note: %s (row %u) bytes %s: %s; the host referees (reproduce: diff-cpu --seed %llu --row %u --case %llu)\n",
		       r->mnemonic, row, bytes, msg, (unsigned long long)opt.seed, row, (unsigned long long)k);
	prepare_memory(&t);
	if (opt.trace) /* find the case that kills the tester itself */
		fprintf(stderr, "row %u case %llu: %s\n", row, (unsigned long long)k, bytes);
	struct result nat, emu;
	native_run(&t, &nat);
	/* This host (a PVM/Firecracker VM) now and then raises a spurious #UD on SSE/MMX
	 * instructions; a real #UD repeats, so a native #UD is confirmed by re-running. */
	for (int retry = 0; retry < 3 && (nat.out == OUT_UD || native_spurious(&t, &nat)); retry++) {
		bool flake = native_spurious(&t, &nat);
		prepare_memory(&t);
		native_run(&t, &nat);
		if (flake || nat.out != OUT_UD)
			host_flakes++;
	}
	emu_run(&t, &emu);
	st->run++;
	st->variants |= 1u << (osz_index(t.osz) * 2 + t.is_mem);
	if (nat.out != OUT_OK)
		st->faults++;
	char why[4096];
	int d = compare(&t, &nat, &emu, why, sizeof why);
	/* The VM has also been seen to execute an instruction as another, once (tzcnt with the
	 * flags of bsf, as if BMI1 had vanished for a moment): a mismatch stands only when the
	 * host gives the same answer again. Both sides run afresh, since preparing the memory
	 * resets the interpreter's copy too. */
	for (int retry = 0; d && retry < 2; retry++) {
		struct result again;
		prepare_memory(&t);
		native_run(&t, &again);
		emu_run(&t, &emu);
		char ignored[4096];
		if (!compare(&t, &again, &emu, ignored, sizeof ignored)) {
			host_flakes++;
			d = 0;
		}
	}
	if (show_state) {
		printf("%s (row %u) bytes %s osz %u %s%s, native %s, ntemu %s: %s\n", r->mnemonic, row, bytes,
		       t.osz, t.is_mem ? "mem" : "reg", t.mode32 ? " (compatibility mode)" : "", outcome_name(nat.out), outcome_name(emu.out),
		       d ? "MISMATCH" : "same");
		print_state(&t);
	}
	if (!d)
		return true;
	st->mismatches++;
	if (st->mismatches <= 3 || show_state) {
		logf_both("MISMATCH %s (row %u) bytes %s(osz %u, %s%s)\n%s", r->mnemonic, row, bytes, t.osz,
			  t.is_mem ? "memory operand" : "register operand", t.mode32 ? ", compatibility mode" : "", why);
		if (!show_state)
			print_state(&t);
		logf_both("  reproduce: diff-cpu --seed %llu --row %u --case %llu\n",
			  (unsigned long long)opt.seed, row, (unsigned long long)k);
	}
	return false;
}

static bool row_selected(unsigned row)
{
	if (opt.row >= 0 && (unsigned)opt.row != row)
		return false;
	return !opt.mnemonic || !strcmp(opt.mnemonic, opcode_rows[row].mnemonic);
}

static void usage(void)
{
	fprintf(stderr, "usage: diff-cpu [--seed S] [--cases N] [--fuzz N] [--row R [--case K]] "
			"[--mnemonic M] [--out FILE] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	opt.trace = getenv("DIFF_TRACE") != NULL;
	for (int a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		if (!strcmp(argv[a], "-v"))
			opt.verbose = true;
		else if (!v)
			usage();
		else if (!strcmp(argv[a], "--seed"))
			opt.seed = strtoull(v, NULL, 0), a++;
		else if (!strcmp(argv[a], "--cases"))
			opt.cases = (unsigned)strtoul(v, NULL, 0), a++;
		else if (!strcmp(argv[a], "--fuzz"))
			opt.fuzz = strtoull(v, NULL, 0), a++;
		else if (!strcmp(argv[a], "--row"))
			opt.row = strtol(v, NULL, 0), a++;
		else if (!strcmp(argv[a], "--case"))
			opt.one_case = strtol(v, NULL, 0), a++;
		else if (!strcmp(argv[a], "--mnemonic"))
			opt.mnemonic = v, a++;
		else if (!strcmp(argv[a], "--out"))
			opt.out = v, a++;
		else
			usage();
	}
	if (!native_init() || !emu_init()) {
		fprintf(stderr, "diff-cpu: cannot map the fixed test areas at %#llx\n", DIFF_DATA);
		return 1;
	}
	gen_init(native_gs_base_zero());
	compat = native_compat_available();
	if (opt.out && !(mlog = fopen(opt.out, "a")))
		perror(opt.out);
	pattern = malloc(DIFF_DATA_SIZE);
	struct rng pg = {0x5eed};
	for (size_t n = 0; n < DIFF_DATA_SIZE; n += 8) {
		uint64_t v = rng_next(&pg);
		memcpy(pattern + n, &v, 8);
	}
	stats = calloc(opcode_row_count, sizeof *stats);

	if (opt.one_case >= 0) {
		if (opt.row < 0 || (unsigned)opt.row >= opcode_row_count)
			usage();
		return run_case((unsigned)opt.row, (uint64_t)opt.one_case, true) ? 0 : 1;
	}

	printf("diff-cpu: %s host, seed %llu, %u opcode rows\n", host_is_amd() ? "AMD" : "Intel-compatible",
	       (unsigned long long)opt.seed, opcode_row_count);
	if (!compat)
		printf("diff-cpu: this host cannot enter compatibility mode (a far jump to CS 0x23 faults): "
		       "64-bit cases only\n");
	unsigned *eligible = calloc(opcode_row_count + 1, sizeof *eligible);
	unsigned neligible = 0, nexcluded = 0;
	printf("excluded rows:\n");
	for (unsigned row = 0; row < opcode_row_count; row++) {
		const char *why;
		if (!row_selected(row))
			continue;
		if (gen_row_supported(row, compat, &why)) {
			eligible[neligible++] = row;
		} else {
			nexcluded++;
			const struct opcode_row *r = &opcode_rows[row];
			printf("  %-10s %s%02x /%s: %s\n", r->mnemonic,
			       r->map == M0F ? "0f " : r->map == M0F38 ? "0f 38 " : r->map == M0F3A ? "0f 3a " : "",
			       r->opcode, r->reg < 8 ? (char[]){(char)('0' + r->reg), 0} : "r", why);
		}
	}
	clock_t t0 = clock();
	uint64_t total = 0;
	bool ok = true;
	if (opt.fuzz) {
		struct rng g = {opt.seed ^ 0xf022};
		for (uint64_t k = 0; k < opt.fuzz && neligible; k++) {
			unsigned row = eligible[rng_below(&g, neligible)];
			ok &= run_case(row, k, false);
		}
	} else {
		for (unsigned e = 0; e < neligible; e++)
			for (unsigned k = 0; k < opt.cases; k++)
				ok &= run_case(eligible[e], k, false);
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;

	unsigned forms = 0, variants = 0, bad_rows = 0, never = 0, by_map[MAP_COUNT] = {0}, vex = 0;
	uint64_t skipped = 0, faults = 0;
	for (unsigned e = 0; e < neligible; e++) {
		unsigned row = eligible[e];
		struct row_stats *st = &stats[row];
		const struct opcode_row *r = &opcode_rows[row];
		total += st->run, skipped += st->skipped, faults += st->faults;
		if (st->run) {
			forms++;
			if (r->pfx >= V_NP)
				vex++;
			else
				by_map[r->map]++;
		} else {
			never++;
		}
		variants += (unsigned)__builtin_popcount(st->variants);
		bool bad = st->mismatches;
		bad_rows += bad;
		if (opt.verbose || bad || !st->run)
			printf("  row %4u %-12s %s%02x  run %-6llu skipped %-5llu faults %-5llu %s%s%s\n", row,
			       r->mnemonic,
			       r->map == M0F ? "0f " : r->map == M0F38 ? "0f 38 " : r->map == M0F3A ? "0f 3a " : "",
			       r->opcode, (unsigned long long)st->run, (unsigned long long)st->skipped,
			       (unsigned long long)st->faults,
			       bad ? "MISMATCH" : st->run ? "ok" : "NOT RUN",
			       st->skip_msg[0] ? " — " : "", st->skip_msg);
	}
	printf("diff-cpu: %u forms run (%u operand-size/operand-kind variants), %u rows excluded, %u not run; "
	       "%llu cases (%llu ending in a fault on both sides checked alike), %llu encodings skipped; %.1f s\n",
	       forms, variants, nexcluded, never, (unsigned long long)total, (unsigned long long)faults,
	       (unsigned long long)skipped, secs);
	bool any_zydis = false;
	for (unsigned e = 0; e < neligible; e++) {
		struct row_stats *st = &stats[eligible[e]];
		if (!st->zydis_undef)
			continue;
		if (!any_zydis)
			printf("diff-cpu: undefined flags taken from Zydis (not in the table):");
		any_zydis = true;
		printf(" %s(%03x)", opcode_rows[eligible[e]].mnemonic, st->zydis_undef);
	}
	if (any_zydis)
		printf("\n");
	printf("diff-cpu: forms run by map: one-byte %u, 0f %u, 0f 38 %u, 0f 3a %u, VEX %u (-v lists every form)\n",
	       by_map[M1], by_map[M0F], by_map[M0F38], by_map[M0F3A], vex);
	if (host_flakes)
		printf("diff-cpu: %llu spurious native results (a #UD, a fault in the stub or on the mapped buffer, or a result the host did not repeat) run again (host VM flakiness)\n", (unsigned long long)host_flakes);
	if (!ok && mlog) { /* one line for readers of the log */
		fprintf(mlog, "SUMMARY seed %llu: mismatching forms:", (unsigned long long)opt.seed);
		for (unsigned e = 0; e < neligible; e++)
			if (stats[eligible[e]].mismatches)
				fprintf(mlog, " %s(row %u, %llu of %llu cases)", opcode_rows[eligible[e]].mnemonic, eligible[e],
					(unsigned long long)stats[eligible[e]].mismatches,
					(unsigned long long)stats[eligible[e]].run);
		fprintf(mlog, "\n");
	}
	if (!ok)
		printf("diff-cpu: MISMATCHES in %u forms (details above%s%s)\n", bad_rows,
		       opt.out ? ", also in " : "", opt.out ? opt.out : "");
	else
		printf("diff-cpu: no mismatches\n");
	if (mlog)
		fclose(mlog);
	return ok ? 0 : 1;
}

#else

int main(void)
{
	puts("diff-cpu: skipped: differential testing needs an x86-64 host");
	return 0;
}

#endif
