/* Time services, all from the virtual clock (kernel/clock.c). */
#include "kernel/clock.h"
#include "kernel/guest.h"

ntstatus_t nt_query_system_time(struct nt_call *c, gptr_t time)
{
	uint64_t now = clock_system_time(c->proc);
	return guest_write(c->proc, time, &now, 8);
}

ntstatus_t nt_query_performance_counter(struct nt_call *c, gptr_t counter, gptr_t frequency)
{
	/* The counter ticks at CLOCK_QPC_FREQUENCY = one tick per 100 ns of uptime. */
	uint64_t count = clock_uptime(c->proc), freq = CLOCK_QPC_FREQUENCY;
	ntstatus_t st = guest_write(c->proc, counter, &count, 8);
	if (st == STATUS_SUCCESS && frequency)
		st = guest_write(c->proc, frequency, &freq, 8);
	return st;
}

/* Timer resolutions in 100 ns, as Windows reports them: the coarsest (15.625 ms, the default
 * tick) is called the minimum, the finest (0.5 ms) the maximum. The virtual clock is exact at
 * any resolution; these are what programs that call timeBeginPeriod expect to read back. */
#define TIMER_RESOLUTION_COARSEST 156250u
#define TIMER_RESOLUTION_FINEST 5000u

static uint32_t current_timer_resolution(const struct kprocess *p)
{
	return p->timer_resolution ? p->timer_resolution : TIMER_RESOLUTION_COARSEST;
}

ntstatus_t nt_query_timer_resolution(struct nt_call *c, gptr_t min_resolution, gptr_t max_resolution,
				     gptr_t current_resolution)
{
	uint32_t coarsest = TIMER_RESOLUTION_COARSEST, finest = TIMER_RESOLUTION_FINEST;
	uint32_t current = current_timer_resolution(c->proc);
	ntstatus_t st = guest_write(c->proc, min_resolution, &coarsest, 4);
	if (st == STATUS_SUCCESS)
		st = guest_write(c->proc, max_resolution, &finest, 4);
	if (st == STATUS_SUCCESS)
		st = guest_write(c->proc, current_resolution, &current, 4);
	return st;
}

/* A request is clamped to the supported range and kept until the process withdraws it;
 * withdrawing without a request is STATUS_TIMER_RESOLUTION_NOT_SET (ExSetTimerResolution).
 * The process is the machine's only one, so its request is the machine's resolution. */
ntstatus_t nt_set_timer_resolution(struct nt_call *c, uint32_t resolution, uint32_t set,
				   gptr_t current_resolution)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = STATUS_SUCCESS;
	if (set) {
		p->timer_resolution = resolution < TIMER_RESOLUTION_FINEST ? TIMER_RESOLUTION_FINEST
				      : resolution > TIMER_RESOLUTION_COARSEST ? TIMER_RESOLUTION_COARSEST
				      : resolution;
	} else if (p->timer_resolution) {
		p->timer_resolution = 0;
	} else {
		st = STATUS_TIMER_RESOLUTION_NOT_SET;
	}
	uint32_t current = current_timer_resolution(p);
	ntstatus_t wst = guest_write(p, current_resolution, &current, 4);
	return wst != STATUS_SUCCESS ? wst : st;
}
