/* The virtual clock: guest time advances with retired instructions (1 instruction = 1 ns of
 * guest time) from a fixed start date, so the same run shows the same times. With
 * config->realtime it follows the host clock instead. */
#ifndef NTEMU_KERNEL_CLOCK_H
#define NTEMU_KERNEL_CLOCK_H

#include <stdint.h>

#include "kernel/process.h"

/* 2025-01-01 00:00:00 UTC as a FILETIME (100 ns units since 1601). */
#define CLOCK_EPOCH_FILETIME 133801632000000000ull
/* QueryPerformanceFrequency: 10 MHz, as Windows 10 and Wine report. */
#define CLOCK_QPC_FREQUENCY 10000000ull

/* Start the process's clock (kprocess_create calls it). */
void clock_init(struct kprocess *p);
/* Retired instructions of all the process's threads. */
uint64_t clock_instructions(const struct kprocess *p);
/* Time since the process started, in 100 ns units: retired instructions / 100, plus the time
 * the clock skipped while every thread waited. */
uint64_t clock_uptime(const struct kprocess *p);
/* Move time forward to `uptime` when no thread can run: a jump of the virtual clock, or a host
 * sleep under config->realtime. */
void clock_advance_to(struct kprocess *p, uint64_t uptime);
/* Current system time (FILETIME, UTC). */
uint64_t clock_system_time(const struct kprocess *p);
/* Refresh the time fields of KUSER_SHARED_DATA (no-op before it exists). */
void clock_update_shared_data(struct kprocess *p);

#endif
