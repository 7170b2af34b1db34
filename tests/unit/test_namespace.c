/* The object namespace: the standard tree, directory and symbolic link services, named objects
 * created through namespace_create_handle/namespace_open_handle (what NtCreateEvent and the
 * other create/open services do), on a bare process, 64-bit and 32-bit. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/namespace.h"
#include "kernel/process.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define SCRATCH 0x100000ull
#define HANDLE_P (SCRATCH + 0x0)
#define LEN_P (SCRATCH + 0x10)
#define CTX_P (SCRATCH + 0x18)
#define OA_P (SCRATCH + 0x40)
#define NAME_P (SCRATCH + 0x80)
#define TARGET_P (SCRATCH + 0xa0)
#define STR_P (SCRATCH + 0x1000)
#define STR2_P (SCRATCH + 0x2000)
#define BUF (SCRATCH + 0x4000)
#define BUF_SIZE 0x4000u

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;

static void start(unsigned ptr_size)
{
	/* Drives C: and E: (only their letters matter here). */
	cfg = (struct kconfig){.root = "/tmp", .mounts = {{'E', "/tmp", true}}, .nmounts = 1};
	p = kfx_process(&cfg, ptr_size, SCRATCH, 0x10000);
	call = (struct nt_call){.proc = p};
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }
static void teardown(void) { kprocess_destroy(p); }

/* OBJECT_ATTRIBUTES in guest memory for `name` (NULL: no ObjectName) relative to `root`. */
static gptr_t guest_oa(handle_t root, const char *name, uint32_t attributes)
{
	return kfx_objattr(p, OA_P, root, name ? kfx_ustr(p, NAME_P, STR_P, name) : 0, attributes);
}

/* The same as the host-side structure namespace_create takes. */
static struct objattr host_oa(handle_t root, const char *name, uint32_t attributes)
{
	struct objattr oa = {0};
	ck_assert_uint_eq(guest_read_objattr(p, guest_oa(root, name, attributes), &oa),
			  STATUS_SUCCESS);
	return oa;
}

static handle_t read_handle(void)
{
	handle_t h;
	ck_assert_uint_eq(guest_read_handle(p, HANDLE_P, &h), STATUS_SUCCESS);
	return h;
}

static ntstatus_t open_dir(handle_t root, const char *name, uint32_t attributes, handle_t *h)
{
	ntstatus_t st = nt_open_directory_object(&call, HANDLE_P, DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
						 guest_oa(root, name, attributes));
	*h = read_handle();
	return st;
}

/* Create (or open with OBJ_OPENIF) an object of `type` named `name`, as NtCreateEvent does.
 * Events are zeroed stand-ins (the synchronisation code's own objects are not needed to name
 * them); the other type used is a real directory. */
static ntstatus_t create_obj(enum object_type type, handle_t root, const char *name,
			     uint32_t attributes, handle_t *h)
{
	struct objattr oa = host_oa(root, name, attributes);
	struct kobject *obj;
	if (type == OBJ_DIRECTORY)
		ck_assert_uint_eq(namespace_new_directory(&obj), STATUS_SUCCESS);
	else
		obj = object_alloc(type, 512);
	guest_write_ptr(p, HANDLE_P, 0);
	ntstatus_t st = namespace_create_handle(p, HANDLE_P, MAXIMUM_ALLOWED, &oa, obj);
	objattr_free(&oa);
	*h = read_handle();
	return st;
}

static ntstatus_t open_obj(enum object_type type, handle_t root, const char *name,
			   uint32_t attributes, handle_t *h)
{
	struct objattr oa = host_oa(root, name, attributes);
	guest_write_ptr(p, HANDLE_P, 0);
	ntstatus_t st = namespace_open_handle(p, HANDLE_P, MAXIMUM_ALLOWED, &oa, type);
	objattr_free(&oa);
	*h = read_handle();
	return st;
}

