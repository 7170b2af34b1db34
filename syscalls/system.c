/* System information: NtQuerySystemInformation and NtQuerySystemInformationEx.
 *
 * The machine ntemu presents: one processor (the virtual CPU: Intel family 6 model 0x9e
 * stepping 10, 32 KiB L1d/L1i, 256 KiB L2, 8 MiB L3, 64-byte lines), 4 KiB pages, 64 KiB
 * allocation granularity, the physical memory KUSER_SHARED_DATA announces, the UTC time zone,
 * no kernel debugger, and this process alone. Fixed-size classes want at least their size
 * (STATUS_INFO_LENGTH_MISMATCH, with the size in *ReturnLength); unknown or unsupported classes
 * are STATUS_INVALID_INFO_CLASS. */
#include <string.h>

#include "kernel/clock.h"
#include "kernel/guest.h"
#include "kernel/info.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "kernel/vm.h"
#include "syscalls/info.h"
#include "syscalls/record.h"

/* KUSER_SHARED_DATA.NumberOfPhysicalPages (loader/bootstrap.c): 24 GiB. */
#define PHYSICAL_PAGES 0x600000u
#define PAGE_SIZE 0x1000u

enum system_info_class {
	SystemBasicInformation = 0,
	SystemCpuInformation = 1,
	SystemPerformanceInformation = 2,
	SystemTimeOfDayInformation = 3,
	SystemProcessInformation = 5,
	SystemProcessorPerformanceInformation = 8,
	SystemFlagsInformation = 9,
	SystemKernelDebuggerInformation = 35,
	SystemCurrentTimeZoneInformation = 44,
	SystemRangeStartInformation = 50,
	SystemRecommendedSharedDataAlignment = 58,
	SystemEmulationBasicInformation = 62,
	SystemEmulationProcessorInformation = 63,
	SystemLogicalProcessorInformation = 73,
	SystemFirmwareTableInformation = 76,
	SystemDynamicTimeZoneInformation = 102,
	SystemLogicalProcessorInformationEx = 107,
	SystemNativeBasicInformation = 114,
	SystemKernelDebuggerInformationEx = 149,
	SystemWineVersionInformation = 1000,
};

/* SYSTEM_BASIC_INFORMATION for a 64-bit (`native`) or 32-bit view of the machine. */
static void put_basic(struct record *r, bool wide)
{
	rec_u32(r, 0);                  /* Reserved */
	rec_u32(r, 156250);             /* TimerResolution: 15.625 ms */
	rec_u32(r, PAGE_SIZE);
	rec_u32(r, PHYSICAL_PAGES);
	rec_u32(r, 1);                  /* LowestPhysicalPageNumber */
	rec_u32(r, PHYSICAL_PAGES);     /* HighestPhysicalPageNumber */
	rec_u32(r, VM_GRANULARITY);
	rec_ptr(r, VM_LOW_LIMIT);
	/* The last byte below the top 64 KiB of user space (MmHighestUserAddress). */
	rec_ptr(r, (wide ? VM_USER_LIMIT_64 : VM_USER_LIMIT_32) - 1);
	rec_ptr(r, SYSTEM_AFFINITY);
	rec_u8(r, 1);                   /* NumberOfProcessors */
}

/* CPU_FEATURE_* bits (Wine's winternl.h) of what the virtual CPU runs, matching the
 * ProcessorFeatures of KUSER_SHARED_DATA: TSC, CMOV, CX8, MMX, X86, FXSR, SSE, SSE2, SSE3,
 * CX128, XSAVE, NX, SSSE3, SSE4.1, SSE4.2. */
#define CPU_FEATURES (0x2 | 0x8 | 0x80 | 0x100 | 0x200 | 0x800 | 0x2000 | 0x10000 | 0x80000 | \
		      0x100000 | 0x800000 | 0x20000000 | 0x8000 | 0x1000000 | 0x2000000)

/* SYSTEM_CPU_INFORMATION {Architecture; Level; Revision; MaximumProcessors; FeatureSet}. */
static void put_cpu(struct record *r, bool wide)
{
	rec_u16(r, wide ? 9 : 0); /* PROCESSOR_ARCHITECTURE_AMD64 / _INTEL */
	rec_u16(r, 6);            /* family */
	rec_u16(r, 0x9e0a);       /* model << 8 | stepping */
	rec_u16(r, 1);
	rec_u32(r, CPU_FEATURES);
}

