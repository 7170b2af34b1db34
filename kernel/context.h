/* Windows' CONTEXT record for x64 (winnt.h, 0x4d0 bytes) to and from CPU state: what exception
 * frames carry, NtContinue restores and NtGet/SetContextThread exchange. */
#ifndef NTEMU_KERNEL_CONTEXT_H
#define NTEMU_KERNEL_CONTEXT_H

#include <stdint.h>

#include "cpu/cpu.h"

#define CONTEXT64_SIZE 0x4d0

enum {
	CONTEXT_AMD64 = 0x00100000,
	CONTEXT_CONTROL = CONTEXT_AMD64 | 0x1,        /* SegSs, Rsp, SegCs, Rip, EFlags */
	CONTEXT_INTEGER = CONTEXT_AMD64 | 0x2,        /* Rax..R15 but Rsp */
	CONTEXT_SEGMENTS = CONTEXT_AMD64 | 0x4,       /* SegDs, SegEs, SegFs, SegGs */
	CONTEXT_FLOATING_POINT = CONTEXT_AMD64 | 0x8, /* FltSave (FXSAVE64 image), MxCsr */
	CONTEXT_DEBUG_REGISTERS = CONTEXT_AMD64 | 0x10,
	CONTEXT_FULL = CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_FLOATING_POINT,
};

/* Field offsets used outside context.c (exception frames). */
enum {
	CONTEXT64_FLAGS = 0x30,
	CONTEXT64_RSP = 0x98,
	CONTEXT64_RIP = 0xf8,
};

/* Fill `ctx` with the parts of the CPU state that `flags` names (others zero). */
void context64_from_cpu(const struct cpu *c, uint32_t flags, uint8_t ctx[CONTEXT64_SIZE]);
/* Load the parts `ctx`'s own ContextFlags name. False (nothing changed) for a bad record:
 * not CONTEXT_AMD64, a code selector the CPU cannot run, reserved MXCSR bits. */
bool context64_to_cpu(struct cpu *c, const uint8_t ctx[CONTEXT64_SIZE]);

#endif
