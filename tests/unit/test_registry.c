/* The registry: the seeded tree, key services (open, create, relative names, case, delete),
 * value services (every type, every information class, NT's BUFFER_TOO_SMALL/BUFFER_OVERFLOW
 * rules), access checks, deleted keys, the seed format's parser, and the 32-bit layouts —
 * called directly on a bare process. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/process.h"
#include "kernel/registry.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define SCRATCH 0x60000000ull
#define USTR_P (SCRATCH + 0x000)
#define USTR2_P (SCRATCH + 0x040)
#define OA_P (SCRATCH + 0x080)
#define HANDLE_P (SCRATCH + 0x100)
#define RET_P (SCRATCH + 0x110)
#define DISP_P (SCRATCH + 0x120)
#define STR_P (SCRATCH + 0x1000)
#define STR2_P (SCRATCH + 0x2000)
#define BUF (SCRATCH + 0x4000)
#define BUF_SIZE 0x4000u

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;

static void start(unsigned ptr_size)
{
	p = kfx_process(&cfg, ptr_size, SCRATCH, 0x10000);
	call = (struct nt_call){.proc = p};
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }
static void teardown(void) { kprocess_destroy(p); }

/* A UNICODE_STRING at `at` for `s`, characters at `buf`. */
static gptr_t ustr(gptr_t at, gptr_t buf, const char *s) { return kfx_ustr(p, at, buf, s); }

/* OBJECT_ATTRIBUTES for `name` relative to `root`, OBJ_CASE_INSENSITIVE. */
static gptr_t objattr(handle_t root, const char *name)
{
	return kfx_objattr(p, OA_P, root, ustr(USTR_P, STR_P, name), OBJ_CASE_INSENSITIVE);
}

static handle_t out_handle(void)
{
	handle_t h;
	guest_read_handle(p, HANDLE_P, &h);
	return h;
}

static ntstatus_t open_key(handle_t root, const char *name, uint32_t access, handle_t *h)
{
	ntstatus_t st = nt_open_key(&call, HANDLE_P, access, objattr(root, name));
	*h = out_handle();
	return st;
}

static ntstatus_t create_key(handle_t root, const char *name, uint32_t options, handle_t *h,
			     uint32_t *disp)
{
	ntstatus_t st = nt_create_key(&call, HANDLE_P, MAXIMUM_ALLOWED, objattr(root, name), 0, 0,
				      options, DISP_P);
	*h = out_handle();
	guest_read(p, DISP_P, disp, 4);
	return st;
}

static ntstatus_t query_value(handle_t h, const char *name, uint32_t cls, uint32_t len, uint32_t *ret)
{
	ntstatus_t st = nt_query_value_key(&call, h, ustr(USTR2_P, STR2_P, name), cls, BUF, len, RET_P);
	guest_read(p, RET_P, ret, 4);
	return st;
}

static uint32_t rd32(gptr_t a) { return kfx_rd32(p, a); }

/* Does the UTF-16 at `a` spell ASCII `s`? */
static bool wide_eq(gptr_t a, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		uint16_t c;
		if (guest_read(p, a + 2 * i, &c, 2) || c != (uint8_t)s[i])
			return false;
	}
	return true;
}

#define SM "\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Session Manager"

