/* cpu-demo: run real code from the system image on ntemu's interpreter, with no kernel.
 *
 * Maps the x86-64 ntdll.dll of the system image into guest memory as its sections say, calls
 * a few of its self-contained exports with the Windows x64 calling convention, and checks each
 * result against the same computation done on the host. It is what `make demo` shows until
 * whole programs boot. */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <Zydis/Zydis.h>

#include "cpu/block.h"
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "loader/pe.h"

#define STACK_TOP 0x200000ull
#define STACK_SIZE 0x100000ull
#define DATA_ADDR 0x300000ull
#define SENTINEL 0x400000ull /* return address of every call: an int3 */
/* A minimal TEB and PEB: Wine's code reads gs:[0x30] (NT_TIB.Self) and, for every TRACE, the
 * PEB's debug-channel table at PEB+0x2000, where a zeroed page means "all channels off". */
#define TEB_ADDR 0x500000ull
#define PEB_ADDR 0x600000ull

struct demo {
	struct guest_mem *mem;
	struct block_cache *cache;
	struct cpu cpu;
	uint64_t base;
	struct pe_exports exports;
	uint8_t *file;
	struct pe_image pe;
};

static unsigned section_prot(uint32_t ch)
{
	unsigned p = 0;
	if (ch & PE_SCN_MEM_READ)
		p |= GMEM_READ;
	if (ch & PE_SCN_MEM_WRITE)
		p |= GMEM_WRITE | GMEM_READ;
	if (ch & PE_SCN_MEM_EXECUTE)
		p |= GMEM_EXEC | GMEM_READ;
	return p;
}

static int load_ntdll(struct demo *d, const char *path)
{
	struct pe_error err;
	size_t size;
	if (!pe_read_file(path, &d->file, &size, &err) || !pe_parse(d->file, size, &d->pe, &err)) {
		fprintf(stderr, "cpu-demo: %s: %s\n", path, err.msg);
		return -1;
	}
	if (d->pe.machine != PE_MACHINE_AMD64) {
		fprintf(stderr, "cpu-demo: %s: not an x86-64 image\n", path);
		return -1;
	}
	d->base = d->pe.image_base;
	uint8_t *image = gmem_map_anon(d->mem, d->base, d->pe.mapped_size, GMEM_READ);
	if (!image || !pe_layout_image(d->file, &d->pe, image, &err)) {
		fprintf(stderr, "cpu-demo: cannot map %s: %s\n", path, image ? err.msg : "bad range");
		return -1;
	}
	for (unsigned s = 0; s < d->pe.num_sections; s++) {
		const struct pe_section *sec = &d->pe.sections[s];
		gmem_protect(d->mem, d->base + sec->va, sec->map_size, section_prot(sec->characteristics));
	}
	if (!pe_exports_read(d->file, &d->pe, &d->exports, &err)) {
		fprintf(stderr, "cpu-demo: %s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static uint64_t export_addr(const struct demo *d, const char *name)
{
	const struct pe_export *e = pe_exports_find(&d->exports, name);
	if (!e || e->forwarder) {
		fprintf(stderr, "cpu-demo: ntdll has no export %s\n", name);
		exit(1);
	}
	return d->base + e->rva;
}

/* Call fn(a0..a3) with the Windows x64 convention: arguments in rcx, rdx, r8, r9, 32 bytes of
 * shadow space, the return address on a 16-byte-aligned stack. */
static uint64_t call(struct demo *d, const char *name, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t *insns)
{
	struct cpu *c = &d->cpu;
	uint64_t sp = STACK_TOP - 0x1000 - 8, ret = SENTINEL;
	gmem_write(d->mem, sp, &ret, 8, NULL);
	c->r[R_SP] = sp;
	c->r[R_CX] = a0;
	c->r[R_DX] = a1;
	c->r[R_8] = a2;
	c->r[R_9] = a3;
	c->rip = export_addr(d, name);
	uint64_t before = c->icount;
	enum trap_kind t = cpu_run(c, 100000000);
	*insns = c->icount - before;
	if (t != TRAP_BREAKPOINT || c->trap.insn_rip != SENTINEL) {
		fprintf(stderr, "cpu-demo: %s stopped with %s at 0x%" PRIx64 " (address 0x%" PRIx64 ")\n",
			name, cpu_trap_name(t), c->trap.insn_rip, c->trap.addr);
		exit(1);
	}
	return c->r[R_AX];
}

static void disassemble(struct demo *d, const char *name, int count)
{
	ZydisDecoder dec;
	ZydisFormatter fmt;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
	uint64_t addr = export_addr(d, name);
	uint8_t code[256];
	gmem_peek(d->mem, addr, code, sizeof code, NULL);
	printf("  %s, first instructions (Zydis):\n", name);
	size_t off = 0;
	for (int n = 0; n < count && off < sizeof code; n++) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code + off, sizeof code - off, &in, ops)))
			break;
		char text[96];
		ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible, text,
						sizeof text, addr + off, NULL);
		printf("    %09" PRIx64 "  %s\n", addr + off, text);
		off += in.length;
	}
}

static uint32_t host_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static int failures;

static void report(const char *what, uint64_t got, uint64_t want, uint64_t insns)
{
	bool ok = got == want;
	failures += !ok;
	printf("  %-52s = 0x%-16" PRIx64 " %s (%" PRIu64 " instructions)\n", what, got,
	       ok ? "matches the host" : "MISMATCH", insns);
	if (!ok)
		printf("    expected 0x%" PRIx64 "\n", want);
}