static struct kobject *object_of(handle_t h)
{
	void *obj;
	ck_assert_uint_eq(handle_ref(&p->handles, h, OBJ_ANY, 0, &obj), STATUS_SUCCESS);
	object_unref(obj);
	return obj;
}

static void assert_name(handle_t h, const char *want)
{
	struct kobject *o = object_of(h);
	size_t n = strlen(want);
	ck_assert_uint_eq(o->name_len, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(o->name[i], (uint8_t)want[i]);
}

/* What kernelbase does: open the session's directory, name objects relative to it. */
START_TEST(session_directory_and_relative_names)
{
	handle_t dir, ev, h;
	ck_assert_uint_eq(open_dir(0, "\\Sessions\\1\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	ck_assert_uint_ne(dir, 0);
	assert_name(dir, "\\Sessions\\1\\BaseNamedObjects");
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "ev", OBJ_OPENIF, &ev), STATUS_SUCCESS);
	assert_name(ev, "\\Sessions\\1\\BaseNamedObjects\\ev");
	/* The same object through the session links and by its absolute name. */
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "ev", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "Local\\ev", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\Sessions\\BNOLINKS\\1\\ev", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "Session\\1\\ev", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	/* Global is \BaseNamedObjects, a different directory. */
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "Global\\ev", 0, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(h, 0);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "Global\\gev", 0, &h), STATUS_SUCCESS);
	assert_name(h, "\\BaseNamedObjects\\gev");
	handle_t bno;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &bno), STATUS_SUCCESS);
	handle_t h2;
	ck_assert_uint_eq(open_obj(OBJ_EVENT, bno, "Local\\gev", 0, &h2), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h2), object_of(h));
	/* An empty name with a root opens the root itself. */
	ck_assert_uint_eq(open_dir(dir, "", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(dir));
}
END_TEST

START_TEST(case_sensitivity_follows_the_attribute)
{
	handle_t dir, ev, h;
	ck_assert_uint_eq(open_dir(0, "\\sessions\\1\\basenamedobjects", 0, &dir),
			  STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(open_dir(0, "\\sessions\\1\\basenamedobjects", OBJ_CASE_INSENSITIVE, &dir),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "MyEvent", 0, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "MYEVENT", 0, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "MYEVENT", OBJ_CASE_INSENSITIVE, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	/* Names are kept as created. */
	assert_name(ev, "\\Sessions\\1\\BaseNamedObjects\\MyEvent");
	/* Without the attribute, another spelling is another name. */
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "myevent", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_ne(object_of(h), object_of(ev));
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "MYEVENT", OBJ_CASE_INSENSITIVE, &h),
			  STATUS_OBJECT_NAME_COLLISION);
}
END_TEST

START_TEST(collisions_openif_and_type_mismatch)
{
	handle_t dir, ev, h;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "x", OBJ_OPENIF, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "x", 0, &h), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(h, 0);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "x", OBJ_OPENIF, &h), STATUS_OBJECT_NAME_EXISTS);
	ck_assert_uint_ne(h, 0);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	/* Another type on an event's name (CreateMutexW: ERROR_INVALID_HANDLE). */
	ck_assert_uint_eq(create_obj(OBJ_DIRECTORY, dir, "x", OBJ_OPENIF, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(create_obj(OBJ_DIRECTORY, dir, "x", 0, &h), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(open_obj(OBJ_DIRECTORY, dir, "x", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(open_obj(OBJ_ANY, dir, "x", 0, &h), STATUS_SUCCESS);
	/* A link or a directory's name is taken too. */
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "Local", OBJ_OPENLINK, &h),
			  STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0, "\\Sessions", OBJ_OPENIF, &h),
			  STATUS_OBJECT_TYPE_MISMATCH);
}
END_TEST

START_TEST(name_syntax_and_missing_paths)
{
	handle_t dir, h;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0, "relative", 0, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "\\abs", 0, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "", 0, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0, "\\nowhere\\x", 0, &h), STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\nowhere\\x", 0, &h), STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\BaseNamedObjects\\none", 0, &h),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "Local\\\\b", 0, &h), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "Local\\", 0, &h), STATUS_OBJECT_NAME_INVALID);
	/* An event is not a directory: nothing is named under it. */
	handle_t ev;
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "ev", 0, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "ev\\x", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	/* A root handle that is not a directory, or no handle at all. */
	ck_assert_uint_eq(create_obj(OBJ_EVENT, ev, "x", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0x7000, "x", 0, &h), STATUS_INVALID_HANDLE);
	/* An unnamed object stays unnamed, root or not. */
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_null(object_of(h)->name);
	/* Names under \Device and \?? are the file code's. */
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\Device\\Null", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\DosDevices\\C:", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0, "\\??\\x", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(open_dir(0, "\\DosDevices", 0, &h), STATUS_SUCCESS);
	assert_name(h, "\\??");
}
END_TEST

