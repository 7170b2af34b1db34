/* Golden-state tests for the control-flow, stack, string and system families: near and far
 * transfers (Heaven's Gate both ways), Jcc for every condition, loops, ENTER/LEAVE, PUSHA/POPA,
 * string instructions with REP, DF, overlap and mid-instruction faults, every trap kind with
 * its exact RIP and fault information, and the virtual CPU model (CPUID, RDTSC, RDRAND...).
 * Byte arrays were assembled with nasm (org 0x10000 = FX_CODE); each line shows its source. */
#include <check.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "cpu_fixture.h"
#include "run_suite.h"

static struct cpu *c;

static void start(enum cpu_mode mode)
{
	fx = fx_new(mode);
	c = &fx->cpu;
}

static void setup64(void)
{
	start(CPU_MODE_64);
}

static void setup32(void)
{
	start(CPU_MODE_32);
}

static uint64_t peek(uint64_t addr, unsigned n)
{
	uint64_t v = 0;
	ck_assert(gmem_peek(fx->mem, addr, &v, n, NULL));
	return v;
}

static void poke(uint64_t addr, uint64_t v, unsigned n)
{
	ck_assert(gmem_poke(fx->mem, addr, &v, n, NULL));
}

#define RUN(code) fx_run(fx, code, sizeof code)
/* The int3 fx_run appends after `code`: where a run that falls off the end stops. */
#define END_OF(code) (FX_CODE + sizeof code + 1)
#define SP0 (FX_STACK_TOP - 0x100)
/* FX_DATA's area ends here; the page after it is unmapped. */
#define DATA_END (FX_DATA + FX_DATA_SIZE)

/* ---- near transfers ---- */

static const uint8_t call_ret[] = {
	0xE8, 0x07, 0x00, 0x00, 0x00, /* call f */
	0xBB, 0x02, 0x00, 0x00, 0x00, /* mov ebx, 2 */
	0xEB, 0x06,                   /* jmp done */
	0xB8, 0x01, 0x00, 0x00, 0x00, /* f: mov eax, 1 */
	0xC3,                         /* ret */
};

START_TEST(call_and_ret)
{
	ck_assert_int_eq(RUN(call_ret), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 1);
	ck_assert_uint_eq(c->r[R_BX], 2);
	ck_assert_uint_eq(c->r[R_SP], SP0);
	ck_assert_uint_eq(peek(SP0 - 8, 8), FX_CODE + 5); /* the return address stays below RSP */
	ck_assert_uint_eq(c->rip, END_OF(call_ret));
}
END_TEST

static const uint8_t ret_imm[] = {
	0x6A, 0x11,                   /* push 0x11 */
	0x6A, 0x22,                   /* push 0x22 */
	0xE8, 0x02, 0x00, 0x00, 0x00, /* call f */
	0xEB, 0x03,                   /* jmp done */
	0xC2, 0x10, 0x00,             /* f: ret 16 */
};

