/* Threads: NtCreateThreadEx, NtSuspendThread, NtResumeThread, NtAlertResumeThread,
 * NtGetContextThread, NtSetContextThread, NtQueueApcThread, NtOpenThread. */
#include <string.h>

#include "kernel/context.h"
#include "kernel/guest.h"
#include "kernel/info.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "loader/bootstrap.h"

/* Thread access rights (winnt.h). */
enum {
	THREAD_SUSPEND_RESUME = 0x2,
	THREAD_GET_CONTEXT = 0x8,
	THREAD_SET_CONTEXT = 0x10,
};

enum {
	THREAD_CREATE_FLAGS_CREATE_SUSPENDED = 0x1,
	MAXIMUM_SUSPEND_COUNT = 0x7f,
	PS_ATTRIBUTE_CLIENT_ID = 0x10003,
	PS_ATTRIBUTE_TEB_ADDRESS = 0x10004,
};

/* The guest's ClientId.UniqueProcess, as kernel/info.c reports it. */
#define PROCESS_ID 0x10

/* The rights a new thread handle gets: MAXIMUM_ALLOWED is every thread right. */
static uint32_t thread_access(uint32_t access)
{
	return access & MAXIMUM_ALLOWED ? object_types[OBJ_THREAD].valid_access : access;
}

/* What an optional OBJECT_ATTRIBUTES (attr may be 0) of a thread service says: its Attributes
 * and (`named` may be NULL) whether it names anything. */
static ntstatus_t read_thread_attr(struct kprocess *p, gptr_t attr, uint32_t *attributes,
				   bool *named)
{
	struct objattr oa = {0};
	ntstatus_t st = attr ? guest_read_objattr(p, attr, &oa) : STATUS_SUCCESS;
	if (st != STATUS_SUCCESS)
		return st;
	*attributes = oa.attributes;
	if (named)
		*named = oa.name.len != 0;
	objattr_free(&oa);
	return STATUS_SUCCESS;
}

/* PS_ATTRIBUTE_LIST {SIZE_T TotalLength; PS_ATTRIBUTE Attributes[]}, each attribute
 * {ULONG_PTR Attribute; SIZE_T Size; ULONG_PTR ValuePtr; PSIZE_T ReturnLength}: the outputs
 * the creator asked for. */
static ntstatus_t fill_attributes(struct kprocess *p, gptr_t list, const struct kthread *t)
{
	unsigned w = p->ptr_size;
	uint64_t total;
	ntstatus_t st = guest_read_ptr(p, list, &total);
	if (st != STATUS_SUCCESS)
		return st;
	for (uint64_t off = w; off + 4 * w <= total; off += 4 * w) {
		uint64_t attr, size, value, ret_len;
		gptr_t a = list + off;
		if ((st = guest_read_ptr(p, a, &attr)) || (st = guest_read_ptr(p, a + w, &size)) ||
		    (st = guest_read_ptr(p, a + 2 * w, &value)) || (st = guest_read_ptr(p, a + 3 * w, &ret_len)))
			return st;
		uint64_t out[2];
		uint64_t n;
		if (attr == PS_ATTRIBUTE_CLIENT_ID) {
			out[0] = PROCESS_ID;
			out[1] = t->tid;
			n = 2;
		} else if (attr == PS_ATTRIBUTE_TEB_ADDRESS) {
			out[0] = t->teb;
			n = 1;
		} else {
			/* FIXME: input attributes (stack limits, group affinity...) are not used. */
			continue;
		}
		if (size < n * w)
			return STATUS_INVALID_PARAMETER;
		for (uint64_t i = 0; i < n; i++)
			if ((st = guest_write_ptr(p, value + i * w, out[i])) != STATUS_SUCCESS)
				return st;
		if (ret_len && (st = guest_write_ptr(p, ret_len, n * w)) != STATUS_SUCCESS)
			return st;
	}
	return STATUS_SUCCESS;
}

