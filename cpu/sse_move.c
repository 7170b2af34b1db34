/* SSE/MMX data movement: whole-register, scalar, half-register and general-register moves,
 * duplicates, shuffles of float lanes and insertps. */
#include "cpu/decode.h"
#include "cpu/sse.h"

/* *v is written only once the whole operand has been read, so it may be a register. */
void xmm_load_slow(struct cpu *c, uint64_t addr, union xmm *v)
{
	if ((addr & GUEST_PAGE_MASK) + 16 > GUEST_PAGE_SIZE) {
		union xmm t;
		cpu_read_bytes(c, addr, &t, 16);
		*v = t;
		return;
	}
	struct gmem_fault f;
	uint8_t *p = gmem_translate(c->mem, addr, GMEM_READ, &f);
	if (!p)
		cpu_raise_mem(c, &f);
	memcpy(v, p, 16);
}

void xmm_store_slow(struct cpu *c, uint64_t addr, const union xmm *v)
{
	uint8_t *p = cpu_write_ptr(c, addr, 16); /* NULL: both pages writable, crossing */
	if (p)
		memcpy(p, v, 16);
	else
		cpu_write_bytes(c, addr, v, 16);
}

/* movaps/movapd/movdqa/movups/movupd/movdqu/lddqu/movntdqa xmm, xmm/m128 and the MMX
 * movq mm, mm/m64 (osz 8). */
void sse_mov_load(struct cpu *c, const struct insn *i)
{
	if (is_mmx(i)) {
		union xmm v;
		vec_src(c, i, &v, true);
		mm_set(c, i->reg, v.q[0]);
	} else if (!i->is_mem) {
		c->xmm[i->reg] = c->xmm[i->rm];
	} else {
		uint64_t a = insn_ea(c, i);
		if (i->param != MOV_U)
			check_align16(c, a);
		xmm_load(c, a, &c->xmm[i->reg]);
	}
}

/* The stores: r/m = reg (movaps m128, xmm ... movntq m64, mm; movq mm/m64, mm). */
void sse_mov_store(struct cpu *c, const struct insn *i)
{
	if (is_mmx(i)) {
		mmx_check(c);
		uint64_t v = mm_get(c, i->reg);
		if (i->is_mem) {
			cpu_write(c, insn_ea(c, i), 8, v);
			mmx_enter(c);
		} else {
			mm_set(c, i->rm, v);
		}
		return;
	}
	if (!i->is_mem) {
		c->xmm[i->rm] = c->xmm[i->reg];
		return;
	}
	uint64_t a = insn_ea(c, i);
	if (i->param != MOV_U)
		check_align16(c, a);
	xmm_store(c, a, &c->xmm[i->reg]);
}

/* XMM forms of the whole-register and scalar moves, chosen by the decoder
 * (sse_move_specialize): no MMX test, register or memory known. */
static void sse_movx_rr(struct cpu *c, const struct insn *i)
{
	c->xmm[i->reg] = c->xmm[i->rm];
}

static void sse_movx_load(struct cpu *c, const struct insn *i)
{
	uint64_t a = insn_ea(c, i);
	if (i->param != MOV_U)
		check_align16(c, a);
	xmm_load(c, a, &c->xmm[i->reg]);
}

static void sse_movx_store(struct cpu *c, const struct insn *i)
{
	uint64_t a = insn_ea(c, i);
	if (i->param != MOV_U)
		check_align16(c, a);
	xmm_store(c, a, &c->xmm[i->reg]);
}

static void sse_movsd_load(struct cpu *c, const struct insn *i)
{
	xmm_set_q(&c->xmm[i->reg], cpu_read(c, insn_ea(c, i), 8), 0);
}

static void sse_movsd_store(struct cpu *c, const struct insn *i)
{
	cpu_write(c, insn_ea(c, i), 8, c->xmm[i->reg].q[0]);
}

/* movd/movq mm|xmm, r/m32|64: zero-extended into the whole vector register. */
void sse_movd_in(struct cpu *c, const struct insn *i)
{
	if (i->param == MOVD_MM)
		mmx_check(c);
	uint64_t v = rm_read(c, i, i->osz);
	if (i->param == MOVD_MM) {
		mm_set(c, i->reg, v);
	} else {
		c->xmm[i->reg].q[0] = v;
		c->xmm[i->reg].q[1] = 0;
	}
}

/* movd/movq r/m32|64, mm|xmm (a 32-bit register destination zero-extends as usual). */
void sse_movd_out(struct cpu *c, const struct insn *i)
{
	uint64_t v;
	if (i->param == MOVD_MM) {
		mmx_check(c);
		v = mm_get(c, i->reg);
	} else {
		v = c->xmm[i->reg].q[0];
	}
	rm_write(c, i, i->osz, v);
	if (i->param == MOVD_MM)
		mmx_enter(c);
}

/* movq xmm, xmm/m64 (F3 0F 7E): the low quadword, upper quadword cleared. */
void sse_movq_load(struct cpu *c, const struct insn *i)
{
	uint64_t v = xmm_src_low(c, i, 8);
	c->xmm[i->reg].q[0] = v;
	c->xmm[i->reg].q[1] = 0;
}

/* movq xmm/m64, xmm (66 0F D6): a register destination gets its upper quadword cleared. */
void sse_movq_store(struct cpu *c, const struct insn *i)
{
	uint64_t v = c->xmm[i->reg].q[0];
	if (i->is_mem) {
		cpu_write(c, insn_ea(c, i), 8, v);
	} else {
		c->xmm[i->rm].q[0] = v;
		c->xmm[i->rm].q[1] = 0;
	}
}

