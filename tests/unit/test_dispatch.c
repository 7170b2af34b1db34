/* The syscall dispatcher: the signature table against Wine's own argument counts, binding of
 * discovered service numbers by name, unimplemented and invalid services, WOW64 id masking,
 * and a handler called on a bare process. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/dispatch.h"
#include "kernel/process.h"
#include "kernel_fixture.h"
#include "run_suite.h"

/* A process of nothing but a dispatcher bound to the table the scan finds in `dir`'s ntdll. */
static struct kprocess *bound(const char *dir, struct kfx_services *s)
{
	kfx_services_load(s, dir);
	struct kprocess *p = calloc(1, sizeof *p);
	ck_assert_ptr_nonnull(p);
	dispatch_bind(&p->syscalls, &s->table);
	return p;
}

START_TEST(signatures_match_wine_argument_counts)
{
	FILE *f = fopen("tests/data/wine8-ntdll-syscalls.txt", "r");
	ck_assert_ptr_nonnull(f);
	char line[256];
	unsigned checked = 0;
	while (fgets(line, sizeof line, f)) {
		char arch[16], name[128];
		unsigned id, bytes;
		if (sscanf(line, "%15s %x %127s %u", arch, &id, name, &bytes) != 4 ||
		    strcmp(arch, "x86_64"))
			continue;
		const struct syscall_desc *d = syscall_desc_find(name);
		if (!d)
			continue;
		ck_assert_msg(d->nargs * 8u == bytes, "%s: %u arguments in syscalls.def, Wine says %u",
			      name, d->nargs, bytes / 8);
		checked++;
	}
	fclose(f);
	ck_assert_uint_gt(checked, 100);
}
END_TEST

START_TEST(every_row_has_a_unique_name_and_sane_kinds)
{
	for (unsigned i = 0; i < syscall_desc_count; i++) {
		const struct syscall_desc *d = &syscall_descs[i];
		ck_assert_ptr_eq(syscall_desc_find(d->name), d);
		ck_assert_uint_le(d->nargs, SYSCALL_MAX_ARGS);
		for (unsigned a = 0; a < d->nargs; a++) {
			ck_assert_uint_lt(d->kinds[a], ARG_KIND_COUNT);
			ck_assert_ptr_nonnull(d->arg_names[a]);
		}
	}
	ck_assert_ptr_null(syscall_desc_find("NtNoSuchService"));
}
END_TEST

static void describe(void *ctx, gptr_t addr, char *buf, size_t size)
{
	snprintf(buf, size, "test.exe+0x%llx", (unsigned long long)(addr - 0x400000));
}

START_TEST(binds_x64_ntdll_by_name)
{
	struct kfx_services s;
	struct kprocess *p = bound("system32", &s);
	ck_assert_uint_eq(p->syscalls.known, 235);

	/* Every start-up service (GUEST-CONTRACT.md §3) has a signature row. */
	static const char *const startup[] = {
		"NtQueryVirtualMemory", "NtAllocateVirtualMemory", "NtFreeVirtualMemory",
		"NtOpenFile", "NtQueryVolumeInformationFile", "NtOpenKey", "NtQueryValueKey",
		"NtQuerySystemInformation", "NtQueryInformationToken", "NtCreateKey",
		"NtQueryInformationProcess", "NtFsControlFile", "NtCreateSection", "NtQuerySection",
		"NtClose", "NtMapViewOfSection", "NtProtectVirtualMemory", "NtInitializeNlsFiles",
		"NtQueryDefaultLocale", "NtGetNlsSectionPtr", "NtSetValueKey", "NtQuerySystemTime",
		"NtQueryAttributesFile", "NtContinue", "NtTerminateProcess", "NtWriteFile",
		"NtQueryInformationThread", "NtTerminateThread", "__wine_dbg_write",
	};
	for (size_t i = 0; i < sizeof startup / sizeof *startup; i++) {
		struct dispatch_entry *d = dispatch_lookup(&p->syscalls, kfx_service_id(&s.table, startup[i]));
		ck_assert_ptr_nonnull(d);
		ck_assert_msg(d->desc, "%s has no signature row", startup[i]);
		ck_assert_str_eq(d->desc->name, startup[i]);
	}
	free(p);
	kfx_services_free(&s);
}
END_TEST

