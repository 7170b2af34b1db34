/* The decoder oracle: every instruction of the system image's code, decoded by ntemu and by Zydis.
 *
 * x86-64 images (build/sysroot/system32): every function range of the .pdata table, swept
 * linearly. i386 images (syswow64), and x86-64 code outside .pdata (leaf functions): recursive
 * descent from the entry point, the exports and the code addresses stored in relocated slots
 * (vtables, callbacks).
 * For each instruction Zydis decodes, ntemu must agree on the length and the mnemonic (through a
 * short alias table for naming differences), and on relative branch targets. VEX/EVEX/XOP forms
 * ntemu does not run are #UD but must still be sized. Instructions ntemu has no row for are
 * counted per mnemonic, printed and written to build/zydis-unimplemented.txt: that table is the
 * to-do list of the instruction families. None may remain among mnemonics that occur in the
 * x86-64 images.
 *
 * NTEMU_SYSROOT overrides the image location (default build/sysroot); NTEMU_ZYDIS_FILTER=text
 * limits the run to files whose name contains text (for quick iterations; the assertions then
 * cover only those files). */
#include "tests/zydis_known.h"
#include <Zydis/Zydis.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cpu_fixture.h"
#include "cpu/decode.h"
#include "cpu/opcode_defs.h"
#include "loader/pe.h"
#include "run_suite.h"

enum arch { A64, A32, ARCH_COUNT };
static const char *const arch_name[ARCH_COUNT] = {"x86-64", "i386"};

#define NMN (ZYDIS_MNEMONIC_MAX_VALUE + 1)
#define EXAMPLE_MAX 200
#ifndef PRINT_MAX
#define PRINT_MAX 40 /* disagreements printed in full, per kind and arch */
#endif

struct tally {
	uint64_t count;
	char example[EXAMPLE_MAX];
};

enum bad_kind { BAD_LEN, BAD_MNEMONIC, BAD_TARGET, BAD_IMM, BAD_KIND_COUNT };
static const char *const bad_name[BAD_KIND_COUNT] = {
	"length", "mnemonic", "branch target", "immediate",
};

struct oracle {
	ZydisDecoder zd[ARCH_COUNT];
	uint64_t files[ARCH_COUNT], ranges[ARCH_COUNT], compared[ARCH_COUNT];
	uint64_t zydis_invalid[ARCH_COUNT];  /* Zydis could not decode: sweep stopped there */
	uint64_t unimpl[ARCH_COUNT];
	uint64_t bad[ARCH_COUNT][BAD_KIND_COUNT];
	struct tally unimpl_t[ARCH_COUNT][NMN];
	struct tally bad_t[ARCH_COUNT][NMN]; /* all disagreements by Zydis mnemonic */
	bool seen64[NMN];                    /* mnemonics that occur in the x86-64 images */
	char err[512];                       /* first setup problem (unreadable image...) */
};

static struct oracle o;

/* The unavoidable naming differences: one row covers forms Zydis names by operand size, by
 * address size (jcxz) or by REX.W (movd/movq). The row may use any name of its group; Zydis'
 * must be the one for the decoded size. */
