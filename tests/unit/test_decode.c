/* Decoder: prefixes, REX, operand/address sizes, ModRM/SIB/displacement forms, RIP-relative and
 * 16-bit addressing, immediates and branch targets, the 15-byte limit, LOCK validity,
 * VEX/EVEX/XOP sizing and truncation. Instruction bytes are written as hex with their assembly. */
#include <check.h>
#include <string.h>

#include "cpu_fixture.h"
#include "run_suite.h"
#include "cpu/decode.h"
#include "cpu/opcode_defs.h"

#define A64 0x140001000ull
#define A32 0x401000ull

static struct insn in;

/* Decodes hex bytes at `addr`, offering all of them. */
static enum decode_status dec_at(enum cpu_mode mode, uint64_t addr, const char *hex)
{
	uint8_t b[64];
	size_t n = fx_hex(hex, b, sizeof b);
	return decode_insn(b, n, addr, mode, &in);
}

static enum decode_status d64(const char *hex) { return dec_at(CPU_MODE_64, A64, hex); }
static enum decode_status d32(const char *hex) { return dec_at(CPU_MODE_32, A32, hex); }

/* The last decode succeeded as `mn` with `len` bytes. */
static void ok(enum decode_status st, const char *mn, unsigned len)
{
	ck_assert_int_eq(st, DECODE_OK);
	ck_assert_str_eq(insn_mnemonic(&in), mn);
	ck_assert_uint_eq(in.len, len);
	ck_assert_ptr_nonnull(in.fn);
}

static void ud(enum decode_status st, unsigned len)
{
	ck_assert_int_eq(st, DECODE_UD);
	ck_assert_uint_eq(in.len, len);
	ck_assert_uint_eq(in.row, DECODE_ROW_NONE);
	ck_assert_str_eq(insn_mnemonic(&in), "(bad)");
	ck_assert(in.fn == insn_ud);
}

static void mem(unsigned base, unsigned index, unsigned scale, uint64_t disp)
{
	ck_assert(in.is_mem);
	ck_assert_uint_eq(in.base, base);
	ck_assert_uint_eq(in.index, index);
	if (index != REG_NONE)
		ck_assert_uint_eq(in.scale, scale);
	ck_assert_uint_eq(in.disp, disp);
}

START_TEST(prefixes_any_order_and_repeated)
{
	ok(d64("66 01 d8"), "add", 3); /* add ax, bx */
	ck_assert_uint_eq(in.osz, 2);
	ok(d64("66 66 66 01 d8"), "add", 5);
	ck_assert_uint_eq(in.osz, 2);
	ok(d64("67 66 01 18"), "add", 4); /* add [eax], bx */
	ck_assert_uint_eq(in.osz, 2);
	ck_assert_uint_eq(in.asz, 4);
	ok(d64("66 48 01 d8"), "add", 4); /* add rax, rbx: REX.W beats 66 */
	ck_assert_uint_eq(in.osz, 8);
	ck_assert(in.pfx & PFX_REXW);
	/* REX followed by a legacy prefix is ignored (SDM Vol. 2, 2.2.1) */
	ok(d64("48 66 01 d8"), "add", 4); /* add ax, bx */
	ck_assert_uint_eq(in.osz, 2);
	ck_assert(!(in.pfx & (PFX_REX | PFX_REXW)));
	ok(d64("41 66 01 d8"), "add", 4);
	ck_assert_uint_eq(in.rm, 0);
	ok(d64("01 d8"), "add", 2);
	ck_assert_uint_eq(in.osz, 4);
	ck_assert_uint_eq(in.asz, 8);
	ck_assert_uint_eq(in.seg, SEG_NONE);
	ck_assert_uint_eq(in.next, A64 + 2);
}
END_TEST

