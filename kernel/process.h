/* A guest process as the kernel layer sees it. Grows with the kernel: virtual-memory regions,
 * handles, threads and the namespace hang off it as those modules land. */
#ifndef NTEMU_KERNEL_PROCESS_H
#define NTEMU_KERNEL_PROCESS_H

#include <stdio.h>

#include "cpu/mem.h"
#include "kernel/dispatch.h"
#include "kernel/object.h"

struct kprocess {
	struct kobject obj;         /* what process handles refer to */
	struct guest_mem *mem;
	unsigned ptr_size;          /* guest pointer width: 8, or 4 for a 32-bit (WOW64) guest */
	FILE *debug_out;            /* __wine_dbg_write output: the host's stderr by default */
	struct dispatch_table syscalls;
	struct handle_table handles;
};

/* The object a handle of this process names, with a new reference: pseudo-handles included
 * (-1 is the process itself). */
ntstatus_t process_ref_handle(struct kprocess *p, handle_t h, enum object_type type,
			      uint32_t access, void **out);

#endif
