#include "kernel/exception.h"

#include <string.h>

#include "kernel/context.h"
#include "kernel/guest.h"

/* Layout below the faulting stack pointer (Wine's struct stack_layout, matching Windows):
 * CONTEXT at rsp, CONTEXT_EX at +0x4d0, EXCEPTION_RECORD at +0x4f0, 0x590 bytes in all, and
 * a 0x20-byte gap above it where the dispatcher writes a fake frame. */
#define FRAME_SIZE 0x590
#define FRAME_GAP 0x20
#define CONTEXT_EX_OFFSET 0x4d0
#define RECORD_OFFSET 0x4f0
#define RECORD_SIZE 0x98

enum { ACCESS_VIOLATION_PARAMS = 2 };

/* The code of the unmasked floating-point exception with the highest priority among `pending`
 * (IE, DE, ZE, OE, UE, PE in bits 0-5, as both the x87 status word and MXCSR hold them; SDM
 * Vol. 1, 8.7.1 and 11.5.2). */
static uint32_t float_exception_code(unsigned pending)
{
	return pending & 0x01 ? STATUS_FLOAT_INVALID_OPERATION
	     : pending & 0x04 ? STATUS_FLOAT_DIVIDE_BY_ZERO
	     : pending & 0x02 ? STATUS_FLOAT_DENORMAL_OPERAND
	     : pending & 0x08 ? STATUS_FLOAT_OVERFLOW
	     : pending & 0x10 ? STATUS_FLOAT_UNDERFLOW
			      : STATUS_FLOAT_INEXACT_RESULT;
}

bool exception_from_trap(const struct cpu *c, struct exception_info *e)
{
	const struct cpu_trap *t = &c->trap;
	memset(e, 0, sizeof *e);
	e->address = t->insn_rip;
	switch (t->kind) {
	case TRAP_PAGE_FAULT:
		e->code = t->guard ? STATUS_GUARD_PAGE_VIOLATION : STATUS_ACCESS_VIOLATION;
		e->nparams = ACCESS_VIOLATION_PARAMS;
		e->params[0] = t->access;
		e->params[1] = t->addr;
		return true;
	case TRAP_GP:
		if (t->reason == GP_PRIVILEGED) {
			e->code = STATUS_PRIVILEGED_INSTRUCTION;
			return true;
		}
		/* Misaligned SSE operands, non-canonical addresses and bad selectors: Windows
		 * reports an access violation reading address ~0. */
		e->code = STATUS_ACCESS_VIOLATION;
		e->nparams = ACCESS_VIOLATION_PARAMS;
		e->params[0] = ACCESS_READ;
		e->params[1] = ~0ull;
		return true;
	case TRAP_UD:
		e->code = STATUS_ILLEGAL_INSTRUCTION;
		return true;
	case TRAP_DE:
		/* FIXME: Windows reports STATUS_INTEGER_OVERFLOW for a quotient overflow with a
		 * non-zero divisor; the CPU trap does not say which it was yet. */
		e->code = STATUS_INTEGER_DIVIDE_BY_ZERO;
		return true;
	case TRAP_BREAKPOINT:
		e->code = STATUS_BREAKPOINT;
		e->nparams = 1;
		return true;
	case TRAP_SINGLE_STEP:
		e->code = STATUS_SINGLE_STEP;
		e->address = c->rip;
		return true;
	case TRAP_BOUND:
		e->code = STATUS_ARRAY_BOUNDS_EXCEEDED;
		return true;
	case TRAP_X87: {
		unsigned pending = c->fpu.sw & ~c->fpu.cw & 0x3f;
		/* An invalid operation with SF set is a stack fault. */
		e->code = pending & 0x01 && c->fpu.sw & 0x40 ? STATUS_FLOAT_STACK_CHECK
							      : float_exception_code(pending);
		return true;
	}
	case TRAP_SIMD:
		e->code = float_exception_code(c->mxcsr & ~(c->mxcsr >> 7) & 0x3f);
		return true;
	case TRAP_INT:
		/* int n through a gate user code may not use is #GP: an access violation. */
		e->code = STATUS_ACCESS_VIOLATION;
		e->nparams = ACCESS_VIOLATION_PARAMS;
		e->params[1] = ~0ull;
		return true;
	default:
		return false;
	}
}