START_TEST(ret_imm16_releases_arguments)
{
	ck_assert_int_eq(RUN(ret_imm), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

static const uint8_t indirect[] = {
	0x48, 0x8D, 0x05, 0x18, 0x00, 0x00, 0x00,       /* lea rax, [rel f] */
	0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, /* mov [abs 0x100000], rax */
	0xFF, 0x14, 0x25, 0x00, 0x00, 0x10, 0x00,       /* call [abs 0x100000] */
	0x48, 0x8D, 0x0D, 0x08, 0x00, 0x00, 0x00,       /* lea rcx, [rel g] */
	0xFF, 0xE1,                                     /* jmp rcx */
	0xBA, 0x05, 0x00, 0x00, 0x00,                   /* f: mov edx, 5 */
	0xC3,                                           /* ret */
	0x83, 0xC2, 0x01,                               /* g: add edx, 1 */
};

START_TEST(indirect_call_and_jmp)
{
	ck_assert_int_eq(RUN(indirect), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_DX], 6);
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

/* Every condition code, short and near form, against every combination of CF PF ZF SF OF set by
 * POPF: the loop builds `push flags; popfq; mov eax, 0; jcc +5; mov eax, 1`. */
static bool cc_ref(unsigned cc, uint64_t f)
{
	bool cf = f & FL_CF, pf = f & FL_PF, zf = f & FL_ZF, sf = f & FL_SF, of = f & FL_OF;
	bool r[8] = {of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of};
	return r[cc >> 1] ^ (cc & 1);
}

START_TEST(jcc_every_condition)
{
	static const uint64_t bits[5] = {FL_CF, FL_PF, FL_ZF, FL_SF, FL_OF};
	for (unsigned near = 0; near < 2; near++) {
		for (unsigned cc = 0; cc < 16; cc++) {
			for (unsigned m = 0; m < 32; m++) {
				uint64_t f = 0x202;
				for (unsigned b = 0; b < 5; b++)
					if (m & 1u << b)
						f |= bits[b];
				uint8_t code[32];
				size_t n = 0;
				code[n++] = 0x68; /* push imm32 */
				memcpy(code + n, &(uint32_t){(uint32_t)f}, 4);
				n += 4;
				code[n++] = 0x9d; /* popfq */
				code[n++] = 0xb8; /* mov eax, 0 */
				memset(code + n, 0, 4);
				n += 4;
				if (near) {
					code[n++] = 0x0f;
					code[n++] = (uint8_t)(0x80 + cc);
					memcpy(code + n, &(uint32_t){5}, 4);
					n += 4;
				} else {
					code[n++] = (uint8_t)(0x70 + cc);
					code[n++] = 5;
				}
				code[n++] = 0xb8; /* mov eax, 1 */
				memcpy(code + n, &(uint32_t){1}, 4);
				n += 4;
				ck_assert_int_eq(fx_run(fx, code, n), TRAP_BREAKPOINT);
				ck_assert_msg(c->r[R_AX] == !cc_ref(cc, f), "cc %u flags %#llx near %u", cc,
					      (unsigned long long)f, near);
			}
		}
	}
}
END_TEST

static const uint8_t loops[] = {
	0xB9, 0x04, 0x00, 0x00, 0x00,                               /* mov ecx, 4 */
	0xFF, 0xC0,                                                 /* l1: inc eax */
	0xE2, 0xFC,                                                 /* loop l1 */
	0xB9, 0x0A, 0x00, 0x00, 0x00,                               /* mov ecx, 10 */
	0xBA, 0x00, 0x00, 0x00, 0x00,                               /* mov edx, 0 */
	0xFF, 0xC2,                                                 /* l2: inc edx */
	0x83, 0xFA, 0x03,                                           /* cmp edx, 3 */
	0xE0, 0xF9,                                                 /* loopne l2 */
	0x48, 0x89, 0xCE,                                           /* mov rsi, rcx */
	0x48, 0xB9, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* mov rcx, 0x100000000 */
	0x67, 0xE3, 0x01,                                           /* jecxz ok */
	0xCC,                                                       /* int3 */
	0xE3, 0x0B,                                                 /* ok: jrcxz bad */
	0xB9, 0x05, 0x00, 0x00, 0x00,                               /* mov ecx, 5 */
	0xFF, 0xCB,                                                 /* l3: dec ebx */
	0xE1, 0xFC,                                                 /* loope l3 */
	0xEB, 0x01,                                                 /* jmp done */
	0xCC,                                                       /* bad: int3 */
};

START_TEST(loop_forms)
{
	ck_assert_int_eq(RUN(loops), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 4);          /* loop ran 4 times */
	ck_assert_uint_eq(c->r[R_DX], 3);          /* loopne stopped on equality */
	ck_assert_uint_eq(c->r[R_SI], 7);
	ck_assert_uint_eq(c->r[R_BX], 0xffffffff); /* loope stopped after one dec (ZF=0) */
	ck_assert_uint_eq(c->r[R_CX], 4);
	ck_assert_uint_eq(c->rip, END_OF(loops));   /* jecxz saw ECX=0, jrcxz RCX!=0 */
}
END_TEST

/* ---- stack ---- */

/* mov ebp, 0x1fff80; enter size, level, with the enclosing frames' pointers `outer` stored below
 * 0x1fff80: the frame ENTER builds at SP0 of `w`-byte slots (SDM Vol. 2 ENTER): the old RBP,
 * level - 1 copied pointers, the new frame pointer, then `size` bytes. */
static void check_enter(unsigned w, uint16_t size, uint8_t level, const uint64_t *outer)
{
	const uint64_t old = 0x1fff80, frame = SP0 - w;
	const uint8_t code[] = {
		0xBD, 0x80, 0xFF, 0x1F, 0x00,                        /* mov ebp, 0x1fff80 */
		0xC8, (uint8_t)size, (uint8_t)(size >> 8), level,    /* enter size, level */
	};
	for (unsigned k = 1; k < level; k++)
		poke(old - k * w, outer[k - 1], w);
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(peek(frame, w), old);
	for (unsigned k = 1; k < level; k++)
		ck_assert_uint_eq(peek(frame - k * w, w), outer[k - 1]);
	ck_assert_uint_eq(peek(frame - level * w, w), frame); /* the new frame */
	ck_assert_uint_eq(c->r[R_BP], frame);
	ck_assert_uint_eq(c->r[R_SP], frame - level * w - size);
}

START_TEST(enter_with_nesting_64)
{
	check_enter(8, 0x20, 3, (const uint64_t[]){0xaaaa, 0xbbbb});
}
END_TEST

static const uint8_t enter0[] = {
	0x55,                   /* push rbp */
	0x48, 0x89, 0xE5,       /* mov rbp, rsp */
	0xC8, 0x10, 0x00, 0x00, /* enter 0x10, 0 */
	0xC9,                   /* leave */
	0x5B,                   /* pop rbx */
};

START_TEST(enter_leave_level0)
{
	c->r[R_BP] = 0x5555;
	ck_assert_int_eq(RUN(enter0), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_BP], SP0 - 8);
	ck_assert_uint_eq(c->r[R_BX], 0x5555);
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

START_TEST(enter_with_nesting_32)
{
	check_enter(4, 8, 2, (const uint64_t[]){0xcccc});
}
END_TEST

static const uint8_t pusha32[] = {
	0xB8, 0x01, 0x00, 0x00, 0x00,                   /* mov eax, 1 */
	0xB9, 0x02, 0x00, 0x00, 0x00,                   /* mov ecx, 2 */
	0xBA, 0x03, 0x00, 0x00, 0x00,                   /* mov edx, 3 */
	0xBB, 0x04, 0x00, 0x00, 0x00,                   /* mov ebx, 4 */
	0xBD, 0x06, 0x00, 0x00, 0x00,                   /* mov ebp, 6 */
	0xBE, 0x07, 0x00, 0x00, 0x00,                   /* mov esi, 7 */
	0xBF, 0x08, 0x00, 0x00, 0x00,                   /* mov edi, 8 */
	0x60,                                           /* pushad */
	0x31, 0xC0,                                     /* xor eax, eax */
	0x31, 0xDB,                                     /* xor ebx, ebx */
	0x31, 0xC9,                                     /* xor ecx, ecx */
	0x31, 0xD2,                                     /* xor edx, edx */
	0x31, 0xF6,                                     /* xor esi, esi */
	0x31, 0xFF,                                     /* xor edi, edi */
	0x31, 0xED,                                     /* xor ebp, ebp */
	0xC7, 0x44, 0x24, 0x0C, 0xAD, 0xDE, 0x00, 0x00, /* mov dword [esp+12], 0xdead */
	0x61,                                           /* popad */
};

START_TEST(pushad_popad_32)
{
	ck_assert_int_eq(RUN(pusha32), TRAP_BREAKPOINT);
	static const uint32_t pushed[8] = {8, 7, 6, SP0, 4, 3, 2, 1}; /* EDI at the lowest address */
	for (unsigned k = 0; k < 8; k++)
		ck_assert_uint_eq(peek(SP0 - 32 + 4 * k, 4), k == 3 ? 0xdead : pushed[k]);
	static const uint64_t regs[8] = {1, 2, 3, 4, SP0, 6, 7, 8}; /* the saved ESP is skipped */
	for (unsigned r = 0; r < 8; r++)
		ck_assert_uint_eq(c->r[r], regs[r]);
}
END_TEST

static const uint8_t pushpop[] = {
	0x6A, 0xFE,                                                             /* push -2 */
	0x68, 0x78, 0x56, 0x34, 0x12,                                           /* push 0x12345678 */
	0x48, 0xC7, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x77, 0x00, 0x00, 0x00, /* mov qword [0x100000], 0x77 */
	0xFF, 0x34, 0x25, 0x00, 0x00, 0x10, 0x00,                               /* push qword [0x100000] */
	0x8F, 0x04, 0x25, 0x08, 0x00, 0x10, 0x00,                               /* pop qword [0x100008] */
	0x58,                                                                   /* pop rax */
	0x5B,                                                                   /* pop rbx */
	0x48, 0xC7, 0x44, 0x24, 0xF0, 0x00, 0x00, 0x00, 0x00,                   /* mov qword [rsp-16], 0 */
	0x68, 0x34, 0x12, 0x00, 0x00,                                           /* push 0x1234 */
	0x8F, 0x44, 0x24, 0xF8,                                                 /* pop qword [rsp-8] */
	0x48, 0x8B, 0x4C, 0x24, 0xF0,                                           /* mov rcx, [rsp-16] */
	0x48, 0x8B, 0x7C, 0x24, 0xF8,                                           /* mov rdi, [rsp-8] */
	0x54,                                                                   /* push rsp */
	0x5A,                                                                   /* pop rdx */
	0x66, 0x68, 0x66, 0x55,                                                 /* push word 0x5566 */
	0x66, 0x5E,                                                             /* pop si */
};

START_TEST(push_pop_forms)
{
	c->r[R_SI] = 0;
	ck_assert_int_eq(RUN(pushpop), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 0x12345678);
	ck_assert_uint_eq(c->r[R_BX], (uint64_t)-2);  /* imm8 sign-extended to 64 */
	ck_assert_uint_eq(peek(FX_DATA + 8, 8), 0x77); /* push [m] / pop [m] */
	ck_assert_uint_eq(c->r[R_CX], 0);             /* pop [rsp-8] addressed with the new RSP */
	ck_assert_uint_eq(c->r[R_DI], 0x1234);
	ck_assert_uint_eq(c->r[R_DX], SP0);           /* push rsp pushes the old value */
	ck_assert_uint_eq(c->r[R_SI], 0x5566);        /* 16-bit push/pop */
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

static const uint8_t popf_user[] = {
	0x9C,                         /* pushfq */
	0x58,                         /* pop rax */
	0x68, 0xD5, 0x7C, 0x27, 0x00, /* push 0x277cd5 */
	0x9D,                         /* popfq */
	0x9C,                         /* pushfq */
	0x5B,                         /* pop rbx */
};

/* POPF at CPL 3: arithmetic, DF, NT, AC, ID change; IF, IOPL stay; RF/VM never show in PUSHF. */
START_TEST(popf_user_writable_flags)
{
	ck_assert_int_eq(RUN(popf_user), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 0x202);
	ck_assert_uint_eq(c->r[R_BX], 0x244ed7);
}
END_TEST

static const uint8_t sreg[] = {
	0x66, 0x8C, 0xD8,       /* mov ax, ds */
	0x8E, 0xD8,             /* mov ds, ax */
	0x8E, 0xC0,             /* mov es, ax */
	0x8C, 0xE1,             /* mov ecx, fs */
	0x8E, 0xE8,             /* mov gs, ax */
	0x31, 0xD2,             /* xor edx, edx */
	0x8E, 0xE2,             /* mov fs, dx */
	0x0F, 0xA0,             /* push fs */
	0x5B,                   /* pop rbx */
	0x66, 0xB8, 0x1B, 0x00, /* mov ax, 0x1b */
	0x8E, 0xD8,             /* mov ds, ax */
};

START_TEST(segment_register_moves)
{
	c->r[R_BX] = 0x999;
	ck_assert_int_eq(RUN(sreg), TRAP_GP);
	ck_assert_int_eq(c->trap.reason, GP_SELECTOR);
	ck_assert_uint_eq(c->trap.selector, 0x1b); /* not a selector in use */
	ck_assert_uint_eq(c->rip, FX_CODE + 22);
	ck_assert_uint_eq(c->r[R_AX] & 0xffff, 0x1b);
	ck_assert_uint_eq(c->r[R_CX], 0x53);
	ck_assert_uint_eq(c->r[R_BX], 0);           /* push fs after loading the null selector */
	ck_assert_uint_eq(c->seg[SEG_FS], 0);
	ck_assert_uint_eq(c->seg[SEG_DS], 0x2b);
}
END_TEST

static const uint8_t compat_stack[] = {
	0x9C,                                                       /* pushfd */
	0x58,                                                       /* pop eax */
	0x68, 0xD5, 0x08, 0x00, 0x00,                               /* push 0x8d5 */
	0x9D,                                                       /* popfd */
	0x9C,                                                       /* pushfd */
	0x5B,                                                       /* pop ebx */
	0x06,                                                       /* push es */
	0x59,                                                       /* pop ecx */
	0x0E,                                                       /* push cs */
	0x5A,                                                       /* pop edx */
	0x16,                                                       /* push ss */
	0x17,                                                       /* pop ss */
	0x1E,                                                       /* push ds */
	0x1F,                                                       /* pop ds */
	0x66, 0x9C,                                                 /* o16 pushf */
	0x66, 0x5F,                                                 /* pop di */
	0xC7, 0x05, 0x00, 0x00, 0x10, 0x00, 0x78, 0x56, 0x34, 0x12, /* mov dword [0x100000], 0x12345678 */
	0x66, 0xC7, 0x05, 0x04, 0x00, 0x10, 0x00, 0x2B, 0x00,       /* mov word [0x100004], 0x2b */
	0xC4, 0x35, 0x00, 0x00, 0x10, 0x00,                         /* les esi, [0x100000] */
	0x66, 0xC7, 0x05, 0x04, 0x00, 0x10, 0x00, 0x33, 0x00,       /* mov word [0x100004], 0x33 */
	0xC5, 0x2D, 0x00, 0x00, 0x10, 0x00,                         /* lds ebp, [0x100000] */
};

/* Compatibility-mode stack forms the 64-bit differential tests cannot reach: PUSHFD/POPFD,
 * 16-bit PUSHF, push/pop of ES CS SS DS, LES/LDS (a code selector is not a data selector). */
START_TEST(compat_stack_and_segment_loads)
{
	c->r[R_DI] = 0xffffffff;
	ck_assert_int_eq(RUN(compat_stack), TRAP_GP);
	ck_assert_uint_eq(c->rip, FX_CODE + sizeof compat_stack - 6); /* at the lds */
	ck_assert_int_eq(c->trap.reason, GP_SELECTOR);
	ck_assert_uint_eq(c->trap.selector, 0x33);
	ck_assert_uint_eq(c->r[R_AX], 0x202);
	ck_assert_uint_eq(c->r[R_BX], 0xad7);
	ck_assert_uint_eq(c->r[R_CX], 0x2b);
	ck_assert_uint_eq(c->r[R_DX], CPU_SEL_CS32);
	ck_assert_uint_eq(c->r[R_DI], 0xffff0ad7); /* 16-bit pushf / pop di */
	ck_assert_uint_eq(c->r[R_SI], 0x12345678);
	ck_assert_uint_eq(c->seg[SEG_ES], 0x2b);
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

/* ---- Heaven's Gate ---- */

static const uint8_t hg_call_far[] = {
	0x9A, 0x0E, 0x00, 0x01, 0x00, 0x33, 0x00,                   /* call 0x33:code64 */
	0xBB, 0x34, 0x12, 0x00, 0x00,                               /* mov ebx, 0x1234 */
	0xEB, 0x12,                                                 /* jmp done */
	0x49, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* mov r8, 0x1122334455667788 */
	0x4C, 0x89, 0xC0,                                           /* mov rax, r8 */
	0x48, 0xC1, 0xE8, 0x20,                                     /* shr rax, 32 */
	0xCB,                                                       /* retf */
};

START_TEST(heavens_gate_call_far_and_retf)
{
	ck_assert_int_eq(RUN(hg_call_far), TRAP_BREAKPOINT);
	ck_assert_int_eq(c->mode, CPU_MODE_32);
	ck_assert_uint_eq(c->seg[SEG_CS], CPU_SEL_CS32);
	ck_assert_uint_eq(c->r[R_8], 0x1122334455667788); /* 64-bit work done in between */
	ck_assert_uint_eq(c->r[R_AX], 0x11223344);
	ck_assert_uint_eq(c->r[R_BX], 0x1234);
	ck_assert_uint_eq(c->r[R_SP], SP0);
	ck_assert_uint_eq(peek(SP0 - 8, 4), FX_CODE + 7); /* far call frame: EIP, then CS */
	ck_assert_uint_eq(peek(SP0 - 4, 4), CPU_SEL_CS32);
	ck_assert_uint_eq(c->rip, END_OF(hg_call_far));
}
END_TEST

static const uint8_t hg_retf[] = {
	0x6A, 0x33,                                                 /* push 0x33 */
	0xE8, 0x00, 0x00, 0x00, 0x00,                               /* call $+5 */
	0x83, 0x04, 0x24, 0x05,                                     /* add dword [esp], 5 */
	0xCB,                                                       /* retf */
	0x49, 0xB9, 0x11, 0x00, 0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, /* mov r9, 0xAABBCCDDEEFF0011 */
	0xFF, 0x2D, 0x07, 0x00, 0x00, 0x00,                         /* jmp far dword [rel farptr] */
	0xB9, 0x77, 0x00, 0x00, 0x00,                               /* mov ecx, 0x77 */
	0xEB, 0x06,                                                 /* jmp done */
	0x1C, 0x00, 0x01, 0x00,                                     /* farptr: dd back32 */
	0x23, 0x00,                                                 /* dw 0x23 */
};

START_TEST(heavens_gate_push_call_retf_and_jmp_far_m16_32)
{
	ck_assert_int_eq(RUN(hg_retf), TRAP_BREAKPOINT);
	ck_assert_int_eq(c->mode, CPU_MODE_32);
	ck_assert_uint_eq(c->r[R_9], 0xaabbccddeeff0011);
	ck_assert_uint_eq(c->r[R_CX], 0x77);
	ck_assert_uint_eq(c->r[R_SP], SP0);
}
END_TEST

static const uint8_t hg_iretq[] = {
	0x48, 0x89, 0xE0,                         /* mov rax, rsp */
	0x6A, 0x2B,                               /* push 0x2b */
	0x50,                                     /* push rax */
	0x9C,                                     /* pushfq */
	0x6A, 0x23,                               /* push 0x23 */
	0x48, 0x8D, 0x0D, 0x03, 0x00, 0x00, 0x00, /* lea rcx, [rel code32] */
	0x51,                                     /* push rcx */
	0x48, 0xCF,                               /* iretq */
	0xBA, 0x32, 0x00, 0x00, 0x00,             /* mov edx, 0x32 */
	0x6A, 0x33,                               /* push 0x33 */
	0x68, 0x20, 0x00, 0x01, 0x00,             /* push back64 */
	0xCB,                                     /* retf */
	0xBE, 0x64, 0x00, 0x00, 0x00,             /* mov esi, 0x64 */
	0x6A, 0x33,                               /* push 0x33 */
	0x48, 0x8D, 0x0D, 0x03, 0x00, 0x00, 0x00, /* lea rcx, [rel done] */
	0x51,                                     /* push rcx */
	0x48, 0xCB,                               /* o64 retf */
};

START_TEST(heavens_gate_iretq_retf_and_retfq)
{
	ck_assert_int_eq(RUN(hg_iretq), TRAP_BREAKPOINT);
	ck_assert_int_eq(c->mode, CPU_MODE_64);
	ck_assert_uint_eq(c->seg[SEG_CS], CPU_SEL_CS64);
	ck_assert_uint_eq(c->r[R_DX], 0x32);
	ck_assert_uint_eq(c->r[R_SI], 0x64);
	ck_assert_uint_eq(c->r[R_SP], SP0);
	ck_assert_uint_eq(c->rip, END_OF(hg_iretq));
}
END_TEST

static const uint8_t hg_bad_sel[] = {
	0xB8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1 */
	0xEA, 0x00, 0x00, 0x01, 0x00, 0x2B, 0x00, /* jmp 0x2b:0x10000 */
};

START_TEST(far_jump_to_data_selector_is_gp)
{
	ck_assert_int_eq(RUN(hg_bad_sel), TRAP_GP);
	ck_assert_int_eq(c->trap.reason, GP_SELECTOR);
	ck_assert_uint_eq(c->trap.selector, 0x2b);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 5);
	ck_assert_uint_eq(c->rip, FX_CODE + 5);
	ck_assert_int_eq(c->mode, CPU_MODE_32);
	ck_assert_uint_eq(c->r[R_AX], 1);
}
END_TEST

/* ---- string instructions ---- */

static void fill_pattern(uint64_t addr, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fx->data[addr - FX_DATA + k] = (uint8_t)(k * 7 + 3);
}

START_TEST(rep_movsb_across_pages)
{
	static const uint8_t code[] = {0xf3, 0xa4}; /* rep movsb */
	fill_pattern(FX_DATA, 0x3000);
	c->r[R_SI] = FX_DATA + 1;
	c->r[R_DI] = FX_DATA + 0x5003;
	c->r[R_CX] = 0x2345;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_int_eq(memcmp(fx->data + 0x5003, fx->data + 1, 0x2345), 0);
	ck_assert_uint_eq(fx->data[0x5003 + 0x2345], 0);
	ck_assert_uint_eq(c->r[R_CX], 0);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 1 + 0x2345);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x5003 + 0x2345);
}
END_TEST

/* REP MOVS must equal the element-by-element loop for every overlap, direction and size,
 * including chunks that cross pages. Reference: the loop itself on a host copy. */
START_TEST(rep_movs_overlap_matches_element_loop)
{
	static const uint8_t codes[4][3] = {
		{0xf3, 0xa4},       /* rep movsb */
		{0x66, 0xf3, 0xa5}, /* rep movsw */
		{0xf3, 0xa5},       /* rep movsd */
		{0xf3, 0x48, 0xa5}, /* rep movsq */
	};
	static const unsigned lens[4] = {2, 3, 2, 3}, sizes[4] = {1, 2, 4, 8};
	static const uint64_t counts[] = {1, 3, 50, 1500};
	static uint8_t ref[FX_DATA_SIZE];
	for (unsigned s = 0; s < 4; s++)
	for (int dist = -20; dist <= 20; dist++)
	for (unsigned down = 0; down < 2; down++)
	for (unsigned ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
		unsigned n = sizes[s];
		uint64_t count = counts[ci];
		uint64_t src = FX_DATA + 0x3000 - 37, dst = src + (uint64_t)(int64_t)dist;
		memset(fx->data, 0, FX_DATA_SIZE);
		fill_pattern(FX_DATA, FX_DATA_SIZE);
		memcpy(ref, fx->data, FX_DATA_SIZE);
		uint64_t si = src, di = dst;
		for (uint64_t k = 0; k < count; k++) {
			memmove(ref + (di - FX_DATA), ref + (si - FX_DATA), n);
			si += down ? -(uint64_t)n : n;
			di += down ? -(uint64_t)n : n;
		}
		c->rflags = down ? 0x602 : 0x202;
		c->r[R_SI] = src;
		c->r[R_DI] = dst;
		c->r[R_CX] = count;
		ck_assert_int_eq(fx_run(fx, codes[s], lens[s]), TRAP_BREAKPOINT);
		ck_assert_msg(memcmp(ref, fx->data, FX_DATA_SIZE) == 0, "size %u dist %d down %u count %llu",
			      n, dist, down, (unsigned long long)count);
		ck_assert_uint_eq(c->r[R_SI], si);
		ck_assert_uint_eq(c->r[R_DI], di);
		ck_assert_uint_eq(c->r[R_CX], 0);
	}
}
END_TEST

START_TEST(rep_stosd_backwards)
{
	static const uint8_t code[] = {0xfd, 0xf3, 0xab, 0xfc}; /* std; rep stosd; cld */
	c->r[R_AX] = 0xaabbccdd11223344;
	c->r[R_DI] = FX_DATA + 0x2008;
	c->r[R_CX] = 0x500;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	uint64_t lo = FX_DATA + 0x2008 - 0x4ff * 4;
	for (uint64_t a = lo; a <= FX_DATA + 0x2008; a += 4)
		ck_assert_uint_eq(peek(a, 4), 0x11223344);
	ck_assert_uint_eq(peek(lo - 4, 4), 0);
	ck_assert_uint_eq(peek(FX_DATA + 0x200c, 4), 0);
	ck_assert_uint_eq(c->r[R_DI], lo - 4);
	ck_assert_uint_eq(c->r[R_CX], 0);
}
END_TEST

START_TEST(repe_cmpsb_stops_at_difference)
{
	static const uint8_t code[] = {0xf3, 0xa6}; /* repe cmpsb */
	memcpy(fx->data, "abcdexghij", 10);
	memcpy(fx->data + 0x100, "abcdeyghij", 10);
	c->r[R_SI] = FX_DATA;
	c->r[R_DI] = FX_DATA + 0x100;
	c->r[R_CX] = 10;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_CX], 4);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 6);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x106);
	uint64_t f = cpu_get_rflags(c);
	ck_assert(!(f & FL_ZF));
	ck_assert(f & FL_CF); /* 'x' < 'y' */
}
END_TEST

