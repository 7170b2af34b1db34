/* Running a process: each runnable thread in creation order for one quantum of instructions,
 * then whatever stopped it is served — a system call, an exception, the end of its turn. No
 * host threads and no host time: the same input gives the same run. */
#include <string.h>

#include "kernel/clock.h"
#include "kernel/exception.h"
#include "kernel/guest.h"
#include "kernel/thread.h"
#include "kernel/trace.h"
#include "kernel/unixcall.h"
#include "kernel/vm.h"

#define DEFAULT_QUANTUM 100000

/* x64 system-call convention (GUEST-CONTRACT.md §0): eax = service, arguments in r10, rdx,
 * r8, r9, then on the stack from [rsp+0x28]; [rsp] is the stub's return address. */
static void syscall_x64(struct kthread *t)
{
	struct kprocess *p = t->proc;
	struct cpu *c = &t->cpu;
	uint32_t id = (uint32_t)c->r[R_AX];
	if ((id & 0xffff) == UNIX_CALL_SERVICE) {
		c->r[R_AX] = unix_call(t, c->r[R_10], (uint32_t)c->r[R_DX], c->r[R_8]);
		return;
	}
	struct nt_call call = {.proc = p, .thread = t};
	p->current = t;
	struct dispatch_entry *d = dispatch_lookup(&p->syscalls, id);
	unsigned nargs = d && d->desc ? d->desc->nargs : 4;
	static const int regs[4] = {R_10, R_DX, R_8, R_9};
	for (unsigned i = 0; i < nargs && i < 4; i++)
		call.args[i] = c->r[regs[i]];

	ntstatus_t status;
	if (nargs > 4 &&
	    guest_read(p, c->r[R_SP] + 0x28, &call.args[4], 8 * (nargs - 4)) != STATUS_SUCCESS) {
		status = STATUS_ACCESS_VIOLATION;
	} else {
		gmem_read(p->mem, c->r[R_SP], &call.caller, 8, NULL);
		t->context_replaced = false;
		enum dispatch_result r = dispatch_call(&p->syscalls, &p->log, id, &call, &status);
		if (r == DISPATCH_UNIMPLEMENTED && p->log.strict)
			p->fatal = "unimplemented system call (--strict)";
	}
	if (p->trace_out) {
		/* A wait that parked the thread: its status comes with the line that ends it. */
		const char *name = d ? d->name : "?";
		if (t->state == THREAD_WAITING) {
			trace_syscall_blocked(p->trace_out, p, t->tid, name, &call, nargs);
			t->blocked_call = name;
		} else {
			trace_syscall(p->trace_out, p, t->tid, name, &call, nargs, status);
		}
	}
	if (!t->context_replaced)
		c->r[R_AX] = status;
	t->context_replaced = false;
}

/* TEB fields of the thread's stack (x64 offsets, ../shared/reference). */
enum { TEB_STACK_BASE = 0x8, TEB_STACK_LIMIT = 0x10, TEB_DEALLOCATION_STACK = 0x1478,
       TEB_GUARANTEED_STACK_BYTES = 0x1748 };

/* A guard page was touched. Inside the thread's stack this is stack growth: the guard moves
 * down and the thread resumes without an exception (true), unless the stack is exhausted
 * (STATUS_STACK_OVERFLOW). Elsewhere the page loses its guard and the fault is raised once as
 * STATUS_GUARD_PAGE_VIOLATION (false: the caller delivers it). */
static bool guard_page_fault(struct kthread *t)
{
	struct kprocess *p = t->proc;
	struct cpu *c = &t->cpu;
	uint64_t dealloc = 0, base = 0, limit = 0;
	uint32_t guaranteed = 0;
	if (t->teb) {
		gmem_peek(p->mem, t->teb + TEB_DEALLOCATION_STACK, &dealloc, 8, NULL);
		gmem_peek(p->mem, t->teb + TEB_STACK_BASE, &base, 8, NULL);
		gmem_peek(p->mem, t->teb + TEB_GUARANTEED_STACK_BYTES, &guaranteed, 4, NULL);
	}
	ntstatus_t st = vm_guard_fault(p, c->trap.addr, dealloc, base, guaranteed, &limit);
	if (st == STATUS_SUCCESS) {
		gmem_poke(p->mem, t->teb + TEB_STACK_LIMIT, &limit, 8, NULL);
		return true;
	}
	if (st == STATUS_STACK_OVERFLOW) {
		struct exception_info e = {.code = STATUS_STACK_OVERFLOW, .address = c->trap.insn_rip,
					   .nparams = 2, .params = {c->trap.access, c->trap.addr}};
		exception_deliver(t, &e);
		return true;
	}
	return false;
}

