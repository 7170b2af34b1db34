/* System-level instructions as user-mode code at CPL 3 sees them: SYSCALL and software
 * interrupts (traps to the driver), privileged instructions (#GP), the virtual CPU model
 * (CPUID, XGETBV, RDTSC/RDTSCP, RDRAND/RDSEED), flag-control (CLC/STC/CMC/CLD/STD), hints and
 * fences, the descriptor-table reads user mode may execute (SGDT/SIDT/SLDT/STR/SMSW without
 * UMIP, LAR/LSL/VERR/VERW), BOUND and the #UD opcodes.
 *
 * Everything is deterministic: the TSC is the driver's clock (hooks.read_tsc) or the retired
 * instruction count, RDRAND is a generator seeded by cpu_init. */
#include "cpu/block.h"
#include "cpu/control.h"
#include "cpu/integer.h"

/* ---- traps ---- */

/* SYSCALL (64-bit mode only; the row is F_O64, so compatibility mode gets #UD as on Intel):
 * RCX = return address, R11 = RFLAGS with RF clear (SDM Vol. 2, SYSCALL). The kernel's FMASK
 * and the return belong to the driver. */
void op_syscall(struct cpu *c, const struct insn *i)
{
	c->r[R_CX] = i->next;
	c->r[R_11] = cpu_get_rflags(c) & ~(uint64_t)FL_RF;
	cpu_raise(c, TRAP_SYSCALL);
}

/* INT n, including INT 3 spelt CD 03: the driver sees the vector (Windows treats CD 03 and
 * CC differently, so they stay distinguishable). */
void op_int(struct cpu *c, const struct insn *i)
{
	cpu_raise_int(c, (uint8_t)i->imm);
}

void op_int3(struct cpu *c, const struct insn *i)
{
	cpu_raise(c, TRAP_BREAKPOINT);
}

/* INTO (compatibility mode only): INT 4 when OF is set. */
void op_into(struct cpu *c, const struct insn *i)
{
	if (cond_eval(c, CC_O))
		cpu_raise_int(c, 4);
}

/* INT1/ICEBP (F1) raises a trap-class #DB after the instruction, which Windows reports as
 * EXCEPTION_SINGLE_STEP at the following address: the same report as a TF step. */
void op_int1(struct cpu *c, const struct insn *i)
{
	cpu_raise(c, TRAP_SINGLE_STEP);
}

/* HLT, CLI/STI (IOPL 0), IN/OUT/INS/OUTS (no I/O permission), LGDT, LIDT, LLDT, LTR, LMSW,
 * INVLPG, SWAPGS, CLTS, INVD, WBINVD, RDMSR, WRMSR, RDPMC (CR4.PCE clear), SYSENTER/SYSEXIT/
 * SYSRET: #GP(0) at CPL 3. */
void op_privileged(struct cpu *c, const struct insn *i)
{
	cpu_raise_gp(c, GP_PRIVILEGED);
}

/* MOV CRn/DRn: REX.R reaches CR8 but no other CR8-CR15 and no DR8-DR15; a register that does
 * not exist is #UD ahead of the #GP of the existing ones (SDM Vol. 2, MOV—Move to/from Control
 * Registers). Row param: 0 control, 1 debug registers. */
void op_mov_crdr(struct cpu *c, const struct insn *i)
{
	if (i->reg >= 8 && (i->param || i->reg != 8))
		cpu_raise_ud(c);
	cpu_raise_gp(c, GP_PRIVILEGED);
}

void op_ud(struct cpu *c, const struct insn *i)
{
	cpu_raise_ud(c);
}

/* PAUSE, LFENCE/MFENCE/SFENCE, PREFETCHh/PREFETCH/PREFETCHW: one thread of guest memory is
 * always coherent and ordered; prefetches never fault. */
void op_hint(struct cpu *c, const struct insn *i)
{
}

/* CLFLUSH has the permission checks and faults of a byte load (SDM Vol. 2, CLFLUSH). */
void op_clflush(struct cpu *c, const struct insn *i)
{
	(void)cpu_read(c, insn_ea(c, i), 1);
}

/* BOUND r, m (compatibility mode): #BR when the signed index is outside [lower, upper]. */
void op_bound(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint64_t ea = insn_ea(c, i);
	int64_t lo = sext(cpu_read(c, ea, n), n);
	int64_t hi = sext(cpu_read(c, (ea + n) & 0xffffffffull, n), n);
	int64_t idx = sext(reg_get(c, i, i->reg, n), n);
	if (idx < lo || idx > hi)
		cpu_raise(c, TRAP_BOUND);
}