static void encode_record(const struct exception_info *e, uint8_t rec[RECORD_SIZE])
{
	memset(rec, 0, RECORD_SIZE);
	memcpy(rec + 0x00, &e->code, 4);
	memcpy(rec + 0x04, &e->flags, 4);
	memcpy(rec + 0x10, &e->address, 8);
	memcpy(rec + 0x18, &e->nparams, 4);
	memcpy(rec + 0x20, e->params, 8 * (e->nparams < EXCEPTION_MAXIMUM_PARAMETERS
						   ? e->nparams : EXCEPTION_MAXIMUM_PARAMETERS));
}

/* Write the frame for `ctx` and `rec` and enter KiUserExceptionDispatcher. */
static bool deliver_frame(struct kthread *t, const uint8_t *rec, uint8_t *ctx)
{
	struct kprocess *p = t->proc;
	struct cpu *c = &t->cpu;
	uint64_t rsp;
	memcpy(&rsp, ctx + CONTEXT64_RSP, 8);
	uint64_t frame = ((rsp & ~15ull) - FRAME_GAP - FRAME_SIZE);
	uint8_t buf[FRAME_SIZE];
	memcpy(buf, ctx, CONTEXT64_SIZE);
	/* CONTEXT_EX (Wine's context_init_xstate): All and Legacy chunks cover the CONTEXT
	 * just below it; no XSAVE area. */
	int32_t chunks[6] = {-CONTEXT64_SIZE, CONTEXT64_SIZE + 24, -CONTEXT64_SIZE, CONTEXT64_SIZE,
			     0, 25};
	memset(buf + CONTEXT_EX_OFFSET, 0, RECORD_OFFSET - CONTEXT_EX_OFFSET);
	memcpy(buf + CONTEXT_EX_OFFSET, chunks, sizeof chunks);
	memcpy(buf + RECORD_OFFSET, rec, RECORD_SIZE);
	if (guest_write(p, frame, buf, FRAME_SIZE) != STATUS_SUCCESS)
		return false;
	c->r[R_SP] = frame;
	c->rip = p->ntdll.ki_user_exception_dispatcher;
	cpu_set_rflags(c, cpu_get_rflags(c) & ~(uint64_t)(FL_TF | FL_DF | FL_AC));
	t->context_replaced = true;
	uint32_t code;
	memcpy(&code, rec, 4);
	memcpy(&p->last_exception.address, rec + 0x10, 8);
	p->last_exception.code = code;
	p->last_exception.valid = true;
	return true;
}

void exception_deliver(struct kthread *t, const struct exception_info *e)
{
	struct cpu *c = &t->cpu;
	uint8_t rec[RECORD_SIZE], ctx[CONTEXT64_SIZE];
	encode_record(e, rec);
	context64_from_cpu(c, CONTEXT_FULL | CONTEXT_SEGMENTS, ctx);
	/* The dispatcher reports a breakpoint at the int3 itself (GUEST-CONTRACT.md §7). */
	if (e->code == STATUS_BREAKPOINT)
		memcpy(ctx + CONTEXT64_RIP, &e->address, 8);
	if (!t->proc->ntdll.ki_user_exception_dispatcher || !deliver_frame(t, rec, ctx)) {
		t->proc->last_exception.code = e->code;
		t->proc->last_exception.address = e->address;
		t->proc->last_exception.valid = true;
		kprocess_exit(t->proc, e->code);
	}
}

ntstatus_t exception_deliver_raw(struct kthread *t, const uint8_t *record, size_t record_size,
				 const uint8_t *context)
{
	uint8_t rec[RECORD_SIZE] = {0}, ctx[CONTEXT64_SIZE];
	memcpy(rec, record, record_size < RECORD_SIZE ? record_size : RECORD_SIZE);
	memcpy(ctx, context, CONTEXT64_SIZE);
	if (!t->proc->ntdll.ki_user_exception_dispatcher)
		return STATUS_NOT_SUPPORTED;
	return deliver_frame(t, rec, ctx) ? STATUS_SUCCESS : STATUS_ACCESS_VIOLATION;
}