START_TEST(last_rep_prefix_selects_mandatory_form)
{
	ok(d64("90"), "nop", 1);
	ok(d64("f3 90"), "pause", 2);
	ok(d64("f2 f3 90"), "pause", 3);
	ok(d64("f3 f2 90"), "nop", 3);
	ok(d64("41 90"), "xchg", 2); /* xchg r8d, eax */
	ck_assert_uint_eq(in.reg, 8);
	ok(d64("f3 41 90"), "xchg", 3); /* the processor swaps r8 and eax: not pause */
	ok(d64("0f 10 c1"), "movups", 3);
	ok(d64("66 0f 10 c1"), "movupd", 4);
	/* the last of F2/F3 wins, and either wins over 66 whatever the order */
	ok(d64("66 f3 0f 10 c1"), "movss", 5);
	ok(d64("f3 66 0f 10 c1"), "movss", 5);
	ok(d64("f2 f3 0f 10 c1"), "movss", 5);
	ok(d64("f3 f2 0f 10 c1"), "movsd", 5);
	ok(d64("f3 0f b8 c1"), "popcnt", 4); /* popcnt eax, ecx */
	ck_assert_uint_eq(in.osz, 4);
	ok(d64("66 f3 0f b8 c1"), "popcnt", 5); /* popcnt ax, cx */
	ck_assert_uint_eq(in.osz, 2);
	ok(d64("66 0f 38 f0 00"), "movbe", 5); /* movbe ax, [rax]: NP and 66 forms, no F3 */
	ck_assert_uint_eq(in.osz, 2);
	ud(d64("f3 0f 38 f0 00"), 1);
	/* rep movsq: one row covers movsw/movsd/movsq, named for any of them */
	ck_assert_int_eq(d64("f3 48 a5"), DECODE_OK);
	ck_assert_uint_eq(in.len, 3);
	ck_assert(!strncmp(insn_mnemonic(&in), "movs", 4));
	ck_assert(in.pfx & PFX_REP);
	ck_assert_uint_eq(in.osz, 8);
	ok(d64("f3 f2 a6"), "cmpsb", 3); /* repne cmpsb */
	ck_assert(in.pfx & PFX_REPNE);
	ck_assert(!(in.pfx & PFX_REP));
}
END_TEST

START_TEST(segment_overrides)
{
	ok(d64("64 48 8b 04 25 30 00 00 00"), "mov", 9); /* mov rax, fs:[0x30] */
	ck_assert_uint_eq(in.seg, SEG_FS);
	mem(REG_NONE, REG_NONE, 0, 0x30);
	ok(d64("65 2e 8b 00"), "mov", 4); /* 64-bit mode ignores CS/DS/ES/SS: gs:[rax] */
	ck_assert_uint_eq(in.seg, SEG_GS);
	ok(d64("2e 3e 26 36 8b 00"), "mov", 6);
	ck_assert_uint_eq(in.seg, SEG_NONE);
	/* compatibility mode: the last segment prefix applies; DS/ES/SS/CS are flat */
	ok(d32("64 3e 8b 00"), "mov", 4);
	ck_assert_uint_eq(in.seg, SEG_NONE);
	ok(d32("3e 64 8b 00"), "mov", 4);
	ck_assert_uint_eq(in.seg, SEG_FS);
	ok(d32("64 a1 18 00 00 00"), "mov", 6); /* mov eax, fs:[0x18] */
	ck_assert_uint_eq(in.seg, SEG_FS);
	mem(REG_NONE, REG_NONE, 0, 0x18);
}
END_TEST

START_TEST(rex_extends_registers)
{
	ok(d64("41 01 d8"), "add", 3); /* add r8d, ebx */
	ck_assert(!in.is_mem);
	ck_assert_uint_eq(in.rm, 8);
	ck_assert_uint_eq(in.reg, 3);
	ok(d64("44 01 d8"), "add", 3); /* add eax, r11d */
	ck_assert_uint_eq(in.rm, 0);
	ck_assert_uint_eq(in.reg, 11);
	ok(d64("4d 01 d8"), "add", 3); /* add r8, r11 */
	ck_assert_uint_eq(in.osz, 8);
	ck_assert_uint_eq(in.pfx & (PFX_REX | PFX_REXW), PFX_REX | PFX_REXW);
	ok(d64("40 88 e0"), "mov", 3); /* mov al, spl: any REX selects SPL..DIL */
	ck_assert(in.pfx & PFX_REX);
	ck_assert_uint_eq(in.reg, 4);
	ck_assert_uint_eq(in.osz, 1);
	ok(d64("41 50"), "push", 2); /* push r8 */
	ck_assert_uint_eq(in.reg, 8);
	ck_assert_uint_eq(in.osz, 8);
	ok(d64("66 41 50"), "push", 3); /* push r8w */
	ck_assert_uint_eq(in.osz, 2);
}
END_TEST

