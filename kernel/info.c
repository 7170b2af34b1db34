#include "kernel/info.h"

#include <stdlib.h>

#include "kernel/guest.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "kernel/vm.h"

/* A standard user's privileges (whoami /priv on a non-elevated Windows 7 token): only
 * SeChangeNotifyPrivilege is enabled. */
static const uint32_t held_privileges[TOKEN_PRIVILEGES_HELD] = {
	19, /* SeShutdownPrivilege */
	23, /* SeChangeNotifyPrivilege */
	25, /* SeUndockPrivilege */
	33, /* SeIncreaseWorkingSetPrivilege */
	34, /* SeTimeZonePrivilege */
};

uint32_t token_privilege_luid(unsigned i)
{
	return held_privileges[i];
}

bool info_init(struct kprocess *p)
{
	struct kinfo *in = calloc(1, sizeof *in);
	if (!in)
		return false;
	p->info = in;
	struct ktoken *t = object_alloc(OBJ_TOKEN, sizeof *t);
	if (!t)
		return false;
	/* LUIDs are arbitrary but fixed: the same run shows the same ids. */
	in->next_luid = 0x3e8a1;
	t->id = in->next_luid++;
	t->modified_id = in->next_luid++;
	t->type = TOKEN_PRIMARY;
	t->privilege[1] = SE_PRIVILEGE_ENABLED_BY_DEFAULT | SE_PRIVILEGE_ENABLED;
	in->token = t;
	/* 64-bit processes always have DEP on (MEM_EXECUTE_OPTION_DISABLE |
	 * DISABLE_THUNK_EMULATION | PERMANENT); 32-bit ones start opted in, still changeable. */
	in->execute_flags = p->ptr_size == 8 ? 0xd : 0x1;
	in->affinity = SYSTEM_AFFINITY;
	in->priority_class = 2; /* PROCESS_PRIORITY_CLASS_NORMAL */
	in->io_priority = 2;    /* IoPriorityNormal */
	in->page_priority = 5;  /* MEMORY_PRIORITY_NORMAL */
	return true;
}

void info_destroy(struct kprocess *p)
{
	struct kinfo *in = p->info;
	if (!in)
		return;
	object_unref(in->token);
	for (size_t i = 0; i < in->nthreads; i++) {
		free(in->threads[i].description);
		object_unref(in->threads[i].impersonation);
	}
	free(in->threads);
	free(in);
	p->info = NULL;
}

struct ktoken *token_duplicate(struct kprocess *p, const struct ktoken *from, uint32_t type,
			       uint32_t level)
{
	struct ktoken *t = object_alloc(OBJ_TOKEN, sizeof *t);
	if (!t)
		return NULL;
	t->id = p->info->next_luid++;
	t->modified_id = from->modified_id;
	t->type = type;
	t->level = type == TOKEN_IMPERSONATION ? level : 0;
	for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++)
		t->privilege[i] = from->privilege[i];
	return t;
}

struct ktoken *info_thread_token(struct kprocess *p, const struct kthread *t)
{
	struct kinfo *in = p->info;
	for (size_t i = 0; i < in->nthreads; i++)
		if (in->threads[i].tid == t->tid)
			return in->threads[i].impersonation ? object_ref(in->threads[i].impersonation) : NULL;
	return NULL;
}

struct thread_info *info_thread(struct kprocess *p, const struct kthread *t)
{
	struct kinfo *in = p->info;
	for (size_t i = 0; i < in->nthreads; i++)
		if (in->threads[i].tid == t->tid)
			return &in->threads[i];
	struct thread_info *v = realloc(in->threads, (in->nthreads + 1) * sizeof *v);
	if (!v)
		return NULL;
	in->threads = v;
	v += in->nthreads++;
	*v = (struct thread_info){.tid = t->tid, .affinity = in->affinity, .io_priority = 2};
	return v;
}

ntstatus_t info_ref_thread(struct nt_call *c, handle_t h, uint32_t access, struct kthread **out)
{
	/* The call's own thread first: unit tests call services without the scheduler. */
	if (h == CURRENT_THREAD && c->thread) {
		*out = object_ref(c->thread);
		return STATUS_SUCCESS;
	}
	return process_ref_handle(c->proc, h, OBJ_THREAD, access, (void **)out);
}

ntstatus_t info_check_process(struct nt_call *c, handle_t h, uint32_t access)
{
	void *obj;
	ntstatus_t st = process_ref_handle(c->proc, h, OBJ_PROCESS, access, &obj);
	if (st != STATUS_SUCCESS)
		return st;
	object_unref(obj);
	/* FIXME: other processes arrive with NtCreateUserProcess. */
	return obj == &c->proc->obj ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

uint64_t info_peb(struct kprocess *p)
{
	uint64_t peb = 0;
	/* TEB.ProcessEnvironmentBlock: +0x60 in a 64-bit TEB, +0x30 in a 32-bit one. */
	if (p->threads && p->threads->teb)
		guest_read_ptr(p, p->threads->teb + (p->ptr_size == 8 ? 0x60 : 0x30), &peb);
	return peb;
}

struct ksection *info_exe_section(struct kprocess *p)
{
	uint64_t peb = info_peb(p), base = 0, view;
	if (!peb || guest_read_ptr(p, peb + (p->ptr_size == 8 ? 0x10 : 0x8), &base) != STATUS_SUCCESS)
		return NULL;
	struct ksection *s = vm_view_at(p, base, &view);
	return s && s->pe ? s : NULL;
}

void info_vm_usage(struct kprocess *p, struct vm_usage *u)
{
	*u = (struct vm_usage){0};
	uint64_t limit = vm_user_limit(p);
	struct vm_basic_info mbi;
	for (uint64_t a = 0; a < limit && vm_query(p, a, &mbi) == STATUS_SUCCESS && mbi.region_size;
	     a = mbi.base + mbi.region_size) {
		if (mbi.state != MEM_FREE)
			u->virtual_size += mbi.region_size;
		if (mbi.state == MEM_COMMIT) {
			u->committed += mbi.region_size;
			if (mbi.type == MEM_PRIVATE)
				u->private_committed += mbi.region_size;
		}
	}
}