/* ---- flag control ---- */

enum { FLAG_CLC, FLAG_STC, FLAG_CMC, FLAG_CLD, FLAG_STD }; /* row param */

void op_flag(struct cpu *c, const struct insn *i)
{
	switch (i->param) {
	case FLAG_CLC: flags_set_arith(c, FL_CF, 0); break;
	case FLAG_STC: flags_set_arith(c, FL_CF, FL_CF); break;
	case FLAG_CMC: flags_set_arith(c, FL_CF, flags_cf(c) ? 0 : FL_CF); break;
	case FLAG_CLD: c->rflags &= ~(uint64_t)FL_DF; break;
	default: c->rflags |= FL_DF; break;
	}
}

/* ---- time, randomness, extended state ---- */

/* c->icount advances once per block: the instructions of this block before RDTSC are added so
 * two reads in one block differ as they would on hardware. */
static uint64_t read_tsc(struct cpu *c, const struct insn *i)
{
	if (c->hooks.read_tsc)
		return c->hooks.read_tsc(c->hooks.ctx, c);
	return c->icount + (uint64_t)(i - c->cur_block->insns);
}

static void set_edx_eax(struct cpu *c, uint64_t v)
{
	c->r[R_AX] = v & 0xffffffffull;
	c->r[R_DX] = v >> 32;
}

void op_rdtsc(struct cpu *c, const struct insn *i)
{
	set_edx_eax(c, read_tsc(c, i));
}

/* RDTSCP also returns IA32_TSC_AUX (the processor number on Windows: 0) in ECX. */
void op_rdtscp(struct cpu *c, const struct insn *i)
{
	set_edx_eax(c, read_tsc(c, i));
	c->r[R_CX] = 0;
}

/* RDPID r32/r64: IA32_TSC_AUX, the processor number (always 0). */
void op_rdpid(struct cpu *c, const struct insn *i)
{
	c->r[i->rm] = 0;
}

/* XCR0 = x87 | SSE: the state CPUID leaf 0xD describes. XCR1 (XINUSE) is not advertised. */
#define CPU_XCR0 3u

void op_xgetbv(struct cpu *c, const struct insn *i)
{
	if ((uint32_t)c->r[R_CX] != 0)
		cpu_raise_gp(c, GP_OTHER);
	set_edx_eax(c, CPU_XCR0);
}

/* XSAVE/XRSTOR, standard form (SDM Vol. 1, 13.7 and 13.8) for the components of XCR0: x87
 * (legacy-region bytes 0-23 and the registers at 32-159) and SSE (MXCSR at 24-31, the XMM
 * registers from 160). The legacy region is the FXSAVE image; REX.W selects its 64-bit
 * FIP/FDP format. ntemu keeps no init tracking, so both components always count as in use. */
#define XS_HEADER 512
#define XS_SIZE 576

static uint64_t xsave_address(struct cpu *c, const struct insn *i)
{
	uint64_t a = insn_ea(c, i);
	if (a & 63)
		cpu_raise_gp(c, GP_MISALIGNED);
	return a;
}

/* The requested-feature bitmap: EDX:EAX & XCR0. */
static uint64_t xsave_rfbm(const struct cpu *c)
{
	return ((c->r[R_DX] & 0xffffffff) << 32 | (c->r[R_AX] & 0xffffffff)) & CPU_XCR0;
}

static unsigned xmm_regs(const struct cpu *c)
{
	return c->mode == CPU_MODE_64 ? 16 : 8;
}

static void copy_x87(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 24);
	memcpy(dst + 32, src + 32, 128);
}

/* Memory is read and merged first and stored in one checked access, so a fault leaves it
 * untouched; bytes of components outside RFBM and the rest of the header keep their values. */
void op_xsave(struct cpu *c, const struct insn *i)
{
	uint64_t a = xsave_address(c, i), rfbm = xsave_rfbm(c);
	uint8_t area[XS_HEADER + 8], cur[512];
	cpu_read_bytes(c, a, area, sizeof area);
	cpu_fxsave_image(c, cur, i->osz == 8);
	if (rfbm & 1)
		copy_x87(area, cur);
	if (rfbm & 2) {
		memcpy(area + 24, cur + 24, 8);
		memcpy(area + 160, cur + 160, 16 * xmm_regs(c));
	}
	uint64_t bv;
	memcpy(&bv, area + XS_HEADER, 8);
	bv |= rfbm;
	memcpy(area + XS_HEADER, &bv, 8);
	cpu_write_bytes(c, a, area, sizeof area);
}

