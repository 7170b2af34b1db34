/* Objects and handles: handle values, reference counts, NtClose, NtDuplicateObject and
 * NtQueryObject called directly on a bare process (memory, no thread). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/object.h"
#include "kernel/process.h"
#include "run_suite.h"

#define BUF 0x10000ull

static struct kprocess *p;
static struct nt_call call;
static void setup(void)
{
	p = calloc(1, sizeof *p);
	p->obj.type = OBJ_PROCESS;
	p->obj.refs = 1;
	p->ptr_size = 8;
	p->mem = gmem_create();
	gmem_map_anon(p->mem, BUF, 0x10000, GMEM_READ | GMEM_WRITE);
	handle_table_init(&p->handles);
	call = (struct nt_call){.proc = p};
}

static void teardown(void)
{
	handle_table_destroy(&p->handles);
	gmem_destroy(p->mem);
	free(p);
}

/* A handle with `access` and `attributes` to a new event that only the handle keeps; *ev gets
 * the event. */
static handle_t event_handle(uint32_t access, uint32_t attributes, void **ev)
{
	*ev = object_alloc(OBJ_EVENT, sizeof(struct kobject));
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, *ev, access, attributes, &h), STATUS_SUCCESS);
	object_unref(*ev);
	return h;
}

START_TEST(handles_are_multiples_of_four_and_reused)
{
	void *ev = object_alloc(OBJ_EVENT, sizeof(struct kobject));
	handle_t h1, h2, h3;
	ck_assert_uint_eq(handle_alloc(&p->handles, ev, GENERIC_ALL, 0, &h1), STATUS_SUCCESS);
	ck_assert_uint_eq(handle_alloc(&p->handles, ev, GENERIC_READ, 0, &h2), STATUS_SUCCESS);
	ck_assert_uint_eq(h1, 4);
	ck_assert_uint_eq(h2, 8);
	ck_assert_uint_eq(((struct kobject *)ev)->refs, 3);
	ck_assert_uint_eq(nt_close(&call, h1), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, h1), STATUS_INVALID_HANDLE);
	ck_assert_uint_eq(handle_alloc(&p->handles, ev, 0, 0, &h3), STATUS_SUCCESS);
	ck_assert_uint_eq(h3, 4);
	object_unref(ev);
	ck_assert_uint_eq(nt_close(&call, 0), STATUS_INVALID_HANDLE);
	ck_assert_uint_eq(nt_close(&call, 0x1000), STATUS_INVALID_HANDLE);
	ck_assert_uint_eq(nt_close(&call, (handle_t)-1), STATUS_INVALID_HANDLE);
}
END_TEST

START_TEST(type_and_access_are_checked)
{
	void *ev;
	/* GENERIC_READ on an event maps to EVENT_QUERY_STATE | READ_CONTROL only. */
	handle_t h = event_handle(GENERIC_READ, 0, &ev);
	void *out;
	ck_assert_uint_eq(handle_ref(&p->handles, h, OBJ_MUTANT, 0, &out), STATUS_OBJECT_TYPE_MISMATCH);
	ck_assert_uint_eq(handle_ref(&p->handles, h, OBJ_EVENT, 0x2 /* EVENT_MODIFY_STATE */, &out),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(handle_ref(&p->handles, h, OBJ_EVENT, 0x1, &out), STATUS_SUCCESS);
	ck_assert_ptr_eq(out, ev);
	object_unref(out);
}
END_TEST

START_TEST(protect_from_close)
{
	void *ev;
	handle_t h = event_handle(GENERIC_ALL, HANDLE_PROTECT_FROM_CLOSE, &ev);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_HANDLE_NOT_CLOSABLE);
	handle_entry(&p->handles, h)->attributes = 0;
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
}
END_TEST

START_TEST(duplicate_same_access_and_close_source)
{
	void *ev;
	handle_t h = event_handle(GENERIC_READ, OBJ_INHERIT, &ev);
	ck_assert_uint_eq(nt_duplicate_object(&call, CURRENT_PROCESS, h, CURRENT_PROCESS, BUF, 0, 0,
					      2 /* SAME_ACCESS */ | 4 /* SAME_ATTRIBUTES */ | 1 /* CLOSE_SOURCE */),
			  STATUS_SUCCESS);
	uint64_t dup;
	gmem_read(p->mem, BUF, &dup, 8, NULL);
	ck_assert_uint_ne(dup, h);
	ck_assert_ptr_null(handle_entry(&p->handles, h));
	struct handle_entry *e = handle_entry(&p->handles, dup);
	ck_assert_ptr_eq(e->obj, ev);
	ck_assert_uint_eq(e->access, object_map_access(OBJ_EVENT, GENERIC_READ));
	ck_assert_uint_eq(e->attributes, OBJ_INHERIT);
	/* The current-process pseudo-handle becomes a real process handle. */
	ck_assert_uint_eq(nt_duplicate_object(&call, CURRENT_PROCESS, CURRENT_PROCESS, CURRENT_PROCESS,
					      BUF, 0, 0, 2), STATUS_SUCCESS);
	gmem_read(p->mem, BUF, &dup, 8, NULL);
	ck_assert_ptr_eq(handle_entry(&p->handles, dup)->obj, &p->obj);
	/* A bad output pointer leaves no stray handle behind. */
	size_t before = p->handles.count;
	ck_assert_uint_eq(nt_duplicate_object(&call, CURRENT_PROCESS, dup, CURRENT_PROCESS, 0x7000000,
					      0, 0, 2), STATUS_ACCESS_VIOLATION);
	ck_assert_uint_eq(p->handles.count, before);
}
END_TEST

