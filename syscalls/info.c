/* Process, thread and token information: NtQueryInformationProcess, NtSetInformationProcess,
 * NtQueryInformationThread, NtSetInformationThread, NtOpenProcessToken(Ex),
 * NtOpenThreadToken(Ex), NtQueryInformationToken, NtAdjustPrivilegesToken.
 *
 * Structures are built with syscalls/record.h, so each class serves 64-bit and 32-bit guests.
 * As on NT, fixed-size process and thread classes want exactly their size
 * (STATUS_INFO_LENGTH_MISMATCH otherwise), token classes at least their size
 * (STATUS_BUFFER_TOO_SMALL), and the needed size goes to *ReturnLength either way. Unknown or
 * unsupported classes are STATUS_INVALID_INFO_CLASS. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/drives.h"
#include "kernel/guest.h"
#include "kernel/info.h"
#include "kernel/registry.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "kernel/vm.h"
#include "syscalls/info.h"
#include "syscalls/record.h"

/* Process and thread ids: the bootstrap writes 0x10 into TEB.ClientId.UniqueProcess. */
#define PROCESS_ID 0x10

enum process_info_class {
	ProcessBasicInformation = 0,
	ProcessQuotaLimits = 1,
	ProcessIoCounters = 2,
	ProcessVmCounters = 3,
	ProcessTimes = 4,
	ProcessDebugPort = 7,
	ProcessDefaultHardErrorMode = 12,
	ProcessPriorityClass = 18,
	ProcessHandleCount = 20,
	ProcessAffinityMask = 21,
	ProcessPriorityBoost = 22,
	ProcessDeviceMap = 23,
	ProcessSessionInformation = 24,
	ProcessWow64Information = 26,
	ProcessImageFileName = 27,
	ProcessLUIDDeviceMapsEnabled = 28,
	ProcessBreakOnTermination = 29,
	ProcessDebugObjectHandle = 30,
	ProcessDebugFlags = 31,
	ProcessIoPriority = 33,
	ProcessExecuteFlags = 34,
	ProcessCookie = 36,
	ProcessImageInformation = 37,
	ProcessCycleTime = 38,
	ProcessPagePriority = 39,
	ProcessImageFileNameWin32 = 43,
	ProcessMitigationPolicy = 52,
};

enum thread_info_class {
	ThreadBasicInformation = 0,
	ThreadTimes = 1,
	ThreadBasePriority = 3,
	ThreadAffinityMask = 4,
	ThreadImpersonationToken = 5,
	ThreadQuerySetWin32StartAddress = 9,
	ThreadZeroTlsCell = 10,
	ThreadAmILastThread = 12,
	ThreadPriorityBoost = 14,
	ThreadHideFromDebugger = 17,
	ThreadBreakOnTermination = 18,
	ThreadIsTerminated = 20,
	ThreadIoPriority = 22,
	ThreadCycleTime = 23,
	ThreadWow64Context = 29,
	ThreadGroupInformation = 30,
	ThreadSuspendCount = 35,
	ThreadNameInformation = 38,
};

/* A fixed-size answer: exactly `size` bytes wanted. */
static ntstatus_t put_exact(struct kprocess *p, gptr_t buffer, uint32_t length, gptr_t result_length,
			    struct record *r)
{
	uint32_t size = rec_size(r);
	ntstatus_t st = length == size ? guest_write(p, buffer, r->b, size) : STATUS_INFO_LENGTH_MISMATCH;
	if (result_length && (st == STATUS_SUCCESS || st == STATUS_INFO_LENGTH_MISMATCH)) {
		ntstatus_t st2 = guest_write(p, result_length, &size, 4);
		if (st2 != STATUS_SUCCESS)
			st = st2;
	}
	return st;
}

/* SECTION_IMAGE_INFORMATION (0x40 bytes on x64, 0x30 on x86). */
static void put_image_info(struct record *r, const struct pe_section_image_info *ii)
{
	rec_ptr(r, ii->transfer_address);
	rec_u32(r, ii->zero_bits);
	rec_ptr(r, ii->maximum_stack_size);
	rec_ptr(r, ii->committed_stack_size);
	rec_u32(r, ii->subsystem_type);
	rec_u16(r, ii->subsystem_minor);
	rec_u16(r, ii->subsystem_major);
	rec_u32(r, ii->gp_value);
	rec_u16(r, ii->image_characteristics);
	rec_u16(r, ii->dll_characteristics);
	rec_u16(r, ii->machine);
	rec_u8(r, ii->image_contains_code);
	rec_u8(r, ii->image_flags);
	rec_u32(r, ii->loader_flags);
	rec_u32(r, ii->image_file_size);
	rec_u32(r, ii->checksum);
}

/* KERNEL_USER_TIMES {CreateTime, ExitTime, KernelTime, UserTime}. The kernel does its work
 * outside guest time: all of it is user time. */
static void put_times(struct record *r, uint64_t create, uint64_t exit, uint64_t user)
{
	rec_u64(r, create);
	rec_u64(r, exit);
	rec_u64(r, 0);
	rec_u64(r, user);
}

void put_vm_counters(struct record *r, const struct vm_usage *u, bool ex)
{
	rec_ptr(r, u->virtual_size);
	rec_ptr(r, u->virtual_size);
	rec_u32(r, 0);
	rec_ptr(r, u->committed);
	rec_ptr(r, u->committed);
	for (int i = 0; i < 4; i++)
		rec_ptr(r, 0);
	rec_ptr(r, u->private_committed);
	rec_ptr(r, u->private_committed);
	if (ex)
		rec_ptr(r, u->private_committed);
}

/* The program's DOS path (what the bootstrap gave its image view) and, for the NT form, the
 * same under \Device\HarddiskVolumeN (C: is volume 1, D: 2, ...).
 * FIXME: device names belong to the file system module. */
