/* include/ntemu.h over the kernel's own structures. */
#include "ntemu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/thread.h"
#include "kernel/vm.h"
#include "loader/pe.h"
#include "loader/syscall_scan.h"

struct ntemu_process {
	struct kconfig config;
	struct kprocess *proc;
	struct kthread *thread;
};

struct ntemu_process *ntemu_bare_process(const struct ntemu_options *opt, char *err, size_t errsize)
{
	struct ntemu_process *np = calloc(1, sizeof *np);
	if (!np) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	np->config.sysroot = opt->sysroot;
	np->config.root = opt->root;
	np->config.realtime = opt->realtime;
	np->config.seed = opt->seed;
	np->proc = kprocess_create(&np->config, opt->wow64 ? 4 : 8);
	np->thread = np->proc ? kthread_create(np->proc) : NULL;
	if (!np->thread) {
		snprintf(err, errsize, "out of memory");
		ntemu_process_free(np);
		return NULL;
	}
	np->thread->state = THREAD_TERMINATED; /* it never runs: handlers only need its identity */

	char path[4096];
	snprintf(path, sizeof path, "%s/%s/ntdll.dll", opt->sysroot, opt->wow64 ? "syswow64" : "system32");
	uint8_t *file = NULL;
	size_t size;
	struct pe_image pe;
	struct pe_error perr;
	struct syscall_table *services = calloc(1, sizeof *services);
	if (!services || !pe_read_file(path, &file, &size, &perr) || !pe_parse(file, size, &pe, &perr) ||
	    !syscall_scan(file, &pe, services, &perr)) {
		snprintf(err, errsize, "%s: %s", path, services ? perr.msg : "out of memory");
		free(file);
		free(services);
		ntemu_process_free(np);
		return NULL;
	}
	free(file);
	np->proc->service_tables[0] = services;
	dispatch_bind(&np->proc->syscalls, services);
	np->proc->log.out = NULL;
	return np;
}

void ntemu_process_free(struct ntemu_process *np)
{
	if (!np)
		return;
	kprocess_destroy(np->proc);
	free(np);
}

uint64_t ntemu_alloc(struct ntemu_process *np, size_t size)
{
	uint64_t base = 0, sz = size;
	if (vm_allocate(np->proc, &base, &sz, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0) != STATUS_SUCCESS)
		return 0;
	return base;
}

bool ntemu_read(struct ntemu_process *np, uint64_t addr, void *dst, size_t n)
{
	return gmem_read(np->proc->mem, addr, dst, n, NULL);
}

bool ntemu_write(struct ntemu_process *np, uint64_t addr, const void *src, size_t n)
{
	return gmem_write(np->proc->mem, addr, src, n, NULL);
}

enum ntemu_call_result ntemu_syscall(struct ntemu_process *np, const char *name,
				     const uint64_t *args, unsigned nargs, uint32_t *status)
{
	struct kprocess *p = np->proc;
	const struct syscall_table *t = p->service_tables[0];
	for (size_t i = 0; i < t->count; i++) {
		if (strcmp(t->v[i].name, name))
			continue;
		struct dispatch_entry *d = dispatch_lookup(&p->syscalls, t->v[i].id);
		if (d->desc && d->desc->nargs != nargs)
			return NTEMU_CALL_BAD_ARGS;
		if (nargs > SYSCALL_MAX_ARGS)
			return NTEMU_CALL_BAD_ARGS;
		struct nt_call call = {.proc = p, .thread = np->thread};
		for (unsigned a = 0; a < nargs; a++)
			call.args[a] = p->ptr_size == 4 && d->desc
					       ? syscall_widen_arg(d->desc->kinds[a], (uint32_t)args[a])
					       : args[a];
		return dispatch_call(&p->syscalls, &p->log, t->v[i].id, &call, status) == DISPATCH_DONE
			       ? NTEMU_CALL_DONE
			       : NTEMU_CALL_UNIMPLEMENTED;
	}
	return NTEMU_CALL_NO_SUCH;
}