enum name_by { BY_OSZ, BY_ASZ, BY_REXW };
static const struct {
	enum name_by by;
	const char *name[3]; /* 16, 32, 64 bits (BY_REXW: -, W0, W1) */
} size_named[] = {
	{BY_OSZ, {"cbw", "cwde", "cdqe"}},     {BY_OSZ, {"cwd", "cdq", "cqo"}},
	{BY_OSZ, {"movsw", "movsd", "movsq"}}, {BY_OSZ, {"cmpsw", "cmpsd", "cmpsq"}},
	{BY_OSZ, {"stosw", "stosd", "stosq"}}, {BY_OSZ, {"lodsw", "lodsd", "lodsq"}},
	{BY_OSZ, {"scasw", "scasd", "scasq"}}, {BY_OSZ, {"insw", "insd", NULL}},
	{BY_OSZ, {"outsw", "outsd", NULL}},    {BY_OSZ, {"iret", "iretd", "iretq"}},
	{BY_OSZ, {"pushf", "pushfd", "pushfq"}}, {BY_OSZ, {"popf", "popfd", "popfq"}},
	{BY_OSZ, {"pusha", "pushad", NULL}},   {BY_OSZ, {"popa", "popad", NULL}},
	{BY_ASZ, {"jcxz", "jecxz", "jrcxz"}},
	{BY_REXW, {NULL, "cmpxchg8b", "cmpxchg16b"}}, {BY_REXW, {NULL, "movd", "movq"}},
	{BY_REXW, {NULL, "pinsrd", "pinsrq"}}, {BY_REXW, {NULL, "pextrd", "pextrq"}},
	{BY_REXW, {NULL, "fxsave", "fxsave64"}}, {BY_REXW, {NULL, "fxrstor", "fxrstor64"}},
	{BY_REXW, {NULL, "xsave", "xsave64"}}, {BY_REXW, {NULL, "xrstor", "xrstor64"}},
	{BY_REXW, {NULL, "xsaveopt", "xsaveopt64"}}, {BY_REXW, {NULL, "xsavec", "xsavec64"}},
	{BY_REXW, {NULL, "vmovd", "vmovq"}},   {BY_REXW, {NULL, "vpinsrd", "vpinsrq"}},
	{BY_REXW, {NULL, "vpextrd", "vpextrq"}},
};

static bool same_family(enum arch a, const struct insn *in, const char *zydis)
{
	const char *ours = insn_mnemonic(in);
	if (!strcmp(ours, zydis))
		return true;
	if (zydis_name_known_to_differ(zydis, ours))
		return true;
	for (size_t k = 0; k < sizeof size_named / sizeof size_named[0]; k++) {
		const char *const *g = size_named[k].name;
		unsigned size;
		switch (size_named[k].by) {
		case BY_OSZ: size = in->osz; break;
		case BY_ASZ: size = in->asz; break;
		default: size = a == A64 && (in->pfx & PFX_REXW) ? 8 : 4; break;
		}
		const char *want = g[size == 2 ? 0 : size == 4 ? 1 : 2];
		for (int j = 0; j < 3; j++)
			if (g[j] && !strcmp(g[j], ours))
				return want && !strcmp(want, zydis);
	}
	return false;
}

/* snprintf that may truncate on purpose (paths and messages are bounded reports) */
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

static void hex_bytes(char *buf, size_t size, const uint8_t *b, unsigned n)
{
	size_t at = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < n && at + 3 < size; k++)
		at += (size_t)snprintf(buf + at, size - at, "%s%02x", k ? " " : "", b[k]);
}

static void tally_add(struct tally *t, const char *example)
{
	if (!t->count++)
		fmt(t->example, sizeof t->example, "%s", example);
}

/* Zydis set up as the CPU ntemu models: no MPX, CET or CLDEMOTE, whose encodings are then the
 * hint NOPs they are on such a CPU (0F 1A/1B/1C/1E). */
static void init_zydis(void)
{
	static const ZydisMachineMode mode[ARCH_COUNT] = {ZYDIS_MACHINE_MODE_LONG_64,
							  ZYDIS_MACHINE_MODE_LONG_COMPAT_32};
	static const ZydisStackWidth stack[ARCH_COUNT] = {ZYDIS_STACK_WIDTH_64, ZYDIS_STACK_WIDTH_32};
	for (int a = 0; a < ARCH_COUNT; a++) {
		ck_assert(ZYAN_SUCCESS(ZydisDecoderInit(&o.zd[a], mode[a], stack[a])));
		ck_assert(ZYAN_SUCCESS(ZydisDecoderEnableMode(&o.zd[a], ZYDIS_DECODER_MODE_MPX, 0)));
		ck_assert(ZYAN_SUCCESS(ZydisDecoderEnableMode(&o.zd[a], ZYDIS_DECODER_MODE_CET, 0)));
		ck_assert(ZYAN_SUCCESS(ZydisDecoderEnableMode(&o.zd[a], ZYDIS_DECODER_MODE_CLDEMOTE,
							      0)));
	}
}

