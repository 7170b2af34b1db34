/* Object namespace services: NtCreateDirectoryObject, NtOpenDirectoryObject,
 * NtQueryDirectoryObject, NtCreateSymbolicLinkObject, NtOpenSymbolicLinkObject,
 * NtQuerySymbolicLinkObject, NtMakeTemporaryObject. The tree is in kernel/namespace.c;
 * argument checks follow Wine's dlls/ntdll/unix/sync.c. */
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/namespace.h"
#include "syscalls/namespace.h"

/* OBJECT_ATTRIBUTES of a create service: NULL means unnamed (Wine's alloc_object_attributes). */
static ntstatus_t read_create_attr(struct kprocess *p, gptr_t attr, struct objattr *oa)
{
	if (!attr) {
		*oa = (struct objattr){0};
		return STATUS_SUCCESS;
	}
	return guest_read_objattr(p, attr, oa);
}

ntstatus_t nt_create_directory_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access,
				      gptr_t attr)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = guest_write_ptr(p, handle_ptr, 0);
	struct objattr oa;
	if (st != STATUS_SUCCESS || (st = read_create_attr(p, attr, &oa)) != STATUS_SUCCESS)
		return st;
	struct kobject *dir;
	if ((st = namespace_new_directory(&dir)) == STATUS_SUCCESS)
		st = namespace_create_handle(p, handle_ptr, access, &oa, dir);
	objattr_free(&oa);
	return st;
}

ntstatus_t open_named_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access, gptr_t attr,
			     enum object_type type)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = guest_write_ptr(p, handle_ptr, 0);
	if (st != STATUS_SUCCESS)
		return st;
	if (!attr)
		return STATUS_ACCESS_VIOLATION;
	struct objattr oa;
	if ((st = guest_read_objattr(p, attr, &oa)) != STATUS_SUCCESS)
		return st;
	st = namespace_open_handle(p, handle_ptr, access, &oa, type);
	objattr_free(&oa);
	return st;
}

ntstatus_t nt_open_directory_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access,
				    gptr_t attr)
{
	return open_named_object(c, handle_ptr, access, attr, OBJ_DIRECTORY);
}

ntstatus_t nt_open_symbolic_link_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access,
					gptr_t attr)
{
	return open_named_object(c, handle_ptr, access, attr, OBJ_SYMLINK);
}

/* A UNICODE_STRING's header: {USHORT Length, MaximumLength; PWSTR Buffer}. */
static ntstatus_t read_ustr_header(struct kprocess *p, gptr_t addr, uint16_t *length,
				   uint16_t *max_length, uint64_t *buffer)
{
	uint16_t lens[2];
	ntstatus_t st = guest_read(p, addr, lens, 4);
	if (st == STATUS_SUCCESS)
		st = guest_read_ptr(p, addr + p->ptr_size, buffer);
	*length = lens[0];
	*max_length = lens[1];
	return st;
}

ntstatus_t nt_create_symbolic_link_object(struct nt_call *c, gptr_t handle_ptr, uint32_t access,
					  gptr_t attr, gptr_t target)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = guest_write_ptr(p, handle_ptr, 0);
	if (st != STATUS_SUCCESS)
		return st;
	uint16_t length, max_length;
	uint64_t buffer;
	if (!target)
		return STATUS_ACCESS_VIOLATION;
	if ((st = read_ustr_header(p, target, &length, &max_length, &buffer)) != STATUS_SUCCESS)
		return st;
	if (!max_length)
		return STATUS_INVALID_PARAMETER;
	if (!buffer)
		return STATUS_ACCESS_VIOLATION;
	struct ustr t;
	if ((st = guest_read_ustr(p, target, &t)) != STATUS_SUCCESS)
		return st;
	struct objattr oa;
	if ((st = read_create_attr(p, attr, &oa)) == STATUS_SUCCESS) {
		struct kobject *link;
		if ((st = namespace_new_symlink(t.buf, t.len, &link)) == STATUS_SUCCESS)
			st = namespace_create_handle(p, handle_ptr, access, &oa, link);
		objattr_free(&oa);
	}
	ustr_free(&t);
	return st;
}

ntstatus_t nt_query_symbolic_link_object(struct nt_call *c, handle_t handle, gptr_t target,
					 gptr_t result_length)
{
	struct kprocess *p = c->proc;
	if (!target)
		return STATUS_ACCESS_VIOLATION;
	uint16_t length, max_length;
	uint64_t buffer;
	ntstatus_t st = read_ustr_header(p, target, &length, &max_length, &buffer);
	if (st != STATUS_SUCCESS)
		return st;
	struct kobject *link;
	if ((st = handle_ref(&p->handles, handle, OBJ_SYMLINK, SYMBOLIC_LINK_QUERY, (void **)&link)))
		return st;
	size_t len;
	const uint16_t *t = namespace_symlink_target(link, &len);
	/* The target and a NUL must fit in MaximumLength; *result_length counts both. */
	uint32_t total = (uint32_t)(len + 1) * 2;
	if (max_length < total) {
		st = STATUS_BUFFER_TOO_SMALL;
	} else {
		uint16_t out_len = (uint16_t)(len * 2), nul = 0;
		if ((st = guest_write(p, buffer, t, len * 2)) == STATUS_SUCCESS &&
		    (st = guest_write(p, buffer + len * 2, &nul, 2)) == STATUS_SUCCESS)
			st = guest_write(p, target, &out_len, 2);
	}
	if (result_length && (st == STATUS_SUCCESS || st == STATUS_BUFFER_TOO_SMALL)) {
		ntstatus_t st2 = guest_write(p, result_length, &total, 4);
		if (st2 != STATUS_SUCCESS)
			st = st2;
	}
	object_unref(link);
	return st;
}