/* Components in RFBM load from memory when their XSTATE_BV bit is set, else take their initial
 * state (x87 as after FNINIT with zeroed registers; XMM zero); MXCSR loads whenever SSE is
 * requested. #GP for a compacted or malformed header or XSTATE_BV bits outside XCR0. */
void op_xrstor(struct cpu *c, const struct insn *i)
{
	uint64_t a = xsave_address(c, i), rfbm = xsave_rfbm(c);
	uint8_t area[XS_SIZE], img[512];
	cpu_read_bytes(c, a, area, sizeof area);
	uint64_t bv, rest = 0;
	memcpy(&bv, area + XS_HEADER, 8);
	for (unsigned k = XS_HEADER + 8; k < XS_SIZE; k++)
		rest |= area[k];
	if ((bv & ~(uint64_t)CPU_XCR0) || rest)
		cpu_raise_gp(c, GP_OTHER);
	cpu_fxsave_image(c, img, i->osz == 8);
	if (rfbm & 1) {
		if (bv & 1) {
			copy_x87(img, area);
		} else {
			memset(img, 0, 24);
			memset(img + 32, 0, 128);
			img[0] = 0x7f; /* FCW 0x037f; FTW 0: all empty */
			img[1] = 0x03;
		}
	}
	if (rfbm & 2) {
		memcpy(img + 24, area + 24, 4);
		if (bv & 2)
			memcpy(img + 160, area + 160, 16 * xmm_regs(c));
		else
			memset(img + 160, 0, 16 * xmm_regs(c));
	}
	if (!cpu_fxrstor_image(c, img, i->osz == 8))
		cpu_raise_gp(c, GP_OTHER);
}

/* RDRAND/RDSEED r16/32/64: splitmix64 over c->rng_state, always successful (CF=1, the other
 * arithmetic flags clear; SDM Vol. 2, RDRAND). */
void op_rdrand(struct cpu *c, const struct insn *i)
{
	uint64_t z = (c->rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	reg_set(c, i, i->rm, i->osz, z);
	flags_set_arith(c, FL_ARITH, FL_CF);
}

/* ---- CPUID ---- */

/* The virtual CPU: an Intel family 6 part (model 0x9E, as Coffee Lake) with exactly the
 * extensions ntemu implements — SSE through SSE4.2, SSSE3, PCLMULQDQ, POPCNT, LZCNT, BMI1/2,
 * MOVBE, CMPXCHG8B/16B, RDRAND/RDSEED, RDTSCP/RDPID, XSAVE with XCR0 = x87|SSE (so XGETBV
 * works, as on every Windows machine), no AVX. Leaves not in the table read as zeros (Intel
 * would repeat the highest basic leaf instead; zero is the safer answer). */
struct cpuid_row {
	uint32_t leaf, sub; /* sub = CPUID_ANY: ECX is ignored */
	uint32_t r[4];      /* EAX EBX ECX EDX */
};

#define CPUID_ANY 0xffffffffu
#define BIT(n) (1u << (n))

/* Leaf 1 ECX / EDX and leaf 7 EBX, 0x80000001 ECX / EDX (SDM Vol. 2, CPUID tables 3-10, 3-11). */
#define L1_ECX (BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ | BIT(9) /* SSSE3 */ |              \
		BIT(13) /* CX16 */ | BIT(19) /* SSE4.1 */ | BIT(20) /* SSE4.2 */ |                 \
		BIT(22) /* MOVBE */ | BIT(23) /* POPCNT */ | BIT(26) /* XSAVE */ |                  \
		BIT(27) /* OSXSAVE */ | BIT(30) /* RDRAND */)
#define L1_EDX (BIT(0) /* FPU */ | BIT(4) /* TSC */ | BIT(5) /* MSR */ | BIT(6) /* PAE */ |     \
		BIT(8) /* CX8 */ | BIT(9) /* APIC */ | BIT(11) /* SEP */ | BIT(13) /* PGE */ |     \
		BIT(15) /* CMOV */ | BIT(16) /* PAT */ | BIT(19) /* CLFSH */ | BIT(23) /* MMX */ |  \
		BIT(24) /* FXSR */ | BIT(25) /* SSE */ | BIT(26) /* SSE2 */)