START_TEST(repne_scasb_strlen)
{
	static const uint8_t code[] = {0xf2, 0xae}; /* repne scasb */
	memcpy(fx->data + 0xff8, "hello, world", 13); /* crosses a page */
	c->r[R_AX] = 0;
	c->r[R_DI] = FX_DATA + 0xff8;
	c->r[R_CX] = (uint64_t)-1;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(~c->r[R_CX] - 1, 12);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0xff8 + 13);
	ck_assert(cpu_get_rflags(c) & FL_ZF);
}
END_TEST

/* Scans in both directions and sizes agree with the element loop; a scan running into an
 * unmapped page faults with the registers at the page boundary. */
START_TEST(rep_scas_cmps_directions_and_fault)
{
	static const uint8_t scasb_back[] = {0xfd, 0xf2, 0xae, 0xfc};  /* std; repne scasb; cld */
	memcpy(fx->data + 0x1ff0, "..x.......x.....", 16);
	c->r[R_AX] = 'x';
	c->r[R_DI] = FX_DATA + 0x1fff;
	c->r[R_CX] = 100;
	ck_assert_int_eq(RUN(scasb_back), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x1ff9); /* stopped after the 'x' at 0x1ffa */
	ck_assert_uint_eq(c->r[R_CX], 94);
	ck_assert(cpu_get_rflags(c) & FL_ZF);

	static const uint8_t cmpsw[] = {0x66, 0xf3, 0xa7}; /* repe cmpsw */
	memcpy(fx->data + 0x3000, "aabbccdd", 8);
	memcpy(fx->data + 0x4000, "aabbcxdd", 8);
	c->r[R_SI] = FX_DATA + 0x3000;
	c->r[R_DI] = FX_DATA + 0x4000;
	c->r[R_CX] = 4;
	ck_assert_int_eq(RUN(cmpsw), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_CX], 1);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 0x3006);
	ck_assert(!(cpu_get_rflags(c) & FL_ZF));

	static const uint8_t scasb[] = {0xf2, 0xae}; /* repne scasb */
	memset(fx->data + FX_DATA_SIZE - 0x20, 1, 0x20);
	c->r[R_AX] = 0;
	c->r[R_DI] = DATA_END - 0x20;
	c->r[R_CX] = 0x100;
	ck_assert_int_eq(RUN(scasb), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, DATA_END);
	ck_assert_int_eq(c->trap.access, ACCESS_READ);
	ck_assert_uint_eq(c->r[R_DI], DATA_END);
	ck_assert_uint_eq(c->r[R_CX], 0xe0);
	ck_assert_uint_eq(c->rip, FX_CODE);
}
END_TEST