/* Zydis' decoding, or false for bytes that are invalid on the CPUs ntemu models: what Zydis
 * rejects, and the Xeon Phi (KNC) mask branches it decodes in VEX space anyway. */
static bool zydis_decode(enum arch a, const uint8_t *code, size_t avail,
			 ZydisDecodedInstruction *zi)
{
	if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(&o.zd[a], NULL, code, avail, zi)))
		return false;
	return zi->meta.isa_ext != ZYDIS_ISA_EXT_KNC && zi->meta.isa_ext != ZYDIS_ISA_EXT_KNCE &&
	       zi->meta.isa_ext != ZYDIS_ISA_EXT_KNCV && zi->encoding != ZYDIS_INSTRUCTION_ENCODING_MVEX;
}

/* ntemu's decoding of bytes Zydis decoded as `zi`: a bad_kind, or -1 when they agree. */
static int judge(enum arch a, uint64_t va, const uint8_t *code, size_t avail,
		 const ZydisDecodedInstruction *zi, struct insn *in, enum decode_status *st)
{
	*st = decode_insn(code, avail, va, a == A64 ? CPU_MODE_64 : CPU_MODE_32, in);
	bool sized = zi->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX ||
		         zi->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX ||
		         zi->encoding == ZYDIS_INSTRUCTION_ENCODING_XOP;
	if (*st == DECODE_TRUNCATED)
		return BAD_LEN;
	if (*st == DECODE_UD)
		return sized && in->len != zi->length ? BAD_LEN : -1;
	if (in->len != zi->length)
		return BAD_LEN;
	if (!same_family(a, in, ZydisMnemonicGetString(zi->mnemonic)))
		return BAD_MNEMONIC;
	unsigned kind = opcode_rows[in->row].imm;
	if ((kind == I_JB || kind == I_JZ) && zi->raw.imm[0].is_relative) {
		uint64_t t = va + zi->length + (uint64_t)zi->raw.imm[0].value.s;
		if (zi->operand_width < 64)
			t &= (1ull << zi->operand_width) - 1;
		if (t != in->imm)
			return BAD_TARGET;
	}
	/* the immediate as the handler sees it, within the operand size (sign extension) */
	if (kind == I_B || kind == I_BS || kind == I_W || kind == I_Z || kind == I_V || kind == I_WB) {
		const struct ZydisDecodedInstructionRawImm_ *zimm = &zi->raw.imm[0];
		uint64_t z = zimm->is_signed ? (uint64_t)zimm->value.s : zimm->value.u;
		if ((z ^ in->imm) & size_mask(in->osz > 8 ? 8 : in->osz))
			return BAD_IMM;
	}
	return -1;
}

/* "N length, N mnemonic, ..." */
static void bad_counts(char *buf, size_t size, const uint64_t bad[BAD_KIND_COUNT])
{
	size_t at = 0;
	buf[0] = 0;
	for (int k = 0; k < BAD_KIND_COUNT && at < size; k++)
		at += (size_t)snprintf(buf + at, size - at, "%s%llu %s", k ? ", " : "",
				       (unsigned long long)bad[k], bad_name[k]);
}

static void describe(char *ex, size_t size, const char *where, const uint8_t *code, unsigned n,
		         const ZydisDecodedInstruction *zi, const struct insn *in,
		         enum decode_status st)
{
	char bytes[64];
	hex_bytes(bytes, sizeof bytes, code, n);
	fmt(ex, size, "%s [%s]: zydis %s len %u; ntemu %s len %u status %d", where, bytes,
	    zi ? ZydisMnemonicGetString(zi->mnemonic) : "(invalid)", zi ? zi->length : 0,
	    st == DECODE_OK ? insn_mnemonic(in) : "-", in->len, (int)st);
}

/* Decodes the instruction at `rva` with both decoders and records the comparison. Returns Zydis'
 * decoding (false when Zydis rejects the bytes: not compared). */
