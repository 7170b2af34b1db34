/* The syscall trace line: typed arguments decoded from guest memory, status by name. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/trace.h"
#include "run_suite.h"

#define BUF 0x10000ull

static char *trace(struct kprocess *p, const char *name, const struct nt_call *c, unsigned nargs,
		   ntstatus_t st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	trace_syscall(f, p, 1, name, c, nargs, st);
	fclose(f);
	return text;
}

START_TEST(open_file_line)
{
	static const struct kconfig cfg = {0};
	struct kprocess *p = kprocess_create(&cfg, 8);
	uint8_t *m = gmem_map_anon(p->mem, BUF, 0x1000, GMEM_READ | GMEM_WRITE);
	memcpy(m + 0x100, u"\\??\\C:\\t\u00e9st.txt", 32);
	uint16_t len = 30, max = 32;
	uint64_t bufp = BUF + 0x100, objname = BUF + 0x200, handle = 0x4c;
	memcpy(m + 0x200, &len, 2);
	memcpy(m + 0x202, &max, 2);
	memcpy(m + 0x208, &bufp, 8);
	uint32_t oalen = 0x30, attrs = 0x40;
	memcpy(m + 0x300, &oalen, 4);
	memcpy(m + 0x310, &objname, 8);
	memcpy(m + 0x318, &attrs, 4);
	memcpy(m + 0x400, &handle, 8);
	uint64_t iosb[2] = {0, 1};
	memcpy(m + 0x410, iosb, 16);

	struct nt_call c = {.proc = p, .desc = syscall_desc_find("NtOpenFile")};
	uint64_t args[] = {BUF + 0x400, 0x100020, BUF + 0x300, BUF + 0x410, 7, 0x21};
	memcpy(c.args, args, sizeof args);
	char *line = trace(p, "NtOpenFile", &c, 0, STATUS_SUCCESS);
	ck_assert_str_eq(line, "[0001] NtOpenFile(handle=0x10400->0x4c, access=0x100020, "
			       "attr=\"\\\\??\\\\C:\\\\t\xc3\xa9st.txt\", iosb=0x10410{0x0,0x1}, "
			       "sharing=0x7, options=0x21) = STATUS_SUCCESS\n");
	free(line);

	/* A bad pointer is shown as such, never followed into a crash. */
	c.args[2] = 0x7000000;
	line = trace(p, "NtOpenFile", &c, 0, STATUS_ACCESS_VIOLATION);
	ck_assert_ptr_nonnull(strstr(line, "attr=0x7000000(bad)"));
	ck_assert_ptr_nonnull(strstr(line, ") = STATUS_ACCESS_VIOLATION\n"));
	free(line);

	/* No signature row: raw arguments, the scan's count. */
	struct nt_call raw = {.proc = p, .args = {1, 2}};
	line = trace(p, "NtAddAtom", &raw, 2, 0xc0001234);
	ck_assert_str_eq(line, "[0001] NtAddAtom(0x1, 0x2) = 0xc0001234\n");
	free(line);
	kprocess_destroy(p);
}
END_TEST

START_TEST(blocked_call_lines)
{
	static const struct kconfig cfg = {0};
	struct kprocess *p = kprocess_create(&cfg, 8);
	uint8_t *m = gmem_map_anon(p->mem, BUF, 0x1000, GMEM_READ | GMEM_WRITE);
	int64_t timeout = -10000000;
	memcpy(m + 0x100, &timeout, 8);
	struct nt_call c = {.proc = p, .desc = syscall_desc_find("NtWaitForSingleObject"),
			    .args = {0x4c, 1, BUF + 0x100}};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	/* The call's line without a status, then the status it ended with, or that it never did. */
	trace_syscall_blocked(f, p, 0x24, "NtWaitForSingleObject", &c, 0);
	trace_wait_end(f, 0x24, "NtWaitForSingleObject", STATUS_USER_APC, false);
	trace_wait_end(f, 0x28, "NtDelayExecution", 0, true);
	trace_wait_end(f, 0x2c, "NtWaitForKeyedEvent", 0xc0001234, false);
	fclose(f);
	ck_assert_str_eq(text, "[0024] NtWaitForSingleObject(handle=0x4c, alertable=1, timeout=0x10100{-10000000}) ...\n"
			       "[0024] ... NtWaitForSingleObject = STATUS_USER_APC\n"
			       "[0028] ... NtDelayExecution: the thread ended\n"
			       "[002c] ... NtWaitForKeyedEvent = 0xc0001234\n");
	free(text);
	kprocess_destroy(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	ADD_TCASE(s, "syscall trace", NULL, NULL, open_file_line, blocked_call_lines);
	return run_suite(s);
}