START_TEST(lods_and_zero_count)
{
	static const uint8_t code[] = {
		0x48, 0xad,       /* lodsq */
		0xfd,             /* std */
		0xac,             /* lodsb */
		0xfc,             /* cld */
		0xf3, 0xaa,       /* rep stosb (rcx = 0: nothing) */
	};
	poke(FX_DATA, 0x1122334455667788, 8);
	poke(FX_DATA + 8, 0x99, 1);
	c->r[R_SI] = FX_DATA;
	c->r[R_DI] = FX_DATA + 0x100;
	c->r[R_CX] = 0;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 0x1122334455667799);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 7);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x100);
	ck_assert_uint_eq(fx->data[0x100], 0);
}
END_TEST

/* 67: ECX/ESI/EDI in 64-bit mode (upper halves ignored, the writes zero-extend). */
START_TEST(string_address_size)
{
	static const uint8_t code[] = {0x67, 0xf3, 0xa4}; /* rep movsb with ECX/ESI/EDI */
	memcpy(fx->data, "xyz", 3);
	c->r[R_CX] = 0xffffffff00000003;
	c->r[R_SI] = 0xabcd000000000000 | FX_DATA;
	c->r[R_DI] = 0xabcd000000000000 | (FX_DATA + 0x100);
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_int_eq(memcmp(fx->data + 0x100, "xyz", 3), 0);
	ck_assert_uint_eq(c->r[R_CX], 0);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 3);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x103);
}
END_TEST

