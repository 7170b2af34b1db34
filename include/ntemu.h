/* ntemu as a C library.
 *
 * Today's public surface is the "bare process": a guest address space with ntemu's kernel
 * modules and one idle thread, on which any system-call handler can be called directly — how
 * ntemu's own tests exercise handlers, and how a user unit-tests one. Running whole programs
 * from the library (with per-syscall, per-instruction and per-memory-access hooks) follows the
 * boot and debugger issues; until then tools/ntemu.c is the way to run a program.
 *
 * All guest memory is reached through ntemu_read/ntemu_write: guest addresses are never host
 * pointers. */
#ifndef NTEMU_H
#define NTEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ntemu_process;

struct ntemu_options {
	const char *sysroot;  /* system image (system32/, syswow64/, nls/); required */
	const char *root;     /* host directory behind the guest's C: drive; NULL: none */
	bool wow64;           /* a 32-bit guest: 4-byte pointers in every structure */
	bool realtime;        /* guest clocks follow the host clock */
	uint64_t seed;        /* guest-visible randomness (RDRAND...) */
};

/* A bare process: its service table bound from the system image's ntdll.dll, no program
 * mapped, one thread that never runs. NULL with a message in err on failure. */
struct ntemu_process *ntemu_bare_process(const struct ntemu_options *opt, char *err, size_t errsize);
void ntemu_process_free(struct ntemu_process *p);

/* Committed read/write guest memory (64 KiB aligned); 0 on failure. */
uint64_t ntemu_alloc(struct ntemu_process *p, size_t size);
/* Checked copies; false if any byte of the range is not accessible to the guest. */
bool ntemu_read(struct ntemu_process *p, uint64_t addr, void *dst, size_t n);
bool ntemu_write(struct ntemu_process *p, uint64_t addr, const void *src, size_t n);

enum ntemu_call_result {
	NTEMU_CALL_DONE,          /* *status is the service's answer */
	NTEMU_CALL_UNIMPLEMENTED, /* the service exists but has no handler: STATUS_NOT_IMPLEMENTED */
	NTEMU_CALL_NO_SUCH,       /* the system image has no service of that name */
	NTEMU_CALL_BAD_ARGS,      /* nargs does not match the service's signature */
};

/* Call the service `name` ("NtCreateFile") with the given arguments as the guest would pass
 * them (handles, values, guest addresses), on the bare process's thread. */
enum ntemu_call_result ntemu_syscall(struct ntemu_process *p, const char *name,
				     const uint64_t *args, unsigned nargs, uint32_t *status);

#ifdef __cplusplus
}
#endif

#endif
