/* The system-call dispatcher.
 *
 * kernel/syscalls.def is the one signature table: each NT service's name, argument count and
 * argument kinds, and its handler when it has one. From it come the typed handler prototypes,
 * the thunks the dispatcher calls, the trace printer's formatting and the widening of a 32-bit
 * guest's arguments.
 *
 * Service numbers are never hard-coded: the loader scans the guest's ntdll.dll (and win32u.dll)
 * for syscall stubs, and dispatch_bind() matches each discovered name to its descriptor through
 * a hash map keyed by name (xxHash). The result is a table indexed by service number. */
#ifndef NTEMU_KERNEL_DISPATCH_H
#define NTEMU_KERNEL_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/ntstatus.h"
#include "kernel/syscall_sig.h"

struct kprocess;
struct kthread;
struct syscall_table;

typedef uint64_t gptr_t;   /* a guest address */
typedef uint64_t handle_t; /* a guest handle value, sign-extended from 32-bit guests */

#define SYSCALL_MAX_ARGS 17

enum syscall_arg_kind {
	ARG_HANDLE,    /* handle (pseudo-handles -1, -2 ... are negative) */
	ARG_PHANDLE,   /* out: HANDLE* */
	ARG_ACCESS,    /* ACCESS_MASK */
	ARG_POBJATTR,  /* OBJECT_ATTRIBUTES* (traced with its name) */
	ARG_PUSTR,     /* UNICODE_STRING* */
	ARG_PIOSB,     /* IO_STATUS_BLOCK* */
	ARG_PLARGE,    /* LARGE_INTEGER* */
	ARG_PSIZE,     /* SIZE_T* (guest pointer width) */
	ARG_PPVOID,    /* PVOID* (guest pointer width) */
	ARG_PTR,       /* any other pointer: buffer, structure, routine */
	ARG_PULONG,    /* ULONG* */
	ARG_ULONG,
	ARG_FLAGS,     /* ULONG printed in hex */
	ARG_LONG,      /* signed, sign-extended from 32-bit guests */
	ARG_ULONG_PTR, /* ULONG_PTR / SIZE_T by value */
	ARG_BOOL,      /* BOOLEAN */
	ARG_CLASS,     /* information class */
	ARG_PSTR,      /* char* with a separate length */
	ARG_KIND_COUNT
};

#define KTYPE_HANDLE handle_t
#define KTYPE_PHANDLE gptr_t
#define KTYPE_ACCESS uint32_t
#define KTYPE_POBJATTR gptr_t
#define KTYPE_PUSTR gptr_t
#define KTYPE_PIOSB gptr_t
#define KTYPE_PLARGE gptr_t
#define KTYPE_PSIZE gptr_t
#define KTYPE_PPVOID gptr_t
#define KTYPE_PTR gptr_t
#define KTYPE_PULONG gptr_t
#define KTYPE_ULONG uint32_t
#define KTYPE_FLAGS uint32_t
#define KTYPE_LONG int32_t
#define KTYPE_ULONG_PTR uint64_t
#define KTYPE_BOOL uint32_t
#define KTYPE_CLASS uint32_t
#define KTYPE_PSTR gptr_t

/* One system call in progress. */
struct nt_call {
	struct kprocess *proc;
	struct kthread *thread;
	const struct syscall_desc *desc;
	uint64_t args[SYSCALL_MAX_ARGS]; /* widened to 64 bits as the kinds say */
	gptr_t caller;                   /* return address into the code that called the stub */
};

typedef ntstatus_t syscall_thunk(struct nt_call *c);

struct syscall_desc {
	const char *name;
	syscall_thunk *thunk; /* NULL: signature known, not implemented */
	uint8_t nargs;
	uint8_t kinds[SYSCALL_MAX_ARGS];
	const char *arg_names[SYSCALL_MAX_ARGS];
};

extern const struct syscall_desc syscall_descs[];
extern const unsigned syscall_desc_count;

/* The descriptor for a service name, NULL if the table has no row for it. */
const struct syscall_desc *syscall_desc_find(const char *name);

/* Typed handler prototypes, one per SYSCALL row. */
#define SYSCALL(name, handler, n, args) ntstatus_t handler(struct nt_call *c SC_PARAMS_##n args);
#define SIGNATURE(name, n, args)
#include "kernel/syscalls.def"
#undef SYSCALL
#undef SIGNATURE

/* Service number (table << 12 | index) -> what the guest's DLL calls it and how we serve it. */
struct dispatch_entry {
	const char *name;                 /* from the stub scan; NULL: no such service */
	const struct syscall_desc *desc;  /* NULL: no signature row */
	bool reported;                    /* "unimplemented" already logged */
};

#define DISPATCH_TABLES 4
#define DISPATCH_TABLE_SIZE 4096

struct dispatch_table {
	struct dispatch_entry entry[DISPATCH_TABLES][DISPATCH_TABLE_SIZE];
	unsigned bound;                   /* services with a handler */
	unsigned known;                   /* services discovered */
};

/* Add the services a scanned DLL provides. Names are copied by pointer: `scanned` must outlive
 * the table. */
void dispatch_bind(struct dispatch_table *t, const struct syscall_table *scanned);

/* The entry for a raw eax value (WOW64 masks it: id & 0xffff; table in bits 12-13). */
struct dispatch_entry *dispatch_lookup(struct dispatch_table *t, uint32_t id);

/* How dispatch reports what it could not serve. */
struct dispatch_log {
	FILE *out;          /* NULL: silent (--quiet) */
	bool strict;        /* an unimplemented call is fatal */
	/* Names the guest address as "module+0xoffset" into buf. */
	void (*describe)(void *ctx, gptr_t addr, char *buf, size_t size);
	void *ctx;
};

enum dispatch_result {
	DISPATCH_DONE,           /* *status is the service's answer */
	DISPATCH_UNIMPLEMENTED,  /* *status = STATUS_NOT_IMPLEMENTED (fatal under strict) */
	DISPATCH_INVALID,        /* no such service number: STATUS_INVALID_SYSTEM_SERVICE */
};

/* Run call c for service `id` (c->args already filled). */
enum dispatch_result dispatch_call(struct dispatch_table *t, const struct dispatch_log *log,
				   uint32_t id, struct nt_call *c, ntstatus_t *status);

/* Widen a 32-bit guest's argument as its kind says. */
uint64_t syscall_widen_arg(enum syscall_arg_kind kind, uint32_t raw);

#endif