static bool compare_one(enum arch a, const char *file, uint64_t va, uint32_t rva,
			const uint8_t *code, size_t avail, ZydisDecodedInstruction *zi)
{
	if (!zydis_decode(a, code, avail, zi)) {
		o.zydis_invalid[a]++;
		return false;
	}
	o.compared[a]++;
	if (a == A64)
		o.seen64[zi->mnemonic] = true;

	struct insn in;
	enum decode_status st;
	int bad = judge(a, va, code, avail, zi, &in, &st);
	char where[300], ex[EXAMPLE_MAX];
	fmt(where, sizeof where, "%s+0x%x", file, rva);
	if (bad >= 0) {
		o.bad[a][bad]++;
		describe(ex, sizeof ex, where, code, zi->length, zi, &in, st);
		tally_add(&o.bad_t[a][zi->mnemonic], ex);
		if (o.bad[a][bad] <= PRINT_MAX)
			printf("DISAGREE %s %s: %s\n", arch_name[a], bad_name[bad], ex);
	}
	if (st == DECODE_UD) {
		o.unimpl[a]++;
		char bytes[64];
		hex_bytes(bytes, sizeof bytes, code, zi->length);
		fmt(ex, sizeof ex, "%s [%s]", where, bytes);
		tally_add(&o.unimpl_t[a][zi->mnemonic], ex);
	}
	return true;
}

static const struct pe_section *exec_section(const struct pe_image *pe, uint32_t rva)
{
	const struct pe_section *s = pe_section_for_rva(pe, rva);
	return s && (s->characteristics & PE_SCN_MEM_EXECUTE) ? s : NULL;
}

/* Bytes from rva to the end of its section's file data (the rest of the view is zeros). */
static size_t avail_at(const struct pe_section *s, uint32_t rva)
{
	uint32_t end = s->va + s->file_bytes;
	return rva < end ? end - rva : 0;
}

static bool test_and_mark(uint8_t *seen, uint32_t rva)
{
	bool was = seen[rva / 8] & (1u << (rva % 8));
	seen[rva / 8] |= (uint8_t)(1u << (rva % 8));
	return was;
}

/* The .pdata function ranges, swept linearly; instruction starts are marked in `seen`. */
static void sweep_pdata(const char *file, const uint8_t *image, const uint8_t *data,
			const struct pe_image *pe, uint8_t *seen)
{
	struct pe_runtime_function *fn;
	size_t n;
	struct pe_error err;
	if (!pe_runtime_functions(data, pe, &fn, &n, &err)) {
		if (!o.err[0])
			fmt(o.err, sizeof o.err, "%s: .pdata: %s", file, err.msg);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		const struct pe_section *s = exec_section(pe, fn[k].begin);
		if (!s)
			continue;
		o.ranges[A64]++;
		for (uint32_t rva = fn[k].begin; rva < fn[k].end;) {
			if (test_and_mark(seen, rva))
				break;
			size_t avail = avail_at(s, rva);
			ZydisDecodedInstruction zi;
			if (!avail || !compare_one(A64, file, pe->image_base + rva, rva, image + rva,
						   avail, &zi))
				break;
			rva += zi.length;
		}
	}
	free(fn);
}

struct worklist {
	uint32_t *v;
	size_t n, cap;
};

static void push_rva(struct worklist *w, uint32_t rva)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->v = realloc(w->v, w->cap * sizeof *w->v);
		ck_assert_ptr_nonnull(w->v);
	}
	w->v[w->n++] = rva;
}

/* Code addresses the image stores: relocated pointer slots (vtables, callback tables, case
 * labels, `push offset callback`) whose value lies in an executable section. loader/pe.h applies
 * relocations but does not list them, so the slots are found as the bytes that change when the
 * image is relocated by 0x10000: byte 2 of each HIGHLOW/DIR64 slot always does, bytes 0-1
 * never. */
