#include "kernel/unixcall.h"

#include "kernel/clock.h"
#include "kernel/guest.h"

/* ntdll's unix-call codes (dlls/ntdll/unixlib.h). */
enum {
	UNIX_LOAD_SO_DLL = 0,
	UNIX_UNWIND_BUILTIN_DLL = 1,
	UNIX_SYSTEM_TIME_PRECISE = 2,
};

ntstatus_t unix_call(struct kthread *t, uint64_t handle, uint32_t code, gptr_t args)
{
	struct kprocess *p = t->proc;
	switch (code) {
	case UNIX_LOAD_SO_DLL:
		/* No unix libraries exist: a non-PE file is simply not a loadable DLL. */
		return STATUS_DLL_NOT_FOUND;
	case UNIX_UNWIND_BUILTIN_DLL:
		/* A frame without .pdata in no PE module: Wine then unwinds it as a leaf
		 * function (pops the return address), which is right for ntemu's trampolines. */
		return STATUS_UNSUCCESSFUL;
	case UNIX_SYSTEM_TIME_PRECISE: {
		uint64_t now = clock_system_time(p);
		return guest_write(p, args, &now, 8);
	}
	default:
		if (p->log.out)
			fprintf(p->log.out, "ntemu: unix call %u (handle 0x%llx) has no implementation\n", code,
				(unsigned long long)handle);
		return STATUS_NOT_IMPLEMENTED;
	}
}