START_TEST(immediates)
{
	ok(d64("49 b8 88 77 66 55 44 33 22 11"), "mov", 10); /* mov r8, 0x1122334455667788 */
	ck_assert_uint_eq(in.reg, 8);
	ck_assert_uint_eq(in.imm, 0x1122334455667788ull);
	ok(d64("b8 ff ff ff ff"), "mov", 5); /* mov eax, 0xffffffff */
	ck_assert_uint_eq(in.imm, 0xffffffffull);
	ok(d64("66 b8 34 12"), "mov", 4); /* mov ax, 0x1234 */
	ck_assert_uint_eq(in.imm, 0x1234);
	ok(d64("48 c7 c0 ff ff ff ff"), "mov", 7); /* mov rax, -1 */
	ck_assert_uint_eq(in.imm, ~0ull);
	ok(d64("66 c7 c0 ff ff"), "mov", 5); /* mov ax, 0xffff */
	ok(d64("83 c0 ff"), "add", 3); /* add eax, -1 */
	ck_assert_uint_eq(in.imm, ~0ull);
	ok(d64("c8 10 00 01"), "enter", 4); /* enter 0x10, 1 */
	ck_assert_uint_eq(in.imm, 0x10);
	ck_assert_uint_eq(in.imm2, 1);
	ok(d32("ea 78 56 34 12 33 00"), "jmp", 7); /* jmp far 0x33:0x12345678 */
	ck_assert_uint_eq(in.imm, 0x12345678ull | 0x33ull << 32);
}
END_TEST

START_TEST(sib_forms)
{
	ok(d64("8b 04 24"), "mov", 3); /* mov eax, [rsp] */
	mem(R_SP, REG_NONE, 0, 0);
	ok(d64("8b 04 20"), "mov", 3); /* index 100 without REX.X: none */
	mem(R_AX, REG_NONE, 0, 0);
	ok(d64("42 8b 04 20"), "mov", 4); /* mov eax, [rax+r12] */
	mem(R_AX, R_12, 0, 0);
	ok(d64("41 8b 04 24"), "mov", 4); /* mov eax, [r12] */
	mem(R_12, REG_NONE, 0, 0);
	ok(d64("8b 04 25 78 56 34 12"), "mov", 7); /* mov eax, [0x12345678]: no base */
	mem(REG_NONE, REG_NONE, 0, 0x12345678);
	ok(d64("8b 04 85 f0 ff ff ff"), "mov", 7); /* mov eax, [rax*4-0x10] */
	mem(REG_NONE, R_AX, 2, (uint64_t)-0x10);
	ok(d64("41 8b 45 00"), "mov", 4); /* mov eax, [r13+0] */
	mem(R_13, REG_NONE, 0, 0);
	ok(d64("8b 44 88 08"), "mov", 4); /* mov eax, [rax+rcx*4+8] */
	mem(R_AX, R_CX, 2, 8);
	ok(d64("8b 84 88 00 01 00 00"), "mov", 7); /* mov eax, [rax+rcx*4+0x100] */
	mem(R_AX, R_CX, 2, 0x100);
	ok(d64("4b 8b 44 fd 80"), "mov", 5); /* mov rax, [r13+r15*8-0x80] */
	mem(R_13, R_15, 3, (uint64_t)-0x80);
	ck_assert_uint_eq(in.osz, 8);
	ok(d64("8d 04 09"), "lea", 3); /* lea eax, [rcx+rcx] */
	mem(R_CX, R_CX, 0, 0);
}
END_TEST