/* movq2dq xmm, mm */
void sse_movq2dq(struct cpu *c, const struct insn *i)
{
	mmx_check(c);
	uint64_t v = mm_get(c, i->rm);
	mmx_enter(c);
	c->xmm[i->reg].q[0] = v;
	c->xmm[i->reg].q[1] = 0;
}

/* movdq2q mm, xmm */
void sse_movdq2q(struct cpu *c, const struct insn *i)
{
	mmx_check(c);
	mm_set(c, i->reg, c->xmm[i->rm].q[0]);
}

/* movss/movsd xmm, xmm/m32|m64 (param: lane width): from memory the rest of the register is
 * cleared, from a register only the low lane changes. */
void sse_movs_load(struct cpu *c, const struct insn *i)
{
	unsigned w = i->param;
	union xmm *d = &c->xmm[i->reg];
	if (i->is_mem) {
		xmm_set_q(d, cpu_read(c, insn_ea(c, i), w), 0);
	} else {
		uint64_t m = size_mask(w);
		xmm_set_q(d, (d->q[0] & ~m) | (c->xmm[i->rm].q[0] & m), d->q[1]);
	}
}

/* movss/movsd xmm/m32|m64, xmm */
void sse_movs_store(struct cpu *c, const struct insn *i)
{
	unsigned w = i->param;
	uint64_t m = size_mask(w);
	if (i->is_mem) {
		cpu_write(c, insn_ea(c, i), w, c->xmm[i->reg].q[0] & m);
	} else {
		union xmm *d = &c->xmm[i->rm];
		xmm_set_q(d, (d->q[0] & ~m) | (c->xmm[i->reg].q[0] & m), d->q[1]);
	}
}

/* movlps/movlpd (param HALF_LO) and movhps/movhpd (HALF_HI) xmm, m64 load one quadword; their
 * register forms are movhlps (low <- source high) and movlhps (high <- source low). */
void sse_mov_half_load(struct cpu *c, const struct insn *i)
{
	unsigned h = i->param;
	uint64_t v = i->is_mem ? cpu_read(c, insn_ea(c, i), 8) : c->xmm[i->rm].q[1 - h];
	c->xmm[i->reg].q[h] = v;
}

/* movlps/movlpd/movhps/movhpd m64, xmm */
void sse_mov_half_store(struct cpu *c, const struct insn *i)
{
	cpu_write(c, insn_ea(c, i), 8, c->xmm[i->reg].q[i->param]);
}

/* movsldup / movshdup (m128, aligned) and movddup (m64). */
void sse_dup(struct cpu *c, const struct insn *i)
{
	union xmm s, r;
	switch (i->param) {
	case DUP_D:
		r.q[0] = r.q[1] = xmm_src_low(c, i, 8);
		break;
	default: {
		unsigned odd = i->param == DUP_SH;
		vec_src(c, i, &s, false);
		for (unsigned k = 0; k < 4; k += 2)
			r.l[k] = r.l[k + 1] = s.l[k + odd];
		break;
	}
	}
	c->xmm[i->reg] = r;
}

/* shufps / shufpd (param: lane width): the low half of the result from the destination, the
 * high half from the source, lanes picked by imm8 fields of 2 (ps) or 1 (pd) bits. */
void sse_shufp(struct cpu *c, const struct insn *i)
{
	union xmm s, r;
	const union xmm *d = &c->xmm[i->reg];
	unsigned imm = (unsigned)i->imm;
	vec_src(c, i, &s, false);
	if (i->param == W4) {
		r.l[0] = d->l[imm & 3];
		r.l[1] = d->l[(imm >> 2) & 3];
		r.l[2] = s.l[(imm >> 4) & 3];
		r.l[3] = s.l[(imm >> 6) & 3];
	} else {
		r.q[0] = d->q[imm & 1];
		r.q[1] = s.q[(imm >> 1) & 1];
	}
	c->xmm[i->reg] = r;
}

/* insertps xmm, xmm/m32, imm8: source lane imm8[7:6] (register form; memory gives one float)
 * into lane imm8[5:4], then lanes in imm8[3:0] zeroed. */
void sse_insertps(struct cpu *c, const struct insn *i)
{
	unsigned imm = (unsigned)i->imm;
	uint32_t v = i->is_mem ? (uint32_t)cpu_read(c, insn_ea(c, i), 4) : c->xmm[i->rm].l[(imm >> 6) & 3];
	union xmm *d = &c->xmm[i->reg];
	d->l[(imm >> 4) & 3] = v;
	for (unsigned k = 0; k < 4; k++)
		if ((imm >> k) & 1)
			d->l[k] = 0;
}

/* movnti m32|m64, r32|r64 */
void sse_movnti(struct cpu *c, const struct insn *i)
{
	cpu_write(c, insn_ea(c, i), i->osz, c->r[i->reg]);
}

insn_fn *sse_move_specialize(insn_fn *fn, const struct insn *i)
{
	if (fn == sse_mov_load && i->osz == 16)
		return i->is_mem ? sse_movx_load : sse_movx_rr;
	if (fn == sse_mov_store && i->osz == 16 && i->is_mem)
		return sse_movx_store;
	if (fn == sse_movs_load && i->param == W8 && i->is_mem)
		return sse_movsd_load;
	if (fn == sse_movs_store && i->param == W8 && i->is_mem)
		return sse_movsd_store;
	return fn;
}