static ntstatus_t put_image_name(struct kprocess *p, bool win32, gptr_t buffer, uint32_t length,
				 gptr_t result_length)
{
	struct ksection *s = info_exe_section(p);
	if (!s || !s->file_name)
		return STATUS_UNSUCCESSFUL;
	uint16_t name[1024];
	size_t len = 0;
	const uint16_t *src = s->file_name;
	size_t n = s->file_name_len;
	if (!win32 && n >= 2 && src[1] == ':') {
		char dev[40];
		int k = snprintf(dev, sizeof dev, "\\Device\\HarddiskVolume%d",
				 (src[0] | 0x20) - 'c' + 1);
		for (int i = 0; i < k; i++)
			name[len++] = (uint8_t)dev[i];
		src += 2;
		n -= 2;
	}
	if (n > sizeof name / 2 - len)
		return STATUS_NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		name[len++] = src[i];
	/* UNICODE_STRING with the characters after it; too small is STATUS_INFO_LENGTH_MISMATCH
	 * with the size needed. */
	uint32_t needed = 0;
	ntstatus_t st = guest_write_ustr_inline(p, buffer, length, name, len, &needed);
	if (result_length && (st == STATUS_SUCCESS || st == STATUS_INFO_LENGTH_MISMATCH)) {
		ntstatus_t st2 = guest_write(p, result_length, &needed, 4);
		if (st2 != STATUS_SUCCESS)
			st = st2;
	}
	return st;
}

/* A cookie that differs between seeds but not between runs. */
static uint32_t process_cookie(const struct kprocess *p)
{
	uint64_t x = (p->config ? p->config->seed : 0) + 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(x ^ (x >> 31));
}

/* Process access rights (winnt.h). */
enum {
	PROCESS_SET_INFORMATION = 0x200,
	PROCESS_QUERY_INFORMATION = 0x400,
	PROCESS_QUERY_LIMITED_INFORMATION = 0x1000,
};

