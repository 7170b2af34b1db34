/* Width-aware guest structure access: UNICODE_STRING, OBJECT_ATTRIBUTES, IO_STATUS_BLOCK for
 * 64-bit and 32-bit guests, and bad pointers becoming STATUS_ACCESS_VIOLATION. */
#include <check.h>
#include <string.h>

#include "kernel/guest.h"
#include "run_suite.h"

#define BUF 0x10000ull

static struct kprocess *p;
static uint8_t *mem;

static void setup(void)
{
	static const struct kconfig cfg = {0};
	p = kprocess_create(&cfg, 8);
	ck_assert_ptr_nonnull(p);
	mem = gmem_map_anon(p->mem, BUF, 0x10000, GMEM_READ | GMEM_WRITE);
}

static void teardown(void)
{
	kprocess_destroy(p);
}

static void put16(size_t off, uint16_t v) { memcpy(mem + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(mem + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(mem + off, &v, 8); }

START_TEST(unicode_string_both_widths)
{
	memcpy(mem + 0x100, u"KERNEL32.DLL", 24);
	/* x64 layout: Length, MaximumLength, 4 bytes padding, Buffer. */
	put16(0, 24);
	put16(2, 26);
	put64(8, BUF + 0x100);
	struct ustr s;
	ck_assert_uint_eq(guest_read_ustr(p, BUF, &s), STATUS_SUCCESS);
	ck_assert_uint_eq(s.len, 12);
	ck_assert_mem_eq(s.buf, u"KERNEL32.DLL", 24);
	ustr_free(&s);
	/* x86 layout: Buffer right after the two USHORTs. */
	p->ptr_size = 4;
	put32(0x20, 24 | 26u << 16);
	put32(0x24, BUF + 0x100);
	ck_assert_uint_eq(guest_read_ustr(p, BUF + 0x20, &s), STATUS_SUCCESS);
	ck_assert_uint_eq(s.len, 12);
	ustr_free(&s);
}
END_TEST

START_TEST(unicode_string_malformed)
{
	struct ustr s;
	put16(0, 3); put16(2, 4); put64(8, BUF + 0x100);
	ck_assert_uint_eq(guest_read_ustr(p, BUF, &s), STATUS_INVALID_PARAMETER);
	/* A MaximumLength below Length is not an error: NT reads input strings by Length only. */
	put16(0, 8); put16(2, 4); put64(8, BUF + 0x100);
	ck_assert_uint_eq(guest_read_ustr(p, BUF, &s), STATUS_SUCCESS);
	ck_assert_uint_eq(s.len, 4);
	ustr_free(&s);
	put16(0, 8); put16(2, 8); put64(8, 0x7000000);
	ck_assert_uint_eq(guest_read_ustr(p, BUF, &s), STATUS_ACCESS_VIOLATION);
	ck_assert_ptr_null(s.buf);
	ck_assert_uint_eq(guest_read_ustr(p, 0x7000000, &s), STATUS_ACCESS_VIOLATION);
	put16(0, 0); put16(2, 0); put64(8, 0);
	ck_assert_uint_eq(guest_read_ustr(p, BUF, &s), STATUS_SUCCESS);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

START_TEST(object_attributes_both_widths)
{
	memcpy(mem + 0x100, u"\\??\\C:\\x", 16);
	put16(0x200, 16); put16(0x202, 18); put64(0x208, BUF + 0x100);
	put32(0, 0x30); put64(8, 0x24); put64(0x10, BUF + 0x200); put32(0x18, 0x40);
	struct objattr oa;
	ck_assert_uint_eq(guest_read_objattr(p, BUF, &oa), STATUS_SUCCESS);
	ck_assert_uint_eq(oa.root, 0x24);
	ck_assert_uint_eq(oa.attributes, 0x40);
	ck_assert_uint_eq(oa.name.len, 8);
	objattr_free(&oa);
	put32(0, 0x18);
	ck_assert_uint_eq(guest_read_objattr(p, BUF, &oa), STATUS_INVALID_PARAMETER);

	p->ptr_size = 4;
	put16(0x300, 16); put16(0x302, 18); put32(0x304, BUF + 0x100);
	put32(0x400, 0x18); put32(0x404, 0xfffffffe); put32(0x408, BUF + 0x300); put32(0x40c, 0x240);
	put32(0x410, 0); put32(0x414, 0);
	ck_assert_uint_eq(guest_read_objattr(p, BUF + 0x400, &oa), STATUS_SUCCESS);
	ck_assert_uint_eq(oa.root, (handle_t)-2);
	ck_assert_uint_eq(oa.attributes, 0x240);
	ck_assert_mem_eq(oa.name.buf, u"\\??\\C:\\x", 16);
	objattr_free(&oa);
}
END_TEST

START_TEST(io_status_block_both_widths)
{
	ck_assert_uint_eq(guest_write_iosb(p, BUF, STATUS_END_OF_FILE, 0x1234), STATUS_SUCCESS);
	uint64_t w[2];
	memcpy(w, mem, 16);
	ck_assert_uint_eq(w[0], STATUS_END_OF_FILE);
	ck_assert_uint_eq(w[1], 0x1234);
	p->ptr_size = 4;
	memset(mem, 0xaa, 16);
	ck_assert_uint_eq(guest_write_iosb(p, BUF, 0, 7), STATUS_SUCCESS);
	uint32_t n[4];
	memcpy(n, mem, 16);
	ck_assert_uint_eq(n[0], 0);
	ck_assert_uint_eq(n[1], 7);
	ck_assert_uint_eq(n[2], 0xaaaaaaaa);
	ck_assert_uint_eq(guest_write_iosb(p, 0x7000000, 0, 0), STATUS_ACCESS_VIOLATION);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest");
	ADD_TCASE(s, "guest structures", setup, teardown, unicode_string_both_widths,
		  unicode_string_malformed, object_attributes_both_widths, io_status_block_both_widths);
	return run_suite(s);
}