static void push_relocated_code(struct worklist *w, const char *file, const uint8_t *image,
				const struct pe_image *pe)
{
	if (!pe->dirs[PE_DIR_BASERELOC].size)
		return; /* fixed-base image (resource-only files, some programs) */
	uint8_t *moved = malloc(pe->mapped_size);
	ck_assert_ptr_nonnull(moved);
	memcpy(moved, image, pe->mapped_size);
	struct pe_error err;
	if (!pe_apply_relocations(moved, pe->mapped_size, pe, 0x10000, &err)) {
		if (!o.err[0])
			fmt(o.err, sizeof o.err, "%s: relocations: %s", file, err.msg);
	} else {
		unsigned width = pe->is64 ? 8 : 4;
		for (uint32_t i = 2; i - 2 + width <= pe->mapped_size; i++) {
			if (moved[i] == image[i])
				continue;
			uint32_t slot = i - 2;
			uint64_t v = 0;
			memcpy(&v, image + slot, width);
			if (v - pe->image_base < pe->mapped_size &&
			    exec_section(pe, (uint32_t)(v - pe->image_base)))
				push_rva(w, (uint32_t)(v - pe->image_base));
			i = slot + width - 1;
		}
	}
	free(moved);
}

/* Recursive descent from the entry point, the exports and the relocated code addresses:
 * follows direct branches and calls; stops at returns, indirect jumps, int3/ud2/hlt, bytes
 * Zydis rejects and instructions already compared (`seen`). Jump tables are not followed. */
static void descend(enum arch a, const char *file, const uint8_t *image, const uint8_t *data,
		        const struct pe_image *pe, uint8_t *seen)
{
	struct worklist w = {0};
	if (pe->entry_rva)
		push_rva(&w, pe->entry_rva);
	struct pe_exports exp;
	struct pe_error err;
	if (pe->dirs[PE_DIR_EXPORT].size) {
		if (!pe_exports_read(data, pe, &exp, &err)) {
			if (!o.err[0])
				fmt(o.err, sizeof o.err, "%s: exports: %s", file, err.msg);
		} else {
			for (size_t k = 0; k < exp.count; k++)
				if (!exp.v[k].forwarder)
					push_rva(&w, exp.v[k].rva);
			pe_exports_free(&exp);
		}
	}
	push_relocated_code(&w, file, image, pe);
	while (w.n) {
		uint32_t rva = w.v[--w.n];
		const struct pe_section *s = exec_section(pe, rva);
		if (s && !(seen[rva / 8] & (1u << (rva % 8))))
			o.ranges[a]++;
		while (s && rva < s->va + s->map_size && !test_and_mark(seen, rva)) {
			size_t avail = avail_at(s, rva);
			ZydisDecodedInstruction zi;
			if (!avail || !compare_one(a, file, pe->image_base + rva, rva, image + rva,
						   avail, &zi))
				break;
			uint32_t next = rva + zi.length;
			bool rel = zi.raw.imm[0].is_relative;
			uint64_t target = pe->image_base + next + (uint64_t)zi.raw.imm[0].value.s;
			if (zi.operand_width == 16)
				target &= 0xffff;
			uint32_t target_rva = (uint32_t)(target - pe->image_base);
			switch (zi.meta.category) {
			case ZYDIS_CATEGORY_COND_BR:
			case ZYDIS_CATEGORY_CALL:
				if (rel)
					push_rva(&w, target_rva);
				break;
			case ZYDIS_CATEGORY_UNCOND_BR:
				if (rel)
					push_rva(&w, target_rva);
				s = NULL;
				break;
			case ZYDIS_CATEGORY_RET:
				s = NULL;
				break;
			default:
				if (zi.mnemonic == ZYDIS_MNEMONIC_INT3 || zi.mnemonic == ZYDIS_MNEMONIC_UD2 ||
				    zi.mnemonic == ZYDIS_MNEMONIC_HLT)
					s = NULL;
				break;
			}
			rva = next;
		}
	}
	free(w.v);
}

