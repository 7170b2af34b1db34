/* The decoder's specialised handlers (alu_/mov_/shift_/stack_/control_/sse_fp_specialize) against
 * the handlers of their rows, and the block builder's flag liveness (FX_DEAD) where a run stops
 * inside a block or faults. */
#include <check.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/opcode_defs.h"
#include "cpu_fixture.h"
#include "run_suite.h"

/* One form of every specialised family, register and memory operands, each size. */
static const struct form {
	const char *hex, *text;
} forms[] = {
	{"01d8", "add eax, ebx"},
	{"4829d1", "sub rcx, rdx"},
	{"4521c8", "and r8d, r9d"},
	{"4809fe", "or rsi, rdi"},
	{"31c0", "xor eax, eax"},
	{"4839d8", "cmp rax, rbx"},
	{"85d1", "test ecx, edx"},
	{"00f8", "add al, bh"},
	{"4038fe", "cmp sil, dil"},
	{"4181c145230100", "add r9d, 0x12345"},
	{"4883e9fb", "sub rcx, -5"},
	{"4883fa07", "cmp rdx, 7"},
	{"80e35a", "and bl, 0x5a"},
	{"48f7c300000070", "test rbx, 0x70000000"},
	{"01cb", "add ebx, ecx"},
	{"482b5308", "sub rdx, [rbx+8]"},
	{"3a44b303", "cmp al, [rbx+rsi*4+3]"},
	{"48014310", "add [rbx+16], rax"},
	{"833c7309", "cmp dword [rbx+rsi*2], 9"},
	{"80730181", "xor byte [rbx+1], 0x81"},
	{"854b18", "test [rbx+24], ecx"},
	{"89d8", "mov eax, ebx"},
	{"4989d1", "mov r9, rdx"},
	{"8b4b0c", "mov ecx, [rbx+12]"},
	{"488b44f308", "mov rax, [rbx+rsi*8+8]"},
	{"895320", "mov [rbx+32], edx"},
	{"4c8954b3fc", "mov [rbx+rsi*4-4], r10"},
	{"4889f7", "mov rdi, rsi"},
	{"c1c807", "ror eax, 7"},
	{"48c1c30d", "rol rbx, 13"},
	{"c1e121", "shl ecx, 33"},
	{"48c1ea3f", "shr rdx, 63"},
	{"41c1f805", "sar r8d, 5"},
	{"53", "push rbx"},
	{"59", "pop rcx"},
	{"54", "push rsp"},
	{"5c", "pop rsp"},
	{"e8fb000000", "call 0x100"},
	{"c3", "ret"},
	{"0f843a000000", "jz 0x40"},
	{"0f8c3a000000", "jl 0x40"},
	{"0f863a000000", "jbe 0x40"},
	{"0f8a3a000000", "jp 0x40"},
	{"0f803a000000", "jo 0x40"},
	{"f20f58c1", "addsd xmm0, xmm1"},
	{"f30f5cd3", "subss xmm2, xmm3"},
	{"660f59e5", "mulpd xmm4, xmm5"},
	{"0f5ef7", "divps xmm6, xmm7"},
	{"f20f51c1", "sqrtsd xmm0, xmm1"},
	{"0f51d3", "sqrtps xmm2, xmm3"},
	{"660f584b20", "addpd xmm1, [rbx+32]"},
	{"f20f595b08", "mulsd xmm3, [rbx+8]"},
	{"f30f5e24b3", "divss xmm4, [rbx+rsi*4]"},
	{"f30f516b04", "sqrtss xmm5, [rbx+4]"},
	{"0fb64305", "movzx eax, byte [rbx+5]"},
	{"480fb70c73", "movzx rcx, word [rbx+rsi*2]"},
	{"0fb6d3", "movzx edx, bl"},
	{"4c0fb7c6", "movzx r8, si"},
	{"660f28ca", "movapd xmm1, xmm2"},
	{"0f285b10", "movaps xmm3, [rbx+16]"},
	{"0f10643301", "movups xmm4, [rbx+rsi*1+1]"},
	{"f30f7f6c3303", "movdqu [rbx+rsi*1+3], xmm5"},
	{"0f297330", "movaps [rbx+48], xmm6"},
	{"f20f107b08", "movsd xmm7, [rbx+8]"},
	{"f20f114310", "movsd [rbx+16], xmm0"},
	{"8d4308", "lea eax, [rbx+8]"},
	{"488d4cb310", "lea rcx, [rbx+rsi*4+16]"},
	{"488d14f505000000", "lea rdx, [rsi*8+5]"},
	{"4c8d0500100000", "lea r8, [rip+0x1000]"},
	{"4c8d042500100000", "lea r8, [0x1000]"},
	{"448d0c08", "lea r9d, [rax+rcx]"},
	{"b8efcdab89", "mov eax, 0x89abcdef"},
	{"48b9f0debc9a78563412", "mov rcx, 0x123456789abcdef0"},
	{"41ba07000000", "mov r10d, 7"},
};

