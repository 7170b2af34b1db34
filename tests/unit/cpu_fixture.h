/* A bare CPU for instruction tests: guest memory with a code area, a data area and a stack,
 * a block cache, and helpers to run a few bytes of machine code until they trap. */
#ifndef NTEMU_TEST_CPU_FIXTURE_H
#define NTEMU_TEST_CPU_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/block.h"
#include "cpu/cpu.h"
#include "cpu/mem.h"

#define FX_CODE 0x10000ull       /* 64 KiB, read/write/execute */
#define FX_CODE_SIZE 0x10000ull
#define FX_DATA 0x100000ull      /* 64 KiB, read/write */
#define FX_DATA_SIZE 0x10000ull
#define FX_STACK_TOP 0x200000ull /* 64 KiB below it, read/write */
#define FX_STACK_SIZE 0x10000ull

struct cpu_fixture {
	struct guest_mem *mem;
	struct block_cache *cache;
	struct cpu cpu;
	uint8_t *code, *data, *stack; /* host views of the three areas */
};

/* rsp = FX_STACK_TOP - 0x100, every other register 0, CS for `mode`. */
struct cpu_fixture *fx_new(enum cpu_mode mode);
void fx_free(struct cpu_fixture *fx);
/* Copy `code` to FX_CODE followed by int3, set rip = FX_CODE and run (at most 1,000,000
 * instructions) until a trap. Registers are not reset: set them before calling. */
enum trap_kind fx_run(struct cpu_fixture *fx, const void *code, size_t n);
/* Run on from the current state. */
enum trap_kind fx_continue(struct cpu_fixture *fx, uint64_t budget);

/* The fixture of a suite's test cases: the checked-fixture functions below make it for one mode
 * before each test and free it after. */
extern struct cpu_fixture *fx;
void fx_setup64(void);
void fx_setup32(void);
void fx_teardown(void);

/* Machine code written as hex ("d9e8 dec1": spaces may group the bytes by instruction) into
 * `out`: the byte count. Bad hex or more than `cap` bytes fails the test. */
size_t fx_hex(const char *hex, uint8_t *out, size_t cap);

/* The next number of the xorshift64 sequence in `*state`: random tests stay reproducible, each
 * from its own seed. */
uint64_t fx_xorshift(uint64_t *state);

#endif
