/* What the differential tester must not compare: rows it cannot run natively (with the reason),
 * flag bits the SDM leaves undefined, and instructions the host CPU lacks. */
#include <string.h>

#include <Zydis/Zydis.h>

#include "tests/diff/diff.h"

static const struct { const char *name, *why; } excluded[] = {
	{"int3", "trap"}, {"int", "trap"}, {"int1", "trap"}, {"into", "trap"}, {"syscall", "trap"},
	{"sysenter", "trap"}, {"sysexit", "trap"}, {"sysret", "trap"},
	{"iret", "far transfer"}, {"iretd", "far transfer"}, {"iretq", "far transfer"},
	{"cpuid", "virtualised (reports the emulated CPU)"},
	{"rdtsc", "virtualised (instruction count)"}, {"rdtscp", "virtualised (instruction count)"},
	{"rdrand", "virtualised (deterministic generator)"},
	{"rdseed", "virtualised (deterministic generator)"},
	{"xgetbv", "virtualised (reports the emulated XCR0)"}, {"rdpid", "virtualised"},
	{"rdpmc", "privileged"}, {"monitor", "privileged on Linux hosts"},
	{"mwait", "privileged on Linux hosts"},
	{"lfs", "segment registers hold Windows selectors"},
	{"lgs", "segment registers hold Windows selectors"},
	{"lss", "segment registers hold Windows selectors"},
	{"les", "segment registers hold Windows selectors"},
	{"lds", "segment registers hold Windows selectors"},
	{"lar", "host descriptor tables differ from Windows'"},
	{"lsl", "host descriptor tables differ from Windows'"},
	{"verr", "host descriptor tables differ from Windows'"},
	{"verw", "host descriptor tables differ from Windows'"},
	{"sldt", "host descriptor tables differ from Windows'"},
	{"str", "host descriptor tables differ from Windows'"},
	{"sgdt", "host descriptor tables differ from Windows'"},
	{"sidt", "host descriptor tables differ from Windows'"},
	{"smsw", "host control registers differ"},
	{"rdfsbase", "FS/GS bases are the emulated TEB's"}, {"rdgsbase", "FS/GS bases are the emulated TEB's"},
	{"wrfsbase", "FS/GS bases are the emulated TEB's"}, {"wrgsbase", "FS/GS bases are the emulated TEB's"},
	{"fxsave", "image holds model-specific FIP/FDP/FOP (golden-state tests)"},
	{"fxsave64", "image holds model-specific FIP/FDP/FOP (golden-state tests)"},
	{"fxrstor", "stub state loader itself; golden-state tests"},
	{"fxrstor64", "stub state loader itself; golden-state tests"},
	{"xsave", "XSAVE layout is model-specific (golden-state tests)"},
	{"xsave64", "XSAVE layout is model-specific (golden-state tests)"},
	{"xsaveopt", "XSAVE layout is model-specific (golden-state tests)"},
	{"xsavec", "XSAVE layout is model-specific (golden-state tests)"},
	{"xrstor", "XSAVE layout is model-specific (golden-state tests)"},
	{"xrstor64", "XSAVE layout is model-specific (golden-state tests)"},
	{"fnsave", "image holds model-specific FIP/FDP/FOP (golden-state tests)"},
	{"fnstenv", "image holds model-specific FIP/FDP/FOP (golden-state tests)"},
	{"frstor", "x87 environment image (golden-state tests)"},
	{"fldenv", "x87 environment image (golden-state tests)"},
};

/* Privileged and invalid instructions: both sides must fault (#GP at CPL 3, #UD) and leave
 * the state as it was. */
static const char *const fault_rows[] = {
	"ud0", "ud1", "ud2", "hlt", "cli", "sti", "in", "out", "insb", "insw", "insd", "outsb", "outsw",
	"outsd", "lgdt", "lidt", "lldt", "ltr", "lmsw", "invlpg", "wrmsr", "rdmsr", "clts", "swapgs",
	"wbinvd", "invd", NULL,
};

bool fault_row(unsigned row)
{
	const struct opcode_row *r = &opcode_rows[row];
	if (r->map == M0F && r->opcode >= 0x20 && r->opcode <= 0x23)
		return true; /* mov to/from control and debug registers */
	for (const char *const *f = fault_rows; *f; f++)
		if (!strcmp(r->mnemonic, *f))
			return true;
	return false;
}