START_TEST(temporary_objects_leave_with_their_last_handle)
{
	handle_t dir, ev, ev2, h;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "t", 0, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "t", 0, &ev2), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "t", 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, ev2), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "t", 0, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	/* The name is free again. */
	ck_assert_uint_eq(create_obj(OBJ_DIRECTORY, dir, "t", 0, &h), STATUS_SUCCESS);

	/* A permanent one stays until NtMakeTemporaryObject. */
	ck_assert_uint_eq(create_obj(OBJ_EVENT, dir, "perm", OBJ_PERMANENT, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "perm", 0, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_make_temporary_object(&call, ev), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, dir, "perm", 0, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	/* NtMakeTemporaryObject needs DELETE access. */
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_make_temporary_object(&call, h), STATUS_ACCESS_DENIED);
}
END_TEST

START_TEST(created_directories)
{
	handle_t sub, ev, h;
	ck_assert_uint_eq(nt_create_directory_object(&call, HANDLE_P, MAXIMUM_ALLOWED,
						     guest_oa(0, "\\BaseNamedObjects\\Sub", 0)),
			  STATUS_SUCCESS);
	sub = read_handle();
	assert_name(sub, "\\BaseNamedObjects\\Sub");
	ck_assert_uint_eq(create_obj(OBJ_EVENT, sub, "inner", 0, &ev), STATUS_SUCCESS);
	assert_name(ev, "\\BaseNamedObjects\\Sub\\inner");
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\BaseNamedObjects\\Local\\Sub\\inner", 0, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(nt_create_directory_object(&call, HANDLE_P, MAXIMUM_ALLOWED,
						     guest_oa(0, "\\BaseNamedObjects\\Sub", 0)),
			  STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(read_handle(), 0);
	ck_assert_uint_eq(nt_create_directory_object(&call, HANDLE_P, MAXIMUM_ALLOWED,
						     guest_oa(0, "\\BaseNamedObjects\\Sub", OBJ_OPENIF)),
			  STATUS_OBJECT_NAME_EXISTS);
	ck_assert_ptr_eq(object_of(read_handle()), object_of(sub));
	nt_close(&call, read_handle());
	/* A directory with a named object in it stays after its handle is closed. */
	ck_assert_uint_eq(nt_close(&call, sub), STATUS_SUCCESS);
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects\\Sub", 0, &sub), STATUS_SUCCESS);
	nt_close(&call, sub);
	nt_close(&call, h);
	nt_close(&call, ev);
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects\\Sub", 0, &sub), STATUS_OBJECT_NAME_NOT_FOUND);
	/* Unnamed directories hold names too. */
	ck_assert_uint_eq(nt_create_directory_object(&call, HANDLE_P, MAXIMUM_ALLOWED, 0),
			  STATUS_SUCCESS);
	sub = read_handle();
	ck_assert_uint_eq(create_obj(OBJ_EVENT, sub, "e", 0, &ev), STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, sub, "e", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
}
END_TEST