#define L7_EBX (BIT(3) /* BMI1 */ | BIT(8) /* BMI2 */ | BIT(9) /* ERMS */ | BIT(18) /* RDSEED */)
#define X1_ECX (BIT(0) /* LAHF/SAHF in 64-bit mode */ | BIT(5) /* LZCNT */ | BIT(8) /* PREFETCHW */)
#define X1_EDX (BIT(20) /* NX */ | BIT(27) /* RDTSCP */ | BIT(29) /* LM */)
#define X1_SYSCALL BIT(11) /* reported only to 64-bit code, as Intel does */

/* Caches for leaf 4 (type | level << 5 | self-initialising; ways-1 << 22 | line-1; sets-1):
 * 32 KiB 8-way L1d and L1i, 256 KiB 4-way L2, 8 MiB 16-way L3, 64-byte lines. */
#define CACHE(type, level, ways, sets) \
	{(type) | (level) << 5 | BIT(8), ((ways) - 1) << 22 | 63, (sets) - 1, 0}

static const struct cpuid_row cpuid_rows[] = {
	{0x0, CPUID_ANY, {0xd, 0x756e6547, 0x6c65746e, 0x49656e69}}, /* "GenuineIntel" */
	/* family 6 model 0x9e stepping 10; CLFLUSH line 8 * 8 bytes, one logical processor */
	{0x1, CPUID_ANY, {0x000906ea, 0x00010800, L1_ECX, L1_EDX}},
	{0x2, CPUID_ANY, {0x00feff01, 0, 0, 0}}, /* descriptor 0xff: see leaf 4 */
	{0x4, 0, CACHE(1, 1, 8, 64)},
	{0x4, 1, CACHE(2, 1, 8, 64)},
	{0x4, 2, CACHE(3, 2, 4, 1024)},
	{0x4, 3, CACHE(3, 3, 16, 8192)},
	{0x7, 0, {0, L7_EBX, BIT(22) /* RDPID */, 0}},
	/* x2APIC topology: one thread in one core (level type 1 SMT, 2 core) */
	{0xb, 0, {0, 1, 0x100, 0}},
	{0xb, 1, {0, 1, 0x201, 0}},
	/* XSAVE: components x87|SSE, 512-byte legacy area + 64-byte header; no XSAVEOPT/XSAVEC */
	{0xd, 0, {CPU_XCR0, 576, 576, 0}},
	{0x80000000, CPUID_ANY, {0x80000008, 0, 0, 0}},
	{0x80000001, CPUID_ANY, {0, 0, X1_ECX, X1_EDX}},
	{0x80000006, CPUID_ANY, {0, 0, 256u << 16 | 4 << 12 | 64, 0}},
	{0x80000007, CPUID_ANY, {0, 0, 0, BIT(8) /* invariant TSC */}},
	{0x80000008, CPUID_ANY, {0x3027, 0, 0, 0}}, /* 39-bit physical, 48-bit linear */
};

static const char cpu_brand[48] = "ntemu virtual CPU";

void cpu_cpuid(const struct cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof *out);
	if (leaf >= 0x80000002 && leaf <= 0x80000004) {
		memcpy(out, cpu_brand + (leaf - 0x80000002) * 16, 16);
		return;
	}
	for (size_t k = 0; k < sizeof cpuid_rows / sizeof *cpuid_rows; k++) {
		const struct cpuid_row *r = &cpuid_rows[k];
		if (r->leaf == leaf && (r->sub == CPUID_ANY || r->sub == sub)) {
			memcpy(out, r->r, sizeof r->r);
			break;
		}
	}
	if (leaf == 0xb)
		out[2] |= sub & 0xff; /* the level number echoes ECX, even past the last level */
	if (leaf == 0x80000001 && c->mode == CPU_MODE_64)
		out[3] |= X1_SYSCALL;
}

void op_cpuid(struct cpu *c, const struct insn *i)
{
	uint32_t r[4];
	cpu_cpuid(c, (uint32_t)c->r[R_AX], (uint32_t)c->r[R_CX], r);
	c->r[R_AX] = r[0];
	c->r[R_BX] = r[1];
	c->r[R_CX] = r[2];
	c->r[R_DX] = r[3];
}

/* ---- descriptor-table reads ---- */

