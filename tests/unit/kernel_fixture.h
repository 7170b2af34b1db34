/* What the kernel-side suites share: the system image (build/sysroot or $NTEMU_SYSROOT) and
 * its files, ntdll's service table as the stub scan finds it, a bare process with a committed
 * scratch area, a temporary directory for a C: drive, and guest UNICODE_STRING /
 * OBJECT_ATTRIBUTES built in the process's own layout. Every helper asserts what it needs, so
 * a missing image or a failed set-up is a test failure, never a silent pass. */
#ifndef NTEMU_TEST_KERNEL_FIXTURE_H
#define NTEMU_TEST_KERNEL_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/process.h"
#include "loader/pe.h"
#include "loader/syscall_scan.h"

/* The system image's directory, as given (may be relative). */
const char *kfx_sysroot(void);
/* The same made absolute, for a kconfig's sysroot (a static buffer). */
const char *kfx_sysroot_abs(void);

/* One file of the system image, read and parsed. */
struct kfx_image {
	char path[4096];
	uint8_t *data;
	size_t size;
	struct pe_image pe;
};
/* `rel` below the system image, e.g. "system32/ntdll.dll". */
struct kfx_image *kfx_image_load(const char *rel);
void kfx_image_free(struct kfx_image *f);

/* The service table the stub scan finds in a system ntdll. */
struct kfx_services {
	struct kfx_image *ntdll;
	struct syscall_table table;
};
/* `dir`: "system32" or "syswow64". */
void kfx_services_load(struct kfx_services *s, const char *dir);
void kfx_services_free(struct kfx_services *s);
/* The number of service `name`; a name the scan did not find fails the test. */
uint32_t kfx_service_id(const struct syscall_table *t, const char *name);

/* A bare process (kprocess_create) of `ptr_size` with `size` bytes committed read/write at
 * `scratch` (no scratch area when size is 0). */
struct kprocess *kfx_process(const struct kconfig *cfg, unsigned ptr_size, gptr_t scratch,
			     uint64_t size);

/* The same with the real system image and, as its C: drive, a fresh directory
 * /tmp/ntemu-test-<what>-XXXXXX whose name goes to `root`; `cfg` is filled in. */
#define KFX_DIR_MAX 64
struct kprocess *kfx_drive_process(struct kconfig *cfg, char root[KFX_DIR_MAX], const char *what,
				   unsigned ptr_size, gptr_t scratch, uint64_t size);
/* Destroy it and remove its drive with all it holds. */
void kfx_drive_process_destroy(struct kprocess *p, const char *root);

/* A UNICODE_STRING at `at` for UTF-8 `s` (Length == MaximumLength), its characters at `chars`;
 * returns `at`. */
gptr_t kfx_ustr(struct kprocess *p, gptr_t at, gptr_t chars, const char *s);
/* OBJECT_ATTRIBUTES at `at` with RootDirectory `root`, ObjectName `name` (a guest
 * UNICODE_STRING or 0) and `attributes`; no security descriptor or QoS. Returns `at`. */
gptr_t kfx_objattr(struct kprocess *p, gptr_t at, handle_t root, gptr_t name, uint32_t attributes);

/* Guest reads for assertions: a bad address reads as 0 (the assertion then says so). */
uint32_t kfx_rd32(struct kprocess *p, gptr_t a);
uint64_t kfx_rd64(struct kprocess *p, gptr_t a);
/* A pointer-sized value in the process's width. */
uint64_t kfx_rdptr(struct kprocess *p, gptr_t a);

#endif