static char *default_sysroot(const char *argv0)
{
	const char *env = getenv("NTEMU_SYSROOT");
	if (env && *env)
		return strdup(env);
	char *copy = strdup(argv0);
	char *dir = dirname(copy);
	size_t n = strlen(dir) + sizeof "/sysroot";
	char *path = malloc(n);
	snprintf(path, n, "%s/sysroot", dir);
	free(copy);
	return path;
}

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: cpu-demo [SYSROOT]\n");
		return 2;
	}
	char *sysroot = argc == 2 ? strdup(argv[1]) : default_sysroot(argv[0]);
	char path[4096];
	snprintf(path, sizeof path, "%s/system32/ntdll.dll", sysroot);

	struct demo d = {0};
	d.mem = gmem_create();
	d.cache = block_cache_create(d.mem);
	cpu_init(&d.cpu, d.mem, d.cache, 1);
	if (load_ntdll(&d, path))
		return 1;
	gmem_map_anon(d.mem, STACK_TOP - STACK_SIZE, STACK_SIZE, GMEM_READ | GMEM_WRITE);
	uint8_t *data = gmem_map_anon(d.mem, DATA_ADDR, 0x10000, GMEM_READ | GMEM_WRITE);
	uint8_t *sentinel = gmem_map_anon(d.mem, SENTINEL, 0x1000, GMEM_READ | GMEM_EXEC);
	sentinel[0] = 0xcc;
	/* NT_TIB: StackBase (+0x8), StackLimit (+0x10), Self (+0x30); TEB.Peb (+0x60). */
	uint8_t *teb = gmem_map_anon(d.mem, TEB_ADDR, 0x4000, GMEM_READ | GMEM_WRITE);
	uint64_t tib[13] = {0, STACK_TOP, STACK_TOP - STACK_SIZE, 0, 0, 0, TEB_ADDR, 0, 0, 0, 0, 0, PEB_ADDR};
	memcpy(teb, tib, sizeof tib);
	gmem_map_anon(d.mem, PEB_ADDR, 0x3000, GMEM_READ | GMEM_WRITE);
	d.cpu.seg_base[SEG_GS] = TEB_ADDR;

	printf("ntemu cpu-demo: %s mapped at 0x%" PRIx64 " (%u sections, %zu exports)\n", path,
	       d.base, d.pe.num_sections, d.exports.count);
	printf("Calling its exports on the interpreter (no kernel, no host code):\n");

	static const char text[] = "ntemu interprets x86-64: The quick brown fox jumps over the lazy dog";
	size_t len = sizeof text - 1;
	memcpy(data, text, sizeof text);
	uint64_t n;

	uint64_t crc = call(&d, "RtlComputeCrc32", 0, DATA_ADDR, len, 0, &n);
	report("RtlComputeCrc32(0, text, len)", crc & 0xffffffff, host_crc32(0, data, len), n);

	uint64_t sl = call(&d, "strlen", DATA_ADDR, 0, 0, 0, &n);
	report("strlen(text)", sl, len, n);

	uint64_t needle = DATA_ADDR + 0x100;
	strcpy((char *)data + 0x100, "lazy");
	uint64_t found = call(&d, "strstr", DATA_ADDR, needle, 0, 0, &n);
	report("strstr(text, \"lazy\") - text", found - DATA_ADDR,
	       (uint64_t)(strstr(text, "lazy") - text), n);

	uint64_t outbuf = DATA_ADDR + 0x200;
	call(&d, "_ui64toa", 0xfedcba9876543210ull, outbuf, 7, 0, &n);
	char got[80] = {0};
	gmem_read(d.mem, outbuf, got, sizeof got - 1, NULL);
	uint64_t v = 0xfedcba9876543210ull, back = 0;
	for (const char *p = got; *p; p++)
		back = back * 7 + (uint64_t)(*p - '0');
	report("_ui64toa(0xfedcba9876543210, buf, 7) parsed", back, v, n);
	printf("    (base 7: %s)\n", got);

	strcpy((char *)data + 0x300, "-8070450532247928832");
	uint64_t parsed = call(&d, "_atoi64", DATA_ADDR + 0x300, 0, 0, 0, &n);
	report("_atoi64(\"-8070450532247928832\")", parsed, (uint64_t)INT64_C(-8070450532247928832), n);

	/* qsort over 8-byte string slots with ntdll's own strcmp as the comparator: the
	 * interpreter runs both and every indirect call between them. */
	static const char *const words[] = {"pear", "fig", "apple", "kiwi", "plum", "date",
					    "lime", "yuzu", "acai", "cherry", "banana", "guava"};
	enum { NWORDS = sizeof words / sizeof *words };
	char host_sorted[NWORDS][8] = {{0}};
	for (int w = 0; w < NWORDS; w++)
		strcpy(host_sorted[w], words[w]);
	memcpy(data + 0x400, host_sorted, sizeof host_sorted);
	qsort(host_sorted, NWORDS, 8, (int (*)(const void *, const void *))strcmp);
	call(&d, "qsort", DATA_ADDR + 0x400, NWORDS, 8, export_addr(&d, "strcmp"), &n);
	report("qsort(words, 12, 8, strcmp): sorted like the host", !memcmp(data + 0x400, host_sorted,
	       sizeof host_sorted), 1, n);

	disassemble(&d, "RtlComputeCrc32", 6);

	struct block_cache_stats st = block_cache_stats(d.cache);
	printf("%" PRIu64 " instructions retired, %" PRIu64 " blocks decoded (%" PRIu64
	       " instructions), %s\n",
	       d.cpu.icount, st.blocks_built, st.insns_decoded,
	       failures ? "SOME RESULTS WRONG" : "all results match the host");

	pe_exports_free(&d.exports);
	free(d.file);
	free(sysroot);
	block_cache_destroy(d.cache);
	gmem_destroy(d.mem);
	return failures ? 1 : 0;
}