START_TEST(seeded_keys_open_and_missing_ones_are_not_found)
{
	handle_t h;
	ck_assert_uint_eq(open_key(0, SM, KEY_QUERY_VALUE, &h), STATUS_SUCCESS);
	ck_assert_uint_ne(h, 0);
	uint32_t ret;
	/* KEY_VALUE_PARTIAL_INFORMATION {TitleIndex, Type, DataLength, Data} */
	ck_assert_uint_eq(query_value(h, "CriticalSectionTimeout", 2, 126, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(ret, 16);
	ck_assert_uint_eq(rd32(BUF + 4), REG_DWORD);
	ck_assert_uint_eq(rd32(BUF + 8), 4);
	ck_assert_uint_eq(rd32(BUF + 12), 0x278d00);
	ck_assert_uint_eq(query_value(h, "SafeDllSearchMode", 2, 126, &ret), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);

	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\NoSuchKey", KEY_QUERY_VALUE, &h),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(h, 0);
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\No\\Such\\Path", KEY_QUERY_VALUE, &h),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(open_key(0, "\\Elsewhere\\Key", KEY_QUERY_VALUE, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(open_key(0, "Machine", KEY_QUERY_VALUE, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);

	/* What version_init reads (GUEST-CONTRACT.md §3 step 6). */
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
				   MAXIMUM_ALLOWED, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(query_value(h, "CurrentVersion", 2, 63, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), REG_SZ);
	ck_assert_uint_eq(rd32(BUF + 8), 8); /* "6.1" + NUL */
	ck_assert(wide_eq(BUF + 12, "6.1"));
	ck_assert_uint_eq(query_value(h, "CurrentBuildNumber", 2, 63, &ret), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "7601"));
	nt_close(&call, h);
	ck_assert_uint_eq(open_key(0, "\\Registry\\User\\" REGISTRY_USER_SID "\\Control Panel\\International",
				   MAXIMUM_ALLOWED, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(query_value(h, "LocaleName", 2, 182, &ret), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "en-US"));
	nt_close(&call, h);
	/* The roots of HKEY_CLASSES_ROOT and HKEY_CURRENT_CONFIG. */
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\Classes", MAXIMUM_ALLOWED, &h), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\System\\CurrentControlSet\\Hardware Profiles\\Current",
				   MAXIMUM_ALLOWED, &h), STATUS_SUCCESS);
	nt_close(&call, h);
}
END_TEST

