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
