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

#endif
