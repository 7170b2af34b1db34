/* Stack instructions (PUSH/POP in all forms, PUSHF/POPF, PUSHA/POPA, ENTER/LEAVE) and the
 * segment register moves and loads (push/pop Sreg, MOV to/from Sreg, LDS/LES/LSS/LFS/LGS).
 *
 * Operand sizes come from the rows (OS_D64: 64 in 64-bit mode, 32 in compatibility mode, 16 with
 * 66); the stack pointer width follows the mode (SS is flat). Instructions that write several
 * stack slots build them in a buffer and store it with one checked access, so a page fault
 * leaves memory and RSP unchanged. */
#include "cpu/control.h"
#include "cpu/decode.h"

bool seg_selector_ok(const struct cpu *c, enum seg seg, uint16_t sel)
{
	if ((sel & ~3) == 0)
		return seg != SEG_SS;
	static const enum seg data_segs[] = {SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
	for (unsigned k = 0; k < sizeof data_segs / sizeof *data_segs; k++)
		if ((c->seg[data_segs[k]] | 3) == (sel | 3) && (c->seg[data_segs[k]] & ~3))
			return true;
	return false;
}

static void load_seg(struct cpu *c, enum seg seg, uint16_t sel)
{
	if (!seg_selector_ok(c, seg, sel))
		raise_gp_selector(c, sel);
	c->seg[seg] = sel;
}

void op_push_r(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, reg_get(c, i, i->reg, i->osz));
}

/* `pop rsp` ends with the popped value: the register write comes after the increment. */
void op_pop_r(struct cpu *c, const struct insn *i)
{
	uint64_t v = pop(c, i->osz);
	reg_set(c, i, i->reg, i->osz, v);
}

/* 64-bit push/pop of a register, chosen by the decoder (stack_specialize): an operand size of 8
 * exists only in 64-bit mode, where the stack pointer is used whole. */
static void op_push_r64(struct cpu *c, const struct insn *i)
{
	uint64_t sp = c->r[R_SP] - 8;
	cpu_write(c, sp, 8, c->r[i->reg]);
	c->r[R_SP] = sp;
}

static void op_pop_r64(struct cpu *c, const struct insn *i)
{
	uint64_t sp = c->r[R_SP], v = cpu_read(c, sp, 8);
	c->r[R_SP] = sp + 8;
	c->r[i->reg] = v;
}

insn_fn *stack_specialize(insn_fn *fn, const struct insn *i)
{
	if (i->osz != 8)
		return fn;
	if (fn == op_push_r)
		return op_push_r64;
	if (fn == op_pop_r)
		return op_pop_r64;
	return fn;
}

void op_push_imm(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, i->imm);
}

/* The memory operand is addressed with RSP before the push (`push [rsp]` pushes the top). */
void op_push_rm(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, rm_read(c, i, i->osz));
}

/* POP r/m: an RSP-based destination is addressed with RSP after the pop (SDM Vol. 2, POP).
 * The store happens before RSP changes so a faulting store leaves RSP as it was. */
void op_pop_rm(struct cpu *c, const struct insn *i)
{
	uint64_t v = stack_peek(c, 0, i->osz);
	uint64_t old = c->r[R_SP];
	sp_set(c, sp_get(c) + i->osz);
	uint64_t new_sp = c->r[R_SP];
	if (!i->is_mem) {
		reg_set(c, i, i->rm, i->osz, v);
		return;
	}
	uint64_t ea = insn_ea(c, i);
	c->r[R_SP] = old;
	cpu_write(c, ea, i->osz, v);
	c->r[R_SP] = new_sp;
}

/* The pushed image has RF and VM clear (SDM Vol. 2, PUSHF). */
void op_pushf(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, cpu_get_rflags(c) & ~(uint64_t)(FL_RF | FL_VM));
}

/* POPF at CPL 3 changes only the user-writable flags (cpu_set_rflags); a 16-bit POPF only the
 * low 16 bits. The row is F_END: setting TF makes the next instruction single-step. */
void op_popf(struct cpu *c, const struct insn *i)
{
	uint64_t v = stack_peek(c, 0, i->osz);
	if (i->osz == 2)
		v = (cpu_get_rflags(c) & ~0xffffull) | v;
	sp_set(c, sp_get(c) + i->osz);
	cpu_set_rflags(c, v);
}