static void scan_file(const char *dir, const char *name)
{
	char path[4096], label[512];
	fmt(path, sizeof path, "%s/%s", dir, name);
	const char *slash = strrchr(dir, '/');
	fmt(label, sizeof label, "%s/%s", slash ? slash + 1 : dir, name);

	uint8_t *data;
	size_t size;
	struct pe_error err;
	struct pe_image pe;
	if (!pe_read_file(path, &data, &size, &err))
		return;
	if (!pe_parse(data, size, &pe, &err) ||
	    (pe.machine != PE_MACHINE_AMD64 && pe.machine != PE_MACHINE_I386)) {
		free(data); /* not a PE image (type libraries, data files) */
		return;
	}
	uint8_t *image = calloc(pe.mapped_size, 1);
	uint8_t *seen = calloc(pe.mapped_size / 8 + 1, 1); /* instruction starts compared */
	ck_assert(image && seen);
	enum arch a = pe.machine == PE_MACHINE_AMD64 ? A64 : A32;
	if (!pe_layout_image(data, &pe, image, &err)) {
		if (!o.err[0])
			fmt(o.err, sizeof o.err, "%s: layout: %s", label, err.msg);
	} else {
		o.files[a]++;
		if (a == A64)
			sweep_pdata(label, image, data, &pe, seen);
		/* x86-64: leaf functions without unwind data */
		descend(a, label, image, data, &pe, seen);
	}
	free(seen);
	free(image);
	free(data);
}

static int scan_dir(const char *dir, const char *filter)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		char path[4096];
		struct stat st;
		fmt(path, sizeof path, "%s/%s", dir, names[k]->d_name);
		if (names[k]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode) &&
		        (!filter || strstr(names[k]->d_name, filter)))
			scan_file(dir, names[k]->d_name);
		free(names[k]);
	}
	free(names);
	return n;
}

struct ranked {
	unsigned idx;
	uint64_t count;
};

