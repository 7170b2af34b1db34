/* Exceptions: a CPU fault (or NtRaiseException) becomes an EXCEPTION_RECORD + CONTEXT on the
 * guest stack and a jump to ntdll's KiUserExceptionDispatcher, as Windows does; SEH, vectored
 * handlers and C++ exceptions are then ntdll's own code. */
#ifndef NTEMU_KERNEL_EXCEPTION_H
#define NTEMU_KERNEL_EXCEPTION_H

#include <stdint.h>

#include "kernel/thread.h"

#define EXCEPTION_MAXIMUM_PARAMETERS 15

struct exception_info {
	uint32_t code;
	uint32_t flags;
	gptr_t address;
	uint32_t nparams;
	uint64_t params[EXCEPTION_MAXIMUM_PARAMETERS];
};

/* What a CPU trap means as an exception (codes as Windows raises them). Returns false for
 * traps that are not exceptions (syscall, budget, stop). */
bool exception_from_trap(const struct cpu *c, struct exception_info *e);

/* Deliver `e` with the thread's current CPU state as the CONTEXT. If the frame cannot be
 * written (the stack is gone) the process ends with the exception's code, as Windows does. */
void exception_deliver(struct kthread *t, const struct exception_info *e);

/* Deliver a record and CONTEXT the guest supplied (NtRaiseException first chance). */
ntstatus_t exception_deliver_raw(struct kthread *t, const uint8_t *record, size_t record_size,
				 const uint8_t *context);

#endif
