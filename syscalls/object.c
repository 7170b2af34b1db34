/* Handles and generic object services: NtClose, NtDuplicateObject, NtQueryObject. */
#include <string.h>

#include "kernel/guest.h"

ntstatus_t nt_close(struct nt_call *c, handle_t handle)
{
	return handle_close(&c->proc->handles, handle);
}

enum {
	DUPLICATE_CLOSE_SOURCE = 1,
	DUPLICATE_SAME_ACCESS = 2,
	DUPLICATE_SAME_ATTRIBUTES = 4,
};

/* Only this process has a handle table so far: another process is not a valid target. */
static ntstatus_t check_self(struct nt_call *c, handle_t process)
{
	void *obj;
	ntstatus_t st = process_ref_handle(c->proc, process, OBJ_PROCESS, 0, &obj);
	if (st != STATUS_SUCCESS)
		return st;
	object_unref(obj);
	return obj == &c->proc->obj ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

ntstatus_t nt_duplicate_object(struct nt_call *c, handle_t source_process, handle_t source,
			       handle_t dest_process, gptr_t dest, uint32_t access, uint32_t attributes,
			       uint32_t options)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = check_self(c, source_process);
	if (st != STATUS_SUCCESS)
		return st;
	bool to_self = dest_process != 0;
	if (to_self && (st = check_self(c, dest_process)) != STATUS_SUCCESS)
		return st;

	struct handle_entry *e = handle_entry(&p->handles, source);
	void *obj;
	if ((st = process_ref_handle(p, source, OBJ_ANY, 0, &obj)) != STATUS_SUCCESS)
		return st;
	if (options & DUPLICATE_SAME_ACCESS)
		access = e ? e->access : object_types[((struct kobject *)obj)->type].valid_access;
	if (options & DUPLICATE_SAME_ATTRIBUTES)
		attributes = e ? e->attributes : 0;

	handle_t h = 0;
	if (to_self) {
		st = handle_alloc(&p->handles, obj, access, attributes & OBJ_INHERIT, &h);
		if (st == STATUS_SUCCESS && dest && (st = guest_write_ptr(p, dest, h)) != STATUS_SUCCESS)
			handle_close(&p->handles, h);
	}
	object_unref(obj);
	/* The source is closed even when the duplicate failed (as NT does). */
	if (options & DUPLICATE_CLOSE_SOURCE)
		handle_close(&p->handles, source);
	return st;
}

enum object_info_class {
	ObjectBasicInformation = 0,
	ObjectNameInformation = 1,
	ObjectTypeInformation = 2,
	ObjectDataInformation = 4, /* OBJECT_HANDLE_FLAG_INFORMATION */
};

static ntstatus_t put_info(struct kprocess *p, gptr_t buffer, uint32_t length, gptr_t result_length,
			   const void *data, uint32_t size)
{
	if (result_length) {
		uint32_t n = size;
		ntstatus_t st = guest_write(p, result_length, &n, 4);
		if (st != STATUS_SUCCESS)
			return st;
	}
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	return guest_write(p, buffer, data, size);
}

static void utf16_from_ascii(uint16_t *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)src[i];
}

ntstatus_t nt_query_object(struct nt_call *c, handle_t handle, uint32_t info_class, gptr_t buffer,
			   uint32_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	void *ref;
	ntstatus_t st = process_ref_handle(p, handle, OBJ_ANY, 0, &ref);
	if (st != STATUS_SUCCESS)
		return st;
	struct kobject *obj = ref;
	struct handle_entry *e = handle_entry(&p->handles, handle);
	uint32_t granted = e ? e->access : object_types[obj->type].valid_access;
	uint32_t attributes = e ? e->attributes : 0;

	switch (info_class) {
	case ObjectBasicInformation: {
		/* OBJECT_BASIC_INFORMATION: Attributes, GrantedAccess, HandleCount, PointerCount,
		 * Paged/NonPagedPoolUsage, Reserved[3], Name/Type/SecurityDescriptor lengths,
		 * CreateTime. */
		uint32_t info[14] = {attributes & (OBJ_INHERIT | HANDLE_PROTECT_FROM_CLOSE), granted,
				     1, obj->refs};
		st = put_info(p, buffer, length, result_length, info, sizeof info);
		break;
	}
	case ObjectNameInformation: {
		uint32_t needed = 0;
		st = guest_write_ustr_inline(p, buffer, length, obj->name, obj->name ? obj->name_len : 0,
					     &needed);
		if (result_length && (st == STATUS_SUCCESS || st == STATUS_INFO_LENGTH_MISMATCH)) {
			ntstatus_t st2 = guest_write(p, result_length, &needed, 4);
			if (st2 != STATUS_SUCCESS)
				st = st2;
		}
		break;
	}
	case ObjectTypeInformation: {
		/* OBJECT_TYPE_INFORMATION: TypeName (UNICODE_STRING), twelve ULONG counters,
		 * InvalidAttributes, GENERIC_MAPPING (+0x34 after the name), ValidAccessMask (+0x44),
		 * two BOOLEANs, TypeIndex, a reserved byte and three pool ULONGs: 0x68 bytes on
		 * x64, 0x60 on x86. The type's name follows the structure. */
		const char *name = object_types[obj->type].name;
		size_t len = strlen(name);
		unsigned hdr = ustr_size(p);
		uint32_t fixed = hdr + 0x58;
		uint32_t needed = fixed + (uint32_t)(len + 1) * 2;
		if (result_length && (st = guest_write(p, result_length, &needed, 4)) != STATUS_SUCCESS)
			break;
		if (length < needed) {
			st = STATUS_INFO_LENGTH_MISMATCH;
			break;
		}
		uint8_t info[0x68 + 64 * 2] = {0};
		uint16_t blen = (uint16_t)(len * 2), bmax = (uint16_t)(len * 2 + 2);
		uint64_t bufptr = buffer + fixed;
		memcpy(info, &blen, 2);
		memcpy(info + 2, &bmax, 2);
		memcpy(info + (hdr == 16 ? 8 : 4), &bufptr, hdr == 16 ? 8 : 4);
		uint32_t counts[2] = {1, 1}; /* TotalNumberOfObjects, TotalNumberOfHandles */
		memcpy(info + hdr, counts, sizeof counts);
		memcpy(info + hdr + 0x34, object_types[obj->type].generic_mapping, 16);
		memcpy(info + hdr + 0x44, &object_types[obj->type].valid_access, 4);
		info[hdr + 0x4a] = (uint8_t)(obj->type + 2); /* TypeIndex: 0 and 1 are reserved */
		utf16_from_ascii((uint16_t *)(info + fixed), name, len);
		st = guest_write(p, buffer, info, needed);
		break;
	}
	case ObjectDataInformation: {
		uint8_t flags[2] = {(attributes & OBJ_INHERIT) != 0,
				    (attributes & HANDLE_PROTECT_FROM_CLOSE) != 0};
		st = put_info(p, buffer, length, result_length, flags, sizeof flags);
		break;
	}
	default:
		st = STATUS_INVALID_INFO_CLASS;
	}
	object_unref(obj);
	return st;
}
