/* Virtual memory services called directly on a bare process: reserve/commit/decommit/release,
 * NtQueryVirtualMemory field by field (coalescing, free regions, 28-byte x86 layout), 64 KiB
 * placement, top-down, zero_bits, 32-bit limits, protections, guard pages, locks, bad
 * pointers and calls that must leave the state unchanged. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/process.h"
#include "kernel/vm.h"
#include "kernel_fixture.h"
#include "run_suite.h"

/* A committed page of argument slots, out of the way of the allocations under test. */
#define SCRATCH 0x60000000ull
#define BASE_P (SCRATCH + 0x00)
#define SIZE_P (SCRATCH + 0x10)
#define OLD_P (SCRATCH + 0x20)
#define RET_P (SCRATCH + 0x30)
#define BUF (SCRATCH + 0x100)
#define BIG_BUF (SCRATCH + 0x1000)
#define RO_PAGE (SCRATCH + 0x10000)

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;

static void start(unsigned ptr_size)
{
	p = kfx_process(&cfg, ptr_size, SCRATCH, 0x11000);
	call = (struct nt_call){.proc = p};
	uint32_t old;
	uint64_t base = RO_PAGE, size = 0x1000;
	ck_assert_uint_eq(vm_protect(p, &base, &size, PAGE_READONLY, &old), STATUS_SUCCESS);
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }
static void teardown(void) { kprocess_destroy(p); }

static ntstatus_t alloc(uint64_t *base, uint64_t *size, uint64_t zero_bits, uint32_t type, uint32_t prot)
{
	guest_write_ptr(p, BASE_P, *base);
	guest_write_ptr(p, SIZE_P, *size);
	ntstatus_t st = nt_allocate_virtual_memory(&call, CURRENT_PROCESS, BASE_P, zero_bits, SIZE_P, type, prot);
	guest_read_ptr(p, BASE_P, base);
	guest_read_ptr(p, SIZE_P, size);
	return st;
}

static ntstatus_t release(uint64_t *base, uint64_t *size, uint32_t type)
{
	guest_write_ptr(p, BASE_P, *base);
	guest_write_ptr(p, SIZE_P, *size);
	ntstatus_t st = nt_free_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, type);
	guest_read_ptr(p, BASE_P, base);
	guest_read_ptr(p, SIZE_P, size);
	return st;
}

static ntstatus_t protect(uint64_t base, uint64_t size, uint32_t prot, uint32_t *old)
{
	guest_write_ptr(p, BASE_P, base);
	guest_write_ptr(p, SIZE_P, size);
	ntstatus_t st = nt_protect_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, prot, OLD_P);
	guest_read(p, OLD_P, old, 4);
	return st;
}

struct mbi {
	uint64_t base, alloc_base, region_size;
	uint32_t alloc_protect, state, protect, type;
};

/* NtQueryVirtualMemory(MemoryBasicInformation), decoded from the guest's layout. */
static struct mbi query(uint64_t addr)
{
	uint8_t raw[48];
	unsigned w = p->ptr_size, size = w == 8 ? 48 : 28;
	memset(raw, 0xcc, sizeof raw);
	guest_write(p, BUF, raw, sizeof raw);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, addr, 0, BUF, size, RET_P),
			  STATUS_SUCCESS);
	uint64_t ret = 0;
	guest_read_ptr(p, RET_P, &ret);
	ck_assert_uint_eq(ret, size);
	guest_read(p, BUF, raw, sizeof raw);
	struct mbi m = {0};
	uint32_t v32;
	memcpy(&m.base, raw, w);
	memcpy(&m.alloc_base, raw + w, w);
	memcpy(&m.alloc_protect, raw + 2 * w, 4);
	unsigned o = w == 8 ? 24 : 12;
	memcpy(&m.region_size, raw + o, w);
	memcpy(&m.state, raw + o + w, 4);
	memcpy(&m.protect, raw + o + w + 4, 4);
	memcpy(&m.type, raw + o + w + 8, 4);
	if (w == 8) {
		/* x64 padding after AllocationProtect (PartitionId) and at the end is zero. */
		memcpy(&v32, raw + 20, 4);
		ck_assert_uint_eq(v32, 0);
		memcpy(&v32, raw + 44, 4);
		ck_assert_uint_eq(v32, 0);
	} else {
		ck_assert_uint_eq(raw[28], 0xcc);
	}
	return m;
}

static void check_mbi(uint64_t addr, uint64_t base, uint64_t alloc_base, uint32_t alloc_protect,
		      uint64_t region_size, uint32_t state, uint32_t prot, uint32_t type)
{
	struct mbi m = query(addr);
	ck_assert_uint_eq(m.base, base);
	ck_assert_uint_eq(m.alloc_base, alloc_base);
	ck_assert_uint_eq(m.alloc_protect, alloc_protect);
	ck_assert_uint_eq(m.region_size, region_size);
	ck_assert_uint_eq(m.state, state);
	ck_assert_uint_eq(m.protect, prot);
	ck_assert_uint_eq(m.type, type);
}