const char *excluded_row(unsigned row)
{
	const struct opcode_row *r = &opcode_rows[row];
	for (size_t k = 0; k < sizeof excluded / sizeof excluded[0]; k++)
		if (!strcmp(r->mnemonic, excluded[k].name))
			return excluded[k].why;
	if (r->map == M1 && (r->opcode == 0xca || r->opcode == 0xcb || r->opcode == 0xcf))
		return "far transfer";
	if (r->map == M1 && r->opcode == 0xff && (r->reg == 3 || r->reg == 5))
		return "far transfer";
	if (r->map == M1 && (r->opcode == 0x8c || r->opcode == 0x8e))
		return "segment registers hold Windows selectors";
	if (r->map == M1 && (r->opcode == 0x06 || r->opcode == 0x07 || r->opcode == 0x0e || r->opcode == 0x16 ||
			     r->opcode == 0x17 || r->opcode == 0x1e || r->opcode == 0x1f))
		return "segment registers hold Windows selectors (push/pop es/cs/ss/ds)";
	if (r->map == M1 && (r->opcode == 0x9a || r->opcode == 0xea))
		return "far transfer";
	if (r->map == M0F && (r->opcode == 0xa0 || r->opcode == 0xa1 || r->opcode == 0xa8 || r->opcode == 0xa9))
		return "segment registers hold Windows selectors (push/pop fs/gs)";
	return NULL;
}

static const struct { const char *name; uint64_t undef; } flag_table[] = {
	{"and", FL_AF}, {"or", FL_AF}, {"xor", FL_AF}, {"test", FL_AF},
	{"mul", FL_SF | FL_ZF | FL_AF | FL_PF}, {"imul", FL_SF | FL_ZF | FL_AF | FL_PF},
	{"div", FL_ARITH}, {"idiv", FL_ARITH},
	{"bsf", FL_CF | FL_OF | FL_SF | FL_AF | FL_PF}, {"bsr", FL_CF | FL_OF | FL_SF | FL_AF | FL_PF},
	{"bt", FL_OF | FL_SF | FL_AF | FL_PF}, {"bts", FL_OF | FL_SF | FL_AF | FL_PF},
	{"btr", FL_OF | FL_SF | FL_AF | FL_PF}, {"btc", FL_OF | FL_SF | FL_AF | FL_PF},
	{"lzcnt", FL_OF | FL_SF | FL_PF | FL_AF}, {"tzcnt", FL_OF | FL_SF | FL_PF | FL_AF},
	{"andn", FL_AF | FL_PF}, {"bextr", FL_AF | FL_SF | FL_PF},
	{"blsi", FL_AF | FL_PF}, {"blsmsk", FL_AF | FL_PF}, {"blsr", FL_AF | FL_PF},
	{"bzhi", FL_AF | FL_PF},
	{"aaa", FL_OF | FL_SF | FL_ZF | FL_PF}, {"aas", FL_OF | FL_SF | FL_ZF | FL_PF},
	{"daa", FL_OF}, {"das", FL_OF},
	{"sbb", 0}, /* Zydis 4.0 lists AF as undefined; the SDM defines it */ {"aam", FL_OF | FL_AF | FL_CF}, {"aad", FL_OF | FL_AF | FL_CF},
};

/* The count a shift/rotate row uses: imm8, 1 (D0/D1) or CL; masked as the SDM says. */
static unsigned shift_count(const struct tcase *t)
{
	const struct opcode_row *r = &opcode_rows[t->row];
	uint64_t n;
	if (r->imm != I_NONE)
		n = t->shift_count;
	else if (r->map == M1 && (r->opcode == 0xd0 || r->opcode == 0xd1))
		n = 1;
	else
		n = t->in.r[R_CX];
	return (unsigned)(n & (t->osz == 8 ? 63 : 31));
}

static bool is(const char *m, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(m, *set))
			return true;
	return false;
}

/* SDM Vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD "Flags Affected". */
uint64_t undef_flags(const char *m, const struct tcase *t, bool *from_zydis)
{
	*from_zydis = false;
	static const char *const shifts[] = {"shl", "sal", "shr", "sar", NULL};
	static const char *const rotates[] = {"rol", "ror", "rcl", "rcr", NULL};
	static const char *const dshifts[] = {"shld", "shrd", NULL};
	if (is(m, shifts) || is(m, rotates) || is(m, dshifts)) {
		unsigned n = shift_count(t);
		if (n == 0)
			return 0; /* flags unaffected */
		uint64_t u = n == 1 ? 0 : FL_OF;
		if (!is(m, rotates))
			u |= FL_AF;
		if ((!strcmp(m, "shl") || !strcmp(m, "sal") || !strcmp(m, "shr")) && n >= t->osz * 8)
			u |= FL_CF;
		return u;
	}
	for (size_t k = 0; k < sizeof flag_table / sizeof flag_table[0]; k++)
		if (!strcmp(m, flag_table[k].name))
			return flag_table[k].undef;
	*from_zydis = t->zydis_undef != 0;
	return t->zydis_undef;
}

