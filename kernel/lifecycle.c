/* Creating and destroying a (bare) process: memory, block cache, handle table, then each kernel
 * module in order. Modules add their init/destroy calls at the marked places. */
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/thread.h"
#include "loader/syscall_scan.h"
/* module headers */
#include "kernel/vm.h"
#include "kernel/registry.h"
#include "kernel/info.h"
#include "kernel/vfs.h"
#include "kernel/namespace.h"
#include "kernel/wait.h"

struct kprocess *kprocess_create(const struct kconfig *config, unsigned ptr_size)
{
	struct kprocess *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->obj.type = OBJ_PROCESS;
	p->obj.refs = 1; /* held by the process itself: handles never free it */
	p->config = config;
	p->ptr_size = ptr_size;
	p->debug_out = stderr;
	p->log.describe = process_describe_address;
	p->log.ctx = p;
	clock_init(p);
	handle_table_init(&p->handles);
	p->mem = gmem_create();
	p->cache = p->mem ? block_cache_create(p->mem) : NULL;
	if (!p->cache)
		goto fail;
	/* module init: each `if (!<module>_init(p)) goto fail;` */
	if (!namespace_init(p))
		goto fail;
	if (!vm_init(p))
		goto fail;
	if (!registry_init(p))
		goto fail;
	if (!info_init(p))
		goto fail;
	if (!vfs_init(p))
		goto fail;
	if (!sync_init(p))
		goto fail;
	return p;
fail:
	kprocess_destroy(p);
	return NULL;
}

void kprocess_destroy(struct kprocess *p)
{
	if (!p)
		return;
	/* Handles first: closing them may drop the last reference to a module's objects. */
	handle_table_destroy(&p->handles);
	for (struct kthread *t = p->threads, *next; t; t = next) {
		next = t->next;
		object_unref(t);
	}
	/* module destroy, reverse order: `<module>_destroy(p);` */
	sync_destroy(p);
	vfs_destroy(p);
	info_destroy(p);
	registry_destroy(p);
	vm_destroy(p);
	namespace_destroy(p);
	for (int k = 0; k < 2; k++) {
		if (p->service_tables[k])
			syscall_table_free(p->service_tables[k]);
		free(p->service_tables[k]);
	}
	block_cache_destroy(p->cache);
	gmem_destroy(p->mem);
	free(p);
}
