#include "kernel/clock.h"

#include <time.h>

#include "kernel/thread.h"

#define KUSER_SHARED_DATA 0x7ffe0000ull

uint64_t clock_instructions(const struct kprocess *p)
{
	uint64_t n = 0;
	for (const struct kthread *t = p->threads; t; t = t->next)
		n += t->cpu.icount;
	return n;
}

static uint64_t host_100ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

void clock_init(struct kprocess *p)
{
	p->clock_start = host_100ns();
}

uint64_t clock_uptime(const struct kprocess *p)
{
	if (p->config && p->config->realtime)
		return host_100ns() - p->clock_start;
	return clock_instructions(p) / 100 + p->clock_skew;
}

void clock_advance_to(struct kprocess *p, uint64_t uptime)
{
	uint64_t now = clock_uptime(p);
	if (uptime <= now)
		return;
	if (p->config && p->config->realtime) {
		uint64_t d = uptime - now;
		struct timespec ts = {(time_t)(d / 10000000), (long)(d % 10000000) * 100};
		while (nanosleep(&ts, &ts))
			;
		return;
	}
	p->clock_skew += uptime - now;
}

uint64_t clock_system_time(const struct kprocess *p)
{
	if (p->config && p->config->realtime)
		return host_100ns();
	return CLOCK_EPOCH_FILETIME + clock_uptime(p);
}

/* KSYSTEM_TIME {LowPart, High1Time, High2Time}: readers retry until High1 == High2, so High2
 * is written first and High1 last. */
static void put_ksystem_time(struct kprocess *p, uint64_t offset, uint64_t v)
{
	uint32_t low = (uint32_t)v, high = (uint32_t)(v >> 32);
	gmem_poke(p->mem, KUSER_SHARED_DATA + offset + 8, &high, 4, NULL);
	gmem_poke(p->mem, KUSER_SHARED_DATA + offset, &low, 4, NULL);
	gmem_poke(p->mem, KUSER_SHARED_DATA + offset + 4, &high, 4, NULL);
}

void clock_update_shared_data(struct kprocess *p)
{
	if (!p->shared_data_ready)
		return;
	uint64_t uptime = clock_uptime(p);
	put_ksystem_time(p, 0x08, uptime);                   /* InterruptTime */
	put_ksystem_time(p, 0x14, clock_system_time(p));     /* SystemTime */
	uint64_t ticks = uptime / 10000;                     /* milliseconds */
	uint32_t low = (uint32_t)ticks;
	gmem_poke(p->mem, KUSER_SHARED_DATA + 0x0, &low, 4, NULL); /* TickCountLowDeprecated */
	put_ksystem_time(p, 0x320, ticks);                   /* TickCount */
}