ntstatus_t nt_create_thread_ex(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			       handle_t process, gptr_t start, gptr_t param, uint32_t flags,
			       uint64_t zero_bits, uint64_t stack_commit, uint64_t stack_reserve,
			       gptr_t attr_list)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = info_check_process(c, process, 0x2 /* PROCESS_CREATE_THREAD */);
	if (st != STATUS_SUCCESS)
		return st;
	/* FIXME: 32-bit threads arrive with WOW64. */
	if (p->ptr_size != 8)
		return STATUS_NOT_SUPPORTED;
	uint32_t attributes;
	if ((st = read_thread_attr(p, attr, &attributes, NULL)) != STATUS_SUCCESS)
		return st;
	/* The program's own stack size when the caller gives none (Wine: the exe header). */
	struct ksection *exe = info_exe_section(p);
	if (!stack_reserve && exe)
		stack_reserve = exe->image_info.maximum_stack_size;
	if (stack_commit > stack_reserve)
		stack_reserve = stack_commit;

	struct kthread *t = kthread_create(p);
	if (!t)
		return STATUS_NO_MEMORY;
	struct thread_info *ti = info_thread(p, t);
	if (!ti || (st = bootstrap_thread(p, t, info_peb(p), stack_reserve, start, param)) != STATUS_SUCCESS) {
		/* It never runs; the process keeps it only as a dead entry. */
		t->state = THREAD_TERMINATED;
		return ti ? st : STATUS_NO_MEMORY;
	}
	ti->win32_start = start;
	if (flags & THREAD_CREATE_FLAGS_CREATE_SUSPENDED)
		t->suspend_count = 1;

	handle_t h;
	if ((st = handle_alloc(&p->handles, t, thread_access(access), attributes & OBJ_INHERIT, &h)) != STATUS_SUCCESS) {
		kthread_terminate(t, st);
		return st;
	}
	if ((st = guest_write_ptr(p, handle, h)) != STATUS_SUCCESS ||
	    (attr_list && (st = fill_attributes(p, attr_list, t)) != STATUS_SUCCESS)) {
		handle_close(&p->handles, h);
		kthread_terminate(t, st);
		return st;
	}
	return STATUS_SUCCESS;
}

static ntstatus_t put_count(struct kprocess *p, gptr_t addr, uint32_t v)
{
	return addr ? guest_write(p, addr, &v, 4) : STATUS_SUCCESS;
}

enum suspend_op { SUSPEND, RESUME, ALERT_RESUME };

/* NtSuspendThread, NtResumeThread and NtAlertResumeThread: the suspend count changed, the
 * previous one reported. */
static ntstatus_t suspend_op(struct nt_call *c, handle_t thread, gptr_t previous_count,
			     enum suspend_op op)
{
	struct kthread *t;
	ntstatus_t st = info_ref_thread(c, thread, THREAD_SUSPEND_RESUME, &t);
	if (st != STATUS_SUCCESS)
		return st;
	uint32_t prev = t->suspend_count;
	if (op == SUSPEND) {
		if (t->state == THREAD_TERMINATED)
			st = STATUS_THREAD_IS_TERMINATING;
		else if (prev >= MAXIMUM_SUSPEND_COUNT)
			st = STATUS_SUSPEND_COUNT_EXCEEDED;
		else
			t->suspend_count++; /* takes effect at the end of the current turn */
	} else if (op == RESUME || t->state != THREAD_TERMINATED) {
		if (prev)
			t->suspend_count--;
		if (op == ALERT_RESUME) {
			t->alerted = true;
			wait_update(c->proc);
		}
	}
	object_unref(t);
	return st == STATUS_SUCCESS ? put_count(c->proc, previous_count, prev) : st;
}

ntstatus_t nt_suspend_thread(struct nt_call *c, handle_t thread, gptr_t previous_count)
{
	return suspend_op(c, thread, previous_count, SUSPEND);
}

ntstatus_t nt_resume_thread(struct nt_call *c, handle_t thread, gptr_t previous_count)
{
	return suspend_op(c, thread, previous_count, RESUME);
}

ntstatus_t nt_alert_resume_thread(struct nt_call *c, handle_t thread, gptr_t previous_count)
{
	return suspend_op(c, thread, previous_count, ALERT_RESUME);
}

