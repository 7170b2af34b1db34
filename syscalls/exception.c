/* Exceptions and continuation: NtContinue, NtRaiseException, NtTestAlert. */
#include <string.h>

#include "kernel/context.h"
#include "kernel/exception.h"
#include "kernel/guest.h"
#include "kernel/thread.h"

/* Restore the whole register state from a CONTEXT (RtlRestoreContext, the end of every
 * exception dispatch and of a new thread's LdrInitializeThunk). */
ntstatus_t nt_continue(struct nt_call *c, gptr_t context, uint32_t alertable)
{
	uint8_t ctx[CONTEXT64_SIZE];
	ntstatus_t st = guest_read(c->proc, context, ctx, sizeof ctx);
	if (st != STATUS_SUCCESS)
		return st;
	if (!context64_to_cpu(&c->thread->cpu, ctx))
		return STATUS_INVALID_PARAMETER;
	c->thread->context_replaced = true;
	/* Alertable: a queued user APC runs first, then resumes this context (Wine's NtContinue). */
	if (alertable & 0xff)
		apc_deliver(c->thread, STATUS_USER_APC, true);
	return STATUS_SUCCESS;
}

ntstatus_t nt_raise_exception(struct nt_call *c, gptr_t record, gptr_t context, uint32_t first_chance)
{
	uint8_t rec[0x98], ctx[CONTEXT64_SIZE];
	ntstatus_t st = guest_read(c->proc, record, rec, sizeof rec);
	if (st == STATUS_SUCCESS)
		st = guest_read(c->proc, context, ctx, sizeof ctx);
	if (st != STATUS_SUCCESS)
		return st;
	uint32_t code;
	uint64_t address;
	memcpy(&code, rec, 4);
	memcpy(&address, rec + 0x10, 8);
	if (first_chance & 0xff)
		return exception_deliver_raw(c->thread, rec, sizeof rec, ctx);
	/* Second chance: nothing handled it. With no debugger attached the process ends with
	 * the exception's code. */
	c->proc->last_exception.code = code;
	c->proc->last_exception.address = address;
	c->proc->last_exception.valid = true;
	kprocess_exit(c->proc, code);
	return STATUS_SUCCESS;
}

ntstatus_t nt_test_alert(struct nt_call *c)
{
	struct kthread *t = c->thread;
	if (t->alerted) {
		t->alerted = false;
		return STATUS_ALERTED;
	}
	/* A queued user APC runs now; the call then returns STATUS_USER_APC. */
	apc_deliver(t, STATUS_USER_APC, false);
	return STATUS_SUCCESS;
}