START_TEST(string_segment_override_reads_fs)
{
	static const uint8_t code[] = {0x64, 0xa4}; /* movsb fs:[rsi] -> es:[rdi] */
	fx->data[0x510] = 'F';
	c->r[R_SI] = 0x10;
	c->r[R_DI] = FX_DATA + 0x100;
	c->seg_base[SEG_FS] = FX_DATA + 0x500;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(fx->data[0x100], 'F');
	ck_assert_uint_eq(c->r[R_SI], 0x11);
}
END_TEST

START_TEST(rep_movsd_32bit_mode)
{
	static const uint8_t code[] = {0xf3, 0xa5}; /* rep movsd */
	fill_pattern(FX_DATA, 0x100);
	c->r[R_SI] = FX_DATA;
	c->r[R_DI] = FX_DATA + 0x800;
	c->r[R_CX] = 0x40;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_int_eq(memcmp(fx->data + 0x800, fx->data, 0x100), 0);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x900);
}
END_TEST

/* A fault in the middle of REP MOVS/STOS is precise and resumable: the registers count the
 * elements done, RIP is the instruction, and running on after the kernel maps the page ends
 * the job. FX_DATA's area ends at FX_DATA + 0x10000 (unmapped). */
START_TEST(rep_movsb_faults_mid_copy_and_resumes)
{
	static const uint8_t code[] = {0x90, 0xf3, 0xa4}; /* nop; rep movsb */
	fill_pattern(FX_DATA, 0x200);
	c->r[R_SI] = FX_DATA;
	c->r[R_DI] = DATA_END - 0x80;
	c->r[R_CX] = 0x100;
	ck_assert_int_eq(RUN(code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, DATA_END);
	ck_assert_int_eq(c->trap.access, ACCESS_WRITE);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 1);
	ck_assert_uint_eq(c->rip, FX_CODE + 1);
	ck_assert_uint_eq(c->r[R_CX], 0x80);
	ck_assert_uint_eq(c->r[R_SI], FX_DATA + 0x80);
	ck_assert_uint_eq(c->r[R_DI], DATA_END);
	ck_assert_int_eq(memcmp(fx->data + FX_DATA_SIZE - 0x80, fx->data, 0x80), 0);

	uint8_t *more = gmem_map_anon(fx->mem, DATA_END, 0x1000, GMEM_READ | GMEM_WRITE);
	ck_assert_ptr_nonnull(more);
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_CX], 0);
	ck_assert_int_eq(memcmp(more, fx->data + 0x80, 0x80), 0);
}
END_TEST

START_TEST(rep_movsb_source_fault)
{
	static const uint8_t code[] = {0xf3, 0xa4};
	c->r[R_SI] = DATA_END - 0x10;
	c->r[R_DI] = FX_DATA;
	c->r[R_CX] = 0x20;
	ck_assert_int_eq(RUN(code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, DATA_END);
	ck_assert_int_eq(c->trap.access, ACCESS_READ);
	ck_assert_uint_eq(c->r[R_CX], 0x10);
	ck_assert_uint_eq(c->r[R_DI], FX_DATA + 0x10);
	ck_assert_uint_eq(c->rip, FX_CODE);
}
END_TEST

START_TEST(rep_stosq_fault_and_straddling_element)
{
	static const uint8_t code[] = {0xf3, 0x48, 0xab}; /* rep stosq */
	c->r[R_AX] = 0x0101010101010101;
	c->r[R_DI] = DATA_END - 0x1c; /* three whole elements, then one straddling the end */
	c->r[R_CX] = 10;
	ck_assert_int_eq(RUN(code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, DATA_END);
	ck_assert_int_eq(c->trap.access, ACCESS_WRITE);
	ck_assert_uint_eq(c->r[R_CX], 7);
	ck_assert_uint_eq(c->r[R_DI], DATA_END - 4);
	ck_assert_uint_eq(peek(DATA_END - 4, 4), 0); /* the straddling element wrote nothing */
	ck_assert_uint_eq(peek(DATA_END - 0x1c, 8), 0x0101010101010101);
}
END_TEST

static const uint8_t long_rep[] = {
	0x48, 0xB8, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, /* mov rax, 0x0101010101010101 */
	0xBF, 0x00, 0x00, 0x00, 0x10,                               /* l: mov edi, 0x10000000 */
	0xB9, 0x00, 0x00, 0x20, 0x00,                               /* mov ecx, 0x200000 */
	0xF3, 0x48, 0xAB,                                           /* rep stosq */
	0xEB, 0xF1,                                                 /* jmp l */
};

static void *stop_after_20ms(void *cpu)
{
	nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	cpu_request_stop(cpu);
	return NULL;
}

/* A stop request lands inside a 16 MiB REP STOSQ (almost all the loop's time): the registers
 * count the progress and running on finishes that REP. */
START_TEST(long_rep_honours_stop_request)
{
	const uint64_t base = 0x10000000, n = 0x200000, rep_at = FX_CODE + 20;
	uint8_t *big = gmem_map_anon(fx->mem, base, n * 8, GMEM_READ | GMEM_WRITE);
	ck_assert_ptr_nonnull(big);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, stop_after_20ms, c), 0);
	enum trap_kind k = RUN(long_rep);
	pthread_join(t, NULL);
	ck_assert_int_eq(k, TRAP_STOP);
	if (c->rip == rep_at) {
		ck_assert_uint_eq((c->r[R_DI] - base) / 8 + c->r[R_CX], n);
		ck_assert_int_eq(fx_continue(fx, 1), TRAP_BUDGET);
		ck_assert_uint_eq(c->r[R_CX], 0);
		ck_assert_uint_eq(c->rip, rep_at + 3);
		ck_assert_uint_eq(peek(base + n * 8 - 8, 8), 0x0101010101010101);
	}
}
END_TEST

/* ---- traps ---- */

static const uint8_t sys_call[] = {
	0xB8, 0x55, 0x00, 0x00, 0x00, /* mov eax, 0x55 */
	0x0F, 0x05,                   /* syscall */
};

