/* Bit instructions: bt bts btr btc, bsf bsr, popcnt lzcnt tzcnt, bswap, BMI1 (andn bextr blsi
 * blsmsk blsr), BMI2 (bzhi mulx pdep pext rorx sarx shlx shrx) and crc32.
 *
 * Flags the SDM leaves undefined are produced as the reference host (AMD Zen 4) does, measured
 * natively; see the comments at each instruction and tests/unit/test_integer.c. */
#include "cpu/integer.h"

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static inline uint64_t bt_apply(unsigned op, uint64_t v, uint64_t m)
{
	switch (op) {
	case BT_SET: return v | m;
	case BT_RESET: return v & ~m;
	case BT_COMPLEMENT: return v ^ m;
	default: return v;
	}
}

/* SDM Vol. 2, BT: with a register bit offset and a memory operand the offset is signed and
 * unbounded; the operand-size unit holding the bit is at EA + size * (offset DIV bits). An
 * immediate offset is taken modulo the operand size. */
static void bt_do(struct cpu *c, const struct insn *i, uint64_t off, bool unbounded)
{
	unsigned op = i->param, size = i->osz, bits = size * 8;
	uint64_t v, m;
	if (!i->is_mem) {
		off &= bits - 1;
		m = 1ull << off;
		v = reg_get(c, i, i->rm, size);
		if (op != BT_TEST)
			reg_set(c, i, i->rm, size, bt_apply(op, v, m));
	} else {
		uint64_t delta = 0;
		if (unbounded) {
			int64_t so = sext(off, size);
			unsigned shift = size == 2 ? 4 : size == 4 ? 5 : 6;
			delta = (uint64_t)((so >> shift) * (int64_t)size);
		}
		off &= bits - 1;
		m = 1ull << off;
		uint64_t addr = ea_linear(c, i, ea_offset(c, i, delta));
		v = cpu_read(c, addr, size);
		if (op != BT_TEST)
			cpu_write(c, addr, size, bt_apply(op, v, m));
	}
	/* CF is the bit; OF SF AF PF are undefined: AMD Zen leaves them unchanged. */
	flags_set_arith(c, FL_CF, v & m ? FL_CF : 0);
}

/* 0F A3 AB B3 BB: Ev,Gv */
void bt_rm_reg(struct cpu *c, const struct insn *i)
{
	bt_do(c, i, reg_get(c, i, i->reg, i->osz), true);
}

/* 0F BA /4-/7: Ev,Ib */
void bt_rm_imm(struct cpu *c, const struct insn *i)
{
	bt_do(c, i, i->imm, false);
}

static inline unsigned ctz64(uint64_t v)
{
	return (unsigned)__builtin_ctzll(v);
}

static inline unsigned bsr64(uint64_t v)
{
	return 63 - (unsigned)__builtin_clzll(v);
}

/* 0F BC bsf (param 0), 0F BD bsr (param 1). A zero source sets ZF and leaves the destination
 * unchanged (upper half included), as Intel and AMD processors do (the SDM says "undefined").
 * Undefined CF OF SF AF PF: the host clears them but for PF, the parity of the index (1 when
 * the source is zero). */
void bsf_bsr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t src = rm_read(c, i, size);
	if (src == 0) {
		flags_set_all(c, FL_ZF | FL_PF);
		return;
	}
	unsigned n = i->param ? bsr64(src) : ctz64(src);
	reg_set(c, i, i->reg, size, n);
	flags_set_all(c, parity_flag(n));
}

/* F3 0F B8 */
void popcnt(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t src = rm_read(c, i, size);
	reg_set(c, i, i->reg, size, (uint64_t)__builtin_popcountll(src));
	flags_set_all(c, src ? 0 : FL_ZF);
}

/* F3 0F BC tzcnt (param 0), F3 0F BD lzcnt (param 1): CF = source was zero, ZF = result is 0.
 * Undefined: SF AF PF cleared, OF unchanged (as the host). */
void tzcnt_lzcnt(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t src = rm_read(c, i, size), n;
	if (src == 0)
		n = bits;
	else
		n = i->param ? bits - 1 - bsr64(src) : ctz64(src);
	reg_set(c, i, i->reg, size, n);
	flags_set_arith(c, FL_CF | FL_ZF | FL_SF | FL_AF | FL_PF, (src ? 0 : FL_CF) | (n ? 0 : FL_ZF));
}

/* 0F C8+r. With a 16-bit operand the SDM result is undefined; processors write 0. */
void bswap(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t v = reg_get(c, i, i->reg, size);
	switch (size) {
	case 2: v = 0; break;
	case 4: v = __builtin_bswap32((uint32_t)v); break;
	default: v = __builtin_bswap64(v); break;
	}
	reg_set(c, i, i->reg, size, v);
}

/* ---- BMI1 / BMI2 (SDM Vol. 2; VEX-encoded, operand size 32 or 64 by VEX.W) ---- */

/* Flags of the BMI instructions that set SF and ZF from the result: CF given, OF cleared; the
 * undefined AF and PF as the host: AF cleared, PF the parity of the result. */
static inline void bmi_flags(struct cpu *c, unsigned size, uint64_t r, bool cf)
{
	flags_set_all(c, (cf ? FL_CF : 0) | flags_szp(r, size));
}

