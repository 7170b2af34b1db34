#include "kernel/dispatch.h"

#include <string.h>
#include <xxhash.h>

#include "loader/syscall_scan.h"

/* Thunks: unpack the widened argument array into the handler's typed parameters. */
#define SYSCALL(name, handler, n, args) \
	static ntstatus_t thunk_##name(struct nt_call *c) { return handler(c SC_ARGS_##n args); }
#define SIGNATURE(name, n, args)
#include "kernel/syscalls.def"
#undef SYSCALL
#undef SIGNATURE

#define ROW(name, thunk, n, args) {#name, thunk, n, {SC_KINDS_##n args}, {SC_NAMES_##n args}},
const struct syscall_desc syscall_descs[] = {
#define SYSCALL(name, handler, n, args) ROW(name, thunk_##name, n, args)
#define SIGNATURE(name, n, args) ROW(name, NULL, n, args)
#include "kernel/syscalls.def"
#undef SYSCALL
#undef SIGNATURE
};
#undef ROW

const unsigned syscall_desc_count = sizeof syscall_descs / sizeof *syscall_descs;

/* Name -> descriptor: open addressing over a power-of-two table, built on first use. */
#define NAME_SLOTS 512
_Static_assert(sizeof syscall_descs / sizeof *syscall_descs < NAME_SLOTS / 2,
	       "grow NAME_SLOTS: the name map must stay sparse");
static const struct syscall_desc *by_name[NAME_SLOTS];

static size_t name_hash(const char *name)
{
	return (size_t)XXH3_64bits(name, strlen(name)) & (NAME_SLOTS - 1);
}

static void build_name_map(void)
{
	for (unsigned i = 0; i < syscall_desc_count; i++) {
		size_t h = name_hash(syscall_descs[i].name);
		while (by_name[h])
			h = (h + 1) & (NAME_SLOTS - 1);
		by_name[h] = &syscall_descs[i];
	}
}

const struct syscall_desc *syscall_desc_find(const char *name)
{
	if (!by_name[name_hash(syscall_descs[0].name)])
		build_name_map();
	for (size_t h = name_hash(name); by_name[h]; h = (h + 1) & (NAME_SLOTS - 1))
		if (!strcmp(by_name[h]->name, name))
			return by_name[h];
	return NULL;
}

void dispatch_bind(struct dispatch_table *t, const struct syscall_table *scanned)
{
	for (size_t i = 0; i < scanned->count; i++) {
		const struct syscall_entry *e = &scanned->v[i];
		struct dispatch_entry *d =
			&t->entry[syscall_table_number(e->id)][syscall_table_index(e->id)];
		if (!d->name)
			t->known++;
		d->name = e->name;
		d->desc = syscall_desc_find(e->name);
		d->reported = false;
		if (d->desc && d->desc->thunk)
			t->bound++;
	}
}

struct dispatch_entry *dispatch_lookup(struct dispatch_table *t, uint32_t id)
{
	/* WOW64 stubs may carry a thunk selector above bit 15: only the low 16 bits are the
	 * service number, and bits 14-15 are never set in a valid one. */
	id &= 0xffff;
	if (id >> 14)
		return NULL;
	struct dispatch_entry *d = &t->entry[syscall_table_number(id)][syscall_table_index(id)];
	return d->name ? d : NULL;
}

enum dispatch_result dispatch_call(struct dispatch_table *t, const struct dispatch_log *log,
				   uint32_t id, struct nt_call *c, ntstatus_t *status)
{
	struct dispatch_entry *d = dispatch_lookup(t, id);
	if (!d) {
		*status = STATUS_INVALID_SYSTEM_SERVICE;
		if (log && log->out)
			fprintf(log->out, "ntemu: syscall 0x%x: no such service in this system image\n", id);
		return DISPATCH_INVALID;
	}
	c->desc = d->desc;
	if (d->desc && d->desc->thunk) {
		*status = d->desc->thunk(c);
		return DISPATCH_DONE;
	}
	*status = STATUS_NOT_IMPLEMENTED;
	if (log && log->out && (!d->reported || log->strict)) {
		char where[128] = "?";
		if (log->describe)
			log->describe(log->ctx, c->caller, where, sizeof where);
		fprintf(log->out, "ntemu: unimplemented syscall %s (called from %s)%s\n", d->name,
			where, log->strict ? ": stopping (--strict)" : "");
	}
	d->reported = true;
	return DISPATCH_UNIMPLEMENTED;
}

uint64_t syscall_widen_arg(enum syscall_arg_kind kind, uint32_t raw)
{
	switch (kind) {
	case ARG_HANDLE:
	case ARG_LONG:
		return (uint64_t)(int64_t)(int32_t)raw;
	default:
		return raw;
	}
}