/* Random finite doubles or floats in the XMM lanes most of the time (the SSE fast paths), raw
 * bits otherwise (NaN, denormal, infinity: the fallbacks). */
static void random_xmm(union xmm *x, uint64_t *seed)
{
	uint64_t kind = fx_xorshift(seed) % 4;
	for (int k = 0; k < 2; k++) {
		uint64_t r = fx_xorshift(seed);
		if (kind == 0) {
			double d = (double)(int64_t)(r >> 20) / (double)((r & 0xffff) + 1);
			memcpy(&x->q[k], &d, 8);
		} else if (kind == 1) {
			float f[2] = {(float)(int32_t)(r >> 40) / 7.0f, (float)(r & 0xfffff) * 0.5f};
			memcpy(&x->q[k], f, 8);
		} else {
			x->q[k] = r;
		}
	}
}

static void random_state(struct cpu_fixture *f, uint64_t *seed)
{
	struct cpu *c = &f->cpu;
	for (int r = 0; r < 16; r++)
		c->r[r] = fx_xorshift(seed);
	c->r[R_BX] = FX_DATA + 0x100;
	c->r[R_SI] = fx_xorshift(seed) & 0xff;
	c->r[R_SP] = FX_STACK_TOP - 0x100;
	for (int x = 0; x < 16; x++)
		random_xmm(&c->xmm[x], seed);
	uint64_t m = fx_xorshift(seed);
	c->mxcsr = 0x1f80 | (m & 1 ? 0x20 : 0) | (m & 6 ? 0 : (m >> 8 & 3) << 13);
	cpu_set_rflags(c, fx_xorshift(seed) & FL_ARITH);
	for (size_t k = 0; k < FX_DATA_SIZE; k += 8) {
		uint64_t v = fx_xorshift(seed);
		memcpy(f->data + k, &v, 8);
	}
	/* A canonical return address for ret. */
	uint64_t ret = fx_xorshift(seed) & 0x7ffffffffff0ull;
	memcpy(f->stack + FX_STACK_SIZE - 0x100, &ret, 8);
}

static void run_handler(struct cpu_fixture *f, insn_fn *fn, const struct insn *i)
{
	f->cpu.rip = FX_CODE;
	if (opcode_rows[i->row].flags & F_END)
		f->cpu.rip = i->next;
	f->cpu.cur = i;
	fn(&f->cpu, i);
	f->cpu.cur = NULL;
}

START_TEST(specialised_forms_match_their_rows)
{
	uint64_t seed = 0x5eed5eed12345ull;
	for (size_t k = 0; k < sizeof forms / sizeof *forms; k++) {
		uint8_t bytes[16] = {0};
		size_t n = fx_hex(forms[k].hex, bytes, sizeof bytes);
		struct insn i;
		ck_assert_int_eq(decode_insn(bytes, n, FX_CODE, CPU_MODE_64, &i), DECODE_OK);
		insn_fn *row_fn = opcode_rows[i.row].handler;
		ck_assert_msg(i.fn != row_fn, "%s: not specialised", forms[k].text);
		for (int t = 0; t < 200; t++) {
			struct cpu_fixture *a = fx_new(CPU_MODE_64), *b = fx_new(CPU_MODE_64);
			uint64_t s = seed;
			random_state(a, &s);
			s = seed;
			random_state(b, &s);
			seed = s;
			run_handler(a, i.fn, &i);
			run_handler(b, row_fn, &i);
			for (int r = 0; r < 16; r++)
				ck_assert_msg(a->cpu.r[r] == b->cpu.r[r], "%s: r%d %#llx, row %#llx",
					      forms[k].text, r, (unsigned long long)a->cpu.r[r],
					      (unsigned long long)b->cpu.r[r]);
			ck_assert_msg(a->cpu.rip == b->cpu.rip, "%s: rip", forms[k].text);
			ck_assert_msg(cpu_get_rflags(&a->cpu) == cpu_get_rflags(&b->cpu), "%s: rflags %#llx, row %#llx",
				      forms[k].text, (unsigned long long)cpu_get_rflags(&a->cpu),
				      (unsigned long long)cpu_get_rflags(&b->cpu));
			ck_assert_msg(a->cpu.mxcsr == b->cpu.mxcsr, "%s: mxcsr", forms[k].text);
			ck_assert_msg(!memcmp(a->cpu.xmm, b->cpu.xmm, sizeof a->cpu.xmm), "%s: xmm", forms[k].text);
			ck_assert_msg(!memcmp(a->data, b->data, FX_DATA_SIZE), "%s: memory", forms[k].text);
			ck_assert_msg(!memcmp(a->stack, b->stack, FX_STACK_SIZE), "%s: stack", forms[k].text);
			fx_free(a);
			fx_free(b);
		}
	}
}
END_TEST

