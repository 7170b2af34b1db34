/* The syscall trace: one line per call, formatted from the signature table's argument kinds.
 *
 *   [0001] NtOpenFile(handle=0x21fa38->0x24, access=0x100020, attr="\??\C:\windows",
 *          iosb=0x21fa40{0,1}, sharing=0x7, options=0x21) = STATUS_SUCCESS
 *
 * Pointers to outputs are shown with the value they hold after the call (->), strings from
 * UNICODE_STRING / OBJECT_ATTRIBUTES decoded, the status by name.
 *
 * A call that blocks its thread (a wait that cannot be satisfied yet) ends its line with
 * "..." instead of a status; when the wait ends, a second line of that thread names the call
 * and the status the guest received, or says that the thread ended first:
 *
 *   [0024] NtWaitForSingleObject(handle=0x4c, alertable=0, timeout=NULL) ...
 *   [0020] NtSetEvent(handle=0x48, prev_state=0x0) = STATUS_SUCCESS
 *   [0024] ... NtWaitForSingleObject = STATUS_WAIT_0 */
#ifndef NTEMU_KERNEL_TRACE_H
#define NTEMU_KERNEL_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "kernel/dispatch.h"
#include "kernel/process.h"

/* `name` is the service's name from the stub scan (c->desc may be NULL: then the raw arguments
 * are shown, `nargs` of them). */
void trace_syscall(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
		   const struct nt_call *c, unsigned nargs, ntstatus_t status);
/* The line of a call that blocked its thread: "..." where the status would be. */
void trace_syscall_blocked(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
			   const struct nt_call *c, unsigned nargs);
/* The end of the blocked call `name` of thread tid: the status it returned, or (ended) that
 * the thread ended while it waited. */
void trace_wait_end(FILE *out, uint32_t tid, const char *name, ntstatus_t status, bool ended);

#endif
