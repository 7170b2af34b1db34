/* Registry services on the in-memory tree (kernel/registry.h): NtCreateKey, NtOpenKey(Ex),
 * NtQueryKey, NtEnumerateKey, NtQueryValueKey, NtEnumerateValueKey, NtSetValueKey,
 * NtDeleteKey, NtDeleteValueKey, NtRenameKey, NtFlushKey.
 *
 * Replies follow NT's size rules: a buffer smaller than the class's fixed part is
 * STATUS_BUFFER_TOO_SMALL and gets nothing; one that holds the fixed part but not the names and
 * data is STATUS_BUFFER_OVERFLOW and gets as much as fits; *ResultLength is always the full
 * size. An unknown class is STATUS_INVALID_PARAMETER, as NT answers for these services. */
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/guest.h"
#include "kernel/registry.h"

enum {
	REG_OPTION_VOLATILE = 0x1,
	REG_OPTION_CREATE_LINK = 0x2,
	REG_OPTION_BACKUP_RESTORE = 0x4,
	REG_OPTION_OPEN_LINK = 0x8,
	REG_CREATED_NEW_KEY = 1,
	REG_OPENED_EXISTING_KEY = 2,
};

enum key_info_class {
	KeyBasicInformation = 0,
	KeyNodeInformation = 1,
	KeyFullInformation = 2,
	KeyNameInformation = 3,
	KeyCachedInformation = 4,
};

enum key_value_info_class {
	KeyValueBasicInformation = 0,
	KeyValueFullInformation = 1,
	KeyValuePartialInformation = 2,
	KeyValueFullInformationAlign64 = 3,
	KeyValuePartialInformationAlign64 = 4,
};

#define NO_CLASS 0xffffffffu /* ClassOffset when the key has no class */

/* The key behind a handle, checking `access` and that it still exists. */
static ntstatus_t ref_key(struct nt_call *c, handle_t h, uint32_t access, struct rkey **out)
{
	ntstatus_t st = handle_ref(&c->proc->handles, h, OBJ_KEY, access, (void **)out);
	if (st != STATUS_SUCCESS)
		return st;
	if ((*out)->deleted) {
		object_unref(*out);
		return STATUS_KEY_DELETED;
	}
	return STATUS_SUCCESS;
}

/* Where a name in OBJECT_ATTRIBUTES starts: the key it is relative to (a new reference) and
 * the path below it. An absolute name must lie under \Registry. */
static ntstatus_t resolve_start(struct nt_call *c, const struct objattr *oa, struct rkey **start,
				const uint16_t **path, size_t *len)
{
	*path = oa->name.buf;
	*len = oa->name.len;
	if (oa->root) {
		if (*len && (*path)[0] == '\\')
			return STATUS_OBJECT_PATH_SYNTAX_BAD;
		return ref_key(c, oa->root, 0, start);
	}
	if (!*len || (*path)[0] != '\\')
		return STATUS_OBJECT_PATH_SYNTAX_BAD;
	/* FIXME: the registry is not yet part of a general object namespace; every absolute name
	 * outside \Registry is simply not found. */
	static const uint16_t registry[] = u"Registry";
	size_t n = 8;
	if (*len < 1 + n || registry_name_cmp(*path + 1, n, registry, n) ||
	    (*len > 1 + n && (*path)[1 + n] != '\\'))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	size_t skip = *len > 1 + n ? 2 + n : 1 + n;
	*path += skip;
	*len -= skip;
	*start = object_ref(c->proc->registry->root);
	return STATUS_SUCCESS;
}

/* Rights a new key handle gets: MAXIMUM_ALLOWED is everything (no security descriptors yet),
 * the WOW64 view bits select a view and are not rights. */
static uint32_t key_access(uint32_t access)
{
	access = object_map_access(OBJ_KEY, access & ~(KEY_WOW64_32KEY | KEY_WOW64_64KEY));
	if (access & MAXIMUM_ALLOWED)
		access = object_types[OBJ_KEY].valid_access;
	return access & object_types[OBJ_KEY].valid_access;
}

static ntstatus_t put_handle(struct nt_call *c, gptr_t out, struct rkey *k, uint32_t access,
			     uint32_t attributes)
{
	handle_t h;
	ntstatus_t st = handle_alloc(&c->proc->handles, k, key_access(access), attributes & OBJ_INHERIT, &h);
	if (st != STATUS_SUCCESS)
		return st;
	if ((st = guest_write_ptr(c->proc, out, h)) != STATUS_SUCCESS)
		handle_close(&c->proc->handles, h);
	return st;
}