/* PUSHA/PUSHAD: AX CX DX BX, the original SP, BP SI DI — DI ends at the lowest address. */
void op_pusha(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint8_t buf[32];
	for (unsigned r = 0; r < 8; r++) {
		uint64_t v = c->r[r];
		memcpy(buf + (7 - r) * n, &v, n);
	}
	uint64_t sp = (sp_get(c) - 8 * n) & stack_mask(c);
	cpu_write_bytes(c, sp, buf, 8 * n);
	sp_set(c, sp);
}

/* POPA/POPAD: the reverse, discarding the saved SP. */
void op_popa(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint8_t buf[32];
	cpu_read_bytes(c, sp_get(c), buf, 8 * n);
	for (unsigned r = 0; r < 8; r++) {
		uint64_t v = 0;
		memcpy(&v, buf + (7 - r) * n, n);
		if (r != R_SP)
			reg_set(c, i, r, n, v);
	}
	sp_set(c, sp_get(c) + 8 * n);
}

/* ENTER imm16, imm8 (SDM Vol. 2, ENTER): push RBP; for nesting level L > 0 copy L-1 frame
 * pointers from the enclosing frame and push the new frame pointer; rBP = the frame (a 16-bit
 * ENTER replaces only BP, as the AMD host of the differential tests does); RSP -= imm16. The
 * slots are built in a buffer and stored with one checked access; a copy whose source overlaps
 * slots this ENTER already pushed reads them back as pushed, as the hardware's sequential
 * pushes do. */
void op_enter(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz, level = i->imm2 & 31;
	unsigned slots = level ? level + 1 : 1;
	uint64_t mask = stack_mask(c);
	uint64_t top = sp_get(c); /* slot k lives at top - (k + 1) * n */
	uint64_t low = (top - (uint64_t)slots * n) & mask;
	uint64_t frame = (top - n) & mask;
	uint8_t buf[(32 + 1) * 8]; /* the slots, lowest address first */
	uint64_t bp = c->r[R_BP], v = bp;
	memcpy(buf + (slots - 1) * n, &v, n);
	for (unsigned k = 1; k < level; k++) {
		bp = (bp - n) & mask;
		v = cpu_read(c, bp, n);
		uint8_t *vb = (uint8_t *)&v;
		for (unsigned b = 0; b < n; b++) {
			uint64_t off = (bp + b - low) & mask;
			if (off >= (uint64_t)(slots - k) * n && off < (uint64_t)slots * n)
				vb[b] = buf[off];
		}
		memcpy(buf + (slots - 1 - k) * n, &v, n);
	}
	if (level) {
		v = frame;
		memcpy(buf, &v, n);
	}
	cpu_write_bytes(c, low, buf, (size_t)slots * n);
	reg_set(c, i, R_BP, n, frame);
	sp_set(c, low - i->imm);
}

/* LEAVE: RSP = RBP (stack-pointer width), then pop RBP (operand size). */
void op_leave(struct cpu *c, const struct insn *i)
{
	uint64_t frame = c->r[R_BP] & stack_mask(c);
	uint64_t v = cpu_read(c, frame, i->osz);
	sp_set(c, frame + i->osz);
	reg_set(c, i, R_BP, i->osz, v);
}

/* ---- segment registers ---- */

/* PUSH Sreg: the selector zero-extended to operand size (recent Intel CPUs store only 16 bits
 * of a wider slot; zero-extension is what AMD and older Intel CPUs do). */
void op_push_seg(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, c->seg[i->param]);
}

void op_pop_seg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = (uint16_t)stack_peek(c, 0, i->osz);
	load_seg(c, (enum seg)i->param, sel);
	sp_set(c, sp_get(c) + i->osz);
}

/* MOV r/m, Sreg: a memory destination is always 16 bits; a register gets the selector
 * zero-extended to the operand size (SDM Vol. 2, MOV). */
void op_mov_rm_sreg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = c->seg[i->param];
	if (i->is_mem)
		cpu_write(c, insn_ea(c, i), 2, sel);
	else
		reg_set(c, i, i->rm, i->osz == 2 ? 2 : 4, sel);
}

void op_mov_sreg_rm(struct cpu *c, const struct insn *i)
{
	load_seg(c, (enum seg)i->param, (uint16_t)rm_read(c, i, 2));
}

/* LDS/LES/LSS/LFS/LGS r, m16:16/32/64: offset of operand size, then the selector. */
void op_load_far_ptr(struct cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i);
	uint64_t off = cpu_read(c, ea, i->osz);
	uint16_t sel = (uint16_t)cpu_read(c, ea + i->osz, 2);
	load_seg(c, (enum seg)i->param, sel);
	reg_set(c, i, i->reg, i->osz, off);
}