ntstatus_t nt_query_information_process(struct nt_call *c, handle_t process, uint32_t info_class,
					gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	struct kinfo *in = p->info;
	ntstatus_t st = info_check_process(c, process, 0);
	if (st != STATUS_SUCCESS)
		return st;
	/* PROCESS_QUERY_INFORMATION includes the limited right. */
	struct handle_entry *e = handle_entry(&p->handles, process);
	if (e && !(e->access & (PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION)))
		return STATUS_ACCESS_DENIED;
	struct record r;
	rec_init(&r, p->ptr_size);
	switch (info_class) {
	case ProcessBasicInformation:
		rec_u32(&r, p->exited ? p->exit_status : STATUS_PENDING);
		rec_ptr(&r, info_peb(p));
		rec_ptr(&r, in->affinity);
		/* BasePriority: Wine's kernelbase (GetPriorityClass) reads the PROCESS_PRIOCLASS_*
		 * value here where NT reports the class's base priority (8 for normal). */
		rec_u32(&r, in->priority_class);
		rec_ptr(&r, PROCESS_ID);
		rec_ptr(&r, 0); /* InheritedFromUniqueProcessId: started by no guest process */
		break;
	case ProcessQuotaLimits:
		/* QUOTA_LIMITS {PagedPoolLimit; NonPagedPoolLimit; MinimumWorkingSetSize;
		 * MaximumWorkingSetSize; PagefileLimit; TimeLimit}: NT's defaults, no limits. */
		rec_ptr(&r, 0);
		rec_ptr(&r, 0);
		rec_ptr(&r, 204800);
		rec_ptr(&r, 1413120);
		rec_ptr(&r, p->ptr_size == 8 ? ~0ull : 0xffffffffu);
		rec_u64(&r, ~0ull >> 1);
		break;
	case ProcessIoCounters:
		/* IO_COUNTERS: six ULONGLONGs. FIXME: file I/O is not counted. */
		for (int i = 0; i < 6; i++)
			rec_u64(&r, 0);
		break;
	case ProcessVmCounters: {
		/* VM_COUNTERS, or VM_COUNTERS_EX when the buffer has room for PrivateUsage. */
		struct vm_usage u;
		info_vm_usage(p, &u);
		put_vm_counters(&r, &u, length == 12u * p->ptr_size);
		break;
	}
	case ProcessTimes:
		/* The process runs while it lives, except when every thread waited and the clock
		 * jumped: its user time is what its instructions took. */
		put_times(&r, clock_process_start(p), 0, clock_instructions(p) / 100);
		break;
	case ProcessDebugPort:
		rec_ptr(&r, 0);
		break;
	case ProcessDefaultHardErrorMode:
		rec_u32(&r, in->hard_error_mode);
		break;
	case ProcessPriorityClass:
		rec_u8(&r, 0); /* Foreground */
		rec_u8(&r, in->priority_class);
		break;
	case ProcessHandleCount:
		rec_u32(&r, (uint32_t)p->handles.count);
		if (length == 8) /* PROCESS_HANDLE_INFORMATION adds HandleCountHighWatermark */
			rec_u32(&r, (uint32_t)p->handles.count);
		break;
	case ProcessAffinityMask:
		rec_ptr(&r, in->affinity);
		break;
	case ProcessPriorityBoost:
		rec_u32(&r, in->priority_boost_disabled);
		break;
	case ProcessDeviceMap: {
		/* PROCESS_DEVICEMAP_INFORMATION.Query {DriveMap; DriveType[32]}: C: and the mounted
		 * drives, all fixed disks (DRIVE_FIXED). (Wine's GetLogicalDrives lists \?? instead.) */
		uint8_t types[32] = {0};
		uint32_t map = 0;
		for (char l = 'C'; l <= 'Z'; l++) {
			if (p->config && drive_dir(p->config, l, NULL)) {
				map |= 1u << (l - 'A');
				types[l - 'A'] = 3;
			}
		}
		rec_u32(&r, map);
		rec_bytes(&r, types, sizeof types, 1);
		break;
	}
	case ProcessLUIDDeviceMapsEnabled:
		rec_u32(&r, 0);
		break;
	case ProcessMitigationPolicy: {
		/* PROCESS_MITIGATION_POLICY_INFORMATION {Policy (in); Flags}: only DEP is on
		 * (ProcessDEPPolicy: Enable, and Permanent for 64-bit). */
		uint32_t policy;
		if (length != 8)
			return STATUS_INFO_LENGTH_MISMATCH;
		if ((st = guest_read(p, buffer, &policy, 4)) != STATUS_SUCCESS)
			return st;
		if (policy > 16) /* MaxProcessMitigationPolicy in Windows 10 1709 */
			return STATUS_INVALID_PARAMETER;
		rec_u32(&r, policy);
		rec_u32(&r, policy == 0 ? 1 | (in->execute_flags & 0x8 ? 4 : 0) : 0);
		break;
	}
	case ProcessSessionInformation:
		rec_u32(&r, 1); /* as PEB.SessionId */
		break;
	case ProcessWow64Information:
		/* The WOW64 PEB's address; 0 for a native process. FIXME: 32-bit guests. */
		rec_ptr(&r, 0);
		break;
	case ProcessImageFileName:
	case ProcessImageFileNameWin32:
		return put_image_name(p, info_class == ProcessImageFileNameWin32, buffer, length, result_length);
	case ProcessBreakOnTermination:
		rec_u32(&r, 0);
		break;
	case ProcessDebugObjectHandle: {
		/* No debugger: the handle is 0 and the answer STATUS_PORT_NOT_SET. */
		rec_ptr(&r, 0);
		st = put_exact(p, buffer, length, result_length, &r);
		return st == STATUS_SUCCESS ? STATUS_PORT_NOT_SET : st;
	}
	case ProcessDebugFlags:
		rec_u32(&r, 1); /* PROCESS_DEBUG_INHERIT: not being debugged */
		break;
	case ProcessIoPriority:
		rec_u32(&r, in->io_priority);
		break;
	case ProcessExecuteFlags:
		rec_u32(&r, in->execute_flags);
		break;
	case ProcessCookie:
		rec_u32(&r, process_cookie(p));
		break;
	case ProcessImageInformation: {
		struct ksection *s = info_exe_section(p);
		if (!s)
			return STATUS_UNSUCCESSFUL;
		put_image_info(&r, &s->image_info);
		break;
	}
	case ProcessCycleTime:
		/* PROCESS_CYCLE_TIME_INFORMATION {AccumulatedCycles, CurrentCycleCount}: one cycle per
		 * instruction, as the virtual TSC counts. */
		rec_u64(&r, clock_instructions(p));
		rec_u64(&r, 0);
		break;
	case ProcessPagePriority:
		rec_u32(&r, in->page_priority);
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	return put_exact(p, buffer, length, result_length, &r);
}

/* The ULONG (or ULONG_PTR when `ptr`) a set class carries, checking the length. */
static ntstatus_t read_arg(struct kprocess *p, gptr_t buffer, uint32_t length, bool ptr, uint64_t *v)
{
	unsigned size = ptr ? p->ptr_size : 4;
	*v = 0;
	if (length != size)
		return STATUS_INFO_LENGTH_MISMATCH;
	return guest_read(p, buffer, v, size);
}

ntstatus_t nt_set_information_process(struct nt_call *c, handle_t process, uint32_t info_class,
				      gptr_t buffer, uint32_t length)
{
	struct kprocess *p = c->proc;
	struct kinfo *in = p->info;
	ntstatus_t st = info_check_process(c, process, PROCESS_SET_INFORMATION);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t v;
	switch (info_class) {
	case ProcessDefaultHardErrorMode:
		if (!(st = read_arg(p, buffer, length, false, &v)))
			in->hard_error_mode = (uint32_t)v;
		return st;
	case ProcessPriorityClass: {
		uint8_t pc[2];
		if (length != 2)
			return STATUS_INFO_LENGTH_MISMATCH;
		if ((st = guest_read(p, buffer, pc, 2)) != STATUS_SUCCESS)
			return st;
		/* PROCESS_PRIORITY_CLASS_IDLE (1) .. BELOW_NORMAL/ABOVE_NORMAL (5, 6). FIXME: the
		 * scheduler gives every thread the same quantum whatever the class. */
		if (pc[1] < 1 || pc[1] > 6)
			return STATUS_INVALID_PARAMETER;
		in->priority_class = pc[1];
		return STATUS_SUCCESS;
	}
	case ProcessAffinityMask:
		if ((st = read_arg(p, buffer, length, true, &v)))
			return st;
		if (!v || (v & ~SYSTEM_AFFINITY))
			return STATUS_INVALID_PARAMETER;
		in->affinity = v;
		return STATUS_SUCCESS;
	case ProcessPriorityBoost:
		if (!(st = read_arg(p, buffer, length, false, &v)))
			in->priority_boost_disabled = v != 0;
		return st;
	case ProcessBreakOnTermination:
		/* Needs SeDebugPrivilege, which a standard user does not hold. */
		return length != 4 ? STATUS_INFO_LENGTH_MISMATCH : STATUS_PRIVILEGE_NOT_HELD;
	case ProcessIoPriority:
		if ((st = read_arg(p, buffer, length, false, &v)))
			return st;
		/* IoPriorityVeryLow .. IoPriorityHigh; High needs SeIncreaseBasePriorityPrivilege. */
		if (v > 3)
			return STATUS_INVALID_PARAMETER;
		if (v == 3)
			return STATUS_PRIVILEGE_NOT_HELD;
		in->io_priority = (uint32_t)v;
		return STATUS_SUCCESS;
	case ProcessExecuteFlags:
		if ((st = read_arg(p, buffer, length, false, &v)))
			return st;
		/* MEM_EXECUTE_OPTION_PERMANENT: DEP can no longer change (always so for 64-bit). */
		if (in->execute_flags & 0x8)
			return STATUS_ACCESS_DENIED;
		/* FIXME: the CPU enforces no-execute pages whatever these flags say. */
		in->execute_flags = (uint32_t)v;
		return STATUS_SUCCESS;
	case ProcessPagePriority:
		if ((st = read_arg(p, buffer, length, false, &v)))
			return st;
		if (v < 1 || v > 5)
			return STATUS_INVALID_PARAMETER;
		in->page_priority = (uint32_t)v;
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
}

/* ---- threads ---- */

/* THREAD_* access rights. */
enum {
	THREAD_SET_INFORMATION = 0x20,
	THREAD_QUERY_INFORMATION = 0x40,
	THREAD_QUERY_LIMITED_INFORMATION = 0x800,
};

static bool is_last_thread(const struct kprocess *p, const struct kthread *t)
{
	for (const struct kthread *o = p->threads; o; o = o->next)
		if (o != t && o->state != THREAD_TERMINATED)
			return false;
	return true;
}

/* Where the main thread started: the program's entry point. Other threads report what their
 * creator set. */
static uint64_t thread_start_address(struct kprocess *p, struct kthread *t, const struct thread_info *ti)
{
	if (ti->win32_start || t != p->threads)
		return ti->win32_start;
	struct ksection *s = info_exe_section(p);
	return s ? s->image_info.transfer_address : 0;
}

ntstatus_t nt_query_information_thread(struct nt_call *c, handle_t thread, uint32_t info_class,
				       gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	struct kthread *t;
	ntstatus_t st = info_ref_thread(c, thread, 0, &t);
	if (st != STATUS_SUCCESS)
		return st;
	/* THREAD_QUERY_INFORMATION includes the limited right. */
	struct handle_entry *e = handle_entry(&p->handles, thread);
	if (e && !(e->access & (THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION))) {
		object_unref(t);
		return STATUS_ACCESS_DENIED;
	}
	struct thread_info *ti = info_thread(p, t);
	struct record r;
	rec_init(&r, p->ptr_size);
	uint64_t user = t->cpu.icount / 100; /* 1 instruction = 1 ns, as the clock counts */
	if (!ti) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	switch (info_class) {
	case ThreadBasicInformation:
		rec_u32(&r, t->state == THREAD_TERMINATED ? t->exit_status : STATUS_PENDING);
		rec_ptr(&r, t->teb);
		rec_ptr(&r, PROCESS_ID);
		rec_ptr(&r, t->tid);
		rec_ptr(&r, ti->affinity);
		/* Priority and BasePriority: the THREAD_PRIORITY_* increment, which Wine's
		 * GetThreadPriority returns from Priority (NT: the current absolute priority). */
		rec_u32(&r, ti->base_priority);
		rec_u32(&r, ti->base_priority);
		break;
	case ThreadTimes:
		put_times(&r, t->create_time, t->state == THREAD_TERMINATED ? t->exit_time : 0, user);
		break;
	case ThreadQuerySetWin32StartAddress:
		rec_ptr(&r, thread_start_address(p, t, ti));
		break;
	case ThreadAmILastThread:
		rec_u32(&r, is_last_thread(p, t));
		break;
	case ThreadPriorityBoost:
	case ThreadBreakOnTermination:
		rec_u32(&r, 0);
		break;
	case ThreadSuspendCount:
		rec_u32(&r, t->suspend_count);
		break;
	case ThreadHideFromDebugger:
		rec_u8(&r, ti->hide_from_debugger);
		break;
	case ThreadIsTerminated:
		rec_u32(&r, t->state == THREAD_TERMINATED);
		break;
	case ThreadIoPriority:
		rec_u32(&r, ti->io_priority);
		break;
	case ThreadCycleTime:
		rec_u64(&r, t->cpu.icount);
		rec_u64(&r, 0);
		break;
	case ThreadGroupInformation:
		/* GROUP_AFFINITY {KAFFINITY Mask; USHORT Group; USHORT Reserved[3]} */
		rec_ptr(&r, ti->affinity);
		rec_u16(&r, 0);
		rec_align(&r, p->ptr_size);
		break;
	case ThreadWow64Context:
		st = STATUS_INVALID_PARAMETER; /* not a WOW64 thread */
		goto out;
	case ThreadNameInformation: {
		/* THREAD_NAME_INFORMATION {UNICODE_STRING ThreadName} with the name after it. */
		uint32_t needed = 0;
		st = guest_write_ustr_inline(p, buffer, length, ti->description, ti->description_len, &needed);
		if (st == STATUS_INFO_LENGTH_MISMATCH)
			st = STATUS_BUFFER_TOO_SMALL;
		if (result_length && (st == STATUS_SUCCESS || st == STATUS_BUFFER_TOO_SMALL)) {
			ntstatus_t st2 = guest_write(p, result_length, &needed, 4);
			if (st2 != STATUS_SUCCESS)
				st = st2;
		}
		goto out;
	}
	default:
		st = STATUS_INVALID_INFO_CLASS;
		goto out;
	}
	st = put_exact(p, buffer, length, result_length, &r);
out:
	object_unref(t);
	return st;
}

/* TlsSlots and TlsExpansionSlots in a TEB (+0x1480 / +0x1780 on x64, +0xe10 / +0xf94 on x86). */
static void zero_tls_cell(struct kprocess *p, uint32_t index)
{
	unsigned w = p->ptr_size;
	uint64_t zero = 0;
	for (struct kthread *t = p->threads; t; t = t->next) {
		if (!t->teb)
			continue;
		if (index < 64) {
			guest_write(p, t->teb + (w == 8 ? 0x1480 : 0xe10) + (uint64_t)w * index, &zero, w);
			continue;
		}
		uint64_t expansion = 0;
		if (guest_read_ptr(p, t->teb + (w == 8 ? 0x1780 : 0xf94), &expansion) == STATUS_SUCCESS &&
		    expansion)
			guest_write(p, expansion + (uint64_t)w * (index - 64), &zero, w);
	}
}

ntstatus_t nt_set_information_thread(struct nt_call *c, handle_t thread, uint32_t info_class,
				     gptr_t buffer, uint32_t length)
{
	struct kprocess *p = c->proc;
	struct kthread *t;
	ntstatus_t st = info_ref_thread(c, thread, THREAD_SET_INFORMATION, &t);
	if (st != STATUS_SUCCESS)
		return st;
	struct thread_info *ti = info_thread(p, t);
	uint64_t v;
	if (!ti) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	switch (info_class) {
	case ThreadBasePriority:
		if ((st = read_arg(p, buffer, length, false, &v)))
			break;
		/* THREAD_PRIORITY_LOWEST..HIGHEST, or the saturation values IDLE/TIME_CRITICAL.
		 * FIXME: the scheduler gives every thread the same quantum whatever its priority. */
		if ((int32_t)v != -15 && (int32_t)v != 15 && ((int32_t)v < -2 || (int32_t)v > 2))
			st = STATUS_INVALID_PARAMETER;
		else
			ti->base_priority = (int32_t)v;
		break;
	case ThreadAffinityMask:
		if ((st = read_arg(p, buffer, length, true, &v)))
			break;
		if (!v || (v & ~p->info->affinity))
			st = STATUS_INVALID_PARAMETER;
		else
			ti->affinity = v;
		break;
	case ThreadImpersonationToken: {
		if ((st = read_arg(p, buffer, length, true, &v)))
			break;
		/* 0 reverts to the process's token; otherwise an impersonation token. */
		struct ktoken *tok = NULL;
		if (v) {
			handle_t h = p->ptr_size == 8 ? v : (handle_t)(int64_t)(int32_t)v;
			if ((st = process_ref_handle(p, h, OBJ_TOKEN, TOKEN_IMPERSONATE, (void **)&tok)))
				break;
			if (tok->type != TOKEN_IMPERSONATION) {
				object_unref(tok);
				st = STATUS_BAD_TOKEN_TYPE;
				break;
			}
		}
		object_unref(ti->impersonation);
		ti->impersonation = tok;
		break;
	}
	case ThreadQuerySetWin32StartAddress:
		if (!(st = read_arg(p, buffer, length, true, &v)))
			ti->win32_start = v;
		break;
	case ThreadZeroTlsCell:
		if ((st = read_arg(p, buffer, length, false, &v)))
			break;
		/* 64 TLS slots plus 1024 expansion slots (TLS_MINIMUM_AVAILABLE + expansion). */
		if (v >= 64 + 1024)
			st = STATUS_INVALID_PARAMETER;
		else
			zero_tls_cell(p, (uint32_t)v);
		break;
	case ThreadHideFromDebugger:
		/* There is no debugger to hide from; NT only wants an empty buffer. */
		if (length)
			st = STATUS_INFO_LENGTH_MISMATCH;
		else
			ti->hide_from_debugger = true;
		break;
	case ThreadIoPriority:
		if ((st = read_arg(p, buffer, length, false, &v)))
			break;
		if (v > 3)
			st = STATUS_INVALID_PARAMETER;
		else if (v == 3)
			st = STATUS_PRIVILEGE_NOT_HELD;
		else
			ti->io_priority = (uint32_t)v;
		break;
	case ThreadNameInformation: {
		if (length != ustr_size(p)) {
			st = STATUS_INFO_LENGTH_MISMATCH;
			break;
		}
		struct ustr name;
		if ((st = guest_read_ustr(p, buffer, &name)) != STATUS_SUCCESS)
			break;
		free(ti->description);
		ti->description = name.buf;
		ti->description_len = name.len;
		break;
	}
	case ThreadWow64Context:
		st = STATUS_INVALID_PARAMETER;
		break;
	default:
		st = STATUS_INVALID_INFO_CLASS;
	}
out:
	object_unref(t);
	return st;
}

/* ---- tokens ---- */

/* A handle to token t with `access` (MAXIMUM_ALLOWED: every right), written to `out`. */
static ntstatus_t put_token_handle(struct kprocess *p, struct ktoken *t, uint32_t access,
				   uint32_t attributes, gptr_t out)
{
	uint32_t granted = object_map_access(OBJ_TOKEN, access);
	if (granted & MAXIMUM_ALLOWED)
		granted = object_types[OBJ_TOKEN].valid_access;
	handle_t h;
	ntstatus_t st = handle_alloc(&p->handles, t, granted & object_types[OBJ_TOKEN].valid_access,
				     attributes & OBJ_INHERIT, &h);
	if (st == STATUS_SUCCESS && (st = guest_write_ptr(p, out, h)) != STATUS_SUCCESS)
		handle_close(&p->handles, h);
	return st;
}


ntstatus_t nt_open_process_token_ex(struct nt_call *c, handle_t process, uint32_t access,
				    uint32_t attributes, gptr_t handle)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = guest_write_ptr(p, handle, 0);
	if (st != STATUS_SUCCESS)
		return st;
	if ((st = info_check_process(c, process, 0)) != STATUS_SUCCESS)
		return st;
	return put_token_handle(p, p->info->token, access, attributes, handle);
}

ntstatus_t nt_open_process_token(struct nt_call *c, handle_t process, uint32_t access, gptr_t handle)
{
	return nt_open_process_token_ex(c, process, access, 0, handle);
}

ntstatus_t nt_open_thread_token_ex(struct nt_call *c, handle_t thread, uint32_t access, uint32_t as_self,
				   uint32_t attributes, gptr_t handle)
{
	struct kprocess *p = c->proc;
	ntstatus_t st = guest_write_ptr(p, handle, 0);
	if (st != STATUS_SUCCESS)
		return st;
	struct kthread *t;
	if ((st = info_ref_thread(c, thread, THREAD_QUERY_LIMITED_INFORMATION, &t)) != STATUS_SUCCESS)
		return st;
	/* as_self (open with the process's identity rather than the impersonated one) changes
	 * nothing here: no security descriptor restricts a token. */
	struct ktoken *tok = info_thread_token(p, t);
	object_unref(t);
	if (!tok)
		return STATUS_NO_TOKEN;
	st = put_token_handle(p, tok, access, attributes, handle);
	object_unref(tok);
	return st;
}

ntstatus_t nt_duplicate_token(struct nt_call *c, handle_t token, uint32_t access, gptr_t attr,
			      uint32_t effective_only, uint32_t type, gptr_t handle)
{
	struct kprocess *p = c->proc;
	unsigned w = p->ptr_size;
	ntstatus_t st = guest_write_ptr(p, handle, 0);
	if (st != STATUS_SUCCESS)
		return st;
	if (type != TOKEN_PRIMARY && type != TOKEN_IMPERSONATION)
		return STATUS_INVALID_PARAMETER;
	struct ktoken *from;
	if ((st = process_ref_handle(p, token, OBJ_TOKEN, TOKEN_DUPLICATE, (void **)&from)))
		return st;
	/* The level comes from OBJECT_ATTRIBUTES.SecurityQualityOfService
	 * {Length; ImpersonationLevel; ContextTrackingMode; EffectiveOnly}, else from the source. */
	uint32_t level = from->type == TOKEN_IMPERSONATION ? from->level : SECURITY_ANONYMOUS;
	uint32_t attributes = 0;
	uint64_t sqos = 0;
	if (attr && ((st = guest_read(p, attr + 3 * w, &attributes, 4)) ||
		     (st = guest_read_ptr(p, attr + 5 * w, &sqos)) ||
		     (sqos && (st = guest_read(p, sqos + 4, &level, 4)))))
		goto out;
	if (level > SECURITY_DELEGATION ||
	    (from->type == TOKEN_IMPERSONATION && level > from->level)) {
		st = STATUS_BAD_IMPERSONATION_LEVEL;
		goto out;
	}
	/* FIXME: EffectiveOnly would drop the disabled privileges and groups. */
	struct ktoken *t = token_duplicate(p, from, type, level);
	if (!t) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	if (!access) {
		struct handle_entry *e = handle_entry(&p->handles, token);
		access = e ? e->access : MAXIMUM_ALLOWED;
	}
	st = put_token_handle(p, t, access, attributes, handle);
	object_unref(t);
out:
	object_unref(from);
	return st;
}

ntstatus_t nt_open_thread_token(struct nt_call *c, handle_t thread, uint32_t access, uint32_t as_self,
				gptr_t handle)
{
	return nt_open_thread_token_ex(c, thread, access, as_self, 0, handle);
}

enum token_info_class {
	TokenUser = 1,
	TokenGroups = 2,
	TokenPrivileges = 3,
	TokenOwner = 4,
	TokenPrimaryGroup = 5,
	TokenDefaultDacl = 6,
	TokenSource = 7,
	TokenType = 8,
	TokenImpersonationLevel = 9,
	TokenStatistics = 10,
	TokenSessionId = 12,
	TokenElevationType = 18,
	TokenElevation = 20,
	TokenHasRestrictions = 21,
	TokenVirtualizationAllowed = 23,
	TokenVirtualizationEnabled = 24,
	TokenIntegrityLevel = 25,
	TokenUIAccess = 26,
	TokenMandatoryPolicy = 27,
	TokenIsAppContainer = 29,
};

/* A SID: identifier authority (48-bit) and sub-authorities. */
struct sid {
	uint8_t authority;
	uint8_t count;
	uint32_t sub[5];
};

static const struct sid sid_user = {5, 5, {21, 0, 0, 0, 1000}}; /* REGISTRY_USER_SID */
static const struct sid sid_everyone = {1, 1, {0}};             /* S-1-1-0 */
static const struct sid sid_users = {5, 2, {32, 545}};          /* S-1-5-32-545 */
static const struct sid sid_interactive = {5, 1, {4}};          /* S-1-5-4 */
static const struct sid sid_authenticated = {5, 1, {11}};       /* S-1-5-11 */
static const struct sid sid_system = {5, 1, {18}};              /* S-1-5-18 */
static const struct sid sid_medium = {16, 1, {0x2000}};         /* S-1-16-8192 */

/* SE_GROUP_* attributes. */
enum {
	SE_GROUP_MANDATORY = 0x1,
	SE_GROUP_ENABLED_BY_DEFAULT = 0x2,
	SE_GROUP_ENABLED = 0x4,
	SE_GROUP_INTEGRITY = 0x20,
	SE_GROUP_INTEGRITY_ENABLED = 0x40,
};
#define GROUP_ON (SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED)

static const struct {
	const struct sid *sid;
	uint32_t attributes;
} token_groups[] = {
	{&sid_everyone, GROUP_ON},
	{&sid_users, GROUP_ON},
	{&sid_interactive, GROUP_ON},
	{&sid_authenticated, GROUP_ON},
	{&sid_medium, SE_GROUP_INTEGRITY | SE_GROUP_INTEGRITY_ENABLED},
};
#define NGROUPS (sizeof token_groups / sizeof token_groups[0])

static uint32_t sid_size(const struct sid *s)
{
	return 8 + 4u * s->count;
}

/* SID {Revision 1; SubAuthorityCount; IdentifierAuthority[6] big-endian; SubAuthority[]}. */
static void put_sid(struct record *r, const struct sid *s)
{
	rec_u8(r, 1);
	rec_u8(r, s->count);
	uint8_t auth[6] = {0, 0, 0, 0, 0, s->authority};
	rec_bytes(r, auth, 6, 1);
	for (unsigned i = 0; i < s->count; i++)
		rec_u32(r, s->sub[i]);
}

/* SID_AND_ATTRIBUTES array at the record's current end, then the SIDs it points at: the guest
 * pointers are computed from where the record goes (`base`). */
static void put_sid_list(struct record *r, gptr_t base, const struct sid *const *sids,
			 const uint32_t *attrs, unsigned n)
{
	uint32_t entries = (r->n + r->w - 1) & ~(r->w - 1);
	uint32_t sid_at = entries + n * 2 * r->w;
	for (unsigned i = 0; i < n; i++) {
		rec_ptr(r, base + sid_at);
		rec_u32(r, attrs[i]);
		rec_align(r, r->w);
		sid_at += sid_size(sids[i]);
	}
	for (unsigned i = 0; i < n; i++)
		put_sid(r, sids[i]);
}

/* TOKEN_USER {SID_AND_ATTRIBUTES User} (attributes 0), or TOKEN_OWNER / TOKEN_PRIMARY_GROUP
 * {PSID}, with the SID after it. */
static void put_one_sid(struct record *r, gptr_t base, const struct sid *s, bool with_attributes)
{
	if (with_attributes) {
		put_sid_list(r, base, &s, (const uint32_t[]){0}, 1);
		return;
	}
	rec_ptr(r, base + r->w);
	put_sid(r, s);
}

/* TOKEN_DEFAULT_DACL {PACL DefaultDacl} and the ACL: GENERIC_ALL for the user and SYSTEM. */
static void put_default_dacl(struct record *r, gptr_t base)
{
	const struct sid *aces[2] = {&sid_user, &sid_system};
	rec_ptr(r, base + r->w);
	uint32_t size = 8;
	for (int i = 0; i < 2; i++)
		size += 8 + sid_size(aces[i]);
	/* ACL {AclRevision 2; Sbz1; AclSize; AceCount; Sbz2} */
	rec_u8(r, 2);
	rec_u8(r, 0);
	rec_u16(r, size);
	rec_u16(r, 2);
	rec_u16(r, 0);
	for (int i = 0; i < 2; i++) {
		/* ACCESS_ALLOWED_ACE {ACE_HEADER {Type 0; Flags; Size}; Mask; SidStart} */
		rec_u8(r, 0);
		rec_u8(r, 0);
		rec_u16(r, 8 + sid_size(aces[i]));
		rec_u32(r, GENERIC_ALL);
		put_sid(r, aces[i]);
	}
}

ntstatus_t nt_query_information_token(struct nt_call *c, handle_t token, uint32_t info_class,
				      gptr_t buffer, uint32_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	struct ktoken *t;
	ntstatus_t st = process_ref_handle(p, token, OBJ_TOKEN,
					   info_class == TokenSource ? TOKEN_QUERY_SOURCE : TOKEN_QUERY,
					   (void **)&t);
	if (st != STATUS_SUCCESS)
		return st;
	struct record r;
	rec_init(&r, p->ptr_size);
	switch (info_class) {
	case TokenUser:
		put_one_sid(&r, buffer, &sid_user, true);
		break;
	case TokenGroups: {
		/* TOKEN_GROUPS {GroupCount; SID_AND_ATTRIBUTES Groups[]} */
		const struct sid *sids[NGROUPS];
		uint32_t attrs[NGROUPS];
		for (unsigned i = 0; i < NGROUPS; i++) {
			sids[i] = token_groups[i].sid;
			attrs[i] = token_groups[i].attributes;
		}
		rec_u32(&r, NGROUPS);
		put_sid_list(&r, buffer, sids, attrs, NGROUPS);
		break;
	}
	case TokenPrivileges: {
		/* TOKEN_PRIVILEGES {PrivilegeCount; LUID_AND_ATTRIBUTES Privileges[]}; removed ones
		 * are gone. */
		uint32_t n = 0;
		for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++)
			n += !(t->privilege[i] & SE_PRIVILEGE_REMOVED);
		rec_u32(&r, n);
		for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++) {
			if (t->privilege[i] & SE_PRIVILEGE_REMOVED)
				continue;
			rec_luid(&r, token_privilege_luid(i));
			rec_u32(&r, t->privilege[i]);
		}
		break;
	}
	case TokenOwner:
	case TokenPrimaryGroup:
		put_one_sid(&r, buffer, &sid_user, false);
		break;
	case TokenDefaultDacl:
		put_default_dacl(&r, buffer);
		break;
	case TokenSource:
		/* TOKEN_SOURCE {CHAR SourceName[8]; LUID SourceIdentifier} */
		rec_bytes(&r, "User32 \0", 8, 1);
		rec_luid(&r, 0);
		break;
	case TokenType:
		rec_u32(&r, t->type);
		break;
	case TokenImpersonationLevel:
		/* Only impersonation tokens have one. */
		if (t->type != TOKEN_IMPERSONATION) {
			st = STATUS_INVALID_INFO_CLASS;
			goto out;
		}
		rec_u32(&r, t->level);
		break;
	case TokenStatistics:
		/* TOKEN_STATISTICS {TokenId; AuthenticationId; ExpirationTime; TokenType;
		 * ImpersonationLevel; DynamicCharged; DynamicAvailable; GroupCount; PrivilegeCount;
		 * ModifiedId} */
		rec_luid(&r, t->id);
		rec_luid(&r, 0x3e7f1); /* the logon session */
		rec_u64(&r, 0x7fffffffffffffffull);
		rec_u32(&r, t->type);
		rec_u32(&r, t->level);
		rec_u32(&r, 0x1000);
		rec_u32(&r, 0x1000 - 0x200);
		rec_u32(&r, NGROUPS);
		rec_u32(&r, TOKEN_PRIVILEGES_HELD);
		rec_luid(&r, t->modified_id);
		break;
	case TokenSessionId:
		rec_u32(&r, 1);
		break;
	case TokenElevationType:
		rec_u32(&r, 1); /* TokenElevationTypeDefault: no split token */
		break;
	case TokenElevation:
	case TokenHasRestrictions:
	case TokenVirtualizationAllowed:
	case TokenVirtualizationEnabled:
	case TokenUIAccess:
	case TokenIsAppContainer:
		rec_u32(&r, 0);
		break;
	case TokenIntegrityLevel:
		/* TOKEN_MANDATORY_LABEL {SID_AND_ATTRIBUTES Label} */
		put_sid_list(&r, buffer, (const struct sid *const[]){&sid_medium},
			     (const uint32_t[]){SE_GROUP_INTEGRITY | SE_GROUP_INTEGRITY_ENABLED}, 1);
		break;
	case TokenMandatoryPolicy:
		rec_u32(&r, 3); /* TOKEN_MANDATORY_POLICY_NO_WRITE_UP | NEW_PROCESS_MIN */
		break;
	default:
		st = STATUS_INVALID_INFO_CLASS;
		goto out;
	}
	uint32_t size = r.n; /* variable-length classes end where their data ends */
	if (result_length && (st = guest_write(p, result_length, &size, 4)) != STATUS_SUCCESS)
		goto out;
	st = length < size ? STATUS_BUFFER_TOO_SMALL : guest_write(p, buffer, r.b, size);
