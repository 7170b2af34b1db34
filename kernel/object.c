#include "kernel/object.h"
#include "kernel/namespace.h" /* directory_destroy */
#include "kernel/section.h" /* section_destroy */
#include "kernel/thread.h"  /* kthread_destroy */
#include "kernel/vfs.h"     /* file_destroy */
#include "kernel/wait.h"    /* mutant_destroy */

#include <stdlib.h>

/* Specific rights per type (winnt.h / ntifs.h); generic mappings as Windows' object types
 * report them in OBJECT_TYPE_INFORMATION. */
#define SR STANDARD_RIGHTS_REQUIRED
#define RC READ_CONTROL
#define SY SYNCHRONIZE
const struct object_type_info object_types[OBJ_TYPE_COUNT] = {
	[OBJ_PROCESS] = {"Process", {RC | 0x410, RC | 0xbea, RC | SY | 0x1000, SR | SY | 0xffff}, SR | SY | 0xffff, NULL},
	[OBJ_THREAD] = {"Thread", {RC | 0x848, RC | 0x437, RC | SY | 0x1800, SR | SY | 0xffff}, SR | SY | 0xffff, kthread_destroy},
	[OBJ_FILE] = {"File", {RC | SY | 0x89, RC | SY | 0x116, RC | SY | 0xa0, SR | SY | 0x1ff}, SR | SY | 0x1ff, file_destroy},
	[OBJ_DIRECTORY] = {"Directory", {RC | 0x3, RC | 0xc, RC | 0x3, SR | 0xf}, SR | 0xf, directory_destroy},
	[OBJ_SYMLINK] = {"SymbolicLink", {RC | 0x1, RC, RC | 0x1, SR | 0x1}, SR | 0x1, NULL},
	[OBJ_SECTION] = {"Section", {RC | 0x5, RC | 0x2, RC | 0x8, SR | 0x1f}, SR | 0x1f, section_destroy},
	[OBJ_EVENT] = {"Event", {RC | 0x1, RC | 0x2, RC | SY, SR | SY | 0x3}, SR | SY | 0x3, NULL},
	[OBJ_MUTANT] = {"Mutant", {RC | 0x1, RC, RC | SY, SR | SY | 0x1}, SR | SY | 0x1, mutant_destroy},
	[OBJ_SEMAPHORE] = {"Semaphore", {RC | 0x1, RC | 0x2, RC | SY, SR | SY | 0x3}, SR | SY | 0x3, NULL},
	[OBJ_TIMER] = {"Timer", {RC | 0x1, RC | 0x2, RC | SY, SR | SY | 0x3}, SR | SY | 0x3, NULL},
	[OBJ_KEY] = {"Key", {RC | 0x19, RC | 0x6, RC | 0x19, SR | 0x3f}, SR | 0x3f, NULL},
	[OBJ_TOKEN] = {"Token", {RC | 0x8, RC | 0xe0, RC, SR | 0x1ff}, SR | 0x1ff, NULL},
	[OBJ_IO_COMPLETION] = {"IoCompletion", {RC | 0x1, RC | 0x2, RC | SY, SR | SY | 0x3}, SR | SY | 0x3, NULL},
	[OBJ_KEYED_EVENT] = {"KeyedEvent", {RC | 0x1, RC | 0x2, RC, SR | 0x3}, SR | 0x3, NULL},
};
#undef SR
#undef RC
#undef SY

void *object_alloc(enum object_type type, size_t size)
{
	struct kobject *o = calloc(1, size < sizeof *o ? sizeof *o : size);
	if (!o)
		return NULL;
	o->type = type;
	o->refs = 1;
	return o;
}

void *object_ref(void *obj)
{
	((struct kobject *)obj)->refs++;
	return obj;
}

void object_unref(void *obj)
{
	struct kobject *o = obj;
	if (!o || --o->refs)
		return;
	if (object_types[o->type].destroy)
		object_types[o->type].destroy(o);
	free(o->name);
	free(o);
}

uint32_t object_map_access(enum object_type type, uint32_t access)
{
	const uint32_t *map = object_types[type].generic_mapping;
	static const uint32_t generic[4] = {GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL};
	for (int k = 0; k < 4; k++)
		if (access & generic[k])
			access = (access & ~generic[k]) | map[k];
	return access;
}

/* ---- handles ---- */

/* Windows caps a process at 2^24 handles (ObpMaxHandles); plenty below the host's memory. */
#define HANDLE_LIMIT (1u << 24)

static size_t handle_index(handle_t h)
{
	/* Values are 4 * (index + 1); the low two bits are ignored as NT does. */
	uint64_t v = h & ~(uint64_t)3;
	return v && v <= (uint64_t)HANDLE_LIMIT * 4 ? (size_t)(v / 4 - 1) : (size_t)-1;
}

void handle_table_init(struct handle_table *t)
{
	t->v = NULL;
	t->size = t->count = 0;
}

void handle_table_destroy(struct handle_table *t)
{
	for (size_t i = 0; i < t->size; i++)
		object_unref(t->v[i].obj);
	free(t->v);
	handle_table_init(t);
}

ntstatus_t handle_alloc(struct handle_table *t, void *obj, uint32_t access, uint32_t attributes,
			handle_t *out)
{
	size_t i = 0;
	if (t->count < t->size)
		while (t->v[i].obj)
			i++;
	else
		i = t->size;
	if (i == t->size) {
		if (t->size >= HANDLE_LIMIT)
			return STATUS_INSUFFICIENT_RESOURCES;
		size_t size = t->size ? t->size * 2 : 64;
		struct handle_entry *v = realloc(t->v, size * sizeof *v);
		if (!v)
			return STATUS_NO_MEMORY;
		for (size_t k = t->size; k < size; k++)
			v[k] = (struct handle_entry){0};
		t->v = v;
		t->size = size;
	}
	struct kobject *o = obj;
	t->v[i] = (struct handle_entry){object_ref(o), object_map_access(o->type, access), attributes};
	t->count++;
	*out = (handle_t)(i + 1) * 4;
	return STATUS_SUCCESS;
}

struct handle_entry *handle_entry(struct handle_table *t, handle_t h)
{
	size_t i = handle_index(h);
	return i < t->size && t->v[i].obj ? &t->v[i] : NULL;
}

ntstatus_t handle_ref(struct handle_table *t, handle_t h, enum object_type type, uint32_t access,
		      void **out)
{
	struct handle_entry *e = handle_entry(t, h);
	if (!e)
		return STATUS_INVALID_HANDLE;
	if (type != OBJ_ANY && e->obj->type != type)
		return STATUS_OBJECT_TYPE_MISMATCH;
	access = object_map_access(e->obj->type, access) & ~MAXIMUM_ALLOWED;
	if ((e->access & access) != access)
		return STATUS_ACCESS_DENIED;
	*out = object_ref(e->obj);
	return STATUS_SUCCESS;
}

ntstatus_t handle_close(struct handle_table *t, handle_t h)
{
	struct handle_entry *e = handle_entry(t, h);
	if (!e)
		return STATUS_INVALID_HANDLE;
	if (e->attributes & HANDLE_PROTECT_FROM_CLOSE)
		return STATUS_HANDLE_NOT_CLOSABLE;
	struct kobject *o = e->obj;
	*e = (struct handle_entry){0};
	t->count--;
	object_unref(o);
	return STATUS_SUCCESS;
}
