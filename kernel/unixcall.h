/* Wine's __wine_unix_call: the PE side's calls into its unix libraries. ntemu has no unix side;
 * the bootstrap points ntdll's __wine_unix_call_dispatcher at a trampoline that enters the
 * kernel as service UNIX_CALL_SERVICE (handle in r10, code in rdx, args in r8), and this
 * module answers the calls ntdll itself makes (GUEST-CONTRACT.md §4). */
#ifndef NTEMU_KERNEL_UNIXCALL_H
#define NTEMU_KERNEL_UNIXCALL_H

#include <stdint.h>

#include "kernel/thread.h"

/* Table 3, index 0xfff: a service number no system image defines. */
#define UNIX_CALL_SERVICE 0x3fff

ntstatus_t unix_call(struct kthread *t, uint64_t handle, uint32_t code, gptr_t args);

#endif
