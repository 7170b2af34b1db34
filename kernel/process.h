/* A guest process as the kernel layer sees it.
 *
 * Each kernel module keeps its state behind its own pointer here and provides
 * <module>_init(struct kprocess *) / <module>_destroy(struct kprocess *), called by
 * kprocess_create() / kprocess_destroy() in a fixed order. A "bare" process — memory, handles and
 * every module but no thread — is what unit tests (and users testing one handler) call
 * handlers on. */
#ifndef NTEMU_KERNEL_PROCESS_H
#define NTEMU_KERNEL_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cpu/block.h"
#include "cpu/mem.h"
#include "kernel/dispatch.h"
#include "kernel/object.h"

/* What the command line (or a library user) decides about a process. */
struct kconfig {
	const char *sysroot;        /* system image: system32/, syswow64/, nls/ */
	const char *root;           /* host directory that is the guest's C: drive */
	struct kmount {
		char letter;        /* 'C'..'Z' */
		const char *dir;    /* host directory */
		bool read_only;
	} mounts[24];
	unsigned nmounts;           /* mounts beyond C: (--mount, the program's folder) */
	/* Host directory laid out like C:\ that supplies the names the root lacks (tools/ntemu.c:
	 * a per-run directory with the profile folders the environment names); NULL: none. */
	const char *fallback;
	bool realtime;              /* clocks follow the host instead of retired instructions */
	uint64_t seed;              /* RDRAND/RDSEED and any other guest-visible randomness */
};

struct kthread;    /* kernel/thread.h */
struct vm_space;   /* kernel/vm.c: regions, sections, views */
struct vfs;        /* kernel/vfs.c: drives, paths, files */
struct registry;   /* kernel/registry.c: the in-memory registry */
struct kinfo;      /* kernel/info.c: token, settable process and thread attributes */
struct ksync;      /* kernel/wait.c: keyed events, timers, wait order */

struct kprocess {
	struct kobject obj;         /* what process handles refer to */
	const struct kconfig *config;
	struct guest_mem *mem;
	struct block_cache *cache;
	unsigned ptr_size;          /* guest pointer width: 8, or 4 for a 32-bit (WOW64) guest */
	FILE *debug_out;            /* __wine_dbg_write output: the host's stderr by default */
	struct dispatch_table syscalls;
	struct handle_table handles;
	struct vm_space *vm;
	struct vfs *vfs;
	struct registry *registry;
	struct kinfo *info;
	struct ksync *sync;

	/* Threads and the end of the process. */
	struct kthread *threads;    /* creation order */
	struct kthread *current;    /* the thread whose system call is being served (CURRENT_THREAD) */
	uint32_t next_tid;
	bool exited;
	uint32_t exit_status;
	/* A signal number a host signal handler stores: the run stops at the end of the current
	 * turn (kernel_run returns with `fatal` set). */
	volatile sig_atomic_t stop_signal;
	const char *fatal;          /* ntemu stopped the process itself (reason), e.g. --strict */
	/* The last exception delivered: named on stderr if the process then dies of it. */
	struct {
		uint32_t code;
		gptr_t address;
		bool valid;
	} last_exception;

	/* Entry points of the guest's ntdll the kernel transfers control to. */
	struct {
		gptr_t base;
		gptr_t ldr_initialize_thunk;
		gptr_t ki_user_exception_dispatcher;
		gptr_t ki_user_apc_dispatcher;
		gptr_t rtl_user_thread_start;
	} ntdll;

	/* Time (kernel/clock.c). */
	uint64_t clock_start;       /* config->realtime: host system time at start (FILETIME) */
	uint64_t clock_start_mono;  /* config->realtime: host monotonic time at start (100 ns) */
	uint64_t clock_skew;        /* 100 ns the clock jumped ahead while every thread waited */
	bool shared_data_ready;     /* KUSER_SHARED_DATA is mapped: keep its clocks current */

	/* The timer resolution the process asked for (NtSetTimerResolution), 100 ns; 0 if none. */
	uint32_t timer_resolution;

	/* What user32 gave win32k (NtUserInitializeClientPfnArrays), for its callbacks. */
	struct {
		gptr_t procs_a, procs_w, workers, module;
	} user_client;

	/* Service tables the loader scanned (ntdll, win32u): the dispatch table names point in. */
	struct syscall_table *service_tables[2];

	/* Diagnostics. */
	FILE *trace_out;            /* --trace=syscall: one line per call; NULL when off */
	struct dispatch_log log;    /* unimplemented services */
	bool refused_child_process; /* NtCreateUserProcess's refusal was reported */
	uint64_t quantum;           /* instructions a thread runs before the next one gets a turn */
	uint64_t max_insns;         /* stop the process after this many instructions (0: never) */
};

/* A bare process for `config` with guest pointers of `ptr_size` bytes: memory, block cache,
 * handle table and every kernel module initialised, no image mapped and no thread.
 * NULL on allocation failure. */
struct kprocess *kprocess_create(const struct kconfig *config, unsigned ptr_size);
void kprocess_destroy(struct kprocess *p);

/* The object a handle of this process names, with a new reference: pseudo-handles included
 * (-1 is the process itself, -2 the current thread; -4 the process's token, -5 the current
 * thread's impersonation token (STATUS_NO_TOKEN without one), -6 whichever of the two is in
 * effect). */
ntstatus_t process_ref_handle(struct kprocess *p, handle_t h, enum object_type type,
			      uint32_t access, void **out);

/* "module.dll+0xoffset" for an address in an image view, else "0x..." (struct dispatch_log's
 * describe callback, ctx = the process). */
void process_describe_address(void *ctx, gptr_t addr, char *buf, size_t size);

#endif