/* ror eax, 3; rol rbx, 13; shl ecx, 1; xor edx, edx: the three shifts' flags are dead in the
 * block, so a run that stops after any of them must still show them. */
static const uint8_t shifts[] = {0xc1, 0xc8, 0x03, 0x48, 0xc1, 0xc3, 0x0d, 0xc1, 0xe1, 0x01, 0x31, 0xd2};
static const unsigned shift_ends[] = {3, 7, 10, 12};

static void shift_state(struct cpu *c, uint64_t rflags)
{
	c->r[R_AX] = 4; /* ror 3: 0x80000000, CF = OF = 1 */
	c->r[R_BX] = 0x0123456789abcdefull;
	c->r[R_CX] = 0xc0000001;
	c->rip = FX_CODE;
	cpu_set_rflags(c, rflags);
}

/* The flags after the first k instructions run alone (followed by int3: nothing is dead). */
static uint64_t flags_after(unsigned k)
{
	struct cpu_fixture *f = fx_new(CPU_MODE_64);
	shift_state(&f->cpu, FL_ZF | FL_PF);
	ck_assert_int_eq(fx_run(f, shifts, shift_ends[k - 1]), TRAP_BREAKPOINT);
	uint64_t fl = cpu_get_rflags(&f->cpu) & FL_ARITH;
	fx_free(f);
	return fl;
}

START_TEST(dead_flags_are_exact_when_a_block_is_cut_short)
{
	for (unsigned k = 1; k <= 4; k++) {
		uint64_t want = flags_after(k);
		struct cpu_fixture *f = fx_new(CPU_MODE_64);
		memcpy(f->code, shifts, sizeof shifts);
		f->code[sizeof shifts] = 0xcc;
		shift_state(&f->cpu, FL_ZF | FL_PF);
		ck_assert_int_eq(cpu_run(&f->cpu, 100), TRAP_BREAKPOINT); /* the block, cached */
		f->cpu.rip = FX_CODE;
		struct block *b = block_lookup(f->cache, &f->cpu, NULL);
		ck_assert(b->insns[0].fx & FX_DEAD);
		ck_assert(b->insns[2].fx & FX_DEAD);

		shift_state(&f->cpu, FL_ZF | FL_PF);
		ck_assert_int_eq(cpu_run(&f->cpu, k), TRAP_BUDGET);
		ck_assert_uint_eq(cpu_get_rflags(&f->cpu) & FL_ARITH, want);

		shift_state(&f->cpu, FL_ZF | FL_PF | FL_TF);
		for (unsigned s = 0; s < k; s++)
			ck_assert_int_eq(cpu_run(&f->cpu, 100), TRAP_SINGLE_STEP);
		ck_assert_uint_eq(cpu_get_rflags(&f->cpu) & FL_ARITH, want);
		fx_free(f);
	}
}
END_TEST

START_TEST(flags_before_a_fault_are_kept)
{
	static const uint8_t code[] = {
		0xc1, 0xc8, 0x03,                               /* ror eax, 3 */
		0x8b, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x00,       /* mov ebx, [0] */
		0x31, 0xd2,                                     /* xor edx, edx */
	};
	struct cpu_fixture *f = fx_new(CPU_MODE_64);
	f->cpu.r[R_AX] = 4;
	ck_assert_int_eq(fx_run(f, code, sizeof code), TRAP_PAGE_FAULT);
	ck_assert_uint_eq(cpu_get_rflags(&f->cpu) & (FL_CF | FL_OF), FL_CF | FL_OF);
	fx_free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu fast paths");
	TCase *tc = ADD_TCASE(s, "specialised handlers and flag liveness", NULL, NULL,
			      specialised_forms_match_their_rows,
			      dead_flags_are_exact_when_a_block_is_cut_short, flags_before_a_fault_are_kept);
	tcase_set_timeout(tc, 60);
	return run_suite(s);
}
