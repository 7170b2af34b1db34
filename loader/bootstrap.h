/* Process bootstrap: what Windows' process creation (and Wine's unix side) does before the
 * first guest instruction — map ntdll.dll and the program, build KUSER_SHARED_DATA, PEB, TEB,
 * process parameters and the first thread's stack and CONTEXT — so that the first thread starts
 * at ntdll's LdrInitializeThunk, which loads every other DLL itself through system calls.
 * GUEST-CONTRACT.md §1-2 is the specification for Wine's ntdll. */
#ifndef NTEMU_LOADER_BOOTSTRAP_H
#define NTEMU_LOADER_BOOTSTRAP_H

#include <stddef.h>

#include "kernel/process.h"

struct boot_spec {
	const char *exe_host_path;  /* the program on the host */
	const char *exe_nt_path;    /* its DOS path in the guest, UTF-8 ("C:\\dir\\hello.exe") */
	const char *cwd;            /* guest current directory, UTF-8, with trailing '\\' */
	const char *const *argv;    /* guest arguments after the program name (UTF-8) */
	size_t argc;
	const char *const *env;     /* the whole guest environment, "NAME=VALUE" (UTF-8) */
	size_t nenv;
	handle_t std_handles[3];    /* stdin, stdout, stderr handles already in p's table */
};

enum boot_error {
	BOOT_OK,
	BOOT_BAD_PROGRAM,      /* unreadable, not a PE program, wrong machine, a DLL... */
	BOOT_BAD_SYSTEM_IMAGE, /* the sysroot's ntdll is missing, unreadable or unsupported */
	BOOT_NO_MEMORY,        /* the guest address space could not hold what start-up needs */
};

/* Set up `p` (a bare process from kprocess_create) to run `spec`'s program. On failure `err`
 * holds one line naming the problem. */
enum boot_error bootstrap_process(struct kprocess *p, const struct boot_spec *spec, char *err,
				  size_t errsize);

/* Give thread t of a started process what the main thread got: a stack of stack_reserve bytes
 * (at least 1 MiB, all committed), a TEB (Wine's layout) pointing at `peb`, and registers that
 * enter ntdll's LdrInitializeThunk, which ends in RtlUserThreadStart(entry, arg)
 * (NtCreateThreadEx; GUEST-CONTRACT.md §2). STATUS_NO_MEMORY if the address space is full. */
ntstatus_t bootstrap_thread(struct kprocess *p, struct kthread *t, uint64_t peb,
			    uint64_t stack_reserve, gptr_t entry, gptr_t arg);

#endif