static ntstatus_t open_or_create(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
				 bool create, gptr_t class_name, uint32_t options, gptr_t disposition)
{
	struct kprocess *p = c->proc;
	/* The output handle is cleared first, as NT does, so a failure never leaves a stale one. */
	ntstatus_t st = guest_write_ptr(p, handle, 0);
	if (st != STATUS_SUCCESS)
		return st;
	struct objattr oa;
	if ((st = guest_read_objattr(p, attr, &oa)) != STATUS_SUCCESS)
		return st;
	struct ustr cls = {0};
	if (create && class_name && (st = guest_read_ustr(p, class_name, &cls)) != STATUS_SUCCESS) {
		objattr_free(&oa);
		return st;
	}
	struct rkey *start = NULL, *k = NULL;
	const uint16_t *path;
	size_t len, rest;
	if ((st = resolve_start(c, &oa, &start, &path, &len)) != STATUS_SUCCESS)
		goto out;
	if ((st = registry_walk(start, path, len, &k, &rest)) != STATUS_SUCCESS)
		goto out;
	uint32_t disp = REG_OPENED_EXISTING_KEY;
	if (rest < len) {
		/* Only the last component may be missing, and only NtCreateKey adds it: NT does not
		 * create intermediate keys (RegCreateKeyEx loops over the path itself). */
		size_t end = rest;
		while (end < len && path[end] != '\\')
			end++;
		bool last = end == len || end + 1 == len;
		if (!create || !last) {
			st = STATUS_OBJECT_NAME_NOT_FOUND;
			goto out;
		}
		/* Creating needs KEY_CREATE_SUB_KEY on the parent when it was named by handle. */
		if (oa.root && k == start) {
			struct handle_entry *e = handle_entry(&p->handles, oa.root);
			if (!(e->access & KEY_CREATE_SUB_KEY)) {
				st = STATUS_ACCESS_DENIED;
				goto out;
			}
		}
		bool vol = options & REG_OPTION_VOLATILE;
		if (!vol && k->is_volatile) {
			st = STATUS_CHILD_MUST_BE_VOLATILE;
			goto out;
		}
		if ((st = registry_create_subkey(k, path + rest, end - rest, vol, clock_system_time(p), &k)))
			goto out;
		if (cls.len) {
			k->class_name = cls.buf;
			k->class_len = cls.len;
			cls.buf = NULL;
		}
		disp = REG_CREATED_NEW_KEY;
	}
	if ((st = put_handle(c, handle, k, access, oa.attributes)) == STATUS_SUCCESS && disposition)
		st = guest_write(p, disposition, &disp, 4);
out:
	if (start)
		object_unref(start);
	ustr_free(&cls);
	objattr_free(&oa);
	return st;
}

ntstatus_t nt_create_key(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			 uint32_t title_index, gptr_t class_name, uint32_t options, gptr_t disposition)
{
	if (options & ~(REG_OPTION_VOLATILE | REG_OPTION_BACKUP_RESTORE | REG_OPTION_OPEN_LINK))
		return options & REG_OPTION_CREATE_LINK ? STATUS_NOT_SUPPORTED /* FIXME: symbolic links */
							: STATUS_INVALID_PARAMETER;
	return open_or_create(c, handle, access, attr, true, class_name, options, disposition);
}

ntstatus_t nt_open_key(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr)
{
	return open_or_create(c, handle, access, attr, false, 0, 0, 0);
}

ntstatus_t nt_open_key_ex(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			  uint32_t options)
{
	/* REG_OPTION_OPEN_LINK would open a link itself; there are no links. */
	if (options & ~(REG_OPTION_BACKUP_RESTORE | REG_OPTION_OPEN_LINK))
		return STATUS_INVALID_PARAMETER;
	return open_or_create(c, handle, access, attr, false, 0, 0, 0);
}

/* ---- replies ---- */

/* A reply assembled on the host: `fixed` bytes of structure, then names and data. */
struct reply {
	uint8_t *buf;
	uint32_t fixed, total;
};

