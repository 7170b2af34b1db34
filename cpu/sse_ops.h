/* The `param` values of the SSE rows in cpu/opcodes.def.
 *
 * Only macros: the opcode map includes this header from its sse section, and the map may be
 * expanded anywhere (inside an initializer, inside a function), where an enum could not be. */
#ifndef NTEMU_CPU_SSE_OPS_H
#define NTEMU_CPU_SSE_OPS_H

/* sse_pint, sse_pint_m32, sse_pshift_imm (MMX 64-bit and XMM 128-bit packed integer operations,
 * and the float bitwise/unpack forms that are the same operations): the index into
 * the operation table of cpu/sse_int.c. */
#define PI_PADDB 0
#define PI_PADDW 1
#define PI_PADDD 2
#define PI_PADDQ 3
#define PI_PSUBB 4
#define PI_PSUBW 5
#define PI_PSUBD 6
#define PI_PSUBQ 7
#define PI_PADDSB 8
#define PI_PADDSW 9
#define PI_PADDUSB 10
#define PI_PADDUSW 11
#define PI_PSUBSB 12
#define PI_PSUBSW 13
#define PI_PSUBUSB 14
#define PI_PSUBUSW 15
#define PI_PMULLW 16
#define PI_PMULHW 17
#define PI_PMULHUW 18
#define PI_PMULUDQ 19
#define PI_PMADDWD 20
#define PI_PSADBW 21
#define PI_PAVGB 22
#define PI_PAVGW 23
#define PI_PMINUB 24
#define PI_PMINSW 25
#define PI_PMAXUB 26
#define PI_PMAXSW 27
#define PI_PAND 28
#define PI_PANDN 29
#define PI_POR 30
#define PI_PXOR 31
#define PI_PCMPEQB 32
#define PI_PCMPEQW 33
#define PI_PCMPEQD 34
#define PI_PCMPEQQ 35
#define PI_PCMPGTB 36
#define PI_PCMPGTW 37
#define PI_PCMPGTD 38
#define PI_PCMPGTQ 39
#define PI_PACKSSWB 40
#define PI_PACKSSDW 41
#define PI_PACKUSWB 42
#define PI_PACKUSDW 43
#define PI_PUNPCKLBW 44
#define PI_PUNPCKLWD 45
#define PI_PUNPCKLDQ 46
#define PI_PUNPCKLQDQ 47
#define PI_PUNPCKHBW 48
#define PI_PUNPCKHWD 49
#define PI_PUNPCKHDQ 50
#define PI_PUNPCKHQDQ 51
#define PI_PSRLW 52 /* shifts: count in the low quadword of the source */
#define PI_PSRLD 53
#define PI_PSRLQ 54
#define PI_PSRAW 55
#define PI_PSRAD 56
#define PI_PSLLW 57
#define PI_PSLLD 58
#define PI_PSLLQ 59
#define PI_PSRLDQ 60
#define PI_PSLLDQ 61
#define PI_PSHUFB 62
#define PI_PHADDW 63
#define PI_PHADDD 64
#define PI_PHADDSW 65
#define PI_PHSUBW 66
#define PI_PHSUBD 67
#define PI_PHSUBSW 68
#define PI_PMADDUBSW 69
#define PI_PSIGNB 70
#define PI_PSIGNW 71
#define PI_PSIGND 72
#define PI_PMULHRSW 73
#define PI_PABSB 74
#define PI_PABSW 75
#define PI_PABSD 76
#define PI_PMULDQ 77
#define PI_PMULLD 78
#define PI_PMINSB 79
#define PI_PMINSD 80
#define PI_PMINUW 81
#define PI_PMINUD 82
#define PI_PMAXSB 83
#define PI_PMAXSD 84
#define PI_PMAXUW 85
#define PI_PMAXUD 86
#define PI_COUNT 87

/* sse_pmovx (pmovsx / pmovzx): source lane bytes | destination lane bytes << 3 | signed << 7. */
#define PMX(src, dst, sgn) ((src) | (dst) << 3 | (sgn) << 7)

/* sse_fp (arithmetic on packed/scalar single/double): operation | format. */
#define FP_PS 0x00
#define FP_PD 0x10
#define FP_SS 0x20
#define FP_SD 0x30
#define FP_ADD 0
#define FP_SUB 1
#define FP_MUL 2
#define FP_DIV 3
#define FP_MIN 4
#define FP_MAX 5
#define FP_SQRT 6
#define FP_RCP 7
#define FP_RSQRT 8
#define FP_CMP 9      /* predicate in imm8[2:0] */
#define FP_HADD 10
#define FP_HSUB 11
#define FP_ADDSUB 12

/* sse_cvt: conversion kinds (cpu/sse_fp.c). */
#define CV_PI2PS 0   /* mm/m64 int32 x2 -> low two floats */
#define CV_PI2PD 1   /* mm/m64 int32 x2 -> two doubles */
#define CV_PS2PI 2   /* xmm/m64 floats -> mm int32 x2 */
#define CV_TPS2PI 3
#define CV_PD2PI 4   /* xmm/m128 doubles -> mm int32 x2 */
#define CV_TPD2PI 5
#define CV_DQ2PS 6
#define CV_PS2DQ 7
#define CV_TPS2DQ 8
#define CV_DQ2PD 9   /* xmm/m64 */
#define CV_PD2DQ 10
#define CV_TPD2DQ 11
#define CV_PS2PD 12  /* xmm/m64 */
#define CV_PD2PS 13
#define CV_SS2SD 14
#define CV_SD2SS 15

/* sse_cvt_si2f / sse_cvt_f2si: scalar <-> general register (the register width is i->osz). */
#define CVS_SS 0     /* float */
#define CVS_SD 1     /* double */
#define CVS_TRUNC 2  /* truncating (cvtt*) */

/* sse_pcmpstr: bit 0 index (pcmp*stri) vs mask (pcmp*strm), bit 1 explicit lengths (pcmpe*). */
#define STR_INDEX 1
#define STR_EXPLICIT 2

/* sse_comis: lane width | COMIS_SIGNALING for comiss/comisd (IE on QNaN as well). */
#define COMIS_SIGNALING 0x80

/* Lane width (bytes) for the width-generic moves, blends, masks, inserts and extracts. */
#define W1 1
#define W2 2
#define W4 4
#define W8 8
#define PINSR_MMX 0x40 /* sse_pinsr: the MMX pinsrw */

/* sse_pshuf: which shuffle. */
#define SHUF_PSHUFD 0
#define SHUF_PSHUFHW 1
#define SHUF_PSHUFLW 2
#define SHUF_PSHUFW 3

/* sse_mov_half: 64-bit halves (movlps, movhps, movlpd, movhpd, movhlps, movlhps). */
#define HALF_LO 0      /* memory <-> low quadword */
#define HALF_HI 1      /* memory <-> high quadword */

/* sse_mov_load / sse_mov_store: alignment of the 128-bit memory operand. */
#define MOV_A 0 /* movaps, movapd, movdqa, movntps, movntpd, movntdq, movntdqa */
#define MOV_U 1 /* movups, movupd, movdqu, lddqu */

/* sse_movd_in / sse_movd_out (movd/movq between a general register or memory and a vector). */
#define MOVD_MM 0
#define MOVD_XMM 1

/* sse_dup: movsldup / movshdup / movddup. */
#define DUP_SL 0
#define DUP_SH 1
#define DUP_D 2

#endif
