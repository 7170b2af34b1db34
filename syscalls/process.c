/* Process and thread lifetime: NtTerminateProcess, NtTerminateThread. */
#include "kernel/guest.h"
#include "kernel/thread.h"

/* Handle 0 means "every thread but the caller" (RtlExitUserProcess does that first, then
 * detaches the DLLs, then calls again with the current-process handle). */
ntstatus_t nt_terminate_process(struct nt_call *c, handle_t process, uint32_t exit_status)
{
	struct kprocess *p = c->proc;
	if (process == 0) {
		for (struct kthread *t = p->threads; t; t = t->next)
			if (t != c->thread && t->state != THREAD_TERMINATED)
				kthread_terminate(t, exit_status);
		return STATUS_SUCCESS;
	}
	void *obj;
	ntstatus_t st = process_ref_handle(p, process, OBJ_PROCESS, 0x1 /* PROCESS_TERMINATE */, &obj);
	if (st != STATUS_SUCCESS)
		return st;
	object_unref(obj);
	if (obj != &p->obj)
		return STATUS_ACCESS_DENIED; /* FIXME: other processes arrive with NtCreateUserProcess */
	kprocess_exit(p, exit_status);
	return STATUS_SUCCESS;
}

ntstatus_t nt_terminate_thread(struct nt_call *c, handle_t thread, uint32_t exit_status)
{
	struct kthread *t = c->thread;
	if (thread != CURRENT_THREAD) {
		void *obj;
		ntstatus_t st = handle_ref(&c->proc->handles, thread, OBJ_THREAD, 0x1 /* THREAD_TERMINATE */, &obj);
		if (st != STATUS_SUCCESS)
			return st;
		object_unref(obj);
		t = obj;
	}
	kthread_terminate(t, exit_status);
	return STATUS_SUCCESS;
}

/* ntemu runs one guest process. Creating another one (CreateProcess, and the debugger that
 * UnhandledExceptionFilter tries to start for a crash) is refused as a deliberate answer,
 * named once on stderr so nobody mistakes it for a silent failure.
 * FIXME: child processes (a second kprocess driven by the same scheduler) are a later issue. */
ntstatus_t nt_create_user_process(struct nt_call *c, gptr_t process, gptr_t thread,
				  uint32_t process_access, uint32_t thread_access, gptr_t process_attr,
				  gptr_t thread_attr, uint32_t process_flags, uint32_t thread_flags,
				  gptr_t params, gptr_t create_info, gptr_t attributes)
{
	static const handle_t none = 0;
	if (process)
		guest_write_ptr(c->proc, process, none);
	if (thread)
		guest_write_ptr(c->proc, thread, none);
	if (c->proc->log.out && !c->proc->refused_child_process) {
		fprintf(c->proc->log.out, "ntemu: refusing to create a child process: not supported yet\n");
		c->proc->refused_child_process = true;
	}
	return STATUS_NOT_SUPPORTED;
}
