/* Kernel objects and the per-process handle table.
 *
 * Objects are typed and reference-counted; a handle holds one reference. Handle values are
 * what Windows hands out: multiples of 4 starting at 4 (kernelbase treats (h & 3) == 1 as a
 * console tag, so the low two bits stay clear). */
#ifndef NTEMU_KERNEL_OBJECT_H
#define NTEMU_KERNEL_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/dispatch.h"
#include "kernel/ntstatus.h"

enum object_type {
	OBJ_PROCESS,
	OBJ_THREAD,
	OBJ_FILE,
	OBJ_DIRECTORY,  /* object-namespace directory */
	OBJ_SYMLINK,
	OBJ_SECTION,
	OBJ_EVENT,
	OBJ_MUTANT,
	OBJ_SEMAPHORE,
	OBJ_TIMER,
	OBJ_KEY,
	OBJ_TOKEN,
	OBJ_IO_COMPLETION,
	OBJ_KEYED_EVENT,
	OBJ_TYPE_COUNT,
	OBJ_ANY = OBJ_TYPE_COUNT, /* for lookups that accept every type */
};

/* Access rights (winnt.h). */
enum {
	DELETE = 0x00010000,
	READ_CONTROL = 0x00020000,
	SYNCHRONIZE = 0x00100000,
	STANDARD_RIGHTS_REQUIRED = 0x000f0000,
	MAXIMUM_ALLOWED = 0x02000000,
	GENERIC_ALL = 0x10000000,
	GENERIC_EXECUTE = 0x20000000,
	GENERIC_WRITE = 0x40000000,
	GENERIC_READ = 0x80000000u,
};

struct kobject;

struct object_type_info {
	const char *name;            /* the NT type name NtQueryObject reports: "File", "Event"... */
	uint32_t generic_mapping[4]; /* GENERIC_READ/WRITE/EXECUTE/ALL -> specific rights */
	uint32_t valid_access;
	void (*destroy)(struct kobject *obj); /* frees what the object owns, not the object */
};

extern const struct object_type_info object_types[OBJ_TYPE_COUNT];

struct kobject {
	enum object_type type;
	uint32_t refs;
	uint16_t *name;      /* full NT path (UTF-16, NUL-terminated) when named, else NULL */
	size_t name_len;     /* in UTF-16 units */
};

/* A zeroed object of `size` bytes (the struct that embeds struct kobject first), one reference. */
void *object_alloc(enum object_type type, size_t size);
void *object_ref(void *obj);
void object_unref(void *obj);

/* Map GENERIC_* bits to the type's specific rights. */
uint32_t object_map_access(enum object_type type, uint32_t access);

/* ---- handles ---- */

/* Pseudo-handles (never in the table). */
#define CURRENT_PROCESS ((handle_t)-1)
#define CURRENT_THREAD ((handle_t)-2)
#define CURRENT_PROCESS_TOKEN ((handle_t)-4)
#define CURRENT_THREAD_TOKEN ((handle_t)-5)
#define CURRENT_THREAD_EFFECTIVE_TOKEN ((handle_t)-6)

enum {
	OBJ_INHERIT = 0x02,
	OBJ_PERMANENT = 0x10,
	OBJ_EXCLUSIVE = 0x20,
	OBJ_CASE_INSENSITIVE = 0x40,
	OBJ_OPENIF = 0x80,
	OBJ_OPENLINK = 0x100,
	OBJ_KERNEL_HANDLE = 0x200,
	HANDLE_PROTECT_FROM_CLOSE = 0x1, /* handle attribute bit (OBJECT_HANDLE_FLAG_INFORMATION) */
};

struct handle_entry {
	struct kobject *obj;  /* NULL: free */
	uint32_t access;
	uint32_t attributes;  /* OBJ_INHERIT, HANDLE_PROTECT_FROM_CLOSE */
};

struct handle_table {
	struct handle_entry *v;
	size_t size;          /* entries allocated */
	size_t count;         /* entries in use */
};

void handle_table_init(struct handle_table *t);
/* Close every handle (process exit). */
void handle_table_destroy(struct handle_table *t);

/* A new handle for obj (takes a new reference). STATUS_INSUFFICIENT_RESOURCES past the
 * Windows per-process limit. */
ntstatus_t handle_alloc(struct handle_table *t, void *obj, uint32_t access, uint32_t attributes,
			handle_t *out);
/* The object behind h with a new reference, checking its type (OBJ_ANY accepts all) and that
 * the handle grants `access`. Pseudo-handles are the caller's business. */
ntstatus_t handle_ref(struct handle_table *t, handle_t h, enum object_type type, uint32_t access,
		      void **out);
/* The table entry for h, NULL if h is not an open handle. */
struct handle_entry *handle_entry(struct handle_table *t, handle_t h);
ntstatus_t handle_close(struct handle_table *t, handle_t h);

#endif
