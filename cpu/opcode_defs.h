/* The vocabulary of cpu/opcodes.def rows: prefix, ModRM, immediate and flag codes.
 *
 * Family helpers only write rows with these names; cpu/decode.c gives them their meaning.
 * Include this header wherever opcodes.def is expanded or a row's flags are inspected. The
 * format of a row is documented at the top of cpu/opcodes.def. */
#ifndef NTEMU_CPU_OPCODE_DEFS_H
#define NTEMU_CPU_OPCODE_DEFS_H

#include "cpu/decode.h"

/* Row `pfx`: how 66/F2/F3 (or VEX.pp) select the row. */
enum opcode_pfx {
	P_ANY,                  /* 66/F2/F3 are ordinary prefixes */
	P_NP, P_66, P_F3, P_F2, /* legacy mandatory prefix (SSE forms) */
	V_NP, V_66, V_F3, V_F2, /* VEX-encoded, VEX.pp as named */
};

/* Row `reg`, `mod`, `rm`: 0..7 are exact ModRM field values; these are the others. */
enum opcode_modrm {
	ANY = 8,     /* reg/rm: any value; mod: ModRM present, register or memory */
	MEM,         /* mod != 3 */
	REG,         /* mod == 3 */
	NOMODRM,     /* the form has no ModRM byte */
};

/* Row `imm`. */
enum opcode_imm {
	I_NONE,
	I_B,     /* imm8, zero-extended */
	I_BS,    /* imm8, sign-extended to 64 bits */
	I_W,     /* imm16 */
	I_Z,     /* imm16 or imm32 by operand size, sign-extended to 64 bits */
	I_V,     /* imm16/32/64 by operand size (mov r, imm) */
	I_JB,    /* rel8: insn.imm = absolute target */
	I_JZ,    /* rel16/rel32: insn.imm = absolute target */
	I_AP,    /* ptr16:16/32: insn.imm = offset | selector << 32 */
	I_MOFFS, /* moffs of address size: insn.disp, no base or index */
	I_WB,    /* imm16 then imm8 (enter): insn.imm, insn.imm2 */
};

/* Row `flags`: the operand-size kind in the low 4 bits, then flag bits. */
enum opcode_flags {
	OS_V = 0,  /* 16/32/64: 66 -> 16 (on P_66 rows too), REX.W -> 64, default 32 (the
		    * default kind) */
	OS_B,      /* 8 */
	OS_D64,    /* 64-bit mode: 64, 66 -> 16; compatibility mode: 32, 66 -> 16 */
	OS_F64,    /* 64-bit mode: 64 whatever 66 says; compatibility mode: 32, 66 -> 16 */
	OS_W,      /* 16 */
	OS_D,      /* 32 */
	OS_Q,      /* 64 */
	OS_X,      /* 128: a whole XMM register */
	OS_DQ,     /* 32, or 64 with REX.W / VEX.W in 64-bit mode */
	OS_MASK = 0xf,

	F_I64 = 1u << 4,    /* invalid in 64-bit mode */
	F_O64 = 1u << 5,    /* valid only in 64-bit mode */
	F_END = 1u << 6,    /* ends a basic block */
	F_LOCK = 1u << 7,   /* LOCK allowed with a memory operand */
	F_REGOP = 1u << 8,  /* register in opcode bits 0-2 (+ REX.B): covers opcode..opcode+7 */
	F_REP = 1u << 9,    /* F3/F2 are REP/REPNE (string instructions) */
	F_VL0 = 1u << 10,   /* VEX.L must be 0 */
	F_VL1 = 1u << 11,   /* VEX.L must be 1 */
	F_VW0 = 1u << 12,   /* VEX.W must be 0 */
	F_VW1 = 1u << 13,   /* VEX.W must be 1 */
};

/* insn.row of an instruction that matched no row (DECODE_UD). */
#define DECODE_ROW_NONE 0xffff

/* The handler of every DECODE_UD instruction: raises #UD. */
insn_fn insn_ud;

#endif