START_TEST(trap_syscall)
{
	ck_assert_int_eq(RUN(sys_call), TRAP_SYSCALL);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 5);
	ck_assert_uint_eq(c->rip, FX_CODE + 7);
	ck_assert_uint_eq(c->r[R_CX], FX_CODE + 7);
	ck_assert_uint_eq(c->r[R_11], 0x202);
	ck_assert_uint_eq(c->r[R_AX], 0x55);
}
END_TEST

START_TEST(syscall_is_ud_in_32bit_mode)
{
	ck_assert_int_eq(RUN(sys_call), TRAP_UD);
	ck_assert_uint_eq(c->rip, FX_CODE + 5);
	ck_assert_uint_ge(c->trap.nbytes, 1);
	ck_assert_uint_eq(c->trap.bytes[0], 0x0f);
}
END_TEST

static const uint8_t traps_int[] = {
	0xCD, 0x2E, /* int 0x2e */
	0xCD, 0x29, /* int 0x29 */
	0xCD, 0x2D, /* int 0x2d */
};

START_TEST(trap_int_vectors)
{
	static const uint8_t vectors[] = {0x2e, 0x29, 0x2d};
	ck_assert_int_eq(RUN(traps_int), TRAP_INT);
	for (unsigned k = 0; k < 3; k++) {
		if (k)
			ck_assert_int_eq(fx_continue(fx, 100), TRAP_INT);
		ck_assert_uint_eq(c->trap.vector, vectors[k]);
		ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 2 * k);
		ck_assert_uint_eq(c->rip, FX_CODE + 2 * k + 2);
	}
}
END_TEST

START_TEST(trap_int3_and_int1)
{
	static const uint8_t code[] = {0xf1, 0x90}; /* int1; nop */
	ck_assert_int_eq(RUN(code), TRAP_SINGLE_STEP);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE);
	ck_assert_uint_eq(c->rip, FX_CODE + 1);
	ck_assert_int_eq(fx_continue(fx, 100), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 2);
	ck_assert_uint_eq(c->rip, FX_CODE + 3);
}
END_TEST

static const uint8_t single_step[] = {
	0x9C,                                           /* pushfq */
	0x48, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, /* or qword [rsp], 0x100 */
	0x9D,                                           /* popfq */
	0x90,                                           /* nop */
	0x90,                                           /* nop */
};

START_TEST(trap_single_step_after_popf_sets_tf)
{
	ck_assert_int_eq(RUN(single_step), TRAP_SINGLE_STEP);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 10); /* the first nop ran */
	ck_assert_uint_eq(c->rip, FX_CODE + 11);
	ck_assert(c->rflags & FL_TF);
}
END_TEST

START_TEST(trap_ud_reports_bytes)
{
	static const uint8_t code[] = {0x90, 0x0f, 0xb9, 0xc8}; /* nop; ud1 ecx, eax */
	ck_assert_int_eq(RUN(code), TRAP_UD);
	ck_assert_uint_eq(c->rip, FX_CODE + 1);
	ck_assert_uint_eq(c->trap.nbytes, 3);
	ck_assert_int_eq(memcmp(c->trap.bytes, code + 1, 3), 0);
	static const uint8_t ud2[] = {0x0f, 0x0b};
	ck_assert_int_eq(RUN(ud2), TRAP_UD);
	ck_assert_uint_eq(c->trap.nbytes, 2);
}
END_TEST

static const uint8_t div0[] = {
	0x31, 0xC9,                   /* xor ecx, ecx */
	0xB8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 */
	0xF7, 0xF1,                   /* div ecx */
};

START_TEST(trap_divide_error)
{
	ck_assert_int_eq(RUN(div0), TRAP_DE);
	ck_assert_uint_eq(c->rip, FX_CODE + 7);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 7);
}
END_TEST

static const uint8_t priv[] = {
	0xF4,             /* hlt */
	0xFA,             /* cli */
	0xE4, 0x60,       /* in al, 0x60 */
	0xEF,             /* out dx, eax */
	0xFB,             /* sti */
	0x0F, 0x01, 0x10, /* lgdt [rax] */
	0x0F, 0x20, 0xC0, /* mov rax, cr0 */
	0x0F, 0x32,       /* rdmsr */
};

START_TEST(trap_gp_privileged)
{
	static const unsigned offs[] = {0, 1, 2, 4, 5, 6, 9, 12};
	ck_assert_int_eq(RUN(priv), TRAP_GP);
	for (unsigned k = 0; k < sizeof offs / sizeof *offs; k++) {
		if (k) {
			c->rip = FX_CODE + offs[k];
			ck_assert_int_eq(fx_continue(fx, 100), TRAP_GP);
		}
		ck_assert_int_eq(c->trap.reason, GP_PRIVILEGED);
		ck_assert_uint_eq(c->rip, FX_CODE + offs[k]);
		ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + offs[k]);
	}
}
END_TEST

/* CR1, CR5-CR7, CR9-CR15 and DR8-DR15 do not exist: #UD before the privilege check. */
START_TEST(missing_control_registers_are_ud)
{
	static const struct { uint8_t b[4]; enum trap_kind k; } cases[] = {
		{{0x0f, 0x20, 0xe8}, TRAP_UD},       /* mov eax, cr5 */
		{{0x44, 0x0f, 0x20, 0xd0}, TRAP_UD}, /* mov rax, cr10 */
		{{0x44, 0x0f, 0x21, 0xc8}, TRAP_UD}, /* mov rax, dr9 */
		{{0x44, 0x0f, 0x20, 0xc0}, TRAP_GP}, /* mov rax, cr8 */
		{{0x0f, 0x23, 0xf8}, TRAP_GP},       /* mov dr7, rax */
	};
	for (unsigned k = 0; k < sizeof cases / sizeof *cases; k++) {
		ck_assert_int_eq(fx_run(fx, cases[k].b, 4), cases[k].k);
		ck_assert_uint_eq(c->rip, FX_CODE);
	}
}
END_TEST

START_TEST(trap_page_fault_read_write_execute)
{
	/* mov rax, [0x200000] */
	static const uint8_t rd[] = {0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00};
	ck_assert_int_eq(RUN(rd), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, 0x200000);
	ck_assert_int_eq(c->trap.access, ACCESS_READ);
	ck_assert_uint_eq(c->rip, FX_CODE);

	gmem_protect(fx->mem, FX_DATA + 0x1000, 0x1000, GMEM_READ);
	static const uint8_t wr[] = {0x89, 0x04, 0x25, 0x08, 0x10, 0x10, 0x00}; /* mov [0x101008], eax */
	ck_assert_int_eq(RUN(wr), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, FX_DATA + 0x1008);
	ck_assert_int_eq(c->trap.access, ACCESS_WRITE);
	ck_assert_uint_eq(c->rip, FX_CODE);
}
END_TEST

static const uint8_t exec_fault[] = {
	0xB8, 0x00, 0x00, 0x10, 0x00, /* mov eax, 0x100000 */
	0xFF, 0xD0,                   /* call rax */
};

START_TEST(trap_gp_misaligned_sse_operand)
{
	static const uint8_t code[] = {0x90, 0x0f, 0x28, 0x00}; /* nop; movaps xmm0, [rax] */
	c->r[R_AX] = FX_DATA + 8;
	ck_assert_int_eq(RUN(code), TRAP_GP);
	ck_assert_int_eq(c->trap.reason, GP_MISALIGNED);
	ck_assert_uint_eq(c->rip, FX_CODE + 1);
	c->r[R_AX] = FX_DATA + 16;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
}
END_TEST