/* One entry of NtQueryDirectoryObject's answer. */
struct dir_item {
	const uint16_t *name;
	size_t name_len;
	const char *type;
	size_t type_len;
};

/* Bytes an entry takes: its DIRECTORY_BASIC_INFORMATION {UNICODE_STRING ObjectName,
 * ObjectTypeName} and both strings with their NULs. */
static uint32_t item_size(const struct kprocess *p, const struct dir_item *it)
{
	return 2 * ustr_size(p) + (uint32_t)(it->name_len + 1 + it->type_len + 1) * 2;
}

static void put_ustr(const struct kprocess *p, uint8_t *at, size_t len, uint64_t buffer)
{
	uint16_t lens[2] = {(uint16_t)(len * 2), (uint16_t)(len * 2 + 2)};
	memcpy(at, lens, 4);
	memcpy(at + p->ptr_size, &buffer, p->ptr_size);
}

/* Wine 8's NtQueryDirectoryObject: entries from *context (0 with restart_scan), as many as fit
 * (one with single_entry), an all-zero entry after them, then the strings. */
ntstatus_t nt_query_directory_object(struct nt_call *c, handle_t handle, gptr_t buffer,
				     uint32_t length, uint32_t single_entry, uint32_t restart_scan,
				     gptr_t context, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	uint32_t index = 0;
	ntstatus_t st;
	if (!restart_scan && (st = guest_read(p, context, &index, 4)) != STATUS_SUCCESS)
		return st;
	struct kobject *dir;
	if ((st = handle_ref(&p->handles, handle, OBJ_DIRECTORY, DIRECTORY_QUERY, (void **)&dir)))
		return st;
	const unsigned hdr = 2 * ustr_size(p);
	uint32_t used = hdr, count = 0;
	struct dir_item first = {0};
	st = STATUS_SUCCESS;
	for (;;) {
		struct dir_item it;
		enum object_type type;
		if (!namespace_dir_entry(p, dir, index + count, &it.name, &it.name_len, &type))
			break;
		it.type = object_types[type].name;
		it.type_len = strlen(it.type);
		if (!count)
			first = it;
		if ((single_entry && count) || used + item_size(p, &it) > length) {
			st = STATUS_MORE_ENTRIES;
			break;
		}
		used += item_size(p, &it);
		count++;
	}
	uint32_t ret_size = used;
	if (!count && st == STATUS_SUCCESS) {
		st = STATUS_NO_MORE_ENTRIES;
		ret_size = hdr;
	} else if (!count && single_entry) {
		st = STATUS_BUFFER_TOO_SMALL;
		ret_size = 2 * hdr + (uint32_t)(first.name_len + first.type_len + 2) * 2;
	} else if (single_entry && st == STATUS_MORE_ENTRIES) {
		st = STATUS_SUCCESS; /* one entry asked for, one given */
	}
	if (count) {
		/* Build the answer on the host, then write it at once. */
		uint8_t *out = calloc(1, used);
		if (!out) {
			object_unref(dir);
			return STATUS_NO_MEMORY;
		}
		uint32_t pool = (count + 1) * hdr;
		for (uint32_t i = 0; i < count; i++) {
			struct dir_item it;
			enum object_type type;
			namespace_dir_entry(p, dir, index + i, &it.name, &it.name_len, &type);
			it.type = object_types[type].name;
			it.type_len = strlen(it.type);
			put_ustr(p, out + i * hdr, it.name_len, buffer + pool);
			memcpy(out + pool, it.name, it.name_len * 2);
			pool += (uint32_t)(it.name_len + 1) * 2;
			put_ustr(p, out + i * hdr + hdr / 2, it.type_len, buffer + pool);
			for (size_t k = 0; k < it.type_len; k++) {
				uint16_t ch = (uint8_t)it.type[k];
				memcpy(out + pool + k * 2, &ch, 2);
			}
			pool += (uint32_t)(it.type_len + 1) * 2;
		}
		ntstatus_t wst = guest_write(p, buffer, out, used);
		free(out);
		if (wst == STATUS_SUCCESS)
			index += count;
		else
			st = wst;
	}
	object_unref(dir);
	if (!nt_success(st) && st != STATUS_BUFFER_TOO_SMALL && st != STATUS_NO_MORE_ENTRIES)
		return st;
	ntstatus_t st2 = STATUS_SUCCESS;
	if (count)
		st2 = guest_write(p, context, &index, 4);
	if (st2 == STATUS_SUCCESS && result_length)
		st2 = guest_write(p, result_length, &ret_size, 4);
	return st2 != STATUS_SUCCESS ? st2 : st;
}

ntstatus_t nt_make_temporary_object(struct nt_call *c, handle_t handle)
{
	struct kobject *obj;
	ntstatus_t st = handle_ref(&c->proc->handles, handle, OBJ_ANY, DELETE, (void **)&obj);
	if (st != STATUS_SUCCESS)
		return st;
	namespace_set_permanent(obj, false);
	object_unref(obj);
	return STATUS_SUCCESS;
}
