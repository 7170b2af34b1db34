/* bench-cpu: CPU-bound kernels (tests/bench/guest/kernels.c, a flat freestanding blob) run
 * natively and directly on the interpreter, no kernel layer. Prints, per kernel, the guest
 * instruction count, native and interpreted time and MIPS (native MIPS = the interpreter's
 * instruction count / native time: the same code on the same data) and the slowdown; the last
 * line is the geometric mean slowdown. Both sides must return the same checksum. Times are the
 * thread's CPU time (native: best of three runs).
 *
 *   bench_cpu [--scale F] [KERNEL...]     F scales every kernel's size (default 1) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "cpu/block.h"
#include "cpu/cpu.h"
#include "cpu/mem.h"

#ifndef BENCH_KERNELS
#error "BENCH_KERNELS must name the kernel blob (the Makefile passes it)"
#endif

__asm__(".section .rodata\n"
	".balign 16\n"
	"bench_blob:\n"
	".incbin \"" BENCH_KERNELS "\"\n"
	"bench_blob_end:\n"
	".previous\n");
extern const uint8_t bench_blob[], bench_blob_end[];

#define GUEST_CODE 0x140000000ull
#define GUEST_SCRATCH 0x200000000ull
#define GUEST_STACK_TOP 0x70000000ull
#define STACK_SIZE 0x100000ull
#define SCRATCH_SIZE (64ull << 20)

/* Entry i of the blob is its i-th 8-byte jump (kernels.c). Sizes give ~0.1-0.2 s natively. */
static const struct kernel {
	const char *name;
	unsigned entry;
	uint64_t n;
	int scales; /* fib grows exponentially: its size is not scaled */
} kernels[] = {
	{"sha256", 0, 3072, 1},   /* KiB hashed, 8 passes */
	{"sort", 1, 1500000, 1},  /* ints, merge sort */
	{"strings", 2, 400, 1},   /* passes of strlen/strchr/strstr/strcmp over 64 KiB */
	{"nbody", 3, 2000000, 1}, /* steps */
	{"fib", 4, 38, 0},        /* fib(n), recursive */
	{"memops", 5, 600, 1},    /* 1 MiB memset + memcpy passes */
};

/* CPU time of this thread: other load on a shared host stretches wall time, not this. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef uint64_t kernel_fn(uint64_t n, uint8_t *scratch);

static uint64_t run_native(const uint8_t *code, const struct kernel *k, uint64_t n, double *secs)
{
	uint64_t sum = 0;
	*secs = 1e30;
	for (int rep = 0; rep < 3; rep++) { /* best of three: the host is shared */
		uint8_t *scratch = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		kernel_fn *fn = (kernel_fn *)(uintptr_t)(code + 8 * k->entry);
		double t0 = now();
		sum = fn(n, scratch);
		double t = now() - t0;
		if (t < *secs)
			*secs = t;
		munmap(scratch, SCRATCH_SIZE);
	}
	return sum;
}

static uint64_t run_emu(size_t blob_len, const struct kernel *k, uint64_t n, double *secs, uint64_t *icount)
{
	struct guest_mem *mem = gmem_create();
	struct block_cache *cache = block_cache_create(mem);
	static struct cpu c;
	struct gmem_fault f;
	size_t code_size = (blob_len + 1 + GUEST_PAGE_SIZE - 1) & ~(size_t)GUEST_PAGE_MASK;
	if (!gmem_map_anon(mem, GUEST_CODE, code_size, GMEM_READ | GMEM_EXEC) ||
	    !gmem_map_anon(mem, GUEST_SCRATCH, SCRATCH_SIZE, GMEM_READ | GMEM_WRITE) ||
	    !gmem_map_anon(mem, GUEST_STACK_TOP - STACK_SIZE, STACK_SIZE, GMEM_READ | GMEM_WRITE)) {
		fprintf(stderr, "bench-cpu: cannot map guest memory\n");
		exit(1);
	}
	static const uint8_t int3 = 0xcc; /* the return address: stops cpu_run */
	gmem_poke(mem, GUEST_CODE, bench_blob, blob_len, &f);
	gmem_poke(mem, GUEST_CODE + blob_len, &int3, 1, &f);

	cpu_init(&c, mem, cache, 1);
	uint64_t ret = GUEST_CODE + blob_len;
	c.r[R_SP] = GUEST_STACK_TOP - 64 - 8;
	gmem_poke(mem, c.r[R_SP], &ret, 8, &f);
	c.r[R_DI] = n;
	c.r[R_SI] = GUEST_SCRATCH;
	c.rip = GUEST_CODE + 8 * k->entry;

	double t0 = now();
	enum trap_kind tk;
	while ((tk = cpu_run(&c, 1ull << 40)) == TRAP_BUDGET)
		;
	*secs = now() - t0;
	*icount = c.icount;
	if (tk != TRAP_BREAKPOINT || c.trap.insn_rip != ret) {
		fprintf(stderr, "bench-cpu: %s stopped with %s at %#llx\n", k->name, cpu_trap_name(tk),
			(unsigned long long)c.trap.insn_rip);
		exit(1);
	}
	uint64_t sum = c.r[R_AX];
	block_cache_destroy(cache);
	gmem_destroy(mem);
	return sum;
}

int main(int argc, char **argv)
{
	double scale = 1;
	int first_name = argc;
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--scale") && a + 1 < argc) {
			scale = atof(argv[++a]);
		} else {
			first_name = a;
			break;
		}
	}
	size_t blob_len = (size_t)(bench_blob_end - bench_blob);
	uint8_t *code = mmap(NULL, blob_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(code, bench_blob, blob_len);
	mprotect(code, blob_len, PROT_READ | PROT_EXEC);

	printf("%-8s %10s %9s %11s %9s %11s %9s  %s\n", "kernel", "insns", "native s", "native MIPS",
	       "ntemu s", "ntemu MIPS", "slowdown", "checksum");
	double log_sum = 0;
	int count = 0;
	bool failed = false;
	for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
		const struct kernel *k = &kernels[i];
		if (first_name < argc) {
			bool wanted = false;
			for (int a = first_name; a < argc; a++)
				wanted |= !strcmp(argv[a], k->name);
			if (!wanted)
				continue;
		}
		uint64_t n = k->scales ? (uint64_t)((double)k->n * scale) : k->n;
		if (!n)
			n = 1;
		double tn, te;
		uint64_t icount;
		uint64_t sn = run_native(code, k, n, &tn);
		uint64_t se = run_emu(blob_len, k, n, &te, &icount);
		double mips_n = (double)icount / tn / 1e6, mips_e = (double)icount / te / 1e6;
		printf("%-8s %9.1fM %9.3f %11.0f %9.3f %11.1f %8.1fx  %016llx%s\n", k->name, (double)icount / 1e6, tn,
		       mips_n, te, mips_e, te / tn, (unsigned long long)se, sn == se ? "" : "  MISMATCH");
		if (sn != se) {
			fprintf(stderr, "bench-cpu: %s: native checksum %016llx, ntemu %016llx\n", k->name,
				(unsigned long long)sn, (unsigned long long)se);
			failed = true;
		}
		log_sum += log(te / tn);
		count++;
	}
	if (count)
		printf("slowdown vs native (geomean): %.1fx\n", exp(log_sum / count));
	return failed ? 1 : 0;
}
