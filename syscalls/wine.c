/* Wine's own system services (the seven after the Nt* ones in Wine's ntdll).
 *
 * ntemu has no Wine unix side and no wineserver: the services that would need them refuse with
 * STATUS_NOT_SUPPORTED, which their PE callers treat as "not available" (GUEST-CONTRACT.md §5:
 * RtlGetFullPathName_U falls back for '/' paths; wine_server_call users fail their API). */

#include "kernel/guest.h"

/* The chunk size bounds host memory per call; longer messages are written in pieces. */
#define DBG_CHUNK 4096

/* Every debug line and MESSAGE() of the PE side ends here: copy it to the host's stderr. */
ntstatus_t nt_wine_dbg_write(struct nt_call *c, gptr_t str, uint32_t length)
{
	char buf[DBG_CHUNK];
	uint32_t done = 0;
	while (done < length) {
		uint32_t n = length - done < DBG_CHUNK ? length - done : DBG_CHUNK;
		if (guest_read(c->proc, str + done, buf, n) != STATUS_SUCCESS)
			break;
		if (c->proc->debug_out)
			fwrite(buf, 1, n, c->proc->debug_out);
		done += n;
	}
	if (c->proc->debug_out)
		fflush(c->proc->debug_out);
	/* Wine returns write(2)'s byte count here, not an NTSTATUS. */
	return done;
}

ntstatus_t nt_wine_unix_spawnvp(struct nt_call *c, gptr_t argv, int32_t wait)
{
	return STATUS_NOT_SUPPORTED;
}

ntstatus_t nt_wine_nt_to_unix_file_name(struct nt_call *c, gptr_t attr, gptr_t name, gptr_t size,
					uint32_t disposition)
{
	return STATUS_NOT_SUPPORTED;
}

ntstatus_t nt_wine_unix_to_nt_file_name(struct nt_call *c, gptr_t name, gptr_t buffer, gptr_t size)
{
	return STATUS_NOT_SUPPORTED;
}

ntstatus_t nt_wine_server_call(struct nt_call *c, gptr_t request)
{
	return STATUS_NOT_SUPPORTED;
}

ntstatus_t nt_wine_server_fd_to_handle(struct nt_call *c, int32_t fd, uint32_t access,
				       uint32_t attributes, gptr_t handle)
{
	return STATUS_NOT_SUPPORTED;
}

ntstatus_t nt_wine_server_handle_to_fd(struct nt_call *c, handle_t handle, uint32_t access,
				       gptr_t unix_fd, gptr_t options)
{
	return STATUS_NOT_SUPPORTED;
}
