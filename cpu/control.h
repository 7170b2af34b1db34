/* Helpers shared by the stack, control-flow, string and system families (stack.c, control.c,
 * string.c, system.c). Private to cpu/. */
#ifndef NTEMU_CPU_CONTROL_H
#define NTEMU_CPU_CONTROL_H

#include "cpu/insn.h"

/* Windows x64 selectors besides CPU_SEL_CS64/CPU_SEL_CS32: the flat data segment and the
 * 32-bit TEB segment (FS in WOW64). */
#define SEL_DATA 0x2b
#define SEL_TEB32 0x53

/* RFLAGS bits PUSHF never stores: RF and VM read as 0 in the image (SDM Vol. 2, PUSHF). */
#define FL_RF (1u << 16)
#define FL_VM (1u << 17)
#define FL_NT (1u << 14)

_Noreturn static inline void raise_gp_selector(struct cpu *c, uint16_t sel)
{
	c->trap.selector = sel;
	cpu_raise_gp(c, GP_SELECTOR);
}

/* A 64-bit mode branch target must be canonical; Intel faults on the branch itself, so the
 * state is still the one before it (SDM Vol. 1, 3.3.7.1). */
static inline bool is_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static inline void check_canonical(struct cpu *c, uint64_t target)
{
	if (!is_canonical(target)) {
		c->trap.addr = target;
		cpu_raise_gp(c, GP_NONCANONICAL);
	}
}

static inline void check_branch_target(struct cpu *c, uint64_t target)
{
	if (c->mode == CPU_MODE_64)
		check_canonical(c, target);
}

/* Stack pointer update that keeps RSP's upper half in compatibility mode, as push()/pop() do. */
static inline void sp_set(struct cpu *c, uint64_t sp)
{
	sp &= stack_mask(c);
	c->r[R_SP] = c->mode == CPU_MODE_64 ? sp : (c->r[R_SP] & ~0xffffffffull) | sp;
}

static inline uint64_t sp_get(const struct cpu *c)
{
	return c->r[R_SP] & stack_mask(c);
}

/* Read the stack slot `off` bytes above the stack pointer without popping it, so an instruction
 * that pops several values can fault before it changes RSP. */
static inline uint64_t stack_peek(struct cpu *c, uint64_t off, unsigned size)
{
	return cpu_read(c, (sp_get(c) + off) & stack_mask(c), size);
}

/* Whether `sel` may be loaded into data segment register `seg` by user code. ntemu has no
 * descriptor tables: the loadable selectors are the null selector (not for SS, SDM Vol. 2,
 * MOV: #GP(0) on a null SS at CPL 3 in 64-bit mode) and those already in use by ES/SS/DS/FS/GS.
 * The segment bases never change: 64-bit mode ignores ES/SS/DS, and FS/GS keep the TEB bases
 * the kernel gave them (a real CPU would reload them from the descriptor). */
bool seg_selector_ok(const struct cpu *c, enum seg seg, uint16_t sel);

/* CPUID leaf/subleaf of the virtual CPU model (system.c): EAX EBX ECX EDX. The kernel's view of
 * the processor (ProcessorFeatures, XState) must agree with it. */
void cpu_cpuid(const struct cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