START_TEST(rip_relative)
{
	ok(d64("48 8b 05 10 00 00 00"), "mov", 7); /* mov rax, [rip+0x10] */
	mem(REG_NONE, REG_NONE, 0, A64 + 7 + 0x10);
	/* the displacement is relative to the end of the instruction, immediate included */
	ok(d64("c7 05 10 00 00 00 01 00 00 00"), "mov", 10); /* mov dword [rip+0x10], 1 */
	mem(REG_NONE, REG_NONE, 0, A64 + 10 + 0x10);
	ck_assert_uint_eq(in.imm, 1);
	ok(d64("48 8d 0d f9 ff ff ff"), "lea", 7); /* lea rcx, [rip-7] */
	mem(REG_NONE, REG_NONE, 0, A64);
	/* 67: eip-relative, wrapped to 32 bits */
	ck_assert_int_eq(dec_at(CPU_MODE_64, 0x100000000ull, "67 8b 05 f0 ff ff ff"), DECODE_OK);
	ck_assert_uint_eq(in.asz, 4);
	mem(REG_NONE, REG_NONE, 0, 0xfffffff7ull);
	/* compatibility mode has no RIP-relative form: [disp32] */
	ok(d32("8b 05 78 56 34 12"), "mov", 6);
	mem(REG_NONE, REG_NONE, 0, 0x12345678);
}
END_TEST

START_TEST(addressing_16bit)
{
	ok(d32("67 8b 00"), "mov", 3); /* mov eax, [bx+si] */
	ck_assert_uint_eq(in.asz, 2);
	mem(R_BX, R_SI, 0, 0);
	ok(d32("67 8b 03"), "mov", 3); /* mov eax, [bp+di] */
	mem(R_BP, R_DI, 0, 0);
	ok(d32("67 8b 46 10"), "mov", 4); /* mov eax, [bp+0x10] */
	mem(R_BP, REG_NONE, 0, 0x10);
	ok(d32("67 8b 06 34 12"), "mov", 5); /* mov eax, [0x1234] */
	mem(REG_NONE, REG_NONE, 0, 0x1234);
	ok(d32("67 8b 80 00 80"), "mov", 5); /* mov eax, [bx+si-0x8000] */
	mem(R_BX, R_SI, 0, (uint64_t)-0x8000);
	ok(d32("67 8b 07"), "mov", 3); /* mov eax, [bx] */
	mem(R_BX, REG_NONE, 0, 0);
	ok(d32("67 66 8b 44 fe"), "mov", 5); /* mov ax, [si-2] */
	mem(R_SI, REG_NONE, 0, (uint64_t)-2);
	ck_assert_uint_eq(in.osz, 2);
	/* in 64-bit mode 67 selects 32-bit addressing */
	ok(d64("67 8b 00"), "mov", 3); /* mov eax, [eax] */
	ck_assert_uint_eq(in.asz, 4);
	mem(R_AX, REG_NONE, 0, 0);
	ok(d32("8b 00"), "mov", 2);
	ck_assert_uint_eq(in.asz, 4);
}
END_TEST

START_TEST(moffs)
{
	ok(d64("48 a1 88 77 66 55 44 33 22 11"), "mov", 10); /* mov rax, [0x1122334455667788] */
	mem(REG_NONE, REG_NONE, 0, 0x1122334455667788ull);
	ok(d64("67 a1 78 56 34 12"), "mov", 6); /* mov eax, [0x12345678] (a32) */
	mem(REG_NONE, REG_NONE, 0, 0x12345678);
	ok(d32("a1 78 56 34 12"), "mov", 5);
	mem(REG_NONE, REG_NONE, 0, 0x12345678);
	ok(d32("67 a1 34 12"), "mov", 4); /* mov eax, [0x1234] (a16) */
	mem(REG_NONE, REG_NONE, 0, 0x1234);
	ok(d32("a2 00 10 00 00"), "mov", 5); /* mov [0x1000], al */
	ck_assert_uint_eq(in.osz, 1);
}
END_TEST