static void put32(uint8_t *b, uint32_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, uint32_t off, uint64_t v) { memcpy(b + off, &v, 8); }
/* Names and data may be empty with a NULL pointer. */
static void put_bytes(uint8_t *b, uint32_t off, const void *src, uint32_t n)
{
	if (n)
		memcpy(b + off, src, n);
}

static bool reply_alloc(struct reply *r, uint32_t fixed, uint32_t total)
{
	r->fixed = fixed;
	r->total = total;
	r->buf = calloc(1, total);
	return r->buf != NULL;
}

static ntstatus_t reply_send(struct kprocess *p, struct reply *r, gptr_t buffer, uint32_t length,
			     gptr_t result_length)
{
	ntstatus_t st = guest_write(p, result_length, &r->total, 4);
	if (st == STATUS_SUCCESS) {
		if (length < r->fixed) {
			st = STATUS_BUFFER_TOO_SMALL;
		} else {
			uint32_t n = length < r->total ? length : r->total;
			st = guest_write(p, buffer, r->buf, n);
			if (st == STATUS_SUCCESS && n < r->total)
				st = STATUS_BUFFER_OVERFLOW;
		}
	}
	free(r->buf);
	return st;
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* KEY_*_INFORMATION (wdm.h) for key k. */
static ntstatus_t key_info(const struct rkey *k, uint32_t info_class, struct reply *r)
{
	uint32_t name = (uint32_t)k->name_len * 2, cls = (uint32_t)k->class_len * 2;
	uint32_t max_name = 0, max_class = 0, max_vname = 0, max_data = 0;
	for (size_t i = 0; i < k->nsubkeys; i++) {
		if (k->subkeys[i]->name_len * 2 > max_name)
			max_name = (uint32_t)k->subkeys[i]->name_len * 2;
		if (k->subkeys[i]->class_len * 2 > max_class)
			max_class = (uint32_t)k->subkeys[i]->class_len * 2;
	}
	for (size_t i = 0; i < k->nvalues; i++) {
		if (k->values[i].name_len * 2 > max_vname)
			max_vname = (uint32_t)k->values[i].name_len * 2;
		if (k->values[i].size > max_data)
			max_data = k->values[i].size;
	}
	switch (info_class) {
	case KeyBasicInformation:
		/* {LastWriteTime; TitleIndex; NameLength; Name[]} */
		if (!reply_alloc(r, 16, 16 + name))
			return STATUS_NO_MEMORY;
		put64(r->buf, 0, k->last_write);
		put32(r->buf, 12, name);
		put_bytes(r->buf, 16, k->name, name);
		return STATUS_SUCCESS;
	case KeyNodeInformation: {
		/* {LastWriteTime; TitleIndex; ClassOffset; ClassLength; NameLength; Name[]}, the
		 * class after the name on a ULONG boundary. */
		uint32_t cls_off = cls ? align_up(24 + name, 4) : NO_CLASS;
		if (!reply_alloc(r, 24, cls ? cls_off + cls : 24 + name))
			return STATUS_NO_MEMORY;
		put64(r->buf, 0, k->last_write);
		put32(r->buf, 12, cls_off);
		put32(r->buf, 16, cls);
		put32(r->buf, 20, name);
		put_bytes(r->buf, 24, k->name, name);
		if (cls)
			put_bytes(r->buf, cls_off, k->class_name, cls);
		return STATUS_SUCCESS;
	}
	case KeyFullInformation:
		/* {LastWriteTime; TitleIndex; ClassOffset; ClassLength; SubKeys; MaxNameLen;
		 * MaxClassLen; Values; MaxValueNameLen; MaxValueDataLen; Class[]} */
		if (!reply_alloc(r, 44, 44 + cls))
			return STATUS_NO_MEMORY;
		put64(r->buf, 0, k->last_write);
		put32(r->buf, 12, cls ? 44 : NO_CLASS);
		put32(r->buf, 16, cls);
		put32(r->buf, 20, (uint32_t)k->nsubkeys);
		put32(r->buf, 24, max_name);
		put32(r->buf, 28, max_class);
		put32(r->buf, 32, (uint32_t)k->nvalues);
		put32(r->buf, 36, max_vname);
		put32(r->buf, 40, max_data);
		put_bytes(r->buf, 44, k->class_name, cls);
		return STATUS_SUCCESS;
	case KeyNameInformation: {
		/* {NameLength; Name[]}: the full path. */
		uint32_t full = (uint32_t)k->obj.name_len * 2;
		if (!reply_alloc(r, 4, 4 + full))
			return STATUS_NO_MEMORY;
		put32(r->buf, 0, full);
		put_bytes(r->buf, 4, k->obj.name, full);
		return STATUS_SUCCESS;
	}
	case KeyCachedInformation:
		/* {LastWriteTime; TitleIndex; SubKeys; MaxNameLen; Values; MaxValueNameLen;
		 * MaxValueDataLen; NameLength}, padded to 0x28; the name itself is not returned. */
		if (!reply_alloc(r, 0x28, 0x28))
			return STATUS_NO_MEMORY;
		put64(r->buf, 0, k->last_write);
		put32(r->buf, 12, (uint32_t)k->nsubkeys);
		put32(r->buf, 16, max_name);
		put32(r->buf, 20, (uint32_t)k->nvalues);
		put32(r->buf, 24, max_vname);
		put32(r->buf, 28, max_data);
		put32(r->buf, 32, name);
		return STATUS_SUCCESS;
	default:
		/* FIXME: KeyFlagsInformation, KeyVirtualizationInformation, KeyHandleTagsInformation. */
		return STATUS_INVALID_PARAMETER;
	}
}

/* KEY_VALUE_*_INFORMATION (wdm.h) for value v. */
static ntstatus_t value_info(const struct rvalue *v, uint32_t info_class, struct reply *r)
{
	uint32_t name = (uint32_t)v->name_len * 2;
	switch (info_class) {
	case KeyValueBasicInformation:
		/* {TitleIndex; Type; NameLength; Name[]} */
		if (!reply_alloc(r, 12, 12 + name))
			return STATUS_NO_MEMORY;
		put32(r->buf, 4, v->type);
		put32(r->buf, 8, name);
		put_bytes(r->buf, 12, v->name, name);
		return STATUS_SUCCESS;
	case KeyValueFullInformation:
	case KeyValueFullInformationAlign64: {
		/* {TitleIndex; Type; DataOffset; DataLength; NameLength; Name[]}, the data after the
		 * name on a ULONG (Align64: ULONGLONG) boundary. */
		uint32_t off = align_up(20 + name, info_class == KeyValueFullInformation ? 4 : 8);
		if (!reply_alloc(r, 20, off + v->size))
			return STATUS_NO_MEMORY;
		put32(r->buf, 4, v->type);
		put32(r->buf, 8, off);
		put32(r->buf, 12, v->size);
		put32(r->buf, 16, name);
		put_bytes(r->buf, 20, v->name, name);
		put_bytes(r->buf, off, v->data, v->size);
		return STATUS_SUCCESS;
	}
	case KeyValuePartialInformation:
		/* {TitleIndex; Type; DataLength; Data[]} */
		if (!reply_alloc(r, 12, 12 + v->size))
			return STATUS_NO_MEMORY;
		put32(r->buf, 4, v->type);
		put32(r->buf, 8, v->size);
		put_bytes(r->buf, 12, v->data, v->size);
		return STATUS_SUCCESS;
	case KeyValuePartialInformationAlign64:
		/* {Type; DataLength; Data[]} */
		if (!reply_alloc(r, 8, 8 + v->size))
			return STATUS_NO_MEMORY;
		put32(r->buf, 0, v->type);
		put32(r->buf, 4, v->size);
		put_bytes(r->buf, 8, v->data, v->size);
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PARAMETER;
	}
}

ntstatus_t nt_query_key(struct nt_call *c, handle_t handle, uint32_t info_class, gptr_t buffer,
			uint32_t length, gptr_t result_length)
{
	struct rkey *k;
	/* The name is there for any handle; everything else needs KEY_QUERY_VALUE. */
	ntstatus_t st = ref_key(c, handle, info_class == KeyNameInformation ? 0 : KEY_QUERY_VALUE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct reply r;
	if ((st = key_info(k, info_class, &r)) == STATUS_SUCCESS)
		st = reply_send(c->proc, &r, buffer, length, result_length);
	object_unref(k);
	return st;
}

ntstatus_t nt_enumerate_key(struct nt_call *c, handle_t handle, uint32_t index, uint32_t info_class,
			    gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_ENUMERATE_SUB_KEYS, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct reply r;
	if (info_class > KeyCachedInformation)
		st = STATUS_INVALID_PARAMETER;
	else if (index >= k->nsubkeys)
		st = STATUS_NO_MORE_ENTRIES;
	else if ((st = key_info(k->subkeys[index], info_class, &r)) == STATUS_SUCCESS)
		st = reply_send(c->proc, &r, buffer, length, result_length);
	object_unref(k);
	return st;
}

ntstatus_t nt_query_value_key(struct nt_call *c, handle_t handle, gptr_t name, uint32_t info_class,
			      gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_QUERY_VALUE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct ustr n = {0};
	if (name && (st = guest_read_ustr(c->proc, name, &n)) != STATUS_SUCCESS) {
		object_unref(k);
		return st;
	}
	struct rvalue *v = registry_find_value(k, n.buf, n.len);
	struct reply r;
	if (info_class > KeyValuePartialInformationAlign64)
		st = STATUS_INVALID_PARAMETER;
	else if (!v)
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if ((st = value_info(v, info_class, &r)) == STATUS_SUCCESS)
		st = reply_send(c->proc, &r, buffer, length, result_length);
	ustr_free(&n);
	object_unref(k);
	return st;
}

ntstatus_t nt_enumerate_value_key(struct nt_call *c, handle_t handle, uint32_t index,
				  uint32_t info_class, gptr_t buffer, uint32_t length,
				  gptr_t result_length)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_QUERY_VALUE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct reply r;
	if (info_class > KeyValuePartialInformationAlign64)
		st = STATUS_INVALID_PARAMETER;
	else if (index >= k->nvalues)
		st = STATUS_NO_MORE_ENTRIES;
	else if ((st = value_info(&k->values[index], info_class, &r)) == STATUS_SUCCESS)
		st = reply_send(c->proc, &r, buffer, length, result_length);
	object_unref(k);
	return st;
}

ntstatus_t nt_set_value_key(struct nt_call *c, handle_t handle, gptr_t name, uint32_t title_index,
			    uint32_t type, gptr_t data, uint32_t size)
{
	struct kprocess *p = c->proc;
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_SET_VALUE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct ustr n = {0};
	uint8_t *bytes = NULL;
	/* Value data is limited to 1 MiB (NT's cap for values in a memory-only hive). */
	if (size > 0x100000)
		st = STATUS_INVALID_PARAMETER;
	else if (name)
		st = guest_read_ustr(p, name, &n);
	if (st == STATUS_SUCCESS && size) {
		bytes = malloc(size);
		st = bytes ? guest_read(p, data, bytes, size) : STATUS_NO_MEMORY;
	}
	if (st == STATUS_SUCCESS)
		st = registry_set_value(k, n.buf, n.len, type, bytes, size, clock_system_time(p));
	free(bytes);
	ustr_free(&n);
	object_unref(k);
	return st;
}

ntstatus_t nt_delete_key(struct nt_call *c, handle_t handle)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, DELETE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	st = registry_delete_key(k, clock_system_time(c->proc));
	object_unref(k);
	return st;
}

