/* NTSTATUS codes and their names. */
#ifndef NTEMU_KERNEL_NTSTATUS_H
#define NTEMU_KERNEL_NTSTATUS_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t ntstatus_t;

enum {
#define NTSTATUS(name, value) name = value,
#include "kernel/ntstatus.def"
#undef NTSTATUS
};

/* "STATUS_..." for known codes, NULL otherwise. */
const char *ntstatus_name(ntstatus_t status);

/* NT_SUCCESS(): severity success or informational. */
static inline bool nt_success(ntstatus_t status)
{
	return (int32_t)status >= 0;
}

#endif
