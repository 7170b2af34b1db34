/* Process and thread attributes the information services set and report, and the process's
 * access token — the state behind kprocess.info (syscalls/info.c and syscalls/system.c are its
 * services).
 *
 * Tokens (OBJ_TOKEN) all describe one standard, non-elevated user (REGISTRY_USER_SID) at
 * medium integrity in session 1: the process's primary token and the copies NtDuplicateToken
 * makes of it, primary or impersonation, which a thread may impersonate with. SIDs and
 * privilege names are constants; a token's own state is its type, impersonation level and the
 * privileges' enabled state (NtAdjustPrivilegesToken). */
#ifndef NTEMU_KERNEL_INFO_H
#define NTEMU_KERNEL_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/object.h"
#include "kernel/process.h"

struct kthread;

/* Token access rights (winnt.h TOKEN_*). */
enum {
	TOKEN_ASSIGN_PRIMARY = 0x1,
	TOKEN_DUPLICATE = 0x2,
	TOKEN_IMPERSONATE = 0x4,
	TOKEN_QUERY = 0x8,
	TOKEN_QUERY_SOURCE = 0x10,
	TOKEN_ADJUST_PRIVILEGES = 0x20,
	TOKEN_ADJUST_GROUPS = 0x40,
	TOKEN_ADJUST_DEFAULT = 0x80,
	TOKEN_ADJUST_SESSIONID = 0x100,
};

/* SE_PRIVILEGE_* attribute bits. */
enum {
	SE_PRIVILEGE_ENABLED_BY_DEFAULT = 0x1,
	SE_PRIVILEGE_ENABLED = 0x2,
	SE_PRIVILEGE_REMOVED = 0x4,
};

/* The privileges a standard user's token holds (LUIDs are the SE_*_PRIVILEGE values). */
#define TOKEN_PRIVILEGES_HELD 5

/* TOKEN_TYPE and SECURITY_IMPERSONATION_LEVEL values. */
enum { TOKEN_PRIMARY = 1, TOKEN_IMPERSONATION = 2 };
enum { SECURITY_ANONYMOUS, SECURITY_IDENTIFICATION, SECURITY_IMPERSONATION, SECURITY_DELEGATION };

struct ktoken {
	struct kobject obj;
	uint64_t id, modified_id;                  /* TokenStatistics LUIDs */
	uint32_t type;                             /* TOKEN_PRIMARY / TOKEN_IMPERSONATION */
	uint32_t level;                            /* impersonation tokens: SECURITY_* */
	uint32_t privilege[TOKEN_PRIVILEGES_HELD]; /* SE_PRIVILEGE_* of each held privilege */
};

/* A copy of `from` (new ids, same privileges) of the given type and level. */
struct ktoken *token_duplicate(struct kprocess *p, const struct ktoken *from, uint32_t type,
			       uint32_t level);

/* The LUID (low part) of held privilege i. */
uint32_t token_privilege_luid(unsigned i);

/* Per-thread attributes, found by thread id. */
struct thread_info {
	uint32_t tid;
	uint64_t affinity;
	int32_t base_priority;          /* THREAD_PRIORITY_* increment, -15..15 */
	uint32_t io_priority;
	uint64_t win32_start;           /* ThreadQuerySetWin32StartAddress, 0 if never set */
	bool hide_from_debugger;
	uint16_t *description;          /* ThreadNameInformation, NULL if none */
	size_t description_len;
	struct ktoken *impersonation;   /* the token the thread impersonates with, NULL if none */
};

struct kinfo {
	struct ktoken *token;           /* the process token */
	uint32_t hard_error_mode;
	uint32_t execute_flags;         /* MEM_EXECUTE_OPTION_* */
	uint64_t affinity;
	uint8_t priority_class;         /* PROCESS_PRIORITY_CLASS_* */
	bool priority_boost_disabled;
	uint32_t io_priority, page_priority;
	struct thread_info *threads;
	size_t nthreads;
	uint64_t next_luid;             /* token ids handed out */
};

/* One processor: every affinity mask is a subset of this. */
#define SYSTEM_AFFINITY 1ull

bool info_init(struct kprocess *p);
void info_destroy(struct kprocess *p);

/* The attributes of thread t, created with defaults on first use (NULL when out of memory). */
struct thread_info *info_thread(struct kprocess *p, const struct kthread *t);

/* The token a thread impersonates with (a new reference), NULL if it does not. */
struct ktoken *info_thread_token(struct kprocess *p, const struct kthread *t);

/* The thread a handle names (CURRENT_THREAD: c->thread, else the process's current thread).
 * A new reference. */
ntstatus_t info_ref_thread(struct nt_call *c, handle_t h, uint32_t access, struct kthread **out);
/* The process a handle names, which must be this one (the only process there is). */
ntstatus_t info_check_process(struct nt_call *c, handle_t h, uint32_t access);

/* The PEB of p (read from its first thread's TEB), 0 before the bootstrap made one. */
uint64_t info_peb(struct kprocess *p);

struct ksection;
/* The main program's image view (PEB.ImageBaseAddress), NULL before there is one. */
struct ksection *info_exe_section(struct kprocess *p);

/* Memory use from the allocation list: every allocated byte is virtual size, every committed
 * one is in the working set (nothing is ever paged out), committed private memory is
 * pagefile-backed. */
struct vm_usage {
	uint64_t virtual_size, committed, private_committed;
};
void info_vm_usage(struct kprocess *p, struct vm_usage *u);

#endif
