/* Guest memory: mapping, protection, checked accesses, TLB coherence, code-change reports. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "run_suite.h"

static struct guest_mem *m;

static void setup(void)
{
	m = gmem_create();
	ck_assert_ptr_nonnull(m);
}

static void teardown(void)
{
	gmem_destroy(m);
}

START_TEST(map_read_write_roundtrip)
{
	uint8_t *host = gmem_map_anon(m, 0x10000, 0x3000, GMEM_READ | GMEM_WRITE);
	ck_assert_ptr_nonnull(host);
	uint8_t buf[0x20];
	for (unsigned i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	struct gmem_fault f;
	/* Straddles the first page boundary. */
	ck_assert(gmem_write(m, 0x10ff0, buf, sizeof buf, &f));
	ck_assert_int_eq(host[0xff0], 1);
	ck_assert_int_eq(host[0x100f], buf[0x1f]);
	uint8_t back[0x20] = {0};
	ck_assert(gmem_read(m, 0x10ff0, back, sizeof back, &f));
	ck_assert_mem_eq(back, buf, sizeof buf);
	unsigned prot;
	ck_assert(gmem_query(m, 0x11234, &prot, NULL));
	ck_assert_uint_eq(prot, GMEM_READ | GMEM_WRITE);
	ck_assert(!gmem_query(m, 0x13000, NULL, NULL));
}
END_TEST

START_TEST(unmapped_fault_names_first_bad_byte)
{
	gmem_map_anon(m, 0x20000, 0x1000, GMEM_READ | GMEM_WRITE);
	uint8_t buf[16] = {0};
	struct gmem_fault f;
	ck_assert(!gmem_read(m, 0x20ff8, buf, sizeof buf, &f));
	ck_assert_uint_eq(f.addr, 0x21000);
	ck_assert_int_eq(f.access, ACCESS_READ);
	ck_assert(f.unmapped);
	ck_assert(!gmem_write(m, 0x1fffc, buf, 8, &f));
	ck_assert_uint_eq(f.addr, 0x1fffc);
	ck_assert_int_eq(f.access, ACCESS_WRITE);
}
END_TEST

START_TEST(failed_write_changes_nothing)
{
	uint8_t *host = gmem_map_anon(m, 0x30000, 0x2000, GMEM_READ | GMEM_WRITE);
	gmem_protect(m, 0x31000, 0x1000, GMEM_READ);
	uint8_t ones[32];
	memset(ones, 0xff, sizeof ones);
	struct gmem_fault f;
	ck_assert(!gmem_write(m, 0x30ff0, ones, sizeof ones, &f));
	ck_assert_uint_eq(f.addr, 0x31000);
	ck_assert(!f.unmapped);
	for (unsigned i = 0xff0; i < 0x1010; i++)
		ck_assert_int_eq(host[i], 0);
	/* The kernel's own access ignores protection. */
	ck_assert(gmem_poke(m, 0x30ff0, ones, sizeof ones, &f));
	ck_assert_int_eq(host[0x100f], 0xff);
}
END_TEST

START_TEST(guard_and_execute_permissions)
{
	gmem_map_anon(m, 0x40000, 0x2000, GMEM_READ | GMEM_WRITE | GMEM_GUARD);
	uint8_t b;
	struct gmem_fault f;
	ck_assert(!gmem_read(m, 0x40010, &b, 1, &f));
	ck_assert(f.guard);
	ck_assert(gmem_peek(m, 0x40010, &b, 1, &f));
	gmem_protect(m, 0x40000, 0x1000, GMEM_READ | GMEM_WRITE);
	ck_assert(gmem_read(m, 0x40010, &b, 1, &f));
	ck_assert(!gmem_fetch(m, 0x40010, &b, 1, &f));
	ck_assert_int_eq(f.access, ACCESS_EXEC);
	ck_assert(!f.guard);
	gmem_protect(m, 0x40000, 0x1000, GMEM_READ | GMEM_EXEC);
	ck_assert(gmem_fetch(m, 0x40010, &b, 1, &f));
}
END_TEST