START_TEST(branch_targets)
{
	ok(d64("eb fe"), "jmp", 2);
	ck_assert_uint_eq(in.imm, A64);
	ck_assert_uint_eq(in.osz, 8);
	ok(d64("74 80"), "jz", 2);
	ck_assert_uint_eq(in.imm, A64 + 2 - 0x80);
	ok(d64("e8 00 00 00 00"), "call", 5);
	ck_assert_uint_eq(in.imm, A64 + 5);
	ok(d64("0f 85 fa ff ff ff"), "jnz", 6);
	ck_assert_uint_eq(in.imm, A64);
	/* 64-bit mode: near branches are 64-bit whatever 66 says (Intel), rel32 */
	ok(d64("66 e9 00 00 00 00"), "jmp", 6);
	ck_assert_uint_eq(in.imm, A64 + 6);
	/* compatibility mode: 66 makes the target a 16-bit IP */
	ok(d32("66 e9 00 00"), "jmp", 4);
	ck_assert_uint_eq(in.imm, (A32 + 4) & 0xffff);
	ok(d32("e8 fb ff ff ff"), "call", 5);
	ck_assert_uint_eq(in.imm, A32);
	ck_assert_int_eq(dec_at(CPU_MODE_32, 0xfffffff0ull, "eb 20"), DECODE_OK);
	ck_assert_uint_eq(in.imm, 0x12);
	ck_assert_int_eq(dec_at(CPU_MODE_32, 0xffffffffull, "90"), DECODE_OK);
	ck_assert_uint_eq(in.next, 0);
}
END_TEST

START_TEST(compat_mode_forms)
{
	ok(d32("40"), "inc", 1); /* inc eax: no REX in compatibility mode */
	ck_assert_uint_eq(in.reg, R_AX);
	ck_assert_uint_eq(in.osz, 4);
	ok(d32("4f"), "dec", 1); /* dec edi */
	ck_assert_uint_eq(in.reg, R_DI);
	ok(d32("66 40"), "inc", 2); /* inc ax */
	ck_assert_uint_eq(in.osz, 2);
	ok(d32("48 01 d8"), "dec", 1); /* dec eax; then add eax, ebx */
	ok(d32("50"), "push", 1);
	ck_assert_uint_eq(in.osz, 4);
	ok(d32("66 50"), "push", 2);
	ck_assert_uint_eq(in.osz, 2);
	ok(d64("48 63 c1"), "movsxd", 3); /* movsxd rax, ecx */
	ck_assert_uint_eq(in.osz, 8);
}
END_TEST

START_TEST(fifteen_byte_limit)
{
	/* 13 x 66 + add ax, bx: exactly 15 bytes */
	ok(d64("66 66 66 66 66 66 66 66 66 66 66 66 66 01 d8"), "add", 15);
	/* one more prefix: 16 bytes, #UD (SDM Vol. 2, 2.3.11) */
	ud(d64("66 66 66 66 66 66 66 66 66 66 66 66 66 66 01 d8"), 15);
	/* the immediate is what crosses the limit */
	ud(d64("66 66 66 66 66 66 48 c7 05 00 00 00 00 01 00 00 00"), 15);
	/* fewer than 15 bytes available and all prefixes: maybe valid, need more */
	ck_assert_int_eq(d64("66 66 66 66 66 66 66 66 66 66 66 66 66 66"), DECODE_TRUNCATED);
	/* 12 x 66 + mov ax, imm16 is 15 bytes: with 14 available the fetch of the last one faults
	 * first; the same bytes with the 16th one present make a too-long instruction */
	ck_assert_int_eq(d64("66 66 66 66 66 66 66 66 66 66 66 66 b8 34"), DECODE_TRUNCATED);
	ok(d64("66 66 66 66 66 66 66 66 66 66 66 66 b8 34 12"), "mov", 15);
	ck_assert_int_eq(d64("66 66 66 66 66 66 66 66 66 66 66 66 66 b8"), DECODE_TRUNCATED);
	ud(d64("66 66 66 66 66 66 66 66 66 66 66 66 66 b8 34"), 15);
}
END_TEST