START_TEST(trap_page_fault_execute)
{
	ck_assert_int_eq(RUN(exec_fault), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(c->trap.addr, FX_DATA);
	ck_assert_int_eq(c->trap.access, ACCESS_EXEC);
	ck_assert_uint_eq(c->rip, FX_DATA);
	ck_assert_uint_eq(c->r[R_SP], SP0 - 8); /* the call completed */
	ck_assert_uint_eq(peek(SP0 - 8, 8), FX_CODE + 7);
}
END_TEST

static const uint8_t noncanon[] = {
	0x48, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, /* mov rax, 0x800000000000 */
	0xFF, 0xE0,                                                 /* jmp rax */
};

START_TEST(trap_gp_noncanonical_branch)
{
	ck_assert_int_eq(RUN(noncanon), TRAP_GP);
	ck_assert_int_eq(c->trap.reason, GP_NONCANONICAL);
	ck_assert_uint_eq(c->rip, FX_CODE + 10);
}
END_TEST

static const uint8_t bound32[] = {
	0xC7, 0x05, 0x00, 0x00, 0x10, 0x00, 0x0A, 0x00, 0x00, 0x00, /* mov dword [0x100000], 10 */
	0xC7, 0x05, 0x04, 0x00, 0x10, 0x00, 0x14, 0x00, 0x00, 0x00, /* mov dword [0x100004], 20 */
	0xB8, 0x0F, 0x00, 0x00, 0x00,                               /* mov eax, 15 */
	0x62, 0x05, 0x00, 0x00, 0x10, 0x00,                         /* bound eax, [0x100000] */
	0xB8, 0x15, 0x00, 0x00, 0x00,                               /* mov eax, 21 */
	0x62, 0x05, 0x00, 0x00, 0x10, 0x00,                         /* bound eax, [0x100000] */
};

START_TEST(trap_bound_32)
{
	ck_assert_int_eq(RUN(bound32), TRAP_BOUND);
	ck_assert_uint_eq(c->rip, FX_CODE + 36);
	ck_assert_uint_eq(c->r[R_AX], 21);
}
END_TEST

static const uint8_t into32[] = {
	0xB0, 0x7F, /* mov al, 0x7f */
	0x04, 0x01, /* add al, 1 */
	0xCE,       /* into */
	0x90,       /* nop */
};

START_TEST(trap_into_32)
{
	ck_assert_int_eq(RUN(into32), TRAP_INT);
	ck_assert_uint_eq(c->trap.vector, 4);
	ck_assert_uint_eq(c->trap.insn_rip, FX_CODE + 4);
	ck_assert_uint_eq(c->rip, FX_CODE + 5);
}
END_TEST

/* ---- the virtual CPU model ---- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	static const uint8_t code[] = {0x0f, 0xa2};
	c->r[R_AX] = leaf;
	c->r[R_CX] = sub;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	for (unsigned k = 0; k < 4; k++)
		r[k] = (uint32_t)c->r[(const unsigned[]){R_AX, R_BX, R_CX, R_DX}[k]];
}

START_TEST(cpuid_leaves)
{
	uint32_t r[4];
	char s[49] = {0};
	cpuid(0, 0, r);
	ck_assert_uint_ge(r[0], 0xd);
	memcpy(s, &r[1], 4);
	memcpy(s + 4, &r[3], 4);
	memcpy(s + 8, &r[2], 4);
	ck_assert_str_eq(s, "GenuineIntel");

	cpuid(1, 0, r);
	ck_assert_uint_eq((r[0] >> 8) & 0xf, 6);                  /* family 6 */
	ck_assert(r[2] & (1u << 20) && r[2] & (1u << 23));        /* SSE4.2, POPCNT */
	ck_assert(r[2] & (1u << 27) && !(r[2] & (1u << 28)));     /* OSXSAVE, no AVX */
	ck_assert(r[3] & (1u << 26) && r[3] & (1u << 8));         /* SSE2, CX8 */

	cpuid(7, 0, r);
	ck_assert(r[1] & (1u << 3) && r[1] & (1u << 8) && !(r[1] & (1u << 5))); /* BMI1 BMI2, no AVX2 */

	cpuid(0xd, 0, r);
	ck_assert_uint_eq(r[0], 3);
	ck_assert_uint_eq(r[1], 576);

	cpuid(0xb, 5, r);
	ck_assert_uint_eq(r[2], 5); /* past the last level: type 0, level number echoed */

	for (unsigned k = 0; k < 3; k++) {
		cpuid(0x80000002 + k, 0, r);
		memcpy(s + 16 * k, r, 16);
	}
	ck_assert_str_eq(s, "ntemu virtual CPU");

	cpuid(0x80000001, 0, r);
	ck_assert(r[3] & (1u << 11) && r[3] & (1u << 29) && r[2] & (1u << 5)); /* SYSCALL LM LZCNT */

	cpuid(0x40000000, 0, r);
	ck_assert(!r[0] && !r[1] && !r[2] && !r[3]);
}
END_TEST

START_TEST(cpuid_syscall_bit_only_in_64bit_mode)
{
	uint32_t r[4];
	cpuid(0x80000001, 0, r);
	ck_assert(!(r[3] & (1u << 11)));
	ck_assert(r[3] & (1u << 29));
}
END_TEST

static uint64_t fixed_tsc(void *ctx, struct cpu *cpu)
{
	return 0x1122334455667788;
}

START_TEST(rdtsc_rdtscp_rdpid)
{
	static const uint8_t code[] = {
		0x0f, 0x31,       /* rdtsc */
		0x89, 0xc1,       /* mov ecx, eax */
		0x90,             /* nop */
		0x0f, 0x31,       /* rdtsc */
	};
	c->icount = 1000;
	c->r[R_AX] = c->r[R_DX] = ~0ull;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_CX], 1000); /* instructions retired before each rdtsc */
	ck_assert_uint_eq(c->r[R_AX], 1003);
	ck_assert_uint_eq(c->r[R_DX], 0);

	static const uint8_t code2[] = {0x0f, 0x01, 0xf9}; /* rdtscp */
	c->hooks.read_tsc = fixed_tsc;
	c->r[R_CX] = 7;
	ck_assert_int_eq(RUN(code2), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 0x55667788);
	ck_assert_uint_eq(c->r[R_DX], 0x11223344);
	ck_assert_uint_eq(c->r[R_CX], 0);

	static const uint8_t code3[] = {0xf3, 0x48, 0x0f, 0xc7, 0xfb}; /* rdpid rbx */
	c->r[R_BX] = ~0ull;
	ck_assert_int_eq(RUN(code3), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_BX], 0); /* TSC_AUX: processor 0 */
}
END_TEST

START_TEST(rdrand_is_deterministic)
{
	static const uint8_t code[] = {
		0x0f, 0xc7, 0xf0,       /* rdrand eax */
		0x48, 0x0f, 0xc7, 0xfb, /* rdseed rbx */
	};
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	uint64_t a = c->r[R_AX], b = c->r[R_BX];
	ck_assert_uint_le(a, 0xffffffff);
	ck_assert_uint_ne(a, b & 0xffffffff);
	ck_assert_uint_eq(cpu_get_rflags(c) & FL_ARITH, FL_CF);
	fx_teardown();
	setup64();
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], a);
	ck_assert_uint_eq(c->r[R_BX], b);
}
END_TEST

START_TEST(xgetbv_xcr0)
{
	static const uint8_t code[] = {0x0f, 0x01, 0xd0}; /* xgetbv */
	c->r[R_CX] = 0;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 3);
	ck_assert_uint_eq(c->r[R_DX], 0);
	c->r[R_CX] = 1;
	ck_assert_int_eq(RUN(code), TRAP_GP);
	ck_assert_uint_eq(c->rip, FX_CODE);
}
END_TEST

/* XSAVE/XRSTOR standard form: the legacy region is the FXSAVE image, XSTATE_BV gets the saved
 * components, a clear XSTATE_BV bit restores the initial state, MXCSR always loads with SSE. */