/* Whether a legacy prefix F2/F3 precedes the opcode. */
static bool has_rep_prefix(const struct tcase *t)
{
	for (unsigned k = 0; k < t->len; k++) {
		uint8_t b = t->bytes[k];
		if (b == 0xf2 || b == 0xf3)
			return true;
		if (b != 0x66 && b != 0x67 && b != 0xf0 && b != 0x2e && b != 0x3e && b != 0x26 && b != 0x36 &&
		    b != 0x64 && b != 0x65 && (b & 0xf0) != 0x40)
			return false;
	}
	return false;
}

/* Results the SDM leaves undefined, or that differ between vendors: skip the case. */
bool undef_result(const char *m, const struct tcase *t)
{
	if ((!strcmp(m, "shld") || !strcmp(m, "shrd")) && t->osz == 2 && shift_count(t) > 16)
		return true;
	if (!strcmp(m, "bswap") && t->osz == 2)
		return true;
	/* F2XM1 is defined for -1 <= ST(0) <= 1 only, FYL2XP1 for |ST(0)| < 1 - sqrt(2)/2 */
	if (!strcmp(m, "f2xm1") || !strcmp(m, "fyl2xp1")) {
		uint16_t fsw;
		memcpy(&fsw, t->in.fx + FX_FSW, 2);
		unsigned top = (fsw >> 11) & 7;
		uint16_t se;
		memcpy(&se, t->in.fx + FX_ST + 8, 2);
		unsigned exp = se & 0x7fff;
		bool valid = t->in.fx[FX_FTW] >> top & 1;
		/* 2^0 = 1.0 and 2^-2 < 0.2929 < 2^-1 */
		unsigned limit = !strcmp(m, "f2xm1") ? 0x3fff : 0x3ffd;
		if (valid && exp != 0x7fff && exp >= limit)
			return true;
	}
	/* Vendor differences the host cannot referee (ntemu follows Intel). AMD raises #UD for
	 * the register form of 0F 0D (PREFETCH group), Intel runs it as a NOP. */
	const struct opcode_row *r = &opcode_rows[t->row];
	if (host_is_amd() && r->map == M0F && r->opcode == 0x0d && !t->is_mem)
		return true;
	/* LOOPE/LOOPNE after F2/F3: this AMD host takes the prefix as the condition (F2 = "ne",
	 * F3 = "e", measured), Intel ignores it */
	if (host_is_amd() && (!strcmp(m, "loope") || !strcmp(m, "loopne")) && has_rep_prefix(t))
		return true;
	/* D9 D8+i, the undocumented FSTP alias (Zydis: fstpnce): AMD does not check for stack
	 * underflow there (measured: no IE/SF with an empty ST(0)), Intel behaves as FSTP */
	if (host_is_amd() && !strcmp(m, "fstpnce"))
		return true;
	/* MOVSXD r16, m16: AMD reads a dword (faults on a word at the end of a page), Intel a word */
	if (host_is_amd() && !strcmp(m, "movsxd") && t->osz == 2 && t->is_mem)
		return true;
	return false;
}

/* x87 condition codes C0, C2, C3 (FSW bits 8, 10, 14): defined only by compares, FXAM, FPREM
 * and the range-reduction C2 of the trigonometric instructions (SDM Vol. 1, 8.1.3.1). */
uint16_t undef_fsw(const char *m)
{
	static const char *const defined[] = {
		"fcom", "fcomp", "fcompp", "fucom", "fucomp", "fucompp", "ficom", "ficomp", "ftst",
		"fxam", "fprem", "fprem1", "fcomi", "fcomip", "fucomi", "fucomip", "fnstsw", "fninit",
		"fwait", "fnstcw", "fldcw", NULL,
	};
	static const char *const c2[] = {"fsin", "fcos", "fsincos", "fptan", NULL};
	/* AMD's EMMS also resets TOP (with every register empty nothing else depends on it) */
	if (!strcmp(m, "emms") || !strcmp(m, "femms"))
		return host_is_amd() ? 0x3800 : 0;
	if (m[0] != 'f' || is(m, defined))
		return 0;
	if (!strcmp(m, "fnop"))
		return 0x4700; /* C0..C3 all undefined */
	uint16_t u = is(m, c2) ? 0x4100 : 0x4500;
	/* C1 reports rounding up, which follows the last bit of an approximate result */
	if (x87_approx_ulps(m))
		u |= 0x0200;
	return u;
}

/* x87 transcendental results are approximations (SDM Vol. 1, 8.3.10: within 1 ulp on Intel);
 * two implementations may differ in the last bits. */
unsigned x87_approx_ulps(const char *m)
{
	static const char *const approx[] = {"f2xm1", "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos",
					     "fsincos", NULL};
	return is(m, approx) ? 2 : 0;
}

/* SSE reciprocal approximations: relative error <= 1.5 * 2^-12 each (SDM RCPPS/RSQRTPS), so two
 * implementations may differ by about 3 * 2^-12, i.e. 6144 ulps of a float. */