START_TEST(lock_validity)
{
	ok(d64("f0 01 18"), "add", 3); /* lock add [rax], ebx */
	ck_assert(in.pfx & PFX_LOCK);
	ud(d64("f0 01 d8"), 3);        /* lock add eax, ebx: register destination */
	ud(d64("f0 8b 00"), 3);        /* lock mov eax, [rax]: not lockable */
	ok(d64("f0 48 0f b1 0a"), "cmpxchg", 5); /* lock cmpxchg [rdx], rcx */
	ok(d64("f0 ff 00"), "inc", 3);  /* lock inc dword [rax] */
	ok(d32("f0 0f c7 0e"), "cmpxchg8b", 4); /* lock cmpxchg8b [esi] */
}
END_TEST

/* VEX/EVEX/XOP: sized exactly even without a row. */
static void sized(enum decode_status st, unsigned len)
{
	ck_assert_msg(st == DECODE_OK || st == DECODE_UD, "status %d", (int)st);
	ck_assert_uint_eq(in.len, len);
	if (st == DECODE_UD)
		ck_assert(in.fn == insn_ud);
}

START_TEST(vex_evex_xop_sizing)
{
	sized(d64("c5 f8 77"), 3); /* vzeroupper: no ModRM */
	sized(d64("c5 fc 28 c1"), 4); /* vmovaps ymm0, ymm1 */
	ck_assert_uint_eq(in.vex_l, 1);
	ck_assert(in.pfx & PFX_VEX);
	sized(d64("c5 f0 58 c2"), 4); /* vaddps xmm0, xmm1, xmm2 */
	ck_assert_uint_eq(in.vreg, 1);
	ck_assert_uint_eq(in.vex_l, 0);
	ck_assert_uint_eq(in.reg, 0);
	ck_assert_uint_eq(in.rm, 2);
	sized(d64("c4 41 30 58 c2"), 5); /* vaddps xmm8, xmm9, xmm10 */
	ck_assert_uint_eq(in.vreg, 9);
	ck_assert_uint_eq(in.reg, 8);
	ck_assert_uint_eq(in.rm, 10);
	sized(d64("c4 e3 79 0f c1 08"), 6); /* vpalignr xmm0, xmm0, xmm1, 8: map 0F3A has imm8 */
	sized(d64("c5 f9 70 c1 1b"), 5);    /* vpshufd xmm0, xmm1, 0x1b */
	sized(d64("c4 e2 79 18 05 00 00 00 00"), 9); /* vbroadcastss xmm0, [rip] */
	sized(d64("c4 e2 e9 90 04 88"), 6); /* vpgatherdq xmm0, [rax+xmm1*4], xmm2 */
	ck_assert(in.pfx & PFX_REXW);
	/* EVEX: always sized, never run */
	ud(d64("62 f1 7c 48 28 c1"), 6);    /* vmovaps zmm0, zmm1 */
	ud(d64("62 f3 fd 48 00 c1 1b"), 7); /* vpermq zmm0, zmm1, 0x1b */
	ud(d64("62 f1 7c 08 c2 c1 05"), 7); /* vcmpps k0, xmm0, xmm1, 5 */
	ud(d64("62 f2 7d 48 18 05 00 00 00 00"), 10); /* vbroadcastss zmm0, [rip] */
	ud(d64("62 f5 7c 48 58 c1"), 6);    /* vaddph zmm0, zmm0, zmm1 (map 5) */
	/* XOP (AMD): map 8 has imm8, map 9 none, map 10 imm32 */
	ud(d64("8f e8 78 c0 c1 05"), 6);    /* vprotb xmm0, xmm1, 5 */
	ud(d64("8f e9 78 80 c1"), 5);       /* vfrczps xmm0, xmm1 */
	ud(d64("8f ea 78 10 c1 05 00 00 00"), 9); /* bextr eax, ecx, 5 */
	/* legacy prefixes before VEX are #UD, still sized */
	ud(d64("66 c5 f8 77"), 4);
	ud(d64("f0 c5 f0 58 c2"), 5);
	/* compatibility mode: VEX only when the would-be ModRM is a register form */
	sized(d32("c5 f8 77"), 3);
	sized(d32("c4 e2 79 18 05 00 00 00 00"), 9); /* vbroadcastss xmm0, [0] */
	ck_assert_uint_eq(in.vreg, 0);
	enum decode_status st = d32("c4 00"); /* les eax, [eax] */
	if (st == DECODE_OK)
		ck_assert_str_eq(insn_mnemonic(&in), "les");
	ck_assert_uint_eq(in.len, st == DECODE_OK ? 2 : 1);
	st = d32("62 00"); /* bound eax, [eax] */
	if (st == DECODE_OK)
		ck_assert_str_eq(insn_mnemonic(&in), "bound");
	ck_assert_uint_eq(in.len, st == DECODE_OK ? 2 : 1);
	ud(d32("62 f1 7c 48 28 c1"), 6);
}
END_TEST

