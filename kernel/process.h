/* A guest process as the kernel layer sees it. Grows with the kernel: virtual-memory regions,
 * handles, threads and the namespace hang off it as those modules land. */
#ifndef NTEMU_KERNEL_PROCESS_H
#define NTEMU_KERNEL_PROCESS_H

#include <stdio.h>

#include "cpu/mem.h"
#include "kernel/dispatch.h"

struct kprocess {
	struct guest_mem *mem;
	unsigned ptr_size;          /* guest pointer width: 8, or 4 for a 32-bit (WOW64) guest */
	FILE *debug_out;            /* __wine_dbg_write output: the host's stderr by default */
	struct dispatch_table syscalls;
};

#endif