/* NtQueryDirectoryObject's DIRECTORY_BASIC_INFORMATION array: entry i's two UNICODE_STRINGs. */
static void assert_entry(uint32_t i, const char *name, const char *type)
{
	unsigned us = ustr_size(p);
	const char *want[2] = {name, type};
	for (int k = 0; k < 2; k++) {
		gptr_t at = BUF + i * 2 * us + k * us;
		uint16_t lens[2];
		uint64_t buf = 0;
		guest_read(p, at, lens, 4);
		guest_read_ptr(p, at + p->ptr_size, &buf);
		size_t n = strlen(want[k]);
		ck_assert_uint_eq(lens[0], n * 2);
		ck_assert_uint_eq(lens[1], n * 2 + 2);
		uint16_t w[64];
		guest_read(p, buf, w, (n + 1) * 2);
		for (size_t j = 0; j < n; j++)
			ck_assert_uint_eq(w[j], (uint8_t)want[k][j]);
		ck_assert_uint_eq(w[n], 0);
	}
}

static void query_directory(void)
{
	handle_t dir;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	const unsigned hdr = 2 * ustr_size(p);
	uint32_t ctx = 99, len = 0;
	guest_write(p, CTX_P, &ctx, 4);
	/* All at once: Global, Local, Session (creation order), then a zeroed entry. */
	ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, BUF_SIZE, 0, 1, CTX_P, LEN_P),
			  STATUS_SUCCESS);
	assert_entry(0, "Global", "SymbolicLink");
	assert_entry(1, "Local", "SymbolicLink");
	assert_entry(2, "Session", "SymbolicLink");
	uint8_t zero[32], raw[32];
	memset(zero, 0, sizeof zero);
	guest_read(p, BUF + 3 * hdr, raw, hdr);
	ck_assert_mem_eq(raw, zero, hdr);
	guest_read(p, CTX_P, &ctx, 4);
	guest_read(p, LEN_P, &len, 4);
	ck_assert_uint_eq(ctx, 3);
	ck_assert_uint_eq(len, 4 * hdr + (6 + 5 + 7 + 3 * 12 + 6) * 2);
	ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, BUF_SIZE, 0, 0, CTX_P, LEN_P),
			  STATUS_NO_MORE_ENTRIES);
	/* One at a time. */
	ctx = 0;
	guest_write(p, CTX_P, &ctx, 4);
	const char *names[] = {"Global", "Local", "Session"};
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, BUF_SIZE, 1, 0, CTX_P, LEN_P),
				  STATUS_SUCCESS);
		assert_entry(0, names[i], "SymbolicLink");
		guest_read(p, CTX_P, &ctx, 4);
		ck_assert_uint_eq(ctx, i + 1);
	}
	ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, BUF_SIZE, 1, 0, CTX_P, LEN_P),
			  STATUS_NO_MORE_ENTRIES);
	/* Too small for one: the size it needs. */
	ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, hdr, 1, 1, CTX_P, LEN_P),
			  STATUS_BUFFER_TOO_SMALL);
	guest_read(p, LEN_P, &len, 4);
	ck_assert_uint_eq(len, 2 * hdr + (6 + 12 + 2) * 2);
	/* Room for two of the three. */
	ck_assert_uint_eq(nt_query_directory_object(&call, dir, BUF, 3 * hdr + (7 + 13 + 6 + 13) * 2,
						    0, 1, CTX_P, LEN_P),
			  STATUS_MORE_ENTRIES);
	guest_read(p, CTX_P, &ctx, 4);
	ck_assert_uint_eq(ctx, 2);
	/* A symbolic link handle is not a directory. */
	handle_t link;
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(dir, "Local", 0)),
			  STATUS_SUCCESS);
	link = read_handle();
	ck_assert_uint_eq(nt_query_directory_object(&call, link, BUF, BUF_SIZE, 0, 1, CTX_P, LEN_P),
			  STATUS_OBJECT_TYPE_MISMATCH);
}

