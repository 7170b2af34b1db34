/* What syscalls/namespace.c offers the other services that open objects by name. */
#ifndef NTEMU_SYSCALLS_NAMESPACE_H
#define NTEMU_SYSCALLS_NAMESPACE_H

#include "kernel/dispatch.h"
#include "kernel/object.h"

/* The open service of a named object type (NtOpenDirectoryObject, NtOpenSymbolicLinkObject,
 * NtOpenSection): *handle_ptr zeroed first, OBJECT_ATTRIBUTES required (Wine's
 * validate_open_object_attributes), then the object of `type` it names gets a handle. */
ntstatus_t open_named_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access, gptr_t attr,
			     enum object_type type);

#endif