static void serve_trap(struct kthread *t, enum trap_kind kind)
{
	struct cpu *c = &t->cpu;
	struct exception_info e;
	switch (kind) {
	case TRAP_BUDGET:
	case TRAP_STOP:
		return;
	case TRAP_SYSCALL:
		syscall_x64(t);
		return;
	case TRAP_INT:
		if (c->trap.vector == 0x2e && c->mode == CPU_MODE_64) {
			/* The legacy system-call gate still works on x64 Windows. */
			syscall_x64(t);
			return;
		}
		if (c->trap.vector == 0x29) {
			/* __fastfail: the process ends at once, no handler runs. */
			t->proc->last_exception.code = STATUS_STACK_BUFFER_OVERRUN;
			t->proc->last_exception.address = c->trap.insn_rip;
			t->proc->last_exception.valid = true;
			kprocess_exit(t->proc, STATUS_STACK_BUFFER_OVERRUN);
			return;
		}
		if (c->trap.vector == 3 || c->trap.vector == 0x2d) {
			/* int 3 (two-byte form) and the debug-service int 2d are breakpoints. */
			memset(&e, 0, sizeof e);
			e.code = STATUS_BREAKPOINT;
			e.address = c->trap.insn_rip;
			e.nparams = 1;
			exception_deliver(t, &e);
			return;
		}
		break;
	case TRAP_PAGE_FAULT:
		if (c->trap.guard && guard_page_fault(t))
			return;
		break;
	default:
		break;
	}
	if (exception_from_trap(c, &e))
		exception_deliver(t, &e);
}

uint32_t kernel_run(struct kprocess *p)
{
	uint64_t quantum = p->quantum ? p->quantum : DEFAULT_QUANTUM;
	while (!p->exited && !p->fatal) {
		if (p->stop_signal) {
			p->fatal = "interrupted by a signal";
			break;
		}
		bool ran = false;
		for (struct kthread *t = p->threads; t && !p->exited && !p->fatal; t = t->next) {
			if (!kthread_can_run(t))
				continue;
			ran = true;
			uint64_t budget = quantum;
			if (p->max_insns) {
				uint64_t used = clock_instructions(p);
				if (used >= p->max_insns) {
					p->fatal = "instruction budget (--max-insns) exhausted";
					break;
				}
				if (p->max_insns - used < budget)
					budget = p->max_insns - used;
			}
			if (t->blocked_call) {
				/* The thread goes on after a call that blocked: its status now. */
				trace_wait_end(p->trace_out, t->tid, t->blocked_call, t->blocked_status, false);
				t->blocked_call = NULL;
			}
			clock_update_shared_data(p);
			serve_trap(t, cpu_run(&t->cpu, budget));
		}
		if (ran) {
			/* Deadlines that passed during the round. */
			wait_update(p);
			continue;
		}
		if (p->exited || p->fatal)
			break;
		bool alive = false;
		for (struct kthread *t = p->threads; t; t = t->next)
			alive |= t->state != THREAD_TERMINATED;
		if (!alive) {
			/* Every thread ended without NtTerminateProcess: the process ends with the
			 * last thread's status (Windows: the last thread's exit ends the process). */
			uint32_t status = 0;
			for (struct kthread *t = p->threads; t; t = t->next)
				status = t->exit_status;
			kprocess_exit(p, status);
		} else if (!wait_idle(p)) {
			/* Nothing runs and no wait has a deadline: nothing can ever happen. */
			p->fatal = "deadlock: every thread waits forever";
		}
	}
	return p->exit_status;
}