START_TEST(query_directory_object)
{
	query_directory();
}
END_TEST

static void query_link(void)
{
	/* NtOpenSymbolicLinkObject opens the link itself, not what it points to. */
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(0, "\\Sessions\\1\\BaseNamedObjects\\Local", 0)),
			  STATUS_SUCCESS);
	handle_t link = read_handle();
	assert_name(link, "\\Sessions\\1\\BaseNamedObjects\\Local");
	const char *want = "\\Sessions\\1\\BaseNamedObjects";
	size_t n = strlen(want);
	/* Too small: the target plus its NUL is what it needs. */
	uint16_t hdr[2] = {0, (uint16_t)(n * 2)};
	guest_write(p, TARGET_P, hdr, 4);
	guest_write_ptr(p, TARGET_P + p->ptr_size, STR2_P);
	uint32_t len = 0;
	ck_assert_uint_eq(nt_query_symbolic_link_object(&call, link, TARGET_P, LEN_P),
			  STATUS_BUFFER_TOO_SMALL);
	guest_read(p, LEN_P, &len, 4);
	ck_assert_uint_eq(len, n * 2 + 2);
	hdr[1] = 0x200;
	guest_write(p, TARGET_P, hdr, 4);
	ck_assert_uint_eq(nt_query_symbolic_link_object(&call, link, TARGET_P, LEN_P),
			  STATUS_SUCCESS);
	guest_read(p, TARGET_P, hdr, 4);
	ck_assert_uint_eq(hdr[0], n * 2);
	uint16_t w[64];
	guest_read(p, STR2_P, w, (n + 1) * 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(w[i], (uint8_t)want[i]);
	ck_assert_uint_eq(w[n], 0);
	/* Opening a link's name as a directory follows it. */
	handle_t dir;
	ck_assert_uint_eq(open_dir(0, "\\Sessions\\1\\BaseNamedObjects\\Local", 0, &dir), STATUS_SUCCESS);
	assert_name(dir, want);
	ck_assert_uint_eq(open_dir(0, "\\Sessions\\1\\BaseNamedObjects\\Local", OBJ_OPENLINK, &dir),
			  STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(nt_query_symbolic_link_object(&call, dir, TARGET_P, LEN_P),
			  STATUS_INVALID_HANDLE);

	/* A link of our own, relative to a directory handle, followed on lookup. */
	handle_t bno, ev, h;
	ck_assert_uint_eq(open_dir(0, "\\BaseNamedObjects", 0, &bno), STATUS_SUCCESS);
	ck_assert_uint_eq(create_obj(OBJ_EVENT, bno, "target", 0, &ev), STATUS_SUCCESS);
	kfx_ustr(p, TARGET_P, STR2_P, "\\BaseNamedObjects\\target");
	ck_assert_uint_eq(nt_create_symbolic_link_object(&call, HANDLE_P, MAXIMUM_ALLOWED,
							 guest_oa(bno, "alias", 0), TARGET_P),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, bno, "alias", 0, &h), STATUS_SUCCESS);
	ck_assert_ptr_eq(object_of(h), object_of(ev));
	ck_assert_uint_eq(open_obj(OBJ_EVENT, bno, "alias", OBJ_OPENLINK, &h),
			  STATUS_OBJECT_TYPE_MISMATCH);
	/* An empty target is refused. */
	uint16_t empty[2] = {0, 0};
	guest_write(p, TARGET_P, empty, 4);
	ck_assert_uint_eq(nt_create_symbolic_link_object(&call, HANDLE_P, MAXIMUM_ALLOWED,
							 guest_oa(bno, "bad", 0), TARGET_P),
			  STATUS_INVALID_PARAMETER);
}

START_TEST(symbolic_links)
{
	query_link();
}
END_TEST