START_TEST(reserve_commit_decommit_release)
{
	uint64_t base = 0, size = 0x100000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	/* Bottom-up from 64 KiB, 64 KiB aligned. */
	ck_assert_uint_eq(base, 0x10000);
	ck_assert_uint_eq(size, 0x100000);
	check_mbi(base + 0x1234, base + 0x1000, base, PAGE_READWRITE, 0xff000, MEM_RESERVE, 0, MEM_PRIVATE);

	/* Commit rounds to pages covering [addr, addr+size). */
	uint64_t cbase = base + 0x3800, csize = 0x1000;
	ck_assert_uint_eq(alloc(&cbase, &csize, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(cbase, base + 0x3000);
	ck_assert_uint_eq(csize, 0x2000);
	check_mbi(base, base, base, PAGE_READWRITE, 0x3000, MEM_RESERVE, 0, MEM_PRIVATE);
	check_mbi(base + 0x3fff, base + 0x3000, base, PAGE_READWRITE, 0x2000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	check_mbi(base + 0x5000, base + 0x5000, base, PAGE_READWRITE, 0xfb000, MEM_RESERVE, 0, MEM_PRIVATE);

	uint32_t v = 0x12345678, r = 0;
	ck_assert_uint_eq(guest_write(p, base + 0x4000, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_write(p, base + 0x5000, &v, 4), STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(guest_read(p, base + 0x2ffc, &r, 4), STATUS_ACCESS_VIOLATION);

	/* Decommit keeps the reservation; committing again gives zeroed pages. */
	uint64_t dbase = base + 0x4000, dsize = 0x1000;
	ck_assert_uint_eq(release(&dbase, &dsize, MEM_DECOMMIT), STATUS_SUCCESS);
	check_mbi(base + 0x4000, base + 0x4000, base, PAGE_READWRITE, 0xfc000, MEM_RESERVE, 0, MEM_PRIVATE);
	ck_assert_uint_eq(guest_read(p, base + 0x4000, &r, 4), STATUS_ACCESS_VIOLATION);
	cbase = base + 0x4000, csize = 0x1000;
	ck_assert_uint_eq(alloc(&cbase, &csize, 0, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, base + 0x4000, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, 0);
	check_mbi(base + 0x3000, base + 0x3000, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	check_mbi(base + 0x4000, base + 0x4000, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);

	/* Release needs the allocation base with size 0. */
	uint64_t fbase = base + 0x1000, fsize = 0;
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
	fbase = base, fsize = 0x200000;
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	fbase = base, fsize = 0;
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_DECOMMIT | MEM_RELEASE), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_RELEASE), STATUS_SUCCESS);
	ck_assert_uint_eq(fbase, base);
	ck_assert_uint_eq(fsize, 0x100000);
	/* Free memory: AllocationBase 0, PAGE_NOACCESS, up to the next allocation. */
	check_mbi(base + 0x4000, base + 0x4000, 0, 0, SCRATCH - base - 0x4000, MEM_FREE, PAGE_NOACCESS, 0);
	ck_assert_uint_eq(guest_read(p, base + 0x3000, &r, 4), STATUS_ACCESS_VIOLATION);
	fbase = base, fsize = 0;
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	fbase = 0;
	ck_assert_uint_eq(release(&fbase, &fsize, MEM_RELEASE), STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(fixed_addresses_and_rounding)
{
	/* A reservation's base rounds down to 64 KiB, its size up to cover the last page. */
	uint64_t base = 0x12345678, size = 0x1000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(base, 0x12340000);
	ck_assert_uint_eq(size, 0x7000);
	/* A commit-only request on free memory, a reservation over an existing one. */
	uint64_t b = 0x20000000, s = 0x1000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_NOT_MAPPED_VIEW);
	b = 0x12346000, s = 0x1000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
	b = 0x1233f000, s = 0x2000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_NOT_MAPPED_VIEW);
	/* MEM_COMMIT|MEM_RESERVE at a fixed address. */
	b = 0x20001000, s = 0x1800;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(b, 0x20000000);
	ck_assert_uint_eq(s, 0x3000);
	check_mbi(b, b, b, PAGE_EXECUTE_READWRITE, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	/* The low 64 KiB and addresses past user space are refused. */
	b = 0x8000, s = 0x1000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	b = VM_USER_LIMIT_64 - 0x10000, s = 0x20000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	/* Zero size, bad types, unsupported types. */
	b = 0, s = 0;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	s = 0x1000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_TOP_DOWN, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESET, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	uint64_t rb = 0x20000000, rs = 0x1000;
	ck_assert_uint_eq(alloc(&rb, &rs, 0, MEM_RESET | MEM_COMMIT, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	/* MEM_RESET on committed memory: accepted, the protection argument ignored. */
	ck_assert_uint_eq(alloc(&rb, &rs, 0, MEM_RESET, 0), STATUS_SUCCESS);
	check_mbi(rb, rb, 0x20000000, PAGE_EXECUTE_READWRITE, 0x3000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	rb = 0x30000000;
	ck_assert_uint_eq(alloc(&rb, &rs, 0, MEM_RESET, 0), STATUS_NOT_MAPPED_VIEW);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	uint64_t wb = 0x20000000, ws = 0x1000;
	ck_assert_uint_eq(alloc(&wb, &ws, 0, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_WRITECOPY), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READONLY | PAGE_READWRITE), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_NOACCESS | PAGE_GUARD), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, 0), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE),
			  STATUS_INVALID_PAGE_PROTECTION);
	/* None of the failures allocated anything: the first free 64 KiB is still free. */
	check_mbi(0x10000, 0x10000, 0, 0, 0x12340000 - 0x10000, MEM_FREE, PAGE_NOACCESS, 0);
}
END_TEST

START_TEST(placement_top_down_and_zero_bits)
{
	uint64_t b1 = 0, s1 = 0x1000, b2 = 0, s2 = 0x11000, b3 = 0, s3 = 0x1000;
	ck_assert_uint_eq(alloc(&b1, &s1, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(alloc(&b2, &s2, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(alloc(&b3, &s3, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	/* Each NULL-address allocation takes whole 64 KiB units. */
	ck_assert_uint_eq(b1, 0x10000);
	ck_assert_uint_eq(b2, 0x20000);
	ck_assert_uint_eq(b3, 0x40000);
	/* The rest of a 64 KiB unit after a small allocation is free memory. */
	check_mbi(b1 + 0x1000, b1 + 0x1000, 0, 0, 0xf000, MEM_FREE, PAGE_NOACCESS, 0);

	uint64_t t = 0, ts = 0x10000;
	ck_assert_uint_eq(alloc(&t, &ts, 0, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(t, VM_USER_LIMIT_64 - 0x10000);
	ck_assert_uint_eq(t, 0x7fffffFE0000ull);
	t = 0, ts = 0x10000;
	ck_assert_uint_eq(alloc(&t, &ts, 0, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 0x7fffffFD0000ull);

	/* zero_bits 1: below 2 GiB; a mask: below its highest bit. */
	uint64_t z = 0, zs = 0x1000;
	ck_assert_uint_eq(alloc(&z, &zs, 1, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(z, 0x7fff0000);
	z = 0, zs = 0x1000;
	ck_assert_uint_eq(alloc(&z, &zs, 0x3fffffff, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(z, 0x3fff0000);
	z = 0, zs = 0x1000;
	ck_assert_uint_eq(alloc(&z, &zs, 22, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
	ck_assert_uint_eq(alloc(&z, &zs, 33, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
	/* No room below the limit. */
	z = 0, zs = 0x10000000;
	ck_assert_uint_eq(alloc(&z, &zs, 21, MEM_RESERVE, PAGE_READWRITE), STATUS_NO_MEMORY);
	/* The bottom-up start is configurable (rounded up to 64 KiB). */
	vm_set_alloc_start(p, 0x123456);
	z = 0, zs = 0x1000;
	ck_assert_uint_eq(alloc(&z, &zs, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(z, 0x130000);
	ck_assert_uint_eq(vm_zero_bits_limit(21), 0x7ff);
	ck_assert_uint_eq(vm_zero_bits_limit(0xffffffffffull), 0xffffffffffull);
}
END_TEST

START_TEST(full_below_a_straddled_limit)
{
	/* Everything below 2 GiB taken, the last allocation straddling it: a zero_bits 1 request
	 * finds no memory (rather than a place past the limit). */
	uint64_t f1 = 0x10000, f1s = SCRATCH - 0x10000, f3 = SCRATCH + 0x20000, f3s = 0x7fff0000 - f3;
	uint64_t f2 = 0x7fff0000, f2s = 0x20000;
	ck_assert_uint_eq(alloc(&f1, &f1s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(alloc(&f3, &f3s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(alloc(&f2, &f2s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	uint64_t z = 0, zs = 0x10000;
	ck_assert_uint_eq(alloc(&z, &zs, 1, MEM_RESERVE, PAGE_READWRITE), STATUS_NO_MEMORY);
	ck_assert_uint_eq(alloc(&z, &zs, 1, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_NO_MEMORY);
	/* Without the limit the space above is used. */
	ck_assert_uint_eq(alloc(&z, &zs, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(z, 0x80010000);
}
END_TEST

START_TEST(guest_32bit_limits_and_layout)
{
	uint64_t t = 0, ts = 0x10000;
	ck_assert_uint_eq(alloc(&t, &ts, 0, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(t, 0x7ffe0000);
	check_mbi(t + 0x10, t, t, PAGE_READWRITE, 0x10000, MEM_RESERVE, 0, MEM_PRIVATE);
	uint64_t b = 0x80000000, s = 0x1000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER);
	b = 0, s = 0x1000;
	/* WOW64 callers have no ZeroBits mask form. */
	ck_assert_uint_eq(alloc(&b, &s, 0x3fffffff, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
	/* MEMORY_BASIC_INFORMATION is 28 bytes; one less does not do. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, t, 0, BUF, 27, RET_P),
			  STATUS_INFO_LENGTH_MISMATCH);
	check_mbi(0x7fff0000 - 1, 0x7fff0000 - 0x1000, t, PAGE_READWRITE, 0x1000, MEM_RESERVE, 0, MEM_PRIVATE);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, 0x7fff0000, 0, BUF, 28, RET_P),
			  STATUS_INVALID_PARAMETER);
	/* Filling the 2 GiB space fails instead of going above it. */
	b = 0, s = 0x7ff00000;
	ck_assert_uint_eq(alloc(&b, &s, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_NO_MEMORY);
}
END_TEST

START_TEST(protection_changes)
{
	uint64_t base = 0, size = 0x4000;
	uint32_t old = 0;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	uint64_t c = base, cs = 0x3000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(protect(base + 0x1800, 0x10, PAGE_READONLY, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(old, PAGE_READWRITE);
	uint64_t rb, rs;
	guest_read_ptr(p, BASE_P, &rb);
	guest_read_ptr(p, SIZE_P, &rs);
	ck_assert_uint_eq(rb, base + 0x1000);
	ck_assert_uint_eq(rs, 0x1000);
	check_mbi(base, base, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	check_mbi(base + 0x1000, base + 0x1000, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
	check_mbi(base + 0x2000, base + 0x2000, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	uint32_t v = 1;
	ck_assert_uint_eq(guest_write(p, base + 0x1000, &v, 4), STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(guest_read(p, base + 0x1000, &v, 4), STATUS_SUCCESS);
	/* Old protection is the first page's. */
	ck_assert_uint_eq(protect(base + 0x1000, 0x2000, PAGE_EXECUTE_READ, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(old, PAGE_READONLY);
	check_mbi(base + 0x1000, base + 0x1000, base, PAGE_READWRITE, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, MEM_PRIVATE);
	ck_assert(gmem_fetch(p->mem, base + 0x2000, &v, 4, NULL));
	ck_assert(!gmem_fetch(p->mem, base, &v, 4, NULL));
	/* Failures change nothing. */
	old = 0xdead;
	ck_assert_uint_eq(protect(base + 0x2000, 0x2000, PAGE_READWRITE, &old), STATUS_NOT_COMMITTED);
	ck_assert_uint_eq(protect(base + 0x3000, 0x2000, PAGE_READWRITE, &old), STATUS_CONFLICTING_ADDRESSES);
	ck_assert_uint_eq(protect(0x20000000, 0x1000, PAGE_READWRITE, &old), STATUS_CONFLICTING_ADDRESSES);
	ck_assert_uint_eq(protect(base, 0x1000, PAGE_WRITECOPY, &old), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(protect(base, 0x1000, 0x3, &old), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(protect(base, 0x1000, PAGE_GUARD, &old), STATUS_INVALID_PAGE_PROTECTION);
	check_mbi(base + 0x1000, base + 0x1000, base, PAGE_READWRITE, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, MEM_PRIVATE);
	check_mbi(base, base, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	/* PAGE_NOACCESS committed: mapped but unusable. */
	ck_assert_uint_eq(protect(base, 0x1000, PAGE_NOACCESS, &old), STATUS_SUCCESS);
	check_mbi(base, base, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_NOACCESS, MEM_PRIVATE);
	ck_assert_uint_eq(guest_read(p, base, &v, 4), STATUS_ACCESS_VIOLATION);
	/* A NULL old-protection pointer is an access violation before anything happens. */
	guest_write_ptr(p, BASE_P, base);
	guest_write_ptr(p, SIZE_P, 0x1000);
	ck_assert_uint_eq(nt_protect_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, PAGE_READWRITE, 0),
			  STATUS_ACCESS_VIOLATION);
	check_mbi(base, base, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_NOACCESS, MEM_PRIVATE);
}
END_TEST

START_TEST(guard_pages)
{
	uint64_t base = 0, size = 0x2000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD),
			  STATUS_SUCCESS);
	check_mbi(base, base, base, PAGE_READWRITE | PAGE_GUARD, 0x2000, MEM_COMMIT,
		  PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
	struct gmem_fault f;
	uint32_t v;
	ck_assert(!gmem_read(p->mem, base + 0x1004, &v, 4, &f));
	ck_assert(f.guard);
	/* The exception path clears the guard of the touched page only, once. */
	ck_assert(vm_clear_guard(p, f.addr));
	ck_assert(!vm_clear_guard(p, f.addr));
	ck_assert(gmem_read(p->mem, base + 0x1004, &v, 4, NULL));
	check_mbi(base, base, base, PAGE_READWRITE | PAGE_GUARD, 0x1000, MEM_COMMIT,
		  PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
	check_mbi(base + 0x1000, base + 0x1000, base, PAGE_READWRITE | PAGE_GUARD, 0x1000, MEM_COMMIT,
		  PAGE_READWRITE, MEM_PRIVATE);
	ck_assert(!vm_clear_guard(p, 0x20000000));
	/* The Windows stack shape: a guard page set by NtProtectVirtualMemory. */
	uint32_t old;
	ck_assert_uint_eq(protect(base + 0x1000, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(old, PAGE_READWRITE);
	ck_assert(!gmem_write(p->mem, base + 0x1000, &v, 4, &f));
	ck_assert(f.guard);
}
END_TEST

START_TEST(stack_growth_through_guard_pages)
{
	/* A 64 KiB stack: top 2 pages committed, a guard page under them, the rest reserved. */
	uint64_t stack = 0, size = 0x10000, top;
	ck_assert_uint_eq(alloc(&stack, &size, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	top = stack + size;
	uint64_t c = top - 0x2000, cs = 0x2000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	c = top - 0x3000, cs = 0x1000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD), STATUS_SUCCESS);
	uint64_t limit = 0;
	ck_assert_uint_eq(vm_stack_guard_fault(p, top - 0x1000, stack, 0, &limit), STATUS_GUARD_PAGE_VIOLATION);
	ck_assert_uint_eq(vm_stack_guard_fault(p, top - 0x2ff8, stack, 0, &limit), STATUS_SUCCESS);
	ck_assert_uint_eq(limit, top - 0x3000);
	check_mbi(top - 0x3000, top - 0x3000, stack, PAGE_READWRITE, 0x3000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	check_mbi(top - 0x4000, top - 0x4000, stack, PAGE_READWRITE, 0x1000, MEM_COMMIT,
		  PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
	/* Down to the guaranteed area: two pages above the last one on x64. */
	uint64_t addr = top - 0x4000;
	while (vm_stack_guard_fault(p, addr, stack, 0, &limit) == STATUS_SUCCESS) {
		ck_assert_uint_eq(limit, addr);
		addr -= 0x1000;
	}
	ck_assert_uint_eq(addr, stack + 0x3000 - 0x1000);
	ck_assert_uint_eq(limit, stack + 0x1000);
	check_mbi(stack, stack, stack, PAGE_READWRITE, 0x1000, MEM_RESERVE, 0, MEM_PRIVATE);
	check_mbi(stack + 0x1000, stack + 0x1000, stack, PAGE_READWRITE, 0xf000, MEM_COMMIT, PAGE_READWRITE,
		  MEM_PRIVATE);

	/* The one-call path: inside the stack it grows; elsewhere the guard goes and the
	 * violation is raised once. */
	c = stack + 0x8000, cs = 0x1000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD), STATUS_SUCCESS);
	ck_assert_uint_eq(vm_guard_fault(p, stack + 0x8010, stack, top, 0, &limit), STATUS_SUCCESS);
	ck_assert_uint_eq(limit, stack + 0x8000);
	check_mbi(stack + 0x7000, stack + 0x7000, stack, PAGE_READWRITE, 0x1000, MEM_COMMIT,
		  PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
	uint64_t g = 0, gs = 0x1000;
	ck_assert_uint_eq(alloc(&g, &gs, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY | PAGE_GUARD), STATUS_SUCCESS);
	limit = 0;
	ck_assert_uint_eq(vm_guard_fault(p, g + 4, stack, top, 0, &limit), STATUS_GUARD_PAGE_VIOLATION);
	ck_assert_uint_eq(limit, 0);
	check_mbi(g, g, g, PAGE_READONLY | PAGE_GUARD, 0x1000, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
}
END_TEST

/* NtGetWriteWatch into BUF: the count, and the addresses in `out`. */
static uint64_t get_watch(uint64_t base, uint64_t size, uint64_t max, uint32_t flags, uint64_t *out,
			  ntstatus_t expect)
{
	guest_write_ptr(p, SIZE_P, max);
	ck_assert_uint_eq(nt_get_write_watch(&call, CURRENT_PROCESS, flags, base, size, BUF, SIZE_P, OLD_P),
			  expect);
	uint64_t n = 0;
	guest_read_ptr(p, SIZE_P, &n);
	for (uint64_t i = 0; expect == STATUS_SUCCESS && i < n; i++)
		guest_read_ptr(p, BUF + i * p->ptr_size, &out[i]);
	return n;
}

START_TEST(write_watches)
{
	uint64_t base = 0, size = 0x5000, got[8];
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE), STATUS_SUCCESS);
	uint64_t c = base, cs = 0x4000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 0);
	uint32_t granularity;
	guest_read(p, OLD_P, &granularity, 4);
	ck_assert_uint_eq(granularity, 0x1000);
	/* Writes (by the guest or on its behalf) are seen; reads are not. */
	uint32_t v = 1;
	ck_assert_uint_eq(guest_write(p, base + 0x1ffc, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, base + 0x2000, &v, 4), STATUS_SUCCESS);
	ck_assert(gmem_write(p->mem, base + 0x3000, &v, 4, NULL));
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 2);
	ck_assert_uint_eq(got[0], base + 0x1000);
	ck_assert_uint_eq(got[1], base + 0x3000);
	/* A protection change keeps what was seen. */
	uint32_t old;
	ck_assert_uint_eq(protect(base + 0x1000, 0x1000, PAGE_READONLY, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(protect(base + 0x1000, 0x1000, PAGE_READWRITE, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 2);
	/* WRITE_WATCH_FLAG_RESET resets what it looked at: with room for one entry, the first. */
	ck_assert_uint_eq(get_watch(base, 0x5000, 1, 1, got, STATUS_SUCCESS), 1);
	ck_assert_uint_eq(got[0], base + 0x1000);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 1);
	ck_assert_uint_eq(got[0], base + 0x3000);
	/* Watched again after a reset. */
	ck_assert_uint_eq(guest_write(p, base + 0x1000, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(get_watch(base + 0x1000, 0x1000, 8, 0, got, STATUS_SUCCESS), 1);
	ck_assert_uint_eq(nt_reset_write_watch(&call, CURRENT_PROCESS, base, 0x5000), STATUS_SUCCESS);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 0);
	ck_assert(gmem_write(p->mem, base, &v, 4, NULL));
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 1, got, STATUS_SUCCESS), 1);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 0);
	/* Decommitted pages forget. */
	ck_assert(gmem_write(p->mem, base + 0x2000, &v, 4, NULL));
	uint64_t d = base + 0x2000, ds = 0x1000;
	ck_assert_uint_eq(release(&d, &ds, MEM_DECOMMIT), STATUS_SUCCESS);
	ck_assert_uint_eq(get_watch(base, 0x5000, 8, 0, got, STATUS_SUCCESS), 0);
	/* Errors: no watch, outside the allocation, bad arguments. */
	ck_assert_uint_eq(get_watch(SCRATCH, 0x1000, 8, 0, got, STATUS_INVALID_PARAMETER), 8);
	get_watch(base, 0x6000, 8, 0, got, STATUS_INVALID_PARAMETER);
	get_watch(base, 0x1000, 0, 0, got, STATUS_INVALID_PARAMETER);
	get_watch(base, 0x1000, 8, 2, got, STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_get_write_watch(&call, CURRENT_PROCESS, 0, base, 0x1000, BUF, 0, OLD_P),
			  STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_get_write_watch(&call, CURRENT_PROCESS, 0, base, 0x1000, RO_PAGE, SIZE_P, OLD_P),
			  STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_reset_write_watch(&call, CURRENT_PROCESS, SCRATCH, 0x1000), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_reset_write_watch(&call, CURRENT_PROCESS, base, 0), STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(bad_pointers_leave_state_unchanged)
{
	uint64_t v;
	/* BaseAddress pointer unmapped / SIZE_T* read-only: no allocation is made. */
	ck_assert_uint_eq(nt_allocate_virtual_memory(&call, CURRENT_PROCESS, 0x1000, 0, SIZE_P,
						     MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	guest_write_ptr(p, BASE_P, 0);
	ck_assert_uint_eq(gmem_peek(p->mem, RO_PAGE, &v, 8, NULL), true);
	uint64_t sz = 0x10000;
	gmem_poke(p->mem, RO_PAGE, &sz, 8, NULL);
	ck_assert_uint_eq(nt_allocate_virtual_memory(&call, CURRENT_PROCESS, BASE_P, 0, RO_PAGE,
						     MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	check_mbi(0x10000, 0x10000, 0, 0, SCRATCH - 0x10000, MEM_FREE, PAGE_NOACCESS, 0);
	/* A bad process handle. */
	guest_write_ptr(p, SIZE_P, 0x1000);
	ck_assert_uint_eq(nt_allocate_virtual_memory(&call, 0x1234, BASE_P, 0, SIZE_P, MEM_RESERVE,
						     PAGE_READWRITE), STATUS_INVALID_HANDLE);
	/* Query into an unwritable buffer. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, SCRATCH, 0, RO_PAGE, 48, 0),
			  STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, SCRATCH, 0, BUF, 47, 0),
			  STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, VM_USER_LIMIT_64, 0, BUF, 48, 0),
			  STATUS_INVALID_PARAMETER);
	/* Free with an unwritable size pointer keeps the allocation. */
	uint64_t base = 0, size = 0x1000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	guest_write_ptr(p, BASE_P, base);
	ck_assert_uint_eq(nt_free_virtual_memory(&call, CURRENT_PROCESS, BASE_P, RO_PAGE, MEM_RELEASE),
			  STATUS_ACCESS_VIOLATION);
	check_mbi(base, base, base, PAGE_READWRITE, 0x1000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
}
END_TEST

START_TEST(release_whole_allocations_only)
{
	uint64_t base = 0x20000000, size = 0x40000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	uint32_t v = 7;
	guest_write(p, base + 0x30000, &v, 4);
	/* Part of an allocation cannot be released (Wine 8's answer): nothing changes. */
	uint64_t b = base + 0x10000, s = 0x10000;
	ck_assert_uint_eq(release(&b, &s, MEM_RELEASE), STATUS_INVALID_PARAMETER);
	b = base, s = 0x10000;
	ck_assert_uint_eq(release(&b, &s, MEM_RELEASE), STATUS_INVALID_PARAMETER);
	check_mbi(base, base, base, PAGE_READWRITE, 0x40000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	v = 0;
	ck_assert_uint_eq(guest_read(p, base + 0x30000, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(v, 7);
	/* Decommit with size 0 at the base: the whole allocation, reported in *size. */
	b = base, s = 0;
	ck_assert_uint_eq(release(&b, &s, MEM_DECOMMIT), STATUS_SUCCESS);
	ck_assert_uint_eq(s, 0x40000);
	check_mbi(base + 0x20000, base + 0x20000, base, PAGE_READWRITE, 0x20000, MEM_RESERVE, 0, MEM_PRIVATE);
	/* The exact size with the base releases it. */
	b = base, s = 0x40000;
	ck_assert_uint_eq(release(&b, &s, MEM_RELEASE), STATUS_SUCCESS);
	check_mbi(base, base, 0, 0, SCRATCH - base, MEM_FREE, PAGE_NOACCESS, 0);
}
END_TEST

START_TEST(read_write_virtual_memory)
{
	uint64_t base = 0, size = 0x3000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	uint64_t c = base, cs = 0x2000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	uint8_t pattern[0x100];
	for (int i = 0; i < 0x100; i++)
		pattern[i] = (uint8_t)i;
	guest_write(p, BIG_BUF, pattern, sizeof pattern);
	ck_assert_uint_eq(nt_write_virtual_memory(&call, CURRENT_PROCESS, base + 0x1f80, BIG_BUF, 0x100, RET_P),
			  STATUS_PARTIAL_COPY);
	uint64_t done;
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0x80);
	uint8_t back[0x80];
	guest_read(p, base + 0x1f80, back, 0x80);
	ck_assert_mem_eq(back, pattern, 0x80);
	ck_assert_uint_eq(nt_read_virtual_memory(&call, CURRENT_PROCESS, base + 0x1fc0, BIG_BUF + 0x800, 0x80, RET_P),
			  STATUS_PARTIAL_COPY);
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0x40);
	ck_assert_uint_eq(nt_read_virtual_memory(&call, CURRENT_PROCESS, base + 0x1f80, BIG_BUF + 0x800, 0x80, RET_P),
			  STATUS_SUCCESS);
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0x80);
	/* The caller's own buffer must be usable: access violation, nothing copied. */
	ck_assert_uint_eq(nt_read_virtual_memory(&call, CURRENT_PROCESS, base, RO_PAGE, 0x10, RET_P),
			  STATUS_ACCESS_VIOLATION);
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0);
	/* Read-only targets are written (Wine's kernelbase relies on it, see memory.c); no-access
	 * and reserved ones are not. */
	ck_assert_uint_eq(nt_write_virtual_memory(&call, CURRENT_PROCESS, RO_PAGE, BIG_BUF, 0x10, RET_P),
			  STATUS_SUCCESS);
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0x10);
	guest_read(p, RO_PAGE, back, 0x10);
	ck_assert_mem_eq(back, pattern, 0x10);
	uint32_t old;
	uint64_t nb = base, ns = 0x1000;
	ck_assert_uint_eq(vm_protect(p, &nb, &ns, PAGE_NOACCESS, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_write_virtual_memory(&call, CURRENT_PROCESS, base + 0xff0, BIG_BUF, 0x20, RET_P),
			  STATUS_PARTIAL_COPY);
	guest_read_ptr(p, RET_P, &done);
	ck_assert_uint_eq(done, 0);
}
END_TEST

static unsigned changed_count;
static uint64_t changed_page;

static void count_code_changed(void *ctx, uint64_t page)
{
	changed_count++;
	changed_page = page;
}

START_TEST(other_classes_locks_and_flush)
{
	uint64_t base = 0, size = 0x4000;
	ck_assert_uint_eq(alloc(&base, &size, 0, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	uint64_t c = base + 0x1000, cs = 0x2000;
	ck_assert_uint_eq(alloc(&c, &cs, 0, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, base, 1000, BUF, 8, 0),
			  STATUS_DLL_NOT_FOUND);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, base, 99, BUF, 64, 0),
			  STATUS_INVALID_INFO_CLASS);
	/* MEMORY_REGION_INFORMATION: the whole allocation and its committed bytes. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, base + 0x3000, 3, BUF, 48, RET_P),
			  STATUS_SUCCESS);
	uint64_t q[6];
	guest_read(p, BUF, q, sizeof q);
	ck_assert_uint_eq(q[0], base);
	ck_assert_uint_eq((uint32_t)q[1], PAGE_READWRITE);
	ck_assert_uint_eq(q[1] >> 32, 1); /* Private */
	ck_assert_uint_eq(q[2], 0x4000);
	ck_assert_uint_eq(q[3], 0x2000);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, 0x20000000, 3, BUF, 48, RET_P),
			  STATUS_INVALID_ADDRESS);
	/* MemoryWorkingSetExInformation: committed readable pages are valid, with their
	 * protection; reserved and free ones are not. */
	uint64_t ws[6] = {base + 0x1000, 0xdead, base, 0xdead, 0x20000000, 0xdead};
	guest_write(p, BUF, ws, sizeof ws);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, 0, 4, BUF, sizeof ws, RET_P), STATUS_SUCCESS);
	guest_read(p, BUF, ws, sizeof ws);
	ck_assert_uint_eq(ws[0], base + 0x1000);
	ck_assert_uint_eq(ws[1], 1 | PAGE_READONLY << 4);
	ck_assert_uint_eq(ws[3], 0);
	ck_assert_uint_eq(ws[5], 0);
	guest_read_ptr(p, RET_P, &ws[0]);
	ck_assert_uint_eq(ws[0], sizeof ws);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, 0, 4, BUF, 15, RET_P),
			  STATUS_INFO_LENGTH_MISMATCH);
	/* MemoryImageInformation: zero outside image views. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, base, 6, BUF, 24, RET_P), STATUS_SUCCESS);
	guest_read(p, BUF, q, 24);
	ck_assert_uint_eq(q[0] | q[1] | q[2], 0);
	/* MemoryMappedFilenameInformation: private memory has no file. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, base + 0x1000, 2, BUF, 0x200, RET_P),
			  STATUS_INVALID_ADDRESS);

	guest_write_ptr(p, BASE_P, base + 0x1000);
	guest_write_ptr(p, SIZE_P, 0x1000);
	ck_assert_uint_eq(nt_unlock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 1), STATUS_NOT_LOCKED);
	ck_assert_uint_eq(nt_lock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 1), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_lock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 2), STATUS_PRIVILEGE_NOT_HELD);
	ck_assert_uint_eq(nt_unlock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 1), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unlock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 1), STATUS_NOT_LOCKED);
	guest_write_ptr(p, BASE_P, base);
	ck_assert_uint_eq(nt_lock_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, 1), STATUS_NOT_COMMITTED);

	/* Flushing reports the range's decoded-code pages as changed (the block cache then drops
	 * their blocks), and only those; protections stay. */
	void (*saved)(void *, uint64_t) = p->mem->code_changed;
	void *saved_ctx = p->mem->code_ctx;
	p->mem->code_changed = count_code_changed;
	changed_count = 0;
	gmem_mark_code(p->mem, base + 0x1000);
	gmem_mark_code(p->mem, base + 0x2000);
	ck_assert_uint_eq(nt_flush_instruction_cache(&call, CURRENT_PROCESS, base + 0x1ff0, 0x10), STATUS_SUCCESS);
	ck_assert_uint_eq(changed_count, 1);
	ck_assert_uint_eq(changed_page, base + 0x1000);
	ck_assert_uint_eq(nt_flush_instruction_cache(&call, CURRENT_PROCESS, base, 0x4000), STATUS_SUCCESS);
	ck_assert_uint_eq(changed_count, 2);
	ck_assert_uint_eq(changed_page, base + 0x2000);
	/* All of user space: only the allocations' pages are visited. */
	gmem_mark_code(p->mem, base + 0x1000);
	ck_assert_uint_eq(nt_flush_instruction_cache(&call, CURRENT_PROCESS, 0x10000, VM_USER_LIMIT_64 - 0x10000),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(changed_count, 3);
	ck_assert_uint_eq(changed_page, base + 0x1000);
	p->mem->code_changed = saved;
	p->mem->code_ctx = saved_ctx;
	check_mbi(base + 0x1000, base + 0x1000, base, PAGE_READWRITE, 0x2000, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
	ck_assert_uint_eq(nt_flush_instruction_cache(&call, CURRENT_PROCESS, 0, 0), STATUS_SUCCESS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm");
	ADD_TCASE(s, "x64", setup64, teardown, reserve_commit_decommit_release,
		  fixed_addresses_and_rounding, placement_top_down_and_zero_bits,
		  full_below_a_straddled_limit, protection_changes, guard_pages,
		  stack_growth_through_guard_pages, write_watches, bad_pointers_leave_state_unchanged,
		  release_whole_allocations_only, read_write_virtual_memory, other_classes_locks_and_flush);
	ADD_TCASE(s, "x86", setup32, teardown, guest_32bit_limits_and_layout);
	return run_suite(s);
}