/* RTL_(DYNAMIC_)TIME_ZONE_INFORMATION for UTC: Bias, StandardName[32], StandardDate,
 * StandardBias, DaylightName[32], DaylightDate, DaylightBias (then TimeZoneKeyName[128] and
 * DynamicDaylightTimeDisabled for the dynamic form). */
static void put_wstr(struct record *r, const char *s, unsigned chars)
{
	for (unsigned i = 0; i < chars; i++)
		rec_u16(r, *s ? (uint8_t)*s++ : 0);
}

static void put_time_zone(struct record *r, bool dynamic)
{
	static const char name[] = "Coordinated Universal Time";
	rec_u32(r, 0);
	put_wstr(r, name, 32);
	put_wstr(r, "", 8);      /* SYSTEMTIME StandardDate */
	rec_u32(r, 0);
	put_wstr(r, name, 32);
	put_wstr(r, "", 8);
	rec_u32(r, 0);
	if (dynamic) {
		put_wstr(r, "UTC", 128);
		rec_u8(r, 0);
	}
}

/* SYSTEM_LOGICAL_PROCESSOR_INFORMATION(_EX) relations of the one processor. */
enum { RelationProcessorCore, RelationNumaNode, RelationCache, RelationProcessorPackage, RelationGroup };
enum { CacheUnified, CacheInstruction, CacheData };

static const struct cache {
	uint8_t level, ways;
	uint32_t size;
	uint8_t type;
} caches[] = {
	{1, 8, 32 << 10, CacheData},
	{1, 8, 32 << 10, CacheInstruction},
	{2, 4, 256 << 10, CacheUnified},
	{3, 16, 8 << 20, CacheUnified},
};
#define NCACHES (sizeof caches / sizeof caches[0])

/* The classic array: core, caches, package, NUMA node. Each entry is {ULONG_PTR ProcessorMask;
 * Relationship; union (16 bytes, 8-aligned): ProcessorCore.Flags 0 (no SMT) / NumaNode 0 /
 * CACHE_DESCRIPTOR {Level; Associativity; LineSize; Size; Type}}. */
static void put_logical_processors(struct record *r)
{
	for (unsigned i = 0; i < NCACHES + 3; i++) {
		unsigned rel = i == 0 ? RelationProcessorCore : i <= NCACHES ? RelationCache :
			       i == NCACHES + 1 ? RelationProcessorPackage : RelationNumaNode;
		rec_ptr(r, SYSTEM_AFFINITY);
		rec_u32(r, rel);
		rec_u64(r, 0);
		rec_u64(r, 0);
		if (rel == RelationCache) {
			const struct cache *c = &caches[i - 1];
			uint8_t *u = r->b + r->n - 16;
			uint32_t cd[2] = {c->size, c->type};
			u[0] = c->level;
			u[1] = c->ways;
			u[2] = 64;
			memcpy(u + 4, cd, sizeof cd);
		}
	}
}

/* GROUP_AFFINITY {KAFFINITY Mask; USHORT Group; USHORT Reserved[3]}. */
static void put_group_affinity(struct record *r)
{
	rec_ptr(r, SYSTEM_AFFINITY);
	rec_u16(r, 0);
	rec_bytes(r, "\0\0\0\0\0\0", 6, 2);
	rec_align(r, r->w);
}