/* What user mode may read without UMIP (leaf 7 ECX.UMIP is clear): fixed, plausible values of a
 * Windows x64 machine — GDTR/IDTR in the kernel half, no LDT, TSS selector 0x40, CR0 with
 * PE MP ET NE WP AM PG. Compatibility mode stores the low 32 bits of the bases. */
#define GDT_BASE 0xfffff80000001000ull
#define GDT_LIMIT 0x57
#define IDT_BASE 0xfffff80000002000ull
#define IDT_LIMIT 0xfff
#define TSS_SELECTOR 0x40
#define CR0_VALUE 0x80050033ull

static void store_table_reg(struct cpu *c, const struct insn *i, uint16_t limit, uint64_t base)
{
	uint8_t buf[10];
	unsigned n = c->mode == CPU_MODE_64 ? 8 : 4;
	memcpy(buf, &limit, 2);
	memcpy(buf + 2, &base, n);
	cpu_write_bytes(c, insn_ea(c, i), buf, 2 + n);
}

void op_sgdt(struct cpu *c, const struct insn *i)
{
	store_table_reg(c, i, GDT_LIMIT, GDT_BASE);
}

void op_sidt(struct cpu *c, const struct insn *i)
{
	store_table_reg(c, i, IDT_LIMIT, IDT_BASE);
}

/* SLDT/STR/SMSW: a memory destination takes 16 bits; a register the value zero-extended to the
 * operand size (SMSW r32/r64 stores the low bits of CR0 as current processors do). */
enum { SYSREG_LDTR, SYSREG_TR, SYSREG_MSW }; /* row param */

void op_store_sysreg(struct cpu *c, const struct insn *i)
{
	static const uint64_t values[] = {[SYSREG_LDTR] = 0, [SYSREG_TR] = TSS_SELECTOR,
					  [SYSREG_MSW] = CR0_VALUE};
	uint64_t v = values[i->param];
	if (i->is_mem)
		cpu_write(c, insn_ea(c, i), 2, v);
	else
		reg_set(c, i, i->rm, i->osz, i->osz == 2 ? v : v & size_mask(i->osz));
}

/* The user-visible descriptors of a Windows x64 GDT (as WinDbg's `dg` shows them): the 32-bit
 * and 64-bit code segments, the flat data segment and the 32-bit TEB segment. `attr` is the
 * descriptor's second doubleword masked as LAR returns it (limit 19:16 included). */
static const struct {
	uint16_t sel;
	uint32_t attr, limit;
	bool writable;
} user_descs[] = {
	{CPU_SEL_CS32, 0x00cffb00, 0xffffffff, false},
	{CPU_SEL_CS64, 0x0020fb00, 0, false},
	{SEL_DATA, 0x00cff300, 0xffffffff, true},
	{SEL_TEB32, 0x0040f300, 0x3c00, true},
};

/* The descriptor user code may inspect through `sel` (DPL 3 >= max(CPL, RPL) always holds),
 * or -1 for null, kernel and unknown selectors. */
static int find_desc(uint16_t sel)
{
	for (unsigned k = 0; k < sizeof user_descs / sizeof *user_descs; k++)
		if ((user_descs[k].sel & ~3) == (sel & ~3))
			return (int)k;
	return -1;
}

static void set_zf(struct cpu *c, bool zf)
{
	flags_set_arith(c, FL_ZF, zf ? FL_ZF : 0);
}

enum { SEGQ_LAR, SEGQ_LSL, SEGQ_VERR, SEGQ_VERW }; /* row param */

/* LAR/LSL r, r/m16 and VERR/VERW r/m16: ZF=1 and (LAR/LSL) the access rights or limit when the
 * selector names a descriptor user code can see; ZF=0 and the destination unchanged if not. */
void op_seg_query(struct cpu *c, const struct insn *i)
{
	int d = find_desc((uint16_t)rm_read(c, i, 2));
	switch (i->param) {
	case SEGQ_LAR:
	case SEGQ_LSL:
		if (d >= 0) {
			uint64_t v = i->param == SEGQ_LAR ? user_descs[d].attr : user_descs[d].limit;
			reg_set(c, i, i->reg, i->osz == 8 ? 4 : i->osz, v);
		}
		set_zf(c, d >= 0);
		break;
	case SEGQ_VERR:
		set_zf(c, d >= 0);
		break;
	default:
		set_zf(c, d >= 0 && user_descs[d].writable);
		break;
	}
}