out:
	object_unref(t);
	return st;
}

ntstatus_t nt_adjust_privileges_token(struct nt_call *c, handle_t token, uint32_t disable_all,
				      gptr_t new_state, uint32_t length, gptr_t previous_state,
				      gptr_t result_length)
{
	struct kprocess *p = c->proc;
	struct ktoken *t;
	uint32_t access = TOKEN_ADJUST_PRIVILEGES | (previous_state ? TOKEN_QUERY : 0);
	ntstatus_t st = process_ref_handle(p, token, OBJ_TOKEN, access, (void **)&t);
	if (st != STATUS_SUCCESS)
		return st;
	/* The attributes every held privilege ends with. */
	uint32_t next[TOKEN_PRIVILEGES_HELD];
	bool all_assigned = true;
	for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++)
		next[i] = disable_all ? t->privilege[i] & ~SE_PRIVILEGE_ENABLED : t->privilege[i];
	if (!disable_all) {
		uint32_t count;
		if (!new_state) {
			st = STATUS_INVALID_PARAMETER;
			goto out;
		}
		if ((st = guest_read(p, new_state, &count, 4)) != STATUS_SUCCESS)
			goto out;
		for (uint32_t k = 0; k < count; k++) {
			uint32_t la[3]; /* LUID_AND_ATTRIBUTES {LowPart, HighPart, Attributes} */
			if ((st = guest_read(p, new_state + 4 + 12ull * k, la, sizeof la)) != STATUS_SUCCESS)
				goto out;
			unsigned i = 0;
			while (i < TOKEN_PRIVILEGES_HELD && (la[1] || token_privilege_luid(i) != la[0] ||
							     (t->privilege[i] & SE_PRIVILEGE_REMOVED)))
				i++;
			if (i == TOKEN_PRIVILEGES_HELD) {
				all_assigned = false;
				continue;
			}
			if (la[2] & SE_PRIVILEGE_REMOVED)
				next[i] = SE_PRIVILEGE_REMOVED;
			else
				next[i] = (next[i] & ~SE_PRIVILEGE_ENABLED) | (la[2] & SE_PRIVILEGE_ENABLED);
		}
	}
	/* PreviousState: the privileges that change, as they were. */
	struct record r;
	rec_init(&r, p->ptr_size);
	uint32_t changed = 0;
	for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++)
		changed += next[i] != t->privilege[i];
	rec_u32(&r, changed);
	for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++) {
		if (next[i] == t->privilege[i])
			continue;
		rec_luid(&r, token_privilege_luid(i));
		rec_u32(&r, t->privilege[i]);
	}
	if (previous_state) {
		if (result_length && (st = guest_write(p, result_length, &r.n, 4)) != STATUS_SUCCESS)
			goto out;
		if (length < r.n) {
			st = STATUS_BUFFER_TOO_SMALL;
			goto out;
		}
		if ((st = guest_write(p, previous_state, r.b, r.n)) != STATUS_SUCCESS)
			goto out;
	}
	for (unsigned i = 0; i < TOKEN_PRIVILEGES_HELD; i++)
		t->privilege[i] = next[i];
	if (changed)
		t->modified_id++;
	st = all_assigned ? STATUS_SUCCESS : STATUS_NOT_ALL_ASSIGNED;
out:
	object_unref(t);
	return st;
}