/* One SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX {Relationship; Size; union}. */
static void put_relation_ex(struct record *r, unsigned rel, const struct cache *c)
{
	uint32_t start = r->n;
	rec_u32(r, rel);
	rec_u32(r, 0); /* Size, patched below */
	static const uint8_t zero[40];
	switch (rel) {
	case RelationProcessorCore:
	case RelationProcessorPackage:
		/* PROCESSOR_RELATIONSHIP {Flags; EfficiencyClass; Reserved[20]; GroupCount; GroupMask[]} */
		rec_bytes(r, zero, 22, 1);
		rec_u16(r, 1);
		put_group_affinity(r);
		break;
	case RelationNumaNode:
		/* NUMA_NODE_RELATIONSHIP {NodeNumber; Reserved[18]; GroupCount; GroupMask} */
		rec_u32(r, 0);
		rec_bytes(r, zero, 18, 1);
		rec_u16(r, 1);
		put_group_affinity(r);
		break;
	case RelationCache:
		/* CACHE_RELATIONSHIP {Level; Associativity; LineSize; CacheSize; Type; Reserved[18];
		 * GroupCount; GroupMask} */
		rec_u8(r, c->level);
		rec_u8(r, c->ways);
		rec_u16(r, 64);
		rec_u32(r, c->size);
		rec_u32(r, c->type);
		rec_bytes(r, zero, 18, 1);
		rec_u16(r, 1);
		put_group_affinity(r);
		break;
	case RelationGroup:
		/* GROUP_RELATIONSHIP {MaximumGroupCount; ActiveGroupCount; Reserved[20];
		 * PROCESSOR_GROUP_INFO {MaximumProcessorCount; ActiveProcessorCount; Reserved[38];
		 * ActiveProcessorMask}} */
		rec_u16(r, 1);
		rec_u16(r, 1);
		rec_bytes(r, zero, 20, 1);
		rec_u8(r, 1);
		rec_u8(r, 1);
		rec_bytes(r, zero, 38, 1);
		rec_ptr(r, SYSTEM_AFFINITY);
		break;
	}
	rec_align(r, r->w);
	uint32_t size = r->n - start;
	for (int i = 0; i < 4; i++)
		r->b[start + 4 + i] = (uint8_t)(size >> (8 * i));
}

static void put_logical_processors_ex(struct record *r, uint32_t want)
{
	static const unsigned order[] = {RelationProcessorCore, RelationNumaNode, RelationCache,
					 RelationProcessorPackage, RelationGroup};
	for (unsigned k = 0; k < sizeof order / sizeof order[0]; k++) {
		unsigned rel = order[k];
		if (want != 0xffff && want != rel)
			continue;
		if (rel == RelationCache)
			for (unsigned i = 0; i < NCACHES; i++)
				put_relation_ex(r, rel, &caches[i]);
		else
			put_relation_ex(r, rel, NULL);
	}
}

/* SYSTEM_PROCESS_INFORMATION for this process and SYSTEM_THREAD_INFORMATION for each thread,
 * then the image's base name. FIXME: the System Idle Process and System entries Windows lists
 * first. */
static void put_process_list(struct kprocess *p, struct record *r, gptr_t base)
{
	unsigned nthreads = 0;
	for (struct kthread *t = p->threads; t; t = t->next)
		nthreads++;
	const uint16_t *name = NULL;
	size_t name_len = 0;
	struct ksection *exe = info_exe_section(p);
	if (exe && exe->file_name) {
		size_t start = exe->file_name_len;
		while (start && exe->file_name[start - 1] != '\\')
			start--;
		name = exe->file_name + start;
		name_len = exe->file_name_len - start;
	}
	struct vm_usage u;
	info_vm_usage(p, &u);
	rec_u32(r, 0);            /* NextEntryOffset: the last entry */
	rec_u32(r, nthreads);
	rec_u64(r, u.private_committed); /* WorkingSetPrivateSize */
	rec_u32(r, 0);            /* HardFaultCount */
	rec_u32(r, nthreads);     /* NumberOfThreadsHighWatermark */
	rec_u64(r, clock_instructions(p)); /* CycleTime */
	rec_u64(r, clock_process_start(p)); /* CreateTime */
	rec_u64(r, clock_instructions(p) / 100); /* UserTime: 1 ns per instruction, as ProcessTimes */
	rec_u64(r, 0);            /* KernelTime */
	uint32_t name_field = (r->n + r->w - 1) & ~(r->w - 1);
	rec_u16(r, name_len * 2);
	rec_u16(r, name ? name_len * 2 + 2 : 0);
	rec_ptr(r, 0);            /* ImageName.Buffer, filled in below */
	rec_u32(r, 8);            /* BasePriority */
	rec_ptr(r, 0x10);         /* UniqueProcessId */
	rec_ptr(r, 0);            /* InheritedFromUniqueProcessId */
	rec_u32(r, (uint32_t)p->handles.count);
	rec_u32(r, 1);            /* SessionId */
	rec_ptr(r, 0);            /* UniqueProcessKey */
	put_vm_counters(r, &u, true);
	for (int i = 0; i < 6; i++)
		rec_u64(r, 0);    /* IO_COUNTERS */
	rec_align(r, 8);
	for (struct kthread *t = p->threads; t; t = t->next) {
		rec_u64(r, 0);                   /* KernelTime */
		rec_u64(r, t->cpu.icount / 100); /* UserTime */
		rec_u64(r, t->create_time);      /* CreateTime */
		rec_u32(r, 0);                   /* WaitTime */
		rec_ptr(r, 0);                   /* StartAddress */
		rec_ptr(r, 0x10);                /* ClientId */
		rec_ptr(r, t->tid);
		rec_u32(r, 8);                   /* Priority */
		rec_u32(r, 8);                   /* BasePriority */
		rec_u32(r, 0);                   /* ContextSwitches */
		rec_u32(r, t->state == THREAD_TERMINATED ? 4 : 2); /* Terminated / Running */
		rec_u32(r, 0);                   /* WaitReason */
		rec_align(r, 8);
	}
	if (!name)
		return;
	uint64_t name_at = base + r->n;
	rec_bytes(r, name, (uint32_t)name_len * 2, 2);
	rec_u16(r, 0);
	for (unsigned i = 0; i < r->w; i++)
		r->b[name_field + r->w + i] = (uint8_t)(name_at >> (8 * i));
}

