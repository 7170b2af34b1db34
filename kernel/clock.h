/* The virtual clock: guest time advances with retired instructions (1 instruction = 1 ns of
 * guest time) from a fixed start date, so the same run shows the same times. With
 * config->realtime it follows the host clock instead.
 *
 * The virtual machine booted CLOCK_BOOT_UPTIME before the process started, as a real machine
 * has been up a while when a program runs: uptime (KUSER_SHARED_DATA InterruptTime and
 * TickCount, NtQueryPerformanceCounter, RDTSC) starts there, and the boot time
 * (SystemTimeOfDayInformation) is the system time minus the uptime. Wine's
 * GlobalMemoryStatusEx, for one, answers from an empty cache while the tick count is below
 * 1000. */
#ifndef NTEMU_KERNEL_CLOCK_H
#define NTEMU_KERNEL_CLOCK_H

#include <stdint.h>

#include "kernel/process.h"

/* 2025-01-01 00:00:00 UTC as a FILETIME (100 ns units since 1601): the system time when the
 * process starts. */
#define CLOCK_EPOCH_FILETIME 133801632000000000ull
/* Uptime when the process starts: one hour, in 100 ns units (the machine booted at
 * 2024-12-31 23:00:00 UTC). */
#define CLOCK_BOOT_UPTIME 36000000000ull
/* QueryPerformanceFrequency: 10 MHz, as Windows 10 and Wine report. */
#define CLOCK_QPC_FREQUENCY 10000000ull
/* RDTSC counts at 1 GHz: one cycle per instruction (1 ns of virtual time). */
#define CLOCK_TSC_PER_100NS 100ull

/* Start the process's clock (kprocess_create calls it). */
void clock_init(struct kprocess *p);
/* Retired instructions of all the process's threads. */
uint64_t clock_instructions(const struct kprocess *p);
/* Time since the machine booted, in 100 ns units: CLOCK_BOOT_UPTIME, plus retired
 * instructions / 100, plus the time the clock skipped while every thread waited. */
uint64_t clock_uptime(const struct kprocess *p);
/* Move time forward to `uptime` when no thread can run: a jump of the virtual clock, or a host
 * sleep under config->realtime. */
void clock_advance_to(struct kprocess *p, uint64_t uptime);
/* Current system time (FILETIME, UTC). */
uint64_t clock_system_time(const struct kprocess *p);
/* System time when the process started (its CreateTime). */
uint64_t clock_process_start(const struct kprocess *p);
/* The time-stamp counter thread c reads (cpu_hooks.read_tsc, ctx = the process): the uptime
 * in cycles, with the instructions c ran since its turn began counted exactly. */
uint64_t clock_read_tsc(void *ctx, struct cpu *c);
/* Refresh the time fields of KUSER_SHARED_DATA (no-op before it exists). */
void clock_update_shared_data(struct kprocess *p);

#endif