START_TEST(layouts_32bit)
{
	handle_t dir;
	ck_assert_uint_eq(open_dir(0, "\\Sessions\\1\\BaseNamedObjects", 0, &dir), STATUS_SUCCESS);
	query_directory();
	query_link();
}
END_TEST

static void assert_link_target(handle_t link, const char *want)
{
	size_t n = strlen(want);
	uint16_t hdr[2] = {0, 0x200};
	guest_write(p, TARGET_P, hdr, 4);
	guest_write_ptr(p, TARGET_P + p->ptr_size, STR2_P);
	ck_assert_uint_eq(nt_query_symbolic_link_object(&call, link, TARGET_P, 0), STATUS_SUCCESS);
	guest_read(p, TARGET_P, hdr, 4);
	ck_assert_uint_eq(hdr[0], n * 2);
	uint16_t w[64];
	guest_read(p, STR2_P, w, n * 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(w[i], (uint8_t)want[i]);
}

/* QueryDosDeviceW("C:") opens \DosDevices\C: as a link: the process's drives are there. */
START_TEST(drive_letters_in_dos_devices)
{
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(0, "\\DosDevices\\C:", 0)),
			  STATUS_SUCCESS);
	handle_t link = read_handle();
	assert_name(link, "\\??\\C:");
	assert_link_target(link, "\\Device\\HarddiskVolume1");
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(0, "\\GLOBAL??\\e:", 0)),
			  STATUS_SUCCESS);
	assert_link_target(read_handle(), "\\Device\\HarddiskVolume3");
	/* No drive D:; names below the drives are files. */
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(0, "\\??\\D:", 0)),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_open_symbolic_link_object(&call, HANDLE_P, SYMBOLIC_LINK_QUERY,
						       guest_oa(0, "\\??\\NUL", 0)),
			  STATUS_SUCCESS);
	assert_link_target(read_handle(), "\\Device\\Null");
	/* Listed after the device links. */
	handle_t h;
	ck_assert_uint_eq(open_dir(0, "\\GLOBAL??", 0, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_directory_object(&call, h, BUF, BUF_SIZE, 0, 1, CTX_P, LEN_P),
			  STATUS_SUCCESS);
	assert_entry(0, "NUL", "SymbolicLink");
	assert_entry(1, "PIPE", "SymbolicLink");
	assert_entry(2, "MAILSLOT", "SymbolicLink");
	assert_entry(3, "C:", "SymbolicLink");
	assert_entry(4, "E:", "SymbolicLink");
	uint32_t ctx;
	guest_read(p, CTX_P, &ctx, 4);
	ck_assert_uint_eq(ctx, 5);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\??\\C:\\x", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\??\\C:", 0, &h), STATUS_OBJECT_TYPE_MISMATCH);
}
END_TEST

/* The tree is the machine's: a second process sees the first one's names. */
START_TEST(shared_between_processes)
{
	handle_t ev, h;
	ck_assert_uint_eq(create_obj(OBJ_EVENT, 0, "\\BaseNamedObjects\\shared", 0, &ev), STATUS_SUCCESS);
	struct kprocess *first = p;
	start(8);
	ck_assert_uint_eq(open_obj(OBJ_EVENT, 0, "\\BaseNamedObjects\\shared", 0, &h), STATUS_SUCCESS);
	kprocess_destroy(p);
	p = first;
	call.proc = p;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("namespace");
	ADD_TCASE(s, "64-bit", setup64, teardown, session_directory_and_relative_names,
		  case_sensitivity_follows_the_attribute, collisions_openif_and_type_mismatch,
		  name_syntax_and_missing_paths, temporary_objects_leave_with_their_last_handle,
		  created_directories, query_directory_object, symbolic_links, shared_between_processes,
		  drive_letters_in_dos_devices);
	ADD_TCASE(s, "32-bit", setup32, teardown, layouts_32bit);
	return run_suite(s);
}
