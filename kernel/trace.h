/* The syscall trace: one line per call, formatted from the signature table's argument kinds.
 *
 *   [0001] NtOpenFile(handle=0x21fa38->0x24, access=0x100020, attr="\??\C:\windows",
 *          iosb=0x21fa40{0,1}, sharing=0x7, options=0x21) = STATUS_SUCCESS
 *
 * Pointers to outputs are shown with the value they hold after the call (->), strings from
 * UNICODE_STRING / OBJECT_ATTRIBUTES decoded, the status by name. */
#ifndef NTEMU_KERNEL_TRACE_H
#define NTEMU_KERNEL_TRACE_H

#include <stdio.h>

#include "kernel/dispatch.h"
#include "kernel/process.h"

/* `name` is the service's name from the stub scan (c->desc may be NULL: then the raw arguments
 * are shown, `nargs` of them). */
void trace_syscall(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
		   const struct nt_call *c, unsigned nargs, ntstatus_t status);

#endif
