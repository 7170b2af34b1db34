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

static uint64_t host_100ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

/* Seconds from 1601 (FILETIME's origin) to 1970 (the host's). */
#define FILETIME_UNIX_EPOCH (11644473600ull * 10000000ull)

void clock_init(struct kprocess *p)
{
	p->clock_start = host_100ns(CLOCK_REALTIME) + FILETIME_UNIX_EPOCH;
	p->clock_start_mono = host_100ns(CLOCK_MONOTONIC);
}

uint64_t clock_uptime(const struct kprocess *p)
{
	/* Under realtime the uptime follows the host's monotonic clock, so a step of the host's
	 * wall clock does not move deadlines. */
	if (p->config && p->config->realtime)
		return CLOCK_BOOT_UPTIME + host_100ns(CLOCK_MONOTONIC) - p->clock_start_mono;
	return CLOCK_BOOT_UPTIME + clock_instructions(p) / 100 + p->clock_skew;
}

void clock_advance_to(struct kprocess *p, uint64_t uptime)
{
	uint64_t now = clock_uptime(p);
	if (uptime <= now)
		return;
	if (p->config && p->config->realtime) {
		uint64_t d = uptime - now;
		struct timespec ts = {(time_t)(d / 10000000), (long)(d % 10000000) * 100};
		while (nanosleep(&ts, &ts) && !p->stop_signal)
			;
		return;
	}
	p->clock_skew += uptime - now;
}

uint64_t clock_system_time(const struct kprocess *p)
{
	if (p->config && p->config->realtime)
		return host_100ns(CLOCK_REALTIME) + FILETIME_UNIX_EPOCH;
	return CLOCK_EPOCH_FILETIME + clock_uptime(p) - CLOCK_BOOT_UPTIME;
}

uint64_t clock_process_start(const struct kprocess *p)
{
	return p->config && p->config->realtime ? p->clock_start : CLOCK_EPOCH_FILETIME;
}

uint64_t clock_read_tsc(void *ctx, struct cpu *c)
{
	const struct kprocess *p = ctx;
	if (p->config && p->config->realtime)
		return clock_uptime(p) * CLOCK_TSC_PER_100NS;
	/* The uptime in cycles without its rounding to 100 ns: every retired instruction counts,
	 * and those of the running block before this one too (cpu.icount advances at a block's
	 * end), so two reads in one block differ as on hardware. */
	uint64_t tsc = (CLOCK_BOOT_UPTIME + p->clock_skew) * CLOCK_TSC_PER_100NS + clock_instructions(p);
	if (c->cur_block && c->cur)
		tsc += (uint64_t)(c->cur - c->cur_block->insns);
	return tsc;
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