ntstatus_t nt_delete_value_key(struct nt_call *c, handle_t handle, gptr_t name)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_SET_VALUE, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct ustr n = {0};
	if ((st = guest_read_ustr(c->proc, name, &n)) == STATUS_SUCCESS)
		st = registry_delete_value(k, n.buf, n.len, clock_system_time(c->proc));
	ustr_free(&n);
	object_unref(k);
	return st;
}

ntstatus_t nt_rename_key(struct nt_call *c, handle_t handle, gptr_t new_name)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, KEY_SET_VALUE | KEY_CREATE_SUB_KEY /* KEY_WRITE */, &k);
	if (st != STATUS_SUCCESS)
		return st;
	struct ustr n = {0};
	if ((st = guest_read_ustr(c->proc, new_name, &n)) == STATUS_SUCCESS)
		st = registry_rename_key(k, n.buf, n.len, clock_system_time(c->proc));
	ustr_free(&n);
	object_unref(k);
	return st;
}

/* The registry lives in memory only: there is nothing to write out. */
ntstatus_t nt_flush_key(struct nt_call *c, handle_t handle)
{
	struct rkey *k;
	ntstatus_t st = ref_key(c, handle, 0, &k);
	if (st == STATUS_SUCCESS)
		object_unref(k);
	return st;
}