START_TEST(names_ignore_case_and_may_be_relative)
{
	handle_t machine, h;
	ck_assert_uint_eq(open_key(0, "\\REGISTRY\\machine", MAXIMUM_ALLOWED, &machine), STATUS_SUCCESS);
	ck_assert_uint_eq(open_key(machine, "SYSTEM\\currentcontrolset\\control\\PRODUCTOPTIONS",
				   KEY_QUERY_VALUE, &h), STATUS_SUCCESS);
	uint32_t ret;
	ck_assert_uint_eq(query_value(h, "producttype", 2, 64, &ret), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "WinNT"));
	nt_close(&call, h);
	/* Relative names never start with a backslash; an empty one reopens the key itself. */
	ck_assert_uint_eq(open_key(machine, "\\System", KEY_QUERY_VALUE, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(open_key(machine, "", KEY_QUERY_VALUE, &h), STATUS_SUCCESS);
	ck_assert_uint_ne(h, machine);
	nt_close(&call, h);
	ck_assert_uint_eq(open_key(machine, "System\\\\Select", KEY_QUERY_VALUE, &h), STATUS_OBJECT_NAME_INVALID);
	/* A root that is not a key. */
	ck_assert_uint_eq(open_key(0x1234, "System", KEY_QUERY_VALUE, &h), STATUS_INVALID_HANDLE);
	nt_close(&call, machine);
}
END_TEST

START_TEST(create_adds_only_the_last_component)
{
	handle_t sw, h, h2;
	uint32_t disp;
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software", MAXIMUM_ALLOWED, &sw), STATUS_SUCCESS);
	ck_assert_uint_eq(create_key(sw, "Vendor\\Product", 0, &h, &disp), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(create_key(sw, "Vendor", 0, &h, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(disp, 1); /* REG_CREATED_NEW_KEY */
	ck_assert_uint_eq(create_key(sw, "VENDOR", 0, &h2, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(disp, 2); /* REG_OPENED_EXISTING_KEY */
	nt_close(&call, h2);
	ck_assert_uint_eq(create_key(0, "\\Registry\\Machine\\Software\\Vendor\\Product\\", 0, &h2, &disp),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(disp, 1);
	nt_close(&call, h2);
	ck_assert_uint_eq(open_key(h, "product", KEY_QUERY_VALUE, &h2), STATUS_SUCCESS);
	nt_close(&call, h2);
	/* Creating below a handle needs KEY_CREATE_SUB_KEY on it. */
	handle_t ro;
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\Vendor", KEY_QUERY_VALUE, &ro), STATUS_SUCCESS);
	ck_assert_uint_eq(create_key(ro, "Other", 0, &h2, &disp), STATUS_ACCESS_DENIED);
	/* A volatile key only has volatile children. */
	ck_assert_uint_eq(create_key(h, "Vol", 1 /* REG_OPTION_VOLATILE */, &h2, &disp), STATUS_SUCCESS);
	handle_t h3;
	ck_assert_uint_eq(create_key(h2, "Stable", 0, &h3, &disp), STATUS_CHILD_MUST_BE_VOLATILE);
	nt_close(&call, h2);
	nt_close(&call, ro);
	nt_close(&call, h);
	nt_close(&call, sw);
}
END_TEST

/* A fresh key with one value of each type. */
static handle_t value_fixture(void)
{
	handle_t h;
	uint32_t disp;
	ck_assert_uint_eq(create_key(0, "\\Registry\\Machine\\Software\\Test", 0, &h, &disp), STATUS_SUCCESS);
	static const uint16_t sz[] = u"text", multi[] = u"a\0bc\0";
	uint32_t dw = 0x12345678;
	uint64_t qw = 0x1122334455667788ull;
	uint8_t bin[3] = {1, 2, 3};
	struct { const char *name; uint32_t type; const void *data; uint32_t size; } v[] = {
		{"Sz", REG_SZ, sz, sizeof sz},
		{"Expand", REG_EXPAND_SZ, sz, sizeof sz},
		{"Multi", REG_MULTI_SZ, multi, sizeof multi},
		{"Dword", REG_DWORD, &dw, 4},
		{"Qword", REG_QWORD, &qw, 8},
		{"Binary", REG_BINARY, bin, 3},
		{"", REG_SZ, sz, sizeof sz},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		guest_write(p, BUF, v[i].data, v[i].size);
		ck_assert_uint_eq(nt_set_value_key(&call, h, ustr(USTR2_P, STR2_P, v[i].name), 0, v[i].type,
						   BUF, v[i].size), STATUS_SUCCESS);
	}
	return h;
}

START_TEST(values_of_every_type_round_trip)
{
	handle_t h = value_fixture();
	uint32_t ret;
	ck_assert_uint_eq(query_value(h, "multi", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), REG_MULTI_SZ);
	ck_assert_uint_eq(rd32(BUF + 8), 12);
	ck_assert(wide_eq(BUF + 12, "a"));
	ck_assert(wide_eq(BUF + 16, "bc"));
	ck_assert_uint_eq(query_value(h, "QWORD", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	uint64_t q;
	guest_read(p, BUF + 12, &q, 8);
	ck_assert_uint_eq(q, 0x1122334455667788ull);
	/* Replacing a value keeps its place and takes the new type. */
	uint32_t dw = 7;
	guest_write(p, BUF, &dw, 4);
	ck_assert_uint_eq(nt_set_value_key(&call, h, ustr(USTR2_P, STR2_P, "sz"), 0, REG_DWORD, BUF, 4),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(query_value(h, "Sz", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), REG_DWORD);
	ck_assert_uint_eq(rd32(BUF + 12), 7);
	/* The default value: an empty name, or a NULL UNICODE_STRING pointer. */
	ck_assert_uint_eq(query_value(h, "", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "text"));
	ck_assert_uint_eq(nt_query_value_key(&call, h, 0, 2, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);

	/* Enumeration: creation order. */
	static const char *order[] = {"Sz", "Expand", "Multi", "Dword", "Qword", "Binary", ""};
	for (uint32_t i = 0; i < 7; i++) {
		ck_assert_uint_eq(nt_enumerate_value_key(&call, h, i, 0, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
		ck_assert_uint_eq(rd32(BUF + 8), strlen(order[i]) * 2);
		ck_assert(wide_eq(BUF + 12, order[i]));
	}
	ck_assert_uint_eq(nt_enumerate_value_key(&call, h, 7, 0, BUF, BUF_SIZE, RET_P), STATUS_NO_MORE_ENTRIES);

	ck_assert_uint_eq(nt_delete_value_key(&call, h, ustr(USTR2_P, STR2_P, "EXPAND")), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_delete_value_key(&call, h, ustr(USTR2_P, STR2_P, "Expand")),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_enumerate_value_key(&call, h, 1, 0, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "Multi"));
	nt_close(&call, h);
}
END_TEST

START_TEST(value_information_classes_and_sizes)
{
	handle_t h = value_fixture();
	uint32_t ret;
	/* Basic {TitleIndex, Type, NameLength, Name}: 12 + "Binary". */
	ck_assert_uint_eq(query_value(h, "Binary", 0, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(ret, 12 + 12);
	ck_assert_uint_eq(rd32(BUF + 4), REG_BINARY);
	ck_assert_uint_eq(rd32(BUF + 8), 12);
	ck_assert(wide_eq(BUF + 12, "Binary"));
	/* Full {TitleIndex, Type, DataOffset, DataLength, NameLength, Name, data}: the data on a
	 * 4-byte boundary after the name (20 + 10 -> 32), Align64 on 8 (-> 32 too for "Dword",
	 * 20 + 12 = 32 for "Binary"... use "Sz": 20 + 4 = 24). */
	ck_assert_uint_eq(query_value(h, "Dword", 1, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 32);
	ck_assert_uint_eq(rd32(BUF + 12), 4);
	ck_assert_uint_eq(rd32(BUF + 16), 10);
	ck_assert(wide_eq(BUF + 20, "Dword"));
	ck_assert_uint_eq(rd32(BUF + 32), 0x12345678);
	ck_assert_uint_eq(ret, 36);
	ck_assert_uint_eq(query_value(h, "Qword", 3, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 32);
	ck_assert_uint_eq(query_value(h, "Sz", 1, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 24);
	ck_assert_uint_eq(query_value(h, "Sz", 3, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 24);
	ck_assert_uint_eq(query_value(h, "Binary", 1, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 32);
	/* PartialAlign64 {Type, DataLength, Data}. */
	ck_assert_uint_eq(query_value(h, "Dword", 4, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(ret, 12);
	ck_assert_uint_eq(rd32(BUF), REG_DWORD);
	ck_assert_uint_eq(rd32(BUF + 4), 4);
	ck_assert_uint_eq(rd32(BUF + 8), 0x12345678);
	ck_assert_uint_eq(query_value(h, "Dword", 5, BUF_SIZE, &ret), STATUS_INVALID_PARAMETER);

	/* Sizes: below the fixed part nothing is written; between fixed and full the fixed part
	 * and what fits; exactly full is success. */
	uint8_t fill[32];
	memset(fill, 0xcc, sizeof fill);
	guest_write(p, BUF, fill, sizeof fill);
	ck_assert_uint_eq(query_value(h, "Dword", 2, 11, &ret), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(ret, 16);
	ck_assert_uint_eq(rd32(BUF + 4), 0xcccccccc);
	ck_assert_uint_eq(query_value(h, "Dword", 2, 0, &ret), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(ret, 16);
	ck_assert_uint_eq(query_value(h, "Dword", 2, 14, &ret), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(ret, 16);
	ck_assert_uint_eq(rd32(BUF + 4), REG_DWORD);
	ck_assert_uint_eq(rd32(BUF + 8), 4);
	ck_assert_uint_eq(rd32(BUF + 12), 0xcccc5678); /* two bytes of data, the rest untouched */
	ck_assert_uint_eq(query_value(h, "Dword", 2, 16, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 12), 0x12345678);
	/* kernelbase's two-step read: a 12-byte probe gives the length. */
	ck_assert_uint_eq(query_value(h, "Sz", 2, 12, &ret), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(rd32(BUF + 8), 10);
	ck_assert_uint_eq(ret, 22);
	/* A bad result-length pointer is an access violation. */
	ck_assert_uint_eq(nt_query_value_key(&call, h, ustr(USTR2_P, STR2_P, "Dword"), 2, BUF, 64, 0x1000),
			  STATUS_ACCESS_VIOLATION);
	nt_close(&call, h);
}
END_TEST

START_TEST(key_information_classes)
{
	handle_t h = value_fixture(), sub;
	uint32_t disp;
	ck_assert_uint_eq(nt_create_key(&call, HANDLE_P, MAXIMUM_ALLOWED, objattr(h, "Zeta"), 0,
					ustr(USTR2_P, STR2_P, "Cls"), 0, DISP_P), STATUS_SUCCESS);
	nt_close(&call, out_handle());
	ck_assert_uint_eq(create_key(h, "alpha", 0, &sub, &disp), STATUS_SUCCESS);
	nt_close(&call, sub);

	/* Basic {LastWriteTime, TitleIndex, NameLength, Name}. */
	ck_assert_uint_eq(nt_query_key(&call, h, 0, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), 16 + 8);
	ck_assert_uint_eq(rd32(BUF + 12), 8);
	ck_assert(wide_eq(BUF + 16, "Test"));
	/* Full: counts and maxima. */
	ck_assert_uint_eq(nt_query_key(&call, h, 2, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), 44);
	ck_assert_uint_eq(rd32(BUF + 12), 0xffffffff); /* no class */
	ck_assert_uint_eq(rd32(BUF + 20), 2);          /* SubKeys */
	ck_assert_uint_eq(rd32(BUF + 24), 10);         /* MaxNameLen: "alpha" */
	ck_assert_uint_eq(rd32(BUF + 28), 6);          /* MaxClassLen: "Cls" */
	ck_assert_uint_eq(rd32(BUF + 32), 7);          /* Values */
	ck_assert_uint_eq(rd32(BUF + 36), 12);         /* MaxValueNameLen: "Expand"/"Binary" */
	ck_assert_uint_eq(rd32(BUF + 40), 12);         /* MaxValueDataLen: "Multi" */
	/* Name: the full path. */
	ck_assert_uint_eq(nt_query_key(&call, h, 3, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 31 * 2);
	ck_assert(wide_eq(BUF + 4, "\\REGISTRY\\MACHINE\\Software\\Test"));
	/* Cached: fixed 0x28, no name. */
	ck_assert_uint_eq(nt_query_key(&call, h, 4, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(RET_P), 0x28);
	ck_assert_uint_eq(rd32(BUF + 12), 2);
	ck_assert_uint_eq(rd32(BUF + 32), 8);
	ck_assert_uint_eq(nt_query_key(&call, h, 9, BUF, BUF_SIZE, RET_P), STATUS_INVALID_PARAMETER);

	/* Enumeration is sorted without regard to case; Node carries the class. */
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 0, 0, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 16, "alpha"));
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 1, 1, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 12), 32);  /* ClassOffset: 24 + 8 */
	ck_assert_uint_eq(rd32(BUF + 16), 6);
	ck_assert_uint_eq(rd32(BUF + 20), 8);
	ck_assert(wide_eq(BUF + 24, "Zeta"));
	ck_assert(wide_eq(BUF + 32, "Cls"));
	ck_assert_uint_eq(rd32(RET_P), 38);
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 2, 0, BUF, BUF_SIZE, RET_P), STATUS_NO_MORE_ENTRIES);
	/* Sizes as for values. */
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 1, 0, BUF, 15, RET_P), STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(rd32(RET_P), 24);
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 1, 0, BUF, 18, RET_P), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(rd32(BUF + 12), 8);
	nt_close(&call, h);
}
END_TEST

START_TEST(access_rights_are_checked)
{
	handle_t h;
	ck_assert_uint_eq(open_key(0, SM, KEY_QUERY_VALUE, &h), STATUS_SUCCESS);
	guest_write(p, BUF, "\1\0\0\0", 4);
	ck_assert_uint_eq(nt_set_value_key(&call, h, ustr(USTR2_P, STR2_P, "X"), 0, REG_DWORD, BUF, 4),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(nt_enumerate_key(&call, h, 0, 0, BUF, BUF_SIZE, RET_P), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(nt_delete_key(&call, h), STATUS_ACCESS_DENIED);
	nt_close(&call, h);
	/* KeyNameInformation needs no right at all. */
	ck_assert_uint_eq(open_key(0, SM, KEY_NOTIFY, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_key(&call, h, 0, BUF, BUF_SIZE, RET_P), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(nt_query_key(&call, h, 3, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	nt_close(&call, h);
	/* Not a key. */
	ck_assert_uint_eq(nt_query_key(&call, CURRENT_PROCESS, 0, BUF, BUF_SIZE, RET_P), STATUS_INVALID_HANDLE);
}
END_TEST

START_TEST(deleted_keys)
{
	handle_t parent, child, again;
	uint32_t disp;
	ck_assert_uint_eq(create_key(0, "\\Registry\\Machine\\Software\\Gone", 0, &parent, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(create_key(parent, "Child", 0, &child, &disp), STATUS_SUCCESS);
	guest_write(p, BUF, "\1\0\0\0", 4);
	nt_set_value_key(&call, child, ustr(USTR2_P, STR2_P, "V"), 0, REG_DWORD, BUF, 4);
	ck_assert_uint_eq(nt_delete_key(&call, parent), STATUS_CANNOT_DELETE);
	ck_assert_uint_eq(nt_delete_key(&call, child), STATUS_SUCCESS);
	/* The handle stays open; everything on it now fails. */
	uint32_t ret;
	ck_assert_uint_eq(query_value(child, "V", 2, 64, &ret), STATUS_KEY_DELETED);
	ck_assert_uint_eq(nt_query_key(&call, child, 3, BUF, BUF_SIZE, RET_P), STATUS_KEY_DELETED);
	ck_assert_uint_eq(nt_delete_key(&call, child), STATUS_KEY_DELETED);
	ck_assert_uint_eq(open_key(parent, "Child", KEY_QUERY_VALUE, &again), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_close(&call, child), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_delete_key(&call, parent), STATUS_SUCCESS);
	nt_close(&call, parent);
	/* The hive roots stay. */
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine", MAXIMUM_ALLOWED, &again), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_delete_key(&call, again), STATUS_CANNOT_DELETE);
	nt_close(&call, again);
}
END_TEST

START_TEST(rename_moves_the_key_and_its_subtree)
{
	handle_t k, sub, sib;
	uint32_t disp;
	ck_assert_uint_eq(create_key(0, "\\Registry\\Machine\\Software\\Old", 0, &k, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(create_key(k, "Child", 0, &sub, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(create_key(0, "\\Registry\\Machine\\Software\\Taken", 0, &sib, &disp), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_rename_key(&call, k, ustr(USTR2_P, STR2_P, "TAKEN")), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(nt_rename_key(&call, k, ustr(USTR2_P, STR2_P, "a\\b")), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(nt_rename_key(&call, k, ustr(USTR2_P, STR2_P, "New")), STATUS_SUCCESS);
	/* Open handles follow the key; the old name is gone. */
	ck_assert_uint_eq(nt_query_key(&call, sub, 3, BUF, BUF_SIZE, RET_P), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 4, "\\REGISTRY\\MACHINE\\Software\\New\\Child"));
	handle_t h;
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\Old", KEY_QUERY_VALUE, &h),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\new\\child", KEY_QUERY_VALUE, &h),
			  STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(nt_flush_key(&call, k), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_flush_key(&call, CURRENT_PROCESS), STATUS_INVALID_HANDLE);
	nt_close(&call, sib);
	nt_close(&call, sub);
	nt_close(&call, k);
}
END_TEST

START_TEST(seed_format)
{
	struct registry *r = p->registry;
	char err[128];
	static const char text[] =
		"; comment\n"
		"  [Machine\\Software\\Seed\\Deep]  \r\n"
		"\"Multi\"=multi:\"x\",\"y\\\"z\"\n"
		"\"Hex\"=hex(2):41,00,00,00\n"
		"\"Q\"=qword:100000000\n"
		"@=expand:\"%A%\\\\b\"\n";
	ck_assert(registry_load_text(r, text, sizeof text - 1, 0, err, sizeof err));
	handle_t h;
	ck_assert_uint_eq(open_key(0, "\\Registry\\Machine\\Software\\Seed\\Deep", KEY_QUERY_VALUE, &h),
			  STATUS_SUCCESS);
	uint32_t ret;
	ck_assert_uint_eq(query_value(h, "Multi", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), (2 + 4 + 1) * 2);
	ck_assert(wide_eq(BUF + 16, "y\"z"));
	ck_assert_uint_eq(query_value(h, "Hex", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), REG_EXPAND_SZ);
	ck_assert_uint_eq(rd32(BUF + 8), 4);
	ck_assert_uint_eq(query_value(h, "Q", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 16), 1);
	ck_assert_uint_eq(query_value(h, "", 2, BUF_SIZE, &ret), STATUS_SUCCESS);
	ck_assert(wide_eq(BUF + 12, "%A%\\b"));
	nt_close(&call, h);

	static const char bad1[] = "\"V\"=dword:1\n";
	ck_assert(!registry_load_text(r, bad1, sizeof bad1 - 1, 0, err, sizeof err));
	ck_assert_str_eq(err, "line 1: value before the first key");
	static const char bad2[] = "[Machine\\X]\n\n\"V\"=word:1\n";
	ck_assert(!registry_load_text(r, bad2, sizeof bad2 - 1, 0, err, sizeof err));
	ck_assert_str_eq(err, "line 3: unknown value type");
	static const char bad3[] = "[Machine\\X]\n\"V\"=\"open\n";
	ck_assert(!registry_load_text(r, bad3, sizeof bad3 - 1, 0, err, sizeof err));
	ck_assert_str_eq(err, "line 2: unterminated string");
}
END_TEST

START_TEST(layouts_32bit)
{
	ck_assert_uint_eq(p->ptr_size, 4);
	handle_t h;
	ck_assert_uint_eq(open_key(0, SM, KEY_QUERY_VALUE, &h), STATUS_SUCCESS);
	/* The handle is a 4-byte slot: the next 4 bytes stay as they were. */
	uint32_t raw[2];
	guest_read(p, HANDLE_P, raw, 8);
	ck_assert_uint_eq(raw[0], h);
	uint32_t ret;
	ck_assert_uint_eq(query_value(h, "GlobalFlag", 2, 64, &ret), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), REG_DWORD);
	/* A 64-bit sized OBJECT_ATTRIBUTES is not one for a 32-bit guest. */
	objattr(0, SM);
	uint32_t length = 0x30;
	guest_write(p, OA_P, &length, 4);
	ck_assert_uint_eq(nt_open_key(&call, HANDLE_P, KEY_QUERY_VALUE, OA_P), STATUS_INVALID_PARAMETER);
	nt_close(&call, h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	ADD_TCASE(s, "x64", setup64, teardown, seeded_keys_open_and_missing_ones_are_not_found,
		  names_ignore_case_and_may_be_relative, create_adds_only_the_last_component,
		  values_of_every_type_round_trip, value_information_classes_and_sizes,
		  key_information_classes, access_rights_are_checked, deleted_keys,
		  rename_moves_the_key_and_its_subtree, seed_format);
	ADD_TCASE(s, "x86", setup32, teardown, layouts_32bit, values_of_every_type_round_trip,
		  key_information_classes);
	return run_suite(s);
}
