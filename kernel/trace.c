#include "kernel/trace.h"

#include <inttypes.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/unicode.h"

/* Strings longer than this are cut with "..." so one call stays one readable line. */
#define TRACE_STRING_MAX 200

/* Printable ASCII as is, the quote and backslash escaped, other control characters as \xNN,
 * the rest as UTF-8 (unpaired surrogates as U+FFFD). */
static void put_utf16(FILE *out, const uint16_t *s, size_t len)
{
	size_t n = len < TRACE_STRING_MAX ? len : TRACE_STRING_MAX;
	char buf[3 * TRACE_STRING_MAX]; /* a unit takes at most 3 bytes, a surrogate pair 4 */
	size_t bytes = utf16_to_utf8(s, n, buf, sizeof buf);
	fputc('"', out);
	for (size_t i = 0; i < bytes; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputs(len > TRACE_STRING_MAX ? "\"..." : "\"", out);
}

static void put_bytes(FILE *out, struct kprocess *p, gptr_t addr, uint64_t len)
{
	char buf[TRACE_STRING_MAX];
	size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
	if (guest_read(p, addr, buf, n) != STATUS_SUCCESS) {
		fprintf(out, "0x%" PRIx64 "(bad)", addr);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, out);
		else
			fprintf(out, "\\x%02x", ch);
	}
	fputs(len > n ? "\"..." : "\"", out);
}

static void put_handle(FILE *out, handle_t h)
{
	switch ((int64_t)h) {
	case -1: fputs("CurrentProcess", out); break;
	case -2: fputs("CurrentThread", out); break;
	default: fprintf(out, "0x%" PRIx64, h);
	}
}

/* A pointer followed by the value it points to after the call. */
static void put_out_value(FILE *out, struct kprocess *p, gptr_t addr, unsigned size)
{
	fprintf(out, "0x%" PRIx64, addr);
	if (!addr)
		return;
	uint64_t v = 0;
	ntstatus_t st = size == 8 ? guest_read_ptr(p, addr, &v) : guest_read(p, addr, &v, size);
	if (st == STATUS_SUCCESS)
		fprintf(out, "->0x%" PRIx64, v);
}

static void put_arg(FILE *out, struct kprocess *p, enum syscall_arg_kind kind, uint64_t v,
		    uint64_t next)
{
	switch (kind) {
	case ARG_HANDLE:
		put_handle(out, v);
		break;
	case ARG_PHANDLE:
	case ARG_PSIZE:
	case ARG_PPVOID:
		put_out_value(out, p, v, 8);
		break;
	case ARG_PULONG:
		put_out_value(out, p, v, 4);
		break;
	case ARG_PLARGE:
		fprintf(out, "0x%" PRIx64, v);
		if (v) {
			int64_t x;
			if (guest_read(p, v, &x, 8) == STATUS_SUCCESS)
				fprintf(out, "{%" PRId64 "}", x);
		}
		break;
	case ARG_PUSTR:
	case ARG_POBJATTR: {
		if (!v) {
			fputs("NULL", out);
			break;
		}
		struct objattr oa = {0};
		ntstatus_t st = kind == ARG_PUSTR ? guest_read_ustr(p, v, &oa.name)
						  : guest_read_objattr(p, v, &oa);
		if (st != STATUS_SUCCESS) {
			fprintf(out, "0x%" PRIx64 "(bad)", v);
			break;
		}
		if (oa.root) {
			fputs("{root=", out);
			put_handle(out, oa.root);
			fputc(',', out);
		}
		put_utf16(out, oa.name.buf, oa.name.len);
		if (oa.root)
			fputc('}', out);
		objattr_free(&oa);
		break;
	}
	case ARG_PIOSB: {
		fprintf(out, "0x%" PRIx64, v);
		uint64_t status = 0, info = 0;
		if (v && guest_read_ptr(p, v, &status) == STATUS_SUCCESS &&
		    guest_read_ptr(p, v + p->ptr_size, &info) == STATUS_SUCCESS)
			fprintf(out, "{0x%" PRIx32 ",0x%" PRIx64 "}", (uint32_t)status, info);
		break;
	}
	case ARG_PSTR:
		/* The length is the next argument (__wine_dbg_write). */
		put_bytes(out, p, v, next);
		break;
	case ARG_ULONG:
	case ARG_CLASS:
		fprintf(out, "%" PRIu32, (uint32_t)v);
		break;
	case ARG_LONG:
		fprintf(out, "%" PRId32, (int32_t)v);
		break;
	case ARG_BOOL:
		fprintf(out, "%u", (unsigned)(v & 0xff));
		break;
	case ARG_ACCESS:
	case ARG_FLAGS:
	case ARG_PTR:
	case ARG_ULONG_PTR:
	default:
		fprintf(out, "0x%" PRIx64, v);
		break;
	}
}

static void put_status(FILE *out, ntstatus_t status)
{
	const char *sname = ntstatus_name(status);
	if (sname)
		fprintf(out, " = %s\n", sname);
	else
		fprintf(out, " = 0x%08" PRIx32 "\n", status);
}

/* "[tid] name(arguments)" */
static void put_call(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
		     const struct nt_call *c, unsigned nargs)
{
	const struct syscall_desc *d = c->desc;
	fprintf(out, "[%04" PRIx32 "] %s(", tid, name);
	unsigned n = d ? d->nargs : nargs;
	for (unsigned i = 0; i < n && i < SYSCALL_MAX_ARGS; i++) {
		if (i)
			fputs(", ", out);
		if (d) {
			fprintf(out, "%s=", d->arg_names[i]);
			put_arg(out, p, d->kinds[i], c->args[i], i + 1 < n ? c->args[i + 1] : 0);
		} else {
			fprintf(out, "0x%" PRIx64, c->args[i]);
		}
	}
	fputc(')', out);
}

void trace_syscall(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
		   const struct nt_call *c, unsigned nargs, ntstatus_t status)
{
	put_call(out, p, tid, name, c, nargs);
	put_status(out, status);
}

void trace_syscall_blocked(FILE *out, struct kprocess *p, uint32_t tid, const char *name,
			   const struct nt_call *c, unsigned nargs)
{
	put_call(out, p, tid, name, c, nargs);
	fputs(" ...\n", out);
}

void trace_wait_end(FILE *out, uint32_t tid, const char *name, ntstatus_t status, bool ended)
{
	fprintf(out, "[%04" PRIx32 "] ... %s", tid, name);
	if (ended)
		fputs(": the thread ended\n", out);
	else
		put_status(out, status);
}
