/* The guest's drives: C: is the root directory, further letters are mounted host directories
 * (struct kconfig). These map a host path to the DOS path the guest sees it under. */
#ifndef NTEMU_KERNEL_DRIVES_H
#define NTEMU_KERNEL_DRIVES_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/process.h"

/* The host directory behind drive `letter` ('C'..'Z', any case), NULL if none. *read_only
 * (if given) tells whether the drive is mounted read-only. */
const char *drive_dir(const struct kconfig *cfg, char letter, bool *read_only);

/* "C:\\dir\\file" for an absolute, normalised host path that lies inside a drive (the longest
 * matching drive directory wins); false if it lies in none or `size` is too small. */
bool drive_dos_path(const struct kconfig *cfg, const char *host_path, char *out, size_t size);

/* The first letter from 'D' on that no drive uses, 0 if none is left. */
char drive_free_letter(const struct kconfig *cfg);

/* A private directory for one run, laid out like C:\ with the folders `dirs` name
 * ("C:\\users\\user\\Temp"; paths on other drives or with '.' or '..' components are
 * skipped): what kconfig.fallback
 * points at when the root lacks folders the guest's environment names. It is created under
 * $TMPDIR (else /tmp) with mode 0700 and a random name the guest never sees. malloc'd path;
 * NULL on failure (errno set). */
char *drive_fallback_create(const char *const *dirs, size_t n);
/* Remove such a directory with everything in it, never following a symlink. */
void drive_fallback_remove(const char *dir);

#endif