START_TEST(xsave_xrstor)
{
	static const uint8_t save[] = {0x48, 0x0f, 0xae, 0x23}; /* xsave64 [rbx] */
	static const uint8_t restore[] = {0x48, 0x0f, 0xae, 0x2b}; /* xrstor64 [rbx] */
	uint64_t area = FX_DATA + 0x1000;
	poke(area + 0x1f0, 0x5555, 8); /* software-available legacy bytes stay */
	poke(area + 512 + 8, 0, 8);
	c->xmm[3].q[0] = 0x1122334455667788;
	c->xmm[15].q[1] = 0x99;
	c->mxcsr = 0x1fa0;
	c->r[R_BX] = area;
	c->r[R_AX] = 3;
	c->r[R_DX] = 0;
	ck_assert_int_eq(RUN(save), TRAP_BREAKPOINT);
	ck_assert_uint_eq(peek(area, 2), 0x37f);                  /* FCW */
	ck_assert_uint_eq(peek(area + 24, 4), 0x1fa0);            /* MXCSR */
	ck_assert_uint_eq(peek(area + 160 + 3 * 16, 8), 0x1122334455667788);
	ck_assert_uint_eq(peek(area + 160 + 15 * 16 + 8, 8), 0x99);
	ck_assert_uint_eq(peek(area + 512, 8), 3);                /* XSTATE_BV */
	ck_assert_uint_eq(peek(area + 0x1f0, 8), 0x5555);

	c->xmm[3].q[0] = 0;
	c->mxcsr = 0x1f80;
	ck_assert_int_eq(RUN(restore), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->xmm[3].q[0], 0x1122334455667788);
	ck_assert_uint_eq(c->mxcsr, 0x1fa0);

	poke(area + 512, 1, 8); /* SSE in its initial state: XMM zero, MXCSR still from memory */
	ck_assert_int_eq(RUN(restore), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->xmm[3].q[0], 0);
	ck_assert_uint_eq(c->xmm[15].q[1], 0);
	ck_assert_uint_eq(c->mxcsr, 0x1fa0);

	poke(area + 512, 4, 8); /* AVX is not in XCR0 */
	ck_assert_int_eq(RUN(restore), TRAP_GP);
	c->r[R_BX] = area + 16;
	ck_assert_int_eq(RUN(save), TRAP_GP);
	ck_assert_int_eq(c->trap.reason, GP_MISALIGNED);
}
END_TEST

START_TEST(flag_instructions)
{
	static const uint8_t code[] = {
		0xf9,       /* stc */
		0xf5,       /* cmc */
		0x0f, 0x92, 0xc0, /* setb al */
		0xf5,       /* cmc */
		0x0f, 0x92, 0xc4, /* setb ah */
		0xf8,       /* clc */
		0xfd,       /* std */
	};
	c->r[R_AX] = 0xffff;
	ck_assert_int_eq(RUN(code), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX] & 0xffff, 0x0100);
	ck_assert_uint_eq(cpu_get_rflags(c) & (FL_CF | FL_DF), FL_DF);
}
END_TEST

static const uint8_t sgdt_sidt[] = {
	0x0F, 0x01, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, /* sgdt [abs 0x100000] */
	0x0F, 0x01, 0x0C, 0x25, 0x10, 0x00, 0x10, 0x00, /* sidt [abs 0x100010] */
	0x0F, 0x00, 0xC8,                               /* str eax */
	0x0F, 0x00, 0xC1,                               /* sldt ecx */
	0x0F, 0x01, 0xE2,                               /* smsw edx */
};

START_TEST(descriptor_table_reads)
{
	ck_assert_int_eq(RUN(sgdt_sidt), TRAP_BREAKPOINT);
	ck_assert_uint_eq(peek(FX_DATA, 2), 0x57);
	ck_assert_uint_eq(peek(FX_DATA + 2, 8), 0xfffff80000001000);
	ck_assert_uint_eq(peek(FX_DATA + 0x10, 2), 0xfff);
	ck_assert_uint_eq(peek(FX_DATA + 0x12, 8), 0xfffff80000002000);
	ck_assert_uint_eq(c->r[R_AX], 0x40);
	ck_assert_uint_eq(c->r[R_CX], 0);
	ck_assert_uint_eq(c->r[R_DX], 0x80050033);
}
END_TEST

static const uint8_t sgdt32[] = {
	0x0F, 0x01, 0x05, 0x00, 0x00, 0x10, 0x00, /* sgdt [0x100000] */
};

START_TEST(sgdt_32bit_stores_six_bytes)
{
	poke(FX_DATA + 6, 0xaa, 1);
	ck_assert_int_eq(RUN(sgdt32), TRAP_BREAKPOINT);
	ck_assert_uint_eq(peek(FX_DATA, 2), 0x57);
	ck_assert_uint_eq(peek(FX_DATA + 2, 4), 0x00001000);
	ck_assert_uint_eq(peek(FX_DATA + 6, 1), 0xaa);
}
END_TEST

static const uint8_t segq[] = {
	0xB9, 0x23, 0x00, 0x00, 0x00, /* mov ecx, 0x23 */
	0x0F, 0x02, 0xC1,             /* lar eax, ecx */
	0x0F, 0x03, 0xD9,             /* lsl ebx, ecx */
	0xB9, 0x53, 0x00, 0x00, 0x00, /* mov ecx, 0x53 */
	0x0F, 0x03, 0xD1,             /* lsl edx, ecx */
	0xB9, 0x10, 0x00, 0x00, 0x00, /* mov ecx, 0x10 */
	0xBE, 0x99, 0x00, 0x00, 0x00, /* mov esi, 0x99 */
	0x0F, 0x02, 0xF1,             /* lar esi, ecx */
};

START_TEST(lar_lsl_known_selectors)
{
	ck_assert_int_eq(RUN(segq), TRAP_BREAKPOINT);
	ck_assert_uint_eq(c->r[R_AX], 0x00cffb00);
	ck_assert_uint_eq(c->r[R_BX], 0xffffffff);
	ck_assert_uint_eq(c->r[R_DX], 0x3c00);
	ck_assert_uint_eq(c->r[R_SI], 0x99); /* kernel selector: unchanged, ZF=0 */
	ck_assert(!(cpu_get_rflags(c) & FL_ZF));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = ADD_TCASE(s, "core", setup64, fx_teardown,
			      call_and_ret, ret_imm16_releases_arguments, indirect_call_and_jmp,
			      jcc_every_condition, loop_forms, enter_with_nesting_64,
			      enter_leave_level0, push_pop_forms, popf_user_writable_flags,
			      segment_register_moves, heavens_gate_iretq_retf_and_retfq,
			      rep_movsb_across_pages, rep_movs_overlap_matches_element_loop,
			      rep_stosd_backwards, repe_cmpsb_stops_at_difference,
			      repne_scasb_strlen, rep_scas_cmps_directions_and_fault,
			      lods_and_zero_count, string_address_size,
			      string_segment_override_reads_fs,
			      rep_movsb_faults_mid_copy_and_resumes, rep_movsb_source_fault,
			      rep_stosq_fault_and_straddling_element, long_rep_honours_stop_request,
			      trap_syscall, trap_int_vectors, trap_int3_and_int1,
			      trap_single_step_after_popf_sets_tf, trap_ud_reports_bytes,
			      trap_divide_error, trap_gp_privileged,
			      missing_control_registers_are_ud, trap_page_fault_read_write_execute,
			      trap_gp_misaligned_sse_operand, trap_page_fault_execute,
			      trap_gp_noncanonical_branch, cpuid_leaves, rdtsc_rdtscp_rdpid,
			      rdrand_is_deterministic, xgetbv_xcr0, xsave_xrstor, flag_instructions,
			      descriptor_table_reads, lar_lsl_known_selectors);
	tcase_set_timeout(tc, 60);
	tc = ADD_TCASE(s, "compatibility mode", setup32, fx_teardown,
		       enter_with_nesting_32, pushad_popad_32, compat_stack_and_segment_loads,
		       heavens_gate_call_far_and_retf,
		       heavens_gate_push_call_retf_and_jmp_far_m16_32,
		       far_jump_to_data_selector_is_gp, rep_movsd_32bit_mode,
		       syscall_is_ud_in_32bit_mode, trap_bound_32, trap_into_32,
		       cpuid_syscall_bit_only_in_64bit_mode, sgdt_32bit_stores_six_bytes);
	tcase_set_timeout(tc, 60);
	return run_suite(s);
}
