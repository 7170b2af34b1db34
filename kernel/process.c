#include "kernel/process.h"

#include <stdio.h>
#include <stdlib.h>

#include "kernel/info.h"
#include "kernel/section.h"
#include "kernel/unicode.h"
#include "kernel/vm.h"

ntstatus_t process_ref_handle(struct kprocess *p, handle_t h, enum object_type type,
			      uint32_t access, void **out)
{
	if (h == CURRENT_PROCESS) {
		if (type != OBJ_ANY && type != OBJ_PROCESS)
			return STATUS_OBJECT_TYPE_MISMATCH;
		*out = object_ref(&p->obj);
		return STATUS_SUCCESS;
	}
	if (h == CURRENT_PROCESS_TOKEN || h == CURRENT_THREAD_EFFECTIVE_TOKEN ||
	    h == CURRENT_THREAD_TOKEN) {
		if (type != OBJ_ANY && type != OBJ_TOKEN)
			return STATUS_OBJECT_TYPE_MISMATCH;
		if (!p->info)
			return STATUS_NO_TOKEN;
		/* The thread's impersonation token, if any; the effective token falls back to
		 * the process's. */
		struct ktoken *t = h != CURRENT_PROCESS_TOKEN && p->current ?
				   info_thread_token(p, p->current) : NULL;
		if (!t && h == CURRENT_THREAD_TOKEN)
			return STATUS_NO_TOKEN;
		*out = t ? t : object_ref(p->info->token);
		return STATUS_SUCCESS;
	}
	if (h == CURRENT_THREAD) {
		if (!p->current)
			return STATUS_INVALID_HANDLE;
		if (type != OBJ_ANY && type != OBJ_THREAD)
			return STATUS_OBJECT_TYPE_MISMATCH;
		*out = object_ref(p->current);
		return STATUS_SUCCESS;
	}
	return handle_ref(&p->handles, h, type, access, out);
}

/* "kernel32.dll+0x1234" for an address inside an image view, else the bare address. */
void process_describe_address(void *ctx, gptr_t addr, char *buf, size_t size)
{
	struct kprocess *p = ctx;
	uint64_t base;
	struct ksection *s = p->vm ? vm_view_at(p, addr, &base) : NULL;
	if (s && s->pe && s->file_name) {
		size_t start = s->file_name_len;
		while (start && s->file_name[start - 1] != '\\' && s->file_name[start - 1] != '/')
			start--;
		char *name = utf16_to_utf8_dup(s->file_name + start, s->file_name_len - start);
		if (name) {
			snprintf(buf, size, "%s+0x%llx", name, (unsigned long long)(addr - base));
			free(name);
			return;
		}
	}
	snprintf(buf, size, "0x%llx", (unsigned long long)addr);
}