/* VEX.NP 0F38 F2: Gy = ~By & Ey */
void andn(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t r = ~reg_get(c, i, i->vreg, size) & rm_read(c, i, size) & size_mask(size);
	reg_set(c, i, i->reg, size, r);
	bmi_flags(c, size, r, false);
}

/* VEX.NP 0F38 F7: Gy = bit field of Ey at By[7:0], length By[15:8] */
void bextr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t src = rm_read(c, i, size), ctl = reg_get(c, i, i->vreg, size);
	unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
	uint64_t r = start < bits ? src >> start : 0;
	if (len < 64)
		r &= (1ull << len) - 1;
	reg_set(c, i, i->reg, size, r);
	/* Undefined: AF set, SF cleared, PF the parity of the result (as the host). */
	flags_set_all(c, (r ? 0 : FL_ZF) | FL_AF | parity_flag(r));
}

/* VEX.NP 0F38 F3 /1 blsr, /2 blsmsk, /3 blsi (param = ModRM.reg): By = f(Ey) */
void bls(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t src = rm_read(c, i, size), r, f;
	switch (i->param) {
	case 1: /* blsr: CF = source was zero */
		r = (src - 1) & src;
		f = src ? 0 : FL_CF;
		break;
	case 2: /* blsmsk: CF = source was zero, ZF cleared */
		r = ((src - 1) ^ src) & size_mask(size);
		f = src ? 0 : FL_CF;
		break;
	default: /* blsi: CF = source was not zero */
		r = (0 - src) & src;
		f = src ? FL_CF : 0;
		break;
	}
	reg_set(c, i, i->vreg, size, r);
	/* ZF from the result, but blsmsk clears it; AF cleared, PF the parity (undefined: host). */
	f |= flags_szp(r, size);
	if (i->param == 2)
		f &= ~(uint64_t)FL_ZF;
	flags_set_all(c, f);
}

/* VEX.NP 0F38 F5: Gy = Ey with bits from By[7:0] up cleared; CF = index beyond the operand */
void bzhi(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, bits = size * 8;
	uint64_t src = rm_read(c, i, size);
	unsigned n = reg_get(c, i, i->vreg, size) & 0xff;
	uint64_t r = n < bits ? src & ((1ull << n) - 1) : src;
	reg_set(c, i, i->reg, size, r);
	bmi_flags(c, size, r, n > bits - 1);
}

/* VEX.F2 0F38 F6: high half to Gy, low half to By, of rDX * Ey; no flags. When both
 * name one register the high half wins (written last). */
void mulx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t b = rm_read(c, i, size), a = reg_get(c, i, R_DX, size), lo, hi;
	if (size == 8) {
		lo = mul_u128(a, b, &hi);
	} else {
		uint64_t p = a * b;
		lo = p;
		hi = p >> 32;
	}
	reg_set(c, i, i->vreg, size, lo);
	reg_set(c, i, i->reg, size, hi);
}

/* VEX.F2 0F38 F5 pdep (param 0), VEX.F3 0F38 F5 pext (param 1): Gy = By through mask Ey */
void pdep_pext(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t src = reg_get(c, i, i->vreg, size), mask = rm_read(c, i, size), r = 0, k = 1;
	for (; mask; mask &= mask - 1, k <<= 1) {
		uint64_t m = mask & (0 - mask);
		if (i->param ? src & m : src & k)
			r |= i->param ? k : m;
	}
	reg_set(c, i, i->reg, size, r);
}

/* VEX.F2 0F3A F0: Gy = Ey rotated right by imm8; no flags. VEX.vvvv names no operand and must
 * be 1111b (register 0 once decoded), else #UD. */
void rorx(struct cpu *c, const struct insn *i)
{
	if (i->vreg)
		cpu_raise_ud(c);
	unsigned size = i->osz, bits = size * 8, n = i->imm & (bits - 1);
	uint64_t v = rm_read(c, i, size);
	reg_set(c, i, i->reg, size, n ? (v >> n) | (v << (bits - n)) : v);
}

/* VEX 0F38 F7: F3 sarx (param 0), 66 shlx (param 1), F2 shrx (param 2); Gy = Ey shifted by By;
 * no flags */
void shiftx(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, n = reg_get(c, i, i->vreg, size) & (size * 8 - 1);
	uint64_t v = rm_read(c, i, size), r;
	switch (i->param) {
	case 0: r = (uint64_t)(sext(v, size) >> n); break;
	case 1: r = v << n; break;
	default: r = v >> n; break;
	}
	reg_set(c, i, i->reg, size, r);
}

/* ---- crc32 (SSE4.2, integer registers): CRC-32C, reflected polynomial 0x82F63B78 ---- */

static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/* F2 0F38 F0 (Eb source: param 1) / F1 (Ev source: param 0): Gd (or Gq, upper half zeroed) =
 * crc32c(Gd, src) */
void crc32(struct cpu *c, const struct insn *i)
{
	unsigned size = i->param ? 1 : i->osz;
	uint64_t src = rm_read(c, i, size);
	uint32_t crc = (uint32_t)c->r[i->reg];
	for (unsigned n = 0; n < size; n++, src >>= 8)
		crc = (crc >> 8) ^ crc32c_table[(crc ^ src) & 0xff];
	reg_set(c, i, i->reg, 4, crc);
}
