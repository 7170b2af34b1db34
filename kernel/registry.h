/* The in-memory registry behind kprocess.registry: a tree of keys under \Registry, seeded at
 * process creation from kernel/registry.txt (format documented there), changed only in memory.
 *
 * A key is a kernel object (OBJ_KEY): handles hold references to it, the tree holds one while
 * the key is linked. A deleted key leaves the tree and gives up its names and values at once
 * (every later operation on it is STATUS_KEY_DELETED); the struct itself goes with its last
 * handle. Names compare case-insensitively, as NT's registry does. */
#ifndef NTEMU_KERNEL_REGISTRY_H
#define NTEMU_KERNEL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/object.h"
#include "kernel/process.h"

/* The user whose hive is \Registry\User\<SID> (HKEY_CURRENT_USER); TokenUser reports it. The
 * same SID Wine uses for its prefix user. */
#define REGISTRY_USER_SID "S-1-5-21-0-0-0-1000"

/* Value types (winnt.h REG_*; REG_NONE = 0, whose name cpu/insn.h uses for something else). */
enum {
	REG_SZ = 1,
	REG_EXPAND_SZ = 2,
	REG_BINARY = 3,
	REG_DWORD = 4,
	REG_DWORD_BIG_ENDIAN = 5,
	REG_LINK = 6,
	REG_MULTI_SZ = 7,
	REG_QWORD = 11,
};

/* Key access rights (winnt.h KEY_*). */
enum {
	KEY_QUERY_VALUE = 0x1,
	KEY_SET_VALUE = 0x2,
	KEY_CREATE_SUB_KEY = 0x4,
	KEY_ENUMERATE_SUB_KEYS = 0x8,
	KEY_NOTIFY = 0x10,
	KEY_CREATE_LINK = 0x20,
	KEY_WOW64_64KEY = 0x100,
	KEY_WOW64_32KEY = 0x200,
};

struct rvalue {
	uint16_t *name;       /* NULL for the default value */
	size_t name_len;      /* UTF-16 units */
	uint32_t type;
	uint8_t *data;
	uint32_t size;
};

struct rkey {
	struct kobject obj;   /* obj.name: the full path, "\REGISTRY\MACHINE\..." */
	struct rkey *parent;  /* NULL for the root and for deleted keys */
	uint16_t *name;       /* the last path component */
	size_t name_len;
	uint16_t *class_name; /* NtCreateKey's class, NULL if none */
	size_t class_len;
	struct rkey **subkeys;   /* sorted by upper-cased name: NtEnumerateKey's order */
	size_t nsubkeys;
	struct rvalue *values;   /* creation order: NtEnumerateValueKey's order */
	size_t nvalues;
	uint64_t last_write;     /* FILETIME */
	bool is_volatile;
	bool deleted;
};

struct registry {
	struct rkey *root;       /* \REGISTRY */
};

bool registry_init(struct kprocess *p);
void registry_destroy(struct kprocess *p);

/* Add the keys and values of `text` (the kernel/registry.txt format) to r, stamped with
 * FILETIME `time`. False on a syntax error, described in err as "line N: ...". */
bool registry_load_text(struct registry *r, const char *text, size_t len, uint64_t time,
			char *err, size_t errsize);

/* Walk `path` (components separated by backslashes, no leading one; a trailing one is ignored)
 * down from `from`. *found gets the deepest existing key on the way (no new reference) and
 * *rest the offset in `path` of the first component not found (len when all were).
 * STATUS_OBJECT_NAME_INVALID for an empty component in the middle. */
ntstatus_t registry_walk(struct rkey *from, const uint16_t *path, size_t len, struct rkey **found,
			 size_t *rest);

/* A new subkey `name` of `parent` (which must not have one of that name). */
ntstatus_t registry_create_subkey(struct rkey *parent, const uint16_t *name, size_t len,
				  bool is_volatile, uint64_t time, struct rkey **out);

/* The value of key k called `name`, NULL if none (an empty name is the default value). */
struct rvalue *registry_find_value(struct rkey *k, const uint16_t *name, size_t len);
/* Set (create or replace) a value; the data is copied. */
ntstatus_t registry_set_value(struct rkey *k, const uint16_t *name, size_t len, uint32_t type,
			      const void *data, uint32_t size, uint64_t time);
ntstatus_t registry_delete_value(struct rkey *k, const uint16_t *name, size_t len, uint64_t time);
/* Unlink a key without subkeys (STATUS_CANNOT_DELETE otherwise, and for \REGISTRY and its
 * MACHINE and USER roots). */
ntstatus_t registry_delete_key(struct rkey *k, uint64_t time);

/* Give k a new name under the same parent (STATUS_OBJECT_NAME_COLLISION if a sibling has it;
 * STATUS_ACCESS_DENIED for the roots). */
ntstatus_t registry_rename_key(struct rkey *k, const uint16_t *name, size_t len, uint64_t time);

/* Case-insensitive comparison of UTF-16 names the way the registry orders them. */
int registry_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen);

#endif
