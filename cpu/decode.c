/* The instruction decoder: legacy prefixes, REX, VEX/EVEX/XOP, the opcode maps, ModRM/SIB,
 * displacement and immediates, for 64-bit and compatibility mode (Intel SDM Vol. 2, chapter 2).
 *
 * What an opcode means comes only from the rows of cpu/opcodes.def; this file gives the row
 * fields their meaning. Rows are indexed once into per-(mode, encoding, map, opcode) candidate
 * lists, most specific first, so a decode is a prefix scan, one list walk and operand parsing. */
#include <pthread.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/opcode_defs.h"

#define OP(mn, map, op, pfx, reg, mod, rm, imm, flags, handler, param) insn_fn handler;
#include "cpu/opcodes.def"
#undef OP

const struct opcode_row opcode_rows[] = {
#define OP(mn, map, op, pfx, reg, mod, rm, imm, flags, handler, param) \
	{#mn, handler, flags, map, op, pfx, reg, mod, rm, imm, param},
#include "cpu/opcodes.def"
#undef OP
	/* Not a row (excluded from opcode_row_count): keeps the array non-empty while the map is. */
	{"(bad)", insn_ud, 0, M1, 0, P_ANY, ANY, NOMODRM, ANY, I_NONE, 0},
};
const unsigned opcode_row_count = sizeof opcode_rows / sizeof opcode_rows[0] - 1;

void insn_ud(struct cpu *c, const struct insn *i)
{
	cpu_raise_ud(c);
}

const char *insn_mnemonic(const struct insn *i)
{
	return i->row < opcode_row_count ? opcode_rows[i->row].mnemonic : "(bad)";
}

/* ---- lookup tables ---- */

#define ROW_SLOTS (sizeof opcode_rows / sizeof opcode_rows[0])

struct cand_list {
	uint32_t start;
	uint16_t n;
	uint8_t modrm_rows; /* some candidate has a ModRM byte */
};

/* [mode][VEX-encoded][map][opcode]. A row lands in a list once per opcode it covers (8 for
 * F_REGOP) and per mode it is valid in. */
static struct cand_list cand[2][2][MAP_COUNT][256];
static uint16_t cand_rows[2 * 8 * ROW_SLOTS];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static bool row_is_vex(const struct opcode_row *r)
{
	return r->pfx >= V_NP;
}

static bool row_valid_in(const struct opcode_row *r, enum cpu_mode mode)
{
	return !(r->flags & (mode == CPU_MODE_64 ? F_I64 : F_O64));
}

/* Higher wins: a mandatory-prefix form over a P_ANY form (pause over nop), a single opcode over
 * an opcode+r range, then exact ModRM fields over wildcards. */
static unsigned row_specificity(const struct opcode_row *r)
{
	unsigned s = 0;
	if (r->pfx != P_ANY)
		s += 64;
	if (!(r->flags & F_REGOP))
		s += 32;
	if (r->rm != ANY)
		s += 16;
	if (r->reg != ANY)
		s += 8;
	if (r->mod == MEM || r->mod == REG)
		s += 4;
	if (r->flags & (F_VL0 | F_VL1))
		s += 2;
	if (r->flags & (F_VW0 | F_VW1))
		s += 1;
	return s;
}

static void for_each_slot(void (*fn)(unsigned mode, unsigned vex, unsigned map, unsigned op,
				     uint16_t row))
{
	for (unsigned idx = 0; idx < opcode_row_count; idx++) {
		const struct opcode_row *r = &opcode_rows[idx];
		unsigned span = r->flags & F_REGOP ? 8 : 1;
		for (unsigned mode = 0; mode < 2; mode++) {
			if (!row_valid_in(r, (enum cpu_mode)mode))
				continue;
			for (unsigned k = 0; k < span; k++)
				fn(mode, row_is_vex(r), r->map, (r->opcode + k) & 0xff, (uint16_t)idx);
		}
	}
}

static void count_slot(unsigned mode, unsigned vex, unsigned map, unsigned op, uint16_t row)
{
	cand[mode][vex][map][op].n++;
}

static void fill_slot(unsigned mode, unsigned vex, unsigned map, unsigned op, uint16_t row)
{
	struct cand_list *l = &cand[mode][vex][map][op];
	unsigned s = row_specificity(&opcode_rows[row]);
	unsigned k = l->n++;
	/* insertion sort: most specific first, equal specificity in map order */
	while (k > 0 && row_specificity(&opcode_rows[cand_rows[l->start + k - 1]]) < s) {
		cand_rows[l->start + k] = cand_rows[l->start + k - 1];
		k--;
	}
	cand_rows[l->start + k] = row;
	if (opcode_rows[row].mod != NOMODRM)
		l->modrm_rows = 1;
}

static void build_tables(void)
{
	for_each_slot(count_slot);
	uint32_t start = 0;
	struct cand_list *all = &cand[0][0][0][0];
	for (size_t k = 0; k < sizeof cand / sizeof cand[0][0][0][0]; k++) {
		all[k].start = start;
		start += all[k].n;
		all[k].n = 0;
	}
	for_each_slot(fill_slot);
}

/* ---- decoding ---- */

static inline uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	memcpy(&v, p, n); /* little-endian host (insn.h) */
	return v;
}

