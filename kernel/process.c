#include "kernel/process.h"

ntstatus_t process_ref_handle(struct kprocess *p, handle_t h, enum object_type type,
			      uint32_t access, void **out)
{
	if (h == CURRENT_PROCESS) {
		if (type != OBJ_ANY && type != OBJ_PROCESS)
			return STATUS_OBJECT_TYPE_MISMATCH;
		*out = object_ref(&p->obj);
		return STATUS_SUCCESS;
	}
	/* FIXME: CURRENT_THREAD and the token pseudo-handles resolve once thread and token
	 * objects exist (scheduler issue); until then they are not valid handles. */
	return handle_ref(&p->handles, h, type, access, out);
}
