/* The instruction decoder: bytes -> struct insn, driven by cpu/opcodes.def. */
#ifndef NTEMU_CPU_DECODE_H
#define NTEMU_CPU_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"

enum opcode_map { M1, M0F, M0F38, M0F3A, MAP_COUNT };

/* One row of cpu/opcodes.def. */
struct opcode_row {
	const char *mnemonic;
	insn_fn *handler;
	uint32_t flags;
	uint8_t map, opcode, pfx, reg, mod, rm, imm, param;
};

extern const struct opcode_row opcode_rows[];
extern const unsigned opcode_row_count;

enum decode_status {
	DECODE_OK,          /* *out is a runnable instruction */
	DECODE_UD,          /* invalid or not implemented: out->fn raises #UD, len is the
	                     * architectural length when known (VEX/EVEX forms ntemu does not run
	                     * yet are sized), else 1 */
	DECODE_TRUNCATED,   /* more bytes needed than `avail` (e.g. the next page is not mapped) */
};

/* Decode one instruction at guest address `addr` from `bytes` (at most 15 are read). */
enum decode_status decode_insn(const uint8_t *bytes, size_t avail, uint64_t addr,
			       enum cpu_mode mode, struct insn *out);

/* Decode-time specialisation: a family replaces its row's generic handler by a variant with
 * the decoded operand size, operand kinds, address form or condition as constants (the row, its
 * name and its semantics stay those of opcodes.def). Each returns `fn` when it has none; some
 * also describe the form's flag effect in i->fx (insn.h). */
insn_fn *alu_specialize(insn_fn *fn, struct insn *i);
insn_fn *mov_specialize(insn_fn *fn, struct insn *i);
insn_fn *shift_specialize(insn_fn *fn, struct insn *i);
insn_fn *control_specialize(insn_fn *fn, const struct insn *i);
insn_fn *stack_specialize(insn_fn *fn, const struct insn *i);
insn_fn *sse_fp_specialize(insn_fn *fn, const struct insn *i);
insn_fn *sse_move_specialize(insn_fn *fn, const struct insn *i);

/* The variant of a specialised handler that skips the flags it writes (FX_DEAD), or NULL. */
insn_fn *shift_flags_dead(insn_fn *fn);

/* Mnemonic of a decoded instruction (from its row); "(bad)" for #UD. */
const char *insn_mnemonic(const struct insn *i);

#endif