START_TEST(tlb_follows_protection_and_unmap)
{
	gmem_map_anon(m, 0x50000, 0x1000, GMEM_READ | GMEM_WRITE);
	struct gmem_fault f;
	ck_assert_ptr_nonnull(gmem_translate(m, 0x50008, GMEM_WRITE, &f));
	ck_assert_ptr_nonnull(gmem_translate(m, 0x50008, GMEM_READ, &f));
	gmem_protect(m, 0x50000, 0x1000, GMEM_READ);
	unsigned slot = (0x50000 >> GUEST_PAGE_SHIFT) & (GMEM_TLB_SIZE - 1);
	ck_assert_uint_ne(m->tlb_write[slot].tag, 0x50000);
	ck_assert_ptr_null(gmem_translate(m, 0x50008, GMEM_WRITE, &f));
	gmem_unmap(m, 0x50000, 0x1000);
	ck_assert_uint_ne(m->tlb_read[slot].tag, 0x50000);
	ck_assert_ptr_null(gmem_translate(m, 0x50008, GMEM_READ, &f));
	ck_assert(f.unmapped);
}
END_TEST

START_TEST(shared_host_memory_aliases)
{
	uint8_t *host = aligned_alloc(GUEST_PAGE_SIZE, 0x2000);
	memset(host, 0, 0x2000);
	ck_assert(gmem_map(m, 0x60000, 0x2000, host, GMEM_READ | GMEM_WRITE));
	ck_assert(gmem_map(m, 0x80000, 0x2000, host, GMEM_READ));
	uint32_t v = 0x12345678, r = 0;
	ck_assert(gmem_write(m, 0x61000, &v, 4, NULL));
	ck_assert(gmem_read(m, 0x81000, &r, 4, NULL));
	ck_assert_uint_eq(r, v);
	gmem_unmap(m, 0x60000, 0x2000);
	gmem_unmap(m, 0x80000, 0x2000);
	free(host);
}
END_TEST

static uint64_t changed[8];
static unsigned nchanged;

static void on_code_changed(void *ctx, uint64_t page)
{
	(void)ctx;
	if (nchanged < 8)
		changed[nchanged++] = page;
}

START_TEST(code_pages_report_changes_once)
{
	gmem_map_anon(m, 0x70000, 0x2000, GMEM_READ | GMEM_WRITE | GMEM_EXEC);
	m->code_changed = on_code_changed;
	nchanged = 0;
	gmem_mark_code(m, 0x71000);
	uint8_t b = 0x90;
	ck_assert(gmem_write(m, 0x70000, &b, 1, NULL)); /* not code */
	ck_assert_uint_eq(nchanged, 0);
	struct gmem_fault f;
	/* A store through the interpreter's path (TLB refill) reports the code page. */
	ck_assert_ptr_nonnull(gmem_translate(m, 0x71004, GMEM_WRITE, &f));
	ck_assert_uint_eq(nchanged, 1);
	ck_assert_uint_eq(changed[0], 0x71000);
	/* Reported once: the page is plain data again until decoded from anew. */
	ck_assert(gmem_write(m, 0x71008, &b, 1, NULL));
	ck_assert_uint_eq(nchanged, 1);
	gmem_mark_code(m, 0x71000);
	gmem_protect(m, 0x70000, 0x2000, GMEM_READ | GMEM_EXEC);
	ck_assert_uint_eq(nchanged, 2);
	gmem_mark_code(m, 0x70000);
	gmem_unmap(m, 0x70000, 0x2000);
	ck_assert_uint_eq(nchanged, 3);
	ck_assert_uint_eq(changed[2], 0x70000);
}
END_TEST

START_TEST(bad_ranges_rejected)
{
	uint8_t host[1];
	ck_assert(!gmem_map(m, 0x1001, 0x1000, host, GMEM_READ));
	ck_assert(!gmem_map(m, GUEST_ADDR_LIMIT - 0x1000, 0x2000, host, GMEM_READ));
	ck_assert_ptr_null(gmem_map_anon(m, 0x1000, 0, GMEM_READ));
	uint8_t b;
	struct gmem_fault f;
	ck_assert(!gmem_read(m, ~0ull - 2, &b, 1, &f));
	ck_assert(!gmem_read(m, GUEST_ADDR_LIMIT - 1, host, 2, &f));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mem");
	ADD_TCASE(s, "guest memory", setup, teardown,
		  map_read_write_roundtrip, unmapped_fault_names_first_bad_byte,
		  failed_write_changes_nothing, guard_and_execute_permissions,
		  tlb_follows_protection_and_unmap, shared_host_memory_aliases,
		  code_pages_report_changes_once, bad_ranges_rejected);
	return run_suite(s);
}