START_TEST(unimplemented_is_logged_once_with_caller)
{
	struct kfx_services s;
	struct kprocess *p = bound("system32", &s);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct dispatch_log log = {out, false, describe, NULL};
	struct nt_call c = {.proc = p, .caller = 0x401234};
	ntstatus_t st;
	/* A service with no row at all and one with a signature but no handler yet. */
	uint32_t ids[] = {kfx_service_id(&s.table, "NtAddAtom"), kfx_service_id(&s.table, "NtSetDefaultUILanguage")};
	for (int k = 0; k < 2; k++) {
		for (int rep = 0; rep < 3; rep++) {
			ck_assert_int_eq(dispatch_call(&p->syscalls, &log, ids[k], &c, &st),
					 DISPATCH_UNIMPLEMENTED);
			ck_assert_uint_eq(st, STATUS_NOT_IMPLEMENTED);
		}
	}
	fclose(out);
	ck_assert_str_eq(text,
			 "ntemu: unimplemented syscall NtAddAtom (called from test.exe+0x1234)\n"
			 "ntemu: unimplemented syscall NtSetDefaultUILanguage (called from test.exe+0x1234)\n");
	free(text);

	/* An id the image does not define. */
	ck_assert_int_eq(dispatch_call(&p->syscalls, NULL, 0xfff, &c, &st), DISPATCH_INVALID);
	ck_assert_uint_eq(st, STATUS_INVALID_SYSTEM_SERVICE);
	free(p);
	kfx_services_free(&s);
}
END_TEST

START_TEST(wine_dbg_write_reaches_host_stream)
{
	struct kfx_services s;
	struct kprocess *p = bound("system32", &s);
	p->ptr_size = 8;
	p->mem = gmem_create();
	uint8_t *page = gmem_map_anon(p->mem, 0x10000, 0x1000, GMEM_READ | GMEM_WRITE);
	strcpy((char *)page, "err:module:import_dll Library X not found\n");
	char *text = NULL;
	size_t len = 0;
	p->debug_out = open_memstream(&text, &len);
	struct nt_call c = {.proc = p};
	c.args[0] = 0x10000;
	c.args[1] = (uint32_t)strlen((char *)page);
	ntstatus_t st;
	ck_assert_int_eq(dispatch_call(&p->syscalls, NULL, kfx_service_id(&s.table, "__wine_dbg_write"), &c, &st),
			 DISPATCH_DONE);
	ck_assert_uint_eq(st, c.args[1]);
	fclose(p->debug_out);
	ck_assert_str_eq(text, (char *)page);
	free(text);

	/* A bad guest pointer writes nothing and does not crash. */
	p->debug_out = open_memstream(&text, &len);
	c.args[0] = 0x7000000;
	dispatch_call(&p->syscalls, NULL, kfx_service_id(&s.table, "__wine_dbg_write"), &c, &st);
	ck_assert_uint_eq(st, 0);
	fclose(p->debug_out);
	ck_assert_str_eq(text, "");
	free(text);
	gmem_destroy(p->mem);
	free(p);
	kfx_services_free(&s);
}
END_TEST

START_TEST(wow64_ids_are_masked_and_arguments_widened)
{
	struct kfx_services s;
	struct kprocess *p = bound("syswow64", &s);
	ck_assert_uint_eq(p->syscalls.known, 239);
	uint32_t id = kfx_service_id(&s.table, "NtWriteFile");
	ck_assert_uint_eq(id, 0xe4); /* GUEST-CONTRACT.md §0: shifted by the four NtWow64* */
	/* Windows 7 WOW64 stubs keep a thunk selector in the high word of eax. */
	struct dispatch_entry *d = dispatch_lookup(&p->syscalls, id | 0x1a0000);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "NtWriteFile");
	ck_assert_ptr_null(dispatch_lookup(&p->syscalls, id | 0x4000));
	ck_assert_uint_eq(syscall_widen_arg(ARG_HANDLE, 0xfffffffe), (uint64_t)-2);
	ck_assert_uint_eq(syscall_widen_arg(ARG_LONG, 0x80000000u), 0xffffffff80000000ull);
	ck_assert_uint_eq(syscall_widen_arg(ARG_PTR, 0xfffff000u), 0xfffff000ull);
	ck_assert_uint_eq(syscall_widen_arg(ARG_ULONG, 0xffffffffu), 0xffffffffull);
	free(p);
	kfx_services_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dispatch");
	ADD_TCASE(s, "syscall dispatcher", NULL, NULL, signatures_match_wine_argument_counts,
		  every_row_has_a_unique_name_and_sane_kinds, binds_x64_ntdll_by_name,
		  unimplemented_is_logged_once_with_caller, wine_dbg_write_reaches_host_stream,
		  wow64_ids_are_masked_and_arguments_widened);
	return run_suite(s);
}