START_TEST(vex_rows)
{
	ok(d64("c4 e2 70 f2 c2"), "andn", 5); /* andn eax, ecx, edx */
	ck_assert_uint_eq(in.osz, 4);
	ck_assert_uint_eq(in.reg, R_AX);
	ck_assert_uint_eq(in.vreg, R_CX);
	ck_assert_uint_eq(in.rm, R_DX);
	ck_assert(in.pfx & PFX_VEX);
	ok(d64("c4 e2 f0 f2 c2"), "andn", 5); /* andn rax, rcx, rdx: VEX.W1 */
	ck_assert_uint_eq(in.osz, 8);
	ok(d64("c4 62 a8 f2 c1"), "andn", 5); /* andn r8, r10, rcx */
	ck_assert_uint_eq(in.reg, R_8);
	ck_assert_uint_eq(in.vreg, R_10);
	ck_assert_uint_eq(in.rm, R_CX);
	ud(d64("c4 e2 74 f2 c2"), 5);         /* VEX.L1: #UD, still sized */
	ok(d64("c4 e2 78 f3 ca"), "blsr", 5); /* group by ModRM.reg: blsr eax, edx */
	ck_assert_uint_eq(in.vreg, R_AX);
	ok(d64("c4 e3 fb f0 c1 05"), "rorx", 6); /* rorx rax, rcx, 5: map 0F3A, VEX.pp F2 */
	ck_assert_uint_eq(in.imm, 5);
	ok(d64("c4 e2 73 f7 c2"), "shrx", 5); /* pp selects sarx/shlx/shrx/bextr */
	/* compatibility mode ignores VEX.W for general registers */
	ok(d32("c4 e2 f0 f2 c2"), "andn", 5);
	ck_assert_uint_eq(in.osz, 4);
}
END_TEST

START_TEST(truncation)
{
	static const char *const cut64[] = {
		"", "66", "48", "0f", "0f 38", "8b", "8b 04", "48 8b 05 00 00", "e8 00 00", "c4 e2",
		"c5 f8", "62 f1 7c 48 28",
	};
	for (size_t k = 0; k < sizeof cut64 / sizeof cut64[0]; k++)
		ck_assert_msg(d64(cut64[k]) == DECODE_TRUNCATED, "\"%s\" is not truncated", cut64[k]);
	ck_assert_int_eq(d32("c4"), DECODE_TRUNCATED);
	/* a complete instruction needs nothing more, even when a longer form exists */
	ok(d64("90"), "nop", 1);
	ok(d64("c3"), "ret", 1);
}
END_TEST

START_TEST(unknown_opcode_is_ud)
{
	ud(d64("0f 04"), 1); /* no instruction */
	ud(d64("d6"), 1);    /* salc does not exist in 64-bit mode */
	ck_assert_uint_eq(in.next, A64 + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decode");
	ADD_TCASE(s, "decode", NULL, NULL,
		  prefixes_any_order_and_repeated, last_rep_prefix_selects_mandatory_form,
		  segment_overrides, rex_extends_registers, immediates, sib_forms, rip_relative,
		  addressing_16bit, moffs, branch_targets, compat_mode_forms, fifteen_byte_limit,
		  lock_validity, vex_evex_xop_sizing, vex_rows, truncation, unknown_opcode_is_ud);
	return run_suite(s);
}