unsigned sse_approx_ulps(const char *m)
{
	static const char *const approx[] = {"rcpps", "rcpss", "rsqrtps", "rsqrtss", "vrcpps", "vrcpss",
					     "vrsqrtps", "vrsqrtss", NULL};
	return is(m, approx) ? 8192 : 0;
}

/* ---- the host ---- */

static char cpuinfo_flags[4096];
static int vendor_amd = -1;

static void read_cpuinfo(void)
{
	if (vendor_amd >= 0)
		return;
	vendor_amd = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "vendor_id", 9) && strstr(line, "AuthenticAMD"))
			vendor_amd = 1;
		if (!strncmp(line, "flags", 5) && !cpuinfo_flags[0]) {
			char *p = strchr(line, ':');
			snprintf(cpuinfo_flags, sizeof cpuinfo_flags, " %s ", p ? p + 1 : "");
			char *nl = strchr(cpuinfo_flags, '\n');
			if (nl)
				*nl = ' ';
		}
	}
	fclose(f);
}

bool host_is_amd(void)
{
	read_cpuinfo();
	return vendor_amd == 1;
}

static bool host_has(const char *flag)
{
	char key[64];
	read_cpuinfo();
	snprintf(key, sizeof key, " %s ", flag);
	return strstr(cpuinfo_flags, key) != NULL;
}

/* Hypervisors may hide features the processor still executes: LZCNT's encoding runs as BSR
 * where it is missing, so lzcnt(1) tells the two apart (31 vs 0). */
static bool host_runs_lzcnt(void)
{
#if defined(__x86_64__)
	unsigned r, x = 1;
	__asm__ volatile(".byte 0xf3, 0x0f, 0xbd, 0xc1" : "=a"(r) : "c"(x) : "cc");
	return r == 31;
#else
	return false;
#endif
}

const char *missing_host_feature(int isa_set)
{
	if (isa_set == ZYDIS_ISA_SET_LZCNT)
		return host_has("abm") || host_runs_lzcnt() ? NULL : "abm (lzcnt)";
	static const struct { int set; const char *flag; } need[] = {
		{ZYDIS_ISA_SET_ADOX_ADCX, "adx"}, {ZYDIS_ISA_SET_AES, "aes"},
		{ZYDIS_ISA_SET_AMD3DNOW, "3dnow"}, {ZYDIS_ISA_SET_AVX, "avx"},
		{ZYDIS_ISA_SET_AVX2, "avx2"}, {ZYDIS_ISA_SET_AVX2GATHER, "avx2"},
		{ZYDIS_ISA_SET_AVXAES, "aes"}, {ZYDIS_ISA_SET_BMI1, "bmi1"}, {ZYDIS_ISA_SET_BMI2, "bmi2"},
		{ZYDIS_ISA_SET_CLFLUSHOPT, "clflushopt"}, {ZYDIS_ISA_SET_CLWB, "clwb"},
		{ZYDIS_ISA_SET_CMPXCHG16B, "cx16"}, {ZYDIS_ISA_SET_F16C, "f16c"}, {ZYDIS_ISA_SET_FMA, "fma"},
		{ZYDIS_ISA_SET_FMA4, "fma4"}, {ZYDIS_ISA_SET_GFNI, "gfni"}, {ZYDIS_ISA_SET_LAHF, "lahf_lm"},
		{ZYDIS_ISA_SET_LZCNT, "abm"}, {ZYDIS_ISA_SET_MOVBE, "movbe"},
		{ZYDIS_ISA_SET_PCLMULQDQ, "pclmulqdq"}, {ZYDIS_ISA_SET_POPCNT, "popcnt"},
		{ZYDIS_ISA_SET_SHA, "sha_ni"}, {ZYDIS_ISA_SET_SSE3, "pni"}, {ZYDIS_ISA_SET_SSE3X87, "pni"},
		{ZYDIS_ISA_SET_SSSE3, "ssse3"}, {ZYDIS_ISA_SET_SSSE3MMX, "ssse3"},
		{ZYDIS_ISA_SET_SSE4, "sse4_1"}, {ZYDIS_ISA_SET_SSE42, "sse4_2"},
		{ZYDIS_ISA_SET_SSE4A, "sse4a"}, {ZYDIS_ISA_SET_TBM, "tbm"}, {ZYDIS_ISA_SET_XOP, "xop"},
		{ZYDIS_ISA_SET_VAES, "vaes"}, {ZYDIS_ISA_SET_VPCLMULQDQ, "vpclmulqdq"},
		{ZYDIS_ISA_SET_AVX_VNNI, "avx_vnni"}, {ZYDIS_ISA_SET_RDPID, "rdpid"},
	};
	for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
		if (need[k].set == isa_set)
			return host_has(need[k].flag) ? NULL : need[k].flag;
	return NULL;
}