static int by_count(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static const char *zydis_name(unsigned idx)
{
	return ZydisMnemonicGetString((ZydisMnemonic)idx);
}

static const char *row_name(unsigned idx)
{
	return opcode_rows[idx].mnemonic;
}

/* Prints the used entries of t[0..n) sorted by count to every stream in `out`; with `note64`,
 * marks Zydis mnemonics absent from the x86-64 images. Returns how many entries were used. */
static size_t print_table(FILE *const out[2], const char *title, const struct tally *t,
			  unsigned n, const char *(*name)(unsigned), bool note64)
{
	struct ranked *r = malloc((n + 1) * sizeof *r);
	ck_assert_ptr_nonnull(r);
	size_t used = 0;
	for (unsigned k = 0; k < n; k++)
		if (t[k].count)
			r[used++] = (struct ranked){k, t[k].count};
	qsort(r, used, sizeof r[0], by_count);
	for (int s = 0; s < 2; s++) {
		if (!out[s])
			continue;
		fprintf(out[s], "%s: %zu mnemonics\n", title, used);
		for (size_t k = 0; k < used; k++)
			fprintf(out[s], "  %-16s %10llu  %s%s\n", name(r[k].idx),
				(unsigned long long)r[k].count, t[r[k].idx].example,
				note64 && !o.seen64[r[k].idx] ? "  (not in x86-64 images)" : "");
	}
	free(r);
	return used;
}

START_TEST(system_image_agrees_with_zydis)
{
	const char *root = getenv("NTEMU_SYSROOT");
	if (!root || !*root)
		root = "build/sysroot";
	const char *filter = getenv("NTEMU_ZYDIS_FILTER");
	if (filter && !*filter)
		filter = NULL;

	init_zydis();

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static const char *const dirs[] = {"system32", "syswow64"};
	for (int d = 0; d < 2; d++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", root, dirs[d]);
		if (scan_dir(dir, filter) < 0)
			ck_abort_msg("system image missing: cannot read %s (%s); run `make sysroot` "
				     "or set NTEMU_SYSROOT", dir, strerror(errno));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	FILE *report = fopen("build/zydis-unimplemented.txt", "w");
	FILE *const out[2] = {stdout, report};
	for (int s = 0; s < 2; s++) {
		if (!out[s])
			continue;
		fprintf(out[s], "ntemu decoder vs Zydis %d.%d, %d opcode rows, %.1f s\n",
			(int)(ZYDIS_VERSION >> 48), (int)((ZYDIS_VERSION >> 32) & 0xffff),
			opcode_row_count,
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		for (int a = 0; a < ARCH_COUNT; a++) {
			char bad[256];
			bad_counts(bad, sizeof bad, o.bad[a]);
			fprintf(out[s], "%s: %llu images, %llu ranges, %llu instructions compared, "
				"%llu Zydis rejects; disagreements: %s; %llu instructions ntemu "
				"cannot execute (#UD)\n",
				arch_name[a], (unsigned long long)o.files[a],
				(unsigned long long)o.ranges[a], (unsigned long long)o.compared[a],
				(unsigned long long)o.zydis_invalid[a], bad,
				(unsigned long long)o.unimpl[a]);
		}
	}
	size_t unimpl64_mn = 0, unimpl32_shared = 0;
	for (int a = 0; a < ARCH_COUNT; a++) {
		char title[128];
		fmt(title, sizeof title, "%s disagreements by Zydis mnemonic", arch_name[a]);
		print_table(out, title, o.bad_t[a], NMN, zydis_name, true);
		fmt(title, sizeof title, "%s instructions ntemu cannot execute (no row)",
			 arch_name[a]);
		size_t n = print_table(out, title, o.unimpl_t[a], NMN, zydis_name, true);
		if (a == A64)
			unimpl64_mn = n;
	}
	for (unsigned m = 0; m < NMN; m++)
		if (o.unimpl_t[A32][m].count && o.seen64[m])
			unimpl32_shared++;
	if (report)
		fclose(report);
	fflush(stdout);

	ck_assert_msg(!o.err[0], "unreadable image: %s", o.err);
	ck_assert_msg(o.files[A64] && o.files[A32],
		          "no x86-64 or no i386 images under %s (filter %s)", root,
		          filter ? filter : "none");
	for (int a = 0; a < ARCH_COUNT; a++)
		for (int k = 0; k < BAD_KIND_COUNT; k++)
			ck_assert_msg(!o.bad[a][k], "%llu %s %s disagreements with Zydis",
				      (unsigned long long)o.bad[a][k], arch_name[a], bad_name[k]);
	ck_assert_msg(!unimpl64_mn, "%zu mnemonics of the x86-64 images have no ntemu row "
		          "(see build/zydis-unimplemented.txt)", unimpl64_mn);
	ck_assert_msg(!unimpl32_shared, "%zu mnemonics that occur in the x86-64 images have i386 "
		          "forms without an ntemu row", unimpl32_shared);
}
END_TEST

/* Random encodings reach forms the system image does not contain (prefix mixes, REX placement,
 * rare group members, VEX/EVEX/XOP): wherever Zydis decodes, ntemu must agree as above, and it
 * must not run what Zydis rejects as invalid. Deterministic: a fixed xorshift sequence. */
static void random_encoding(uint8_t b[15], enum arch a, uint64_t *rng)
{
	static const uint8_t legacy[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x36,
					 0x64, 0x65};
	unsigned p = 0;
	for (unsigned k = 0; k < 15; k++)
		b[k] = (uint8_t)fx_xorshift(rng);
	uint64_t r = fx_xorshift(rng);
	for (unsigned n = r & 3; n; n--)
		b[p++] = legacy[(r >> (8 * n)) % sizeof legacy];
	if (a == A64 && (r >> 40) & 1)
		b[p++] = (uint8_t)(0x40 | ((r >> 44) & 15));
	switch ((r >> 48) & 7) {
	case 3: case 4:
		b[p] = 0x0f;
		break;
	case 5: case 6:
		b[p] = 0x0f;
		b[p + 1] = (r >> 51) & 1 ? 0x38 : 0x3a;
		break;
	case 7:
		b[p] = (const uint8_t[]){0xc4, 0xc5, 0x62, 0x8f}[(r >> 52) & 3];
		break;
	default:
		break; /* one-byte map: the random byte */
	}
}

/* Forms Zydis rejects that ntemu may decode because they trap in user mode anyway: MOV to/from
 * control and debug registers is privileged (#GP at CPL 3 for every register), while the
 * registers that do not exist (CR1, CR5-7, CR9-15, DR8-15) are #UD; REX.R picks them, which rows
 * cannot express. */
static bool traps_anyway(const struct insn *in)
{
	const struct opcode_row *r = &opcode_rows[in->row];
	return r->map == M0F && r->opcode >= 0x20 && r->opcode <= 0x23;
}

START_TEST(random_encodings_agree_with_zydis)
{
	init_zydis();
	uint64_t rng = 0x9e3779b97f4a7c15ull, compared = 0, bad[BAD_KIND_COUNT] = {0};
	uint64_t accepted_invalid = 0;
	struct tally *accepted = calloc(opcode_row_count + 1, sizeof *accepted); /* by row */
	ck_assert_ptr_nonnull(accepted);
	for (unsigned n = 0; n < 2000000; n++) {
		enum arch a = n & 1 ? A32 : A64;
		uint8_t b[15];
		random_encoding(b, a, &rng);
		uint64_t va = a == A64 ? 0x140001000ull : 0x401000ull;
		ZydisDecodedInstruction zi;
		struct insn in;
		enum decode_status st;
		char ex[EXAMPLE_MAX];
		if (!zydis_decode(a, b, sizeof b, &zi)) {
			st = decode_insn(b, sizeof b, va, a == A64 ? CPU_MODE_64 : CPU_MODE_32, &in);
			if (st == DECODE_OK && !traps_anyway(&in)) {
				accepted_invalid++;
				describe(ex, sizeof ex, arch_name[a], b, in.len, NULL, &in, st);
				tally_add(&accepted[in.row], ex);
			}
			continue;
		}
		compared++;
		int k = judge(a, va, b, sizeof b, &zi, &in, &st);
		if (k >= 0) {
			bad[k]++;
			describe(ex, sizeof ex, arch_name[a], b, zi.length, &zi, &in, st);
			tally_add(&o.bad_t[a][zi.mnemonic], ex);
		}
	}
	/* appended to the report of the system-image test, which runs first */
	FILE *report = fopen("build/zydis-unimplemented.txt", "a");
	FILE *const out[2] = {stdout, report};
	char bad_text[256];
	bad_counts(bad_text, sizeof bad_text, bad);
	for (int s = 0; s < 2; s++)
		if (out[s])
			fprintf(out[s], "random encodings: %llu decoded by Zydis and compared; "
				"disagreements: %s; %llu accepted that Zydis rejects\n",
				(unsigned long long)compared, bad_text,
				(unsigned long long)accepted_invalid);
	for (int a = 0; a < ARCH_COUNT; a++) {
		char title[128];
		fmt(title, sizeof title, "random %s disagreements by Zydis mnemonic", arch_name[a]);
		print_table(out, title, o.bad_t[a], NMN, zydis_name, false);
	}
	print_table(out, "random encodings Zydis rejects that ntemu runs, by ntemu row", accepted,
		        opcode_row_count, row_name, false);
	if (report)
		fclose(report);
	fflush(stdout);
	free(accepted);
	for (int k = 0; k < BAD_KIND_COUNT; k++)
		ck_assert_msg(!bad[k], "%llu %s disagreements on random encodings",
			      (unsigned long long)bad[k], bad_name[k]);
	ck_assert_msg(!accepted_invalid, "%llu random encodings Zydis rejects run in ntemu",
		          (unsigned long long)accepted_invalid);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decode_zydis");
	TCase *tc = ADD_TCASE(s, "oracle", NULL, NULL,
			      system_image_agrees_with_zydis, random_encodings_agree_with_zydis);
	tcase_set_timeout(tc, 900);
	return run_suite(s);
}