START_TEST(handle_holds_a_reference)
{
	struct kobject *t = object_alloc(OBJ_TIMER, sizeof(struct kobject));
	handle_t h;
	handle_alloc(&p->handles, t, GENERIC_ALL, 0, &h);
	ck_assert_uint_eq(t->refs, 2);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
	ck_assert_uint_eq(t->refs, 1);
	object_unref(t);
}
END_TEST

START_TEST(query_object_basic_type_name)
{
	struct kobject *ev = object_alloc(OBJ_EVENT, sizeof(struct kobject));
	static const uint16_t name[] = u"\\BaseNamedObjects\\demo";
	ev->name_len = sizeof name / 2 - 1;
	ev->name = malloc(sizeof name);
	memcpy(ev->name, name, sizeof name);
	handle_t h;
	handle_alloc(&p->handles, ev, GENERIC_ALL, 0, &h);
	object_unref(ev);

	uint32_t basic[14], ret = 0;
	ck_assert_uint_eq(nt_query_object(&call, h, 0, BUF, sizeof basic, BUF + 0x1000), STATUS_SUCCESS);
	gmem_read(p->mem, BUF, basic, sizeof basic, NULL);
	gmem_read(p->mem, BUF + 0x1000, &ret, 4, NULL);
	ck_assert_uint_eq(ret, 56);
	ck_assert_uint_eq(basic[1], object_types[OBJ_EVENT].valid_access);

	ck_assert_uint_eq(nt_query_object(&call, h, 2, BUF, 8, BUF + 0x1000), STATUS_INFO_LENGTH_MISMATCH);
	gmem_read(p->mem, BUF + 0x1000, &ret, 4, NULL);
	ck_assert_uint_eq(ret, 0x68 + 12); /* "Event" + NUL */
	ck_assert_uint_eq(nt_query_object(&call, h, 2, BUF, 0x200, 0), STATUS_SUCCESS);
	uint16_t len;
	uint64_t ptr;
	uint16_t text[6];
	gmem_read(p->mem, BUF, &len, 2, NULL);
	gmem_read(p->mem, BUF + 8, &ptr, 8, NULL);
	gmem_read(p->mem, ptr, text, sizeof text, NULL);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(text, u"Event", 12);

	ck_assert_uint_eq(nt_query_object(&call, h, 1, BUF, 0x200, BUF + 0x1000), STATUS_SUCCESS);
	gmem_read(p->mem, BUF, &len, 2, NULL);
	gmem_read(p->mem, BUF + 8, &ptr, 8, NULL);
	ck_assert_uint_eq(len, sizeof name - 2);
	ck_assert_uint_eq(ptr, BUF + 16);
	uint16_t back[sizeof name / 2];
	gmem_read(p->mem, ptr, back, sizeof back, NULL);
	ck_assert_mem_eq(back, name, sizeof name);
	ck_assert_uint_eq(nt_query_object(&call, h, 3, BUF, 0x200, 0), STATUS_INVALID_INFO_CLASS);
	ck_assert_uint_eq(nt_query_object(&call, 0x444, 0, BUF, 0x200, 0), STATUS_INVALID_HANDLE);
}
END_TEST

START_TEST(query_object_32bit_guest_layout)
{
	p->ptr_size = 4;
	struct kobject *ev = object_alloc(OBJ_SEMAPHORE, sizeof(struct kobject));
	handle_t h;
	handle_alloc(&p->handles, ev, GENERIC_ALL, 0, &h);
	object_unref(ev);
	uint32_t ret;
	ck_assert_uint_eq(nt_query_object(&call, h, 2, BUF, 0x200, BUF + 0x1000), STATUS_SUCCESS);
	gmem_read(p->mem, BUF + 0x1000, &ret, 4, NULL);
	ck_assert_uint_eq(ret, 0x60 + 20); /* "Semaphore" + NUL */
	uint32_t ptr;
	gmem_read(p->mem, BUF + 4, &ptr, 4, NULL);
	ck_assert_uint_eq(ptr, BUF + 0x60);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("object");
	ADD_TCASE(s, "objects and handles", setup, teardown, handles_are_multiples_of_four_and_reused,
		  type_and_access_are_checked, protect_from_close, duplicate_same_access_and_close_source,
		  handle_holds_a_reference, query_object_basic_type_name, query_object_32bit_guest_layout);
	return run_suite(s);
}
