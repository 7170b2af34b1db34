/* The win32k services user32 calls while it attaches, called directly on a bare process:
 * the DPI answer for the caller, another process and a handle that is no process, and the
 * client procedures kept for later callbacks. */
#include <check.h>

#include "kernel/object.h"
#include "kernel/process.h"
#include "kernel_fixture.h"
#include "run_suite.h"

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;

static void setup(void)
{
	p = kfx_process(&cfg, 8, 0, 0);
	call = (struct nt_call){.proc = p};
}

static void teardown(void) { kprocess_destroy(p); }

static handle_t handle_to(void *obj)
{
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, obj, 0x1fffff, 0, &h), STATUS_SUCCESS);
	return h;
}

START_TEST(system_dpi_for_the_caller_only)
{
	/* user32's SYSPARAMS_Init asks with no handle (Wine 8 trace: = 0x60). */
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, 0), 96);
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, CURRENT_PROCESS), 96);
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, handle_to(p)), 96);

	struct kprocess *other = kfx_process(&cfg, 8, 0, 0);
	handle_t h = handle_to(other);
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, h), 0);
	ck_assert_uint_eq(handle_close(&p->handles, h), STATUS_SUCCESS);
	kprocess_destroy(other);

	void *event = object_alloc(OBJ_EVENT, sizeof(struct kobject));
	h = handle_to(event);
	object_unref(event);
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, h), 0);
	ck_assert_uint_eq(nt_user_get_system_dpi_for_process(&call, 0x1234), 0);
}
END_TEST

START_TEST(client_procedures_are_kept)
{
	ck_assert_uint_eq(nt_user_initialize_client_pfn_arrays(&call, 0x1000, 0x2000, 0, 0x7000000),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(p->user_client.procs_a, 0x1000);
	ck_assert_uint_eq(p->user_client.procs_w, 0x2000);
	ck_assert_uint_eq(p->user_client.workers, 0);
	ck_assert_uint_eq(p->user_client.module, 0x7000000);
	/* Both are reached by name from win32u's stubs. */
	ck_assert_ptr_nonnull(syscall_desc_find("NtUserInitializeClientPfnArrays")->thunk);
	ck_assert_ptr_nonnull(syscall_desc_find("NtUserGetSystemDpiForProcess")->thunk);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("win32k");
	ADD_TCASE(s, "x64", setup, teardown, system_dpi_for_the_caller_only, client_procedures_are_kept);
	return run_suite(s);
}