static inline uint64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - bytes * 8;
	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* VEX/EVEX/XOP map numbers (mmmmm) of the maps ntemu has rows for. */
static int vex_map(unsigned mmmmm)
{
	switch (mmmmm) {
	case 1: return M0F;
	case 2: return M0F38;
	case 3: return M0F3A;
	default: return -1;
	}
}

/* imm8 of VEX/EVEX forms nobody has a row for yet (SDM Vol. 2, appendix A opcode maps):
 * everything in map 0F3A, and 0F 70-73 (pshufd, shifts by imm), C2 (cmpps), C4-C6. */
static bool vex_default_imm8(unsigned map, unsigned op)
{
	if (map == 3)
		return true;
	return map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6));
}

/* EIP wraps at 4 GiB in compatibility mode. */
static inline uint64_t next_ip(uint64_t addr, unsigned len, bool m64)
{
	return m64 ? addr + len : (addr + len) & 0xffffffffull;
}

static const uint8_t base16[8] = {R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX};
static const uint8_t index16[8] = {R_SI, R_DI, R_SI, R_DI, REG_NONE, REG_NONE, REG_NONE, REG_NONE};

enum vex_kind { ENC_LEGACY, ENC_VEX, ENC_EVEX, ENC_XOP };

enum decode_status decode_insn(const uint8_t *b, size_t avail, uint64_t addr,
			       enum cpu_mode mode, struct insn *out)
{
	pthread_once(&tables_once, build_tables);

	const bool m64 = mode == CPU_MODE_64;
	unsigned p = 0;
	unsigned pfx = 0, rex = 0, seg = SEG_NONE;
	bool ud = false;

	memset(out, 0, sizeof *out);
	out->base = out->index = REG_NONE;
	out->row = DECODE_ROW_NONE;

	/* At most 15 bytes exist architecturally (SDM Vol. 2, 2.3.11). An instruction that needs a
	 * byte past `avail` below that limit would fault on the fetch, which comes before the
	 * length check (SDM Vol. 3, 6.9: fetch faults outrank decode faults). */
	const size_t lim = avail < 15 ? avail : 15;
#define NEED(n)                            \
	do {                               \
		if (p + (n) > lim)         \
			goto out_of_bytes; \
	} while (0)