static ntstatus_t query(struct nt_call *c, uint32_t info_class, gptr_t in, uint32_t in_length,
			gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	bool wide = p->ptr_size == 8;
	struct record r;
	rec_init(&r, p->ptr_size);
	/* Classes whose answer may be cut to the buffer (SystemTimeOfDayInformation). */
	bool partial_ok = false;
	switch (info_class) {
	case SystemBasicInformation:
		put_basic(&r, wide);
		break;
	case SystemNativeBasicInformation:
		put_basic(&r, true);
		break;
	case SystemEmulationBasicInformation:
		put_basic(&r, false);
		break;
	case SystemCpuInformation:
		put_cpu(&r, wide);
		break;
	case SystemEmulationProcessorInformation:
		put_cpu(&r, false);
		break;
	case SystemPerformanceInformation: {
		/* SYSTEM_PERFORMANCE_INFORMATION (0x138 bytes in the NT 5 layout Wine and Windows
		 * accept): IdleTime and three transfer counts (LARGE_INTEGERs), three operation counts,
		 * then AvailablePages at 0x2c, TotalCommittedPages 0x30, TotalCommitLimit 0x34,
		 * PeakCommitment 0x38 — what GlobalMemoryStatusEx reads. */
		rec_bytes(&r, NULL, 0x138, 8);
		uint32_t avail = PHYSICAL_PAGES / 2, commit = PHYSICAL_PAGES / 8;
		memcpy(r.b + 0x2c, &avail, 4);
		memcpy(r.b + 0x30, &commit, 4);
		uint32_t limit = PHYSICAL_PAGES;
		memcpy(r.b + 0x34, &limit, 4);
		memcpy(r.b + 0x38, &commit, 4);
		break;
	}
	case SystemTimeOfDayInformation: {
		/* SYSTEM_TIMEOFDAY_INFORMATION {BootTime; CurrentTime; TimeZoneBias; TimeZoneId;
		 * Reserved; BootTimeBias; SleepTimeBias} */
		uint64_t now = clock_system_time(p);
		rec_u64(&r, now - clock_uptime(p));
		rec_u64(&r, now);
		rec_u64(&r, 0);
		rec_u32(&r, 0); /* TIME_ZONE_ID_UNKNOWN: UTC has no daylight time */
		rec_u32(&r, 0);
		rec_u64(&r, 0);
		rec_u64(&r, 0);
		partial_ok = true;
		break;
	}
	case SystemProcessInformation:
		put_process_list(p, &r, buffer);
		break;
	case SystemProcessorPerformanceInformation:
		/* SYSTEM_PROCESSOR_PERFORMANCE_INFORMATION {IdleTime; KernelTime (idle included);
		 * UserTime; DpcTime; InterruptTime; InterruptCount}: the processor is never idle. */
		rec_u64(&r, 0);
		rec_u64(&r, 0);
		rec_u64(&r, clock_uptime(p));
		rec_u64(&r, 0);
		rec_u64(&r, 0);
		rec_u32(&r, 0);
		break;
	case SystemFlagsInformation:
		rec_u32(&r, 0); /* NtGlobalFlag, as the PEB says */
		break;
	case SystemKernelDebuggerInformation:
		rec_u8(&r, 0); /* DebuggerEnabled */
		rec_u8(&r, 1); /* DebuggerNotPresent */
		break;
	case SystemKernelDebuggerInformationEx:
		rec_u8(&r, 0); /* DebuggerAllowed */
		rec_u8(&r, 0); /* DebuggerEnabled */
		rec_u8(&r, 0); /* DebuggerPresent */
		break;
	case SystemCurrentTimeZoneInformation:
		put_time_zone(&r, false);
		break;
	case SystemDynamicTimeZoneInformation:
		put_time_zone(&r, true);
		break;
	case SystemRangeStartInformation:
		/* MmSystemRangeStart */
		rec_ptr(&r, wide ? 0xffff080000000000ull : 0x80000000u);
		break;
	case SystemRecommendedSharedDataAlignment:
		rec_u32(&r, 64); /* the cache line */
		break;
	case SystemLogicalProcessorInformation:
		put_logical_processors(&r);
		break;
	case SystemLogicalProcessorInformationEx: {
		/* The relationship wanted is the query buffer (NtQuerySystemInformationEx only). */
		uint32_t rel;
		ntstatus_t st;
		if (!in || in_length != 4)
			return STATUS_INVALID_PARAMETER;
		if ((st = guest_read(p, in, &rel, 4)) != STATUS_SUCCESS)
			return st;
		if (rel > RelationGroup && rel != 0xffff)
			return STATUS_INVALID_PARAMETER;
		put_logical_processors_ex(&r, rel);
		break;
	}
	case SystemFirmwareTableInformation:
		/* FIXME: no firmware tables (SMBIOS, ACPI) are emulated. */
		return STATUS_NOT_SUPPORTED;
	case SystemWineVersionInformation:
		/* Wine's own class: a Windows kernel does not know it, and ntdll's version_init
		 * falls back to the registry's version. */
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	uint32_t size = info_class == SystemProcessInformation || info_class == SystemLogicalProcessorInformation ||
			info_class == SystemLogicalProcessorInformationEx ? r.n : rec_size(&r);
	bool fits = partial_ok ? length <= size : length >= size;
	if (partial_ok && fits)
		size = length;
	ntstatus_t st = fits ? guest_write(p, buffer, r.b, size) : STATUS_INFO_LENGTH_MISMATCH;
	if (result_length && (st == STATUS_SUCCESS || st == STATUS_INFO_LENGTH_MISMATCH)) {
		ntstatus_t st2 = guest_write(p, result_length, &size, 4);
		if (st2 != STATUS_SUCCESS)
			st = st2;
	}
	return st;
}

ntstatus_t nt_query_system_information(struct nt_call *c, uint32_t info_class, gptr_t buffer,
				       uint32_t length, gptr_t result_length)
{
	/* The Ex-only classes take a query buffer. */
	if (info_class == SystemLogicalProcessorInformationEx)
		return STATUS_INVALID_INFO_CLASS;
	return query(c, info_class, 0, 0, buffer, length, result_length);
}

ntstatus_t nt_query_system_information_ex(struct nt_call *c, uint32_t info_class, gptr_t in,
					  uint32_t in_length, gptr_t buffer, uint32_t length,
					  gptr_t result_length)
{
	/* FIXME: the processor-group forms of other classes (a USHORT group number as the query)
	 * are not served: with one group they equal the plain classes. */
	if (info_class != SystemLogicalProcessorInformationEx)
		return STATUS_INVALID_INFO_CLASS;
	return query(c, info_class, in, in_length, buffer, length, result_length);
}