ntstatus_t nt_get_context_thread(struct nt_call *c, handle_t thread, gptr_t context)
{
	struct kprocess *p = c->proc;
	/* FIXME: a 32-bit guest's CONTEXT (WOW64) has another layout. */
	if (p->ptr_size != 8)
		return STATUS_NOT_SUPPORTED;
	uint32_t flags;
	ntstatus_t st = guest_read(p, context + CONTEXT64_FLAGS, &flags, 4);
	if (st != STATUS_SUCCESS)
		return st;
	struct kthread *t;
	if ((st = info_ref_thread(c, thread, THREAD_GET_CONTEXT, &t)) != STATUS_SUCCESS)
		return st;
	uint8_t ctx[CONTEXT64_SIZE];
	context64_from_cpu(&t->cpu, flags, ctx);
	object_unref(t);
	return guest_write(p, context, ctx, sizeof ctx);
}

ntstatus_t nt_set_context_thread(struct nt_call *c, handle_t thread, gptr_t context)
{
	struct kprocess *p = c->proc;
	if (p->ptr_size != 8)
		return STATUS_NOT_SUPPORTED;
	uint8_t ctx[CONTEXT64_SIZE];
	ntstatus_t st = guest_read(p, context, ctx, sizeof ctx);
	if (st != STATUS_SUCCESS)
		return st;
	struct kthread *t;
	if ((st = info_ref_thread(c, thread, THREAD_SET_CONTEXT, &t)) != STATUS_SUCCESS)
		return st;
	if (!context64_to_cpu(&t->cpu, ctx))
		st = STATUS_INVALID_PARAMETER;
	else if (t == c->thread)
		t->context_replaced = true;
	object_unref(t);
	return st;
}

ntstatus_t nt_queue_apc_thread(struct nt_call *c, handle_t thread, gptr_t routine, uint64_t arg1,
			       uint64_t arg2, uint64_t arg3)
{
	/* FIXME: 32-bit guests enter KiUserApcDispatcher with a stdcall frame (WOW64). */
	if (c->proc->ptr_size != 8)
		return STATUS_NOT_SUPPORTED;
	struct kthread *t;
	ntstatus_t st = info_ref_thread(c, thread, THREAD_SET_CONTEXT, &t);
	if (st != STATUS_SUCCESS)
		return st;
	if (t->state == THREAD_TERMINATED)
		st = STATUS_UNSUCCESSFUL;
	else if (!apc_queue(t, routine, arg1, arg2, arg3))
		st = STATUS_NO_MEMORY;
	object_unref(t);
	return st;
}

/* CLIENT_ID {HANDLE UniqueProcess; HANDLE UniqueThread}: a thread of this process by id (the
 * process id may be left 0). */
ntstatus_t nt_open_thread(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			  gptr_t client_id)
{
	struct kprocess *p = c->proc;
	uint64_t pid, tid;
	ntstatus_t st;
	if ((st = guest_read_ptr(p, client_id, &pid)) || (st = guest_read_ptr(p, client_id + p->ptr_size, &tid)))
		return st;
	uint32_t attributes;
	bool named;
	if ((st = read_thread_attr(p, attr, &attributes, &named)) != STATUS_SUCCESS)
		return st;
	if (named)
		return STATUS_INVALID_PARAMETER_MIX; /* a name and a client id */
	struct kthread *t = tid <= UINT32_MAX ? kthread_by_tid(p, (uint32_t)tid) : NULL;
	if (!t || (pid && pid != PROCESS_ID))
		return STATUS_INVALID_CID;
	handle_t h;
	if ((st = handle_alloc(&p->handles, t, thread_access(access), attributes & OBJ_INHERIT, &h)) != STATUS_SUCCESS)
		return st;
	if ((st = guest_write_ptr(p, handle, h)) != STATUS_SUCCESS)
		handle_close(&p->handles, h);
	return st;
}

/* The virtual machine has one processor (SystemBasicInformation): every thread runs on
 * processor 0. The service returns the number, not an NTSTATUS. */
ntstatus_t nt_get_current_processor_number(struct nt_call *c)
{
	return 0;
}