	/* Legacy prefixes in any order; REX counts only right before the opcode (SDM 2.2.1). */
	for (;; p++) {
		NEED(1);
		uint8_t x = b[p];
		switch (x) {
		case 0xf0: pfx |= PFX_LOCK; break;
		case 0xf2: pfx = (pfx & ~PFX_REP) | PFX_REPNE; break; /* the last of F2/F3 wins */
		case 0xf3: pfx = (pfx & ~PFX_REPNE) | PFX_REP; break;
		case 0x66: pfx |= PFX_OPSIZE; break;
		case 0x67: pfx |= PFX_ADSIZE; break;
		case 0x64: seg = SEG_FS; break;
		case 0x65: seg = SEG_GS; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* 64-bit mode ignores them; compatibility mode's ES/CS/SS/DS are flat,
			 * and the last segment prefix is the one that applies */
			if (!m64)
				seg = SEG_NONE;
			break;
		default:
			if (m64 && (x & 0xf0) == 0x40) {
				rex = x;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}

opcode:;
	/* In 64-bit mode REX.R/X/B extend ModRM fields; VEX supplies its own inverted copies. */
	unsigned R = (rex >> 2) & 1, X = (rex >> 1) & 1, B = rex & 1, W = (rex >> 3) & 1;
	if (rex)
		pfx |= PFX_REX | (W ? PFX_REXW : 0);

	enum vex_kind enc = ENC_LEGACY;
	unsigned map = M1, vex_mmmmm = 0, vex_pp = 0;
	unsigned op = b[p];

	if (op == 0xc4 || op == 0xc5 || op == 0x62 || op == 0x8f) {
		NEED(2);
		uint8_t b1 = b[p + 1];
		/* In compatibility mode C4/C5/62 are LES/LDS/BOUND unless the next byte would be a
		 * register ModRM, which those forbid (SDM 2.3.5); 8F is POP r/m unless mmmmm >= 8
		 * (XOP), which would be a ModRM.reg other than 0 (AMD APM Vol. 3, 1.8). */
		if (op == 0x8f ? (b1 & 0x1f) >= 8 : (m64 || (b1 & 0xc0) == 0xc0)) {
			unsigned vvvv, L;
			if (op == 0xc5) {
				R = !(b1 & 0x80);
				X = B = W = 0;
				vvvv = (b1 >> 3) & 15;
				L = (b1 >> 2) & 1;
				vex_pp = b1 & 3;
				vex_mmmmm = 1;
				enc = ENC_VEX;
				p += 2;
			} else if (op == 0x62) {
				NEED(4);
				uint8_t b2 = b[p + 2], b3 = b[p + 3];
				R = !(b1 & 0x80);
				X = !(b1 & 0x40);
				B = !(b1 & 0x20);
				vex_mmmmm = b1 & 7;
				W = b2 >> 7;
				vvvv = (b2 >> 3) & 15;
				vex_pp = b2 & 3;
				L = (b3 >> 5) & 3;
				enc = ENC_EVEX;
				p += 4;
			} else {
				NEED(3);
				uint8_t b2 = b[p + 2];
				R = !(b1 & 0x80);
				X = !(b1 & 0x40);
				B = !(b1 & 0x20);
				vex_mmmmm = b1 & 0x1f;
				W = b2 >> 7;
				vvvv = (b2 >> 3) & 15;
				L = (b2 >> 2) & 1;
				vex_pp = b2 & 3;
				enc = op == 0x8f ? ENC_XOP : ENC_VEX;
				p += 3;
			}
			if (!m64) {
				/* only 8 registers: the inverted high bits are ignored */
				R = X = B = 0;
				vvvv |= 8;
			}
			out->vreg = ~vvvv & 15;
			out->vex_l = (uint8_t)L;
			pfx |= PFX_VEX | (W ? PFX_REXW : 0);
			/* 66/F2/F3/LOCK/REX before VEX are #UD (SDM 2.3.2) */
			if (pfx & (PFX_LOCK | PFX_REP | PFX_REPNE | PFX_OPSIZE | PFX_REX))
				ud = true;
			pfx &= ~PFX_REX;
			int m = vex_map(vex_mmmmm);
			if (enc != ENC_VEX || m < 0)
				ud = true;
			else
				map = (unsigned)m;
			NEED(1);
			op = b[p];
		}
	}
	if (enc == ENC_LEGACY && op == 0x0f) {
		p++;
		NEED(1);
		op = b[p];
		map = M0F;
		if (op == 0x38 || op == 0x3a) {
			map = op == 0x38 ? M0F38 : M0F3A;
			p++;
			NEED(1);
			op = b[p];
		}
	}
	p++; /* past the opcode byte */

	/* Row selection: the mandatory prefix is the last of F2/F3, else 66 (SDM 2.1.2). */
	unsigned want_pfx;
	if (enc != ENC_LEGACY)
		want_pfx = V_NP + vex_pp;
	else
		want_pfx = pfx & PFX_REPNE ? P_F2 : pfx & PFX_REP ? P_F3 : pfx & PFX_OPSIZE ? P_66 : P_NP;

	const struct opcode_row *row = NULL;
	int modrm = -1;
	bool modrm_missing = false;
	if (!ud) {
		const struct cand_list *l = &cand[mode][enc == ENC_VEX][map][op];
		if (l->modrm_rows) {
			if (p < lim)
				modrm = b[p];
			else
				modrm_missing = true;
		}
		/* 90 with REX.B is xchg r8, rAX, not nop (SDM Vol. 2, XCHG) — and not pause either
		 * with F3: the processor swaps r8 (measured by diff-cpu), whatever disassemblers
		 * call it. */
		bool not_nop = map == M1 && op == 0x90 && B;
		for (unsigned k = 0; k < l->n; k++) {
			const struct opcode_row *r = &opcode_rows[cand_rows[l->start + k]];
			if (r->pfx != P_ANY && r->pfx != want_pfx)
				continue;
			if (not_nop && !(r->flags & F_REGOP))
				continue;
			if (enc == ENC_VEX &&
			    ((r->flags & F_VL0 && out->vex_l) || (r->flags & F_VL1 && !out->vex_l) ||
			     (r->flags & F_VW0 && W) || (r->flags & F_VW1 && !W)))
				continue;
			if (r->mod != NOMODRM) {
				if (modrm < 0)
					continue;
				if ((r->mod == MEM && modrm >= 0xc0) || (r->mod == REG && modrm < 0xc0))
					continue;
				if (r->reg != ANY && r->reg != ((modrm >> 3) & 7))
					continue;
				if (r->rm != ANY && r->rm != (modrm & 7))
					continue;
			}
			row = r;
			break;
		}
		if (!row && modrm_missing)
			goto out_of_bytes;
	}

	/* Operand shape: from the row, or for VEX/EVEX/XOP forms without one the architectural
	 * size so the instruction can be skipped and reported. */
	bool has_modrm;
	unsigned imm_kind;
	uint32_t flags;
	if (row) {
		has_modrm = row->mod != NOMODRM;
		imm_kind = row->imm;
		flags = row->flags;
	} else if (enc == ENC_LEGACY) {
		out->fn = insn_ud;
		out->len = 1;
		out->next = next_ip(addr, 1, m64);
		return DECODE_UD;
	} else {
		ud = true;
		flags = OS_X;
		if (enc == ENC_XOP) {
			has_modrm = true;
			imm_kind = vex_mmmmm == 8 ? I_B : vex_mmmmm == 10 ? I_Z : I_NONE;
		} else {
			/* vzeroupper/vzeroall are the only VEX forms without ModRM */
			has_modrm = !(enc == ENC_VEX && vex_mmmmm == 1 && op == 0x77);
			imm_kind = vex_default_imm8(vex_mmmmm, op) ? I_B : I_NONE;
		}
	}

	/* Operand and address size (SDM Vol. 1, 3.6 and 3.6.1). 66 sizes OS_V-like kinds even on a
	 * P_66 row (66 0F 38 F0 is movbe r16); SSE forms give their sizes explicitly. */
	bool o16 = pfx & PFX_OPSIZE;
	bool w64 = m64 && W;
	unsigned osz;
	switch (flags & OS_MASK) {
	case OS_B: osz = 1; break;
	case OS_D64: osz = w64 ? 8 : o16 ? 2 : m64 ? 8 : 4; break;
	case OS_F64: osz = m64 ? 8 : o16 ? 2 : 4; break;
	case OS_W: osz = 2; break;
	case OS_D: osz = 4; break;
	case OS_Q: osz = 8; break;
	case OS_X: osz = 16; break;
	case OS_DQ: osz = w64 ? 8 : 4; break;
	default: osz = w64 ? 8 : o16 ? 2 : 4; break; /* OS_V */
	}
	unsigned asz = m64 ? (pfx & PFX_ADSIZE ? 4 : 8) : (pfx & PFX_ADSIZE ? 2 : 4);
	out->osz = (uint8_t)osz;
	out->asz = (uint8_t)asz;

	if (flags & F_REGOP)
		out->reg = (uint8_t)((op & 7) | B << 3);

	bool rip_rel = false;
	if (has_modrm) {
		NEED(1);
		unsigned m = b[p++];
		unsigned mod = m >> 6, rm = m & 7;
		out->reg = (uint8_t)(((m >> 3) & 7) | R << 3);
		if (mod == 3) {
			out->rm = (uint8_t)(rm | B << 3);
		} else {
			out->is_mem = 1;
			unsigned dsz = mod == 1 ? 1 : mod == 2 ? (asz == 2 ? 2 : 4) : 0;
			if (asz == 2) {
				/* 16-bit forms: BX+SI ... BX, [disp16] for mod 0 rm 6 (SDM Vol. 2, table 2-1) */
				if (mod == 0 && rm == 6) {
					dsz = 2;
				} else {
					out->base = base16[rm];
					out->index = index16[rm];
				}
			} else if (rm == 4) {
				NEED(1);
				unsigned sib = b[p++];
				unsigned idx = ((sib >> 3) & 7) | X << 3, base = sib & 7;
				out->scale = (uint8_t)(sib >> 6);
				if (idx != 4) /* 100 without REX.X: no index; with it, r12 */
					out->index = (uint8_t)idx;
				if (mod == 0 && base == 5)
					dsz = 4;
				else
					out->base = (uint8_t)(base | B << 3);
			} else if (mod == 0 && rm == 5) {
				dsz = 4;
				rip_rel = m64;
			} else {
				out->base = (uint8_t)(rm | B << 3);
			}
			if (dsz) {
				NEED(dsz);
				out->disp = sext(rd(b + p, dsz), dsz);
				p += dsz;
			}
		}
	}

	/* Immediates. */
	uint64_t rel = 0;
	bool is_rel = false;
	switch (imm_kind) {
	case I_B:
		NEED(1);
		out->imm = b[p++];
		break;
	case I_BS:
		NEED(1);
		out->imm = sext(b[p++], 1);
		break;
	case I_W:
		NEED(2);
		out->imm = rd(b + p, 2);
		p += 2;
		break;
	case I_Z: {
		unsigned n = osz == 2 ? 2 : 4;
		NEED(n);
		out->imm = sext(rd(b + p, n), n);
		p += n;
		break;
	}
	case I_V:
		NEED(osz);
		out->imm = rd(b + p, osz);
		p += osz;
		break;
	case I_JB:
		NEED(1);
		rel = sext(b[p++], 1);
		is_rel = true;
		break;
	case I_JZ: {
		unsigned n = osz == 2 ? 2 : 4;
		NEED(n);
		rel = sext(rd(b + p, n), n);
		p += n;
		is_rel = true;
		break;
	}
	case I_AP: {
		unsigned n = osz == 2 ? 2 : 4;
		NEED(n + 2);
		out->imm = rd(b + p, n) | rd(b + p + n, 2) << 32;
		p += n + 2;
		break;
	}
	case I_MOFFS:
		NEED(asz);
		out->disp = rd(b + p, asz);
		out->is_mem = 1;
		p += asz;
		break;
	case I_WB:
		NEED(3);
		out->imm = rd(b + p, 2);
		out->imm2 = b[p + 2];
		p += 3;
		break;
	default:
		break;
	}

	out->len = (uint8_t)p;
	out->next = next_ip(addr, p, m64);
	if (rip_rel) {
		out->disp += out->next;
		if (asz == 4)
			out->disp &= 0xffffffffull;
	}
	if (is_rel)
		out->imm = (out->next + rel) & size_mask(osz);
	out->seg = (uint8_t)seg;
	out->pfx = (uint8_t)pfx;

	/* LOCK needs a lockable form with a memory destination (SDM Vol. 2, LOCK). */
	if ((pfx & PFX_LOCK) && (!(flags & F_LOCK) || !out->is_mem))
		ud = true;
	if (ud) {
		out->fn = insn_ud;
		return DECODE_UD;
	}
	out->row = (uint16_t)(row - opcode_rows);
	out->param = row->param;
	insn_fn *fn = row->handler;
	fn = alu_specialize(fn, out);
	fn = mov_specialize(fn, out);
	fn = shift_specialize(fn, out);
	fn = stack_specialize(fn, out);
	fn = sse_fp_specialize(fn, out);
	fn = sse_move_specialize(fn, out);
	out->fn = control_specialize(fn, out);
	return DECODE_OK;

out_of_bytes:
	out->fn = insn_ud;
	if (avail < 15) {
		out->len = 0;
		return DECODE_TRUNCATED;
	}
	out->len = 15;
	out->next = next_ip(addr, 15, m64);
	return DECODE_UD;
#undef NEED
}
