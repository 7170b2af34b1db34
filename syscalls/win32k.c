/* The win32k services (win32u.dll's stubs, table 1) that user32 calls while it attaches to a
 * console program. ntemu has no window system yet: every other win32k service answers
 * STATUS_NOT_IMPLEMENTED and is reported by name, so a program that goes on to create
 * windows or draw says so instead of half-working. */

#include "kernel/object.h"
#include "kernel/process.h"

/* The display's logical DPI (USER_DEFAULT_SCREEN_DPI), as Wine's win32u answers with no
 * display configured. */
#define SYSTEM_DPI 96

/* user32 hands win32k its client procedures (the built-in classes' window procedures and the
 * callbacks win32k makes into user mode) and its module. They are kept for the callbacks a
 * window system will make; until there is one, nothing calls them. */
ntstatus_t nt_user_initialize_client_pfn_arrays(struct nt_call *c, gptr_t procs_a, gptr_t procs_w,
						gptr_t workers, gptr_t user_module)
{
	struct kprocess *p = c->proc;
	p->user_client.procs_a = procs_a;
	p->user_client.procs_w = procs_w;
	p->user_client.workers = workers;
	p->user_client.module = user_module;
	return STATUS_SUCCESS;
}

/* Returns a DPI, not an NTSTATUS: 0 for a process other than the caller's, whose awareness
 * win32k does not know (Wine answers the same), and for a handle that is no process. */
ntstatus_t nt_user_get_system_dpi_for_process(struct nt_call *c, handle_t process)
{
	if (!process)
		return SYSTEM_DPI;
	void *obj;
	if (process_ref_handle(c->proc, process, OBJ_PROCESS, 0, &obj) != STATUS_SUCCESS)
		return 0;
	bool self = obj == (void *)c->proc;
	object_unref(obj);
	return self ? SYSTEM_DPI : 0;
}
