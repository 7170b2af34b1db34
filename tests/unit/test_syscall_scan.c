/* Syscall stub scanner: the tables found in Wine 8's ntdll.dll and win32u.dll
 * (both architectures) must equal the reference tables in tests/data, which
 * were taken from Wine's own build (GUEST-CONTRACT.md sections 0 and 8); the
 * stub shapes of Windows are checked on hand-assembled bytes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/pe.h"
#include "loader/syscall_scan.h"
#include "kernel_fixture.h"
#include "run_suite.h"

struct ref_entry {
    uint32_t id;
    char name[64];
    int arg_bytes;   /* -1 when the reference has no column */
};

struct ref {
    size_t count;
    struct ref_entry v[512];
};

static const char *testdata(void)
{
    const char *e = getenv("NTEMU_TESTDATA");
    return e && *e ? e : "tests/data";
}

/* wine8-ntdll-syscalls.txt: "<arch> <id> <name> <stack_ret_pop>" lines;
 * wine8-win32u-syscalls.txt: "<id> <name>" lines.  arch NULL selects the
 * two-column format. */
static void load_ref(const char *file, const char *arch, struct ref *r)
{
    char path[4096], line[256];
    snprintf(path, sizeof(path), "%s/%s", testdata(), file);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "reference table %s missing", path);
    r->count = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        struct ref_entry e = { .arg_bytes = -1 };
        char a[16];
        if (arch) {
            int n = sscanf(line, "%15s %x %63s %d", a, &e.id, e.name, &e.arg_bytes);
            ck_assert_msg(n == 4, "bad reference line: %s", line);
            if (strcmp(a, arch))
                continue;
        } else {
            ck_assert_msg(sscanf(line, "%x %63s", &e.id, e.name) == 2, "bad reference line: %s", line);
        }
        ck_assert_uint_lt(r->count, sizeof(r->v) / sizeof(r->v[0]));
        r->v[r->count++] = e;
    }
    fclose(f);
}

/* A stdcall stub pops its arguments; ntdll.spec declares three Wine extras
 * cdecl, and their stubs end in a plain return. */
static int expected_ret_pop(const struct ref_entry *r)
{
    static const char *const cdecl_calls[] = {
        "wine_server_call", "wine_server_fd_to_handle", "wine_server_handle_to_fd",
    };
    for (size_t i = 0; i < sizeof(cdecl_calls) / sizeof(cdecl_calls[0]); i++)
        if (!strcmp(r->name, cdecl_calls[i]))
            return 0;
    return r->arg_bytes;
}

/* Scans a DLL and requires exactly the reference table, in order. */
static void compare(const char *rel, const struct ref *r, unsigned table, bool check_args)
{
    struct kfx_image *d = kfx_image_load(rel);
    struct syscall_table t;
    struct pe_error err;
    ck_assert_msg(syscall_scan(d->data, &d->pe, &t, &err), "%s: %s", d->path, err.msg);
    ck_assert_msg(t.count == r->count, "%s: %zu syscalls, reference has %zu", rel, t.count,
                  r->count);
    for (size_t i = 0; i < t.count; i++) {
        const struct syscall_entry *e = &t.v[i];
        ck_assert_msg(e->id == r->v[i].id && !strcmp(e->name, r->v[i].name),
                      "%s entry %zu: 0x%04x %s, reference 0x%04x %s", rel, i, e->id, e->name,
                      r->v[i].id, r->v[i].name);
        ck_assert_uint_eq(syscall_table_number(e->id), table);
        if (check_args)
            ck_assert_msg(e->ret_pop == expected_ret_pop(&r->v[i]), "%s %s: ret %d, expected %d",
                          rel, e->name, e->ret_pop, expected_ret_pop(&r->v[i]));
        else if (d->pe.machine == PE_MACHINE_AMD64)
            ck_assert_int_eq(e->ret_pop, -1);
    }
    syscall_table_free(&t);
    kfx_image_free(d);
}

/* ntdll of each architecture; i386 stubs end in `ret N`, N being the argument bytes Wine's
 * table lists. */
START_TEST(ntdll_both)
{
    static const struct {
        const char *arch, *rel;
        size_t count;
        bool check_args;
    } a[] = {
        {"x86_64", "system32/ntdll.dll", 235, false},
        {"i386", "syswow64/ntdll.dll", 239, true},
    };
    static struct ref r;
    load_ref("wine8-ntdll-syscalls.txt", a[_i].arch, &r);
    ck_assert_uint_eq(r.count, a[_i].count);
    compare(a[_i].rel, &r, 0, a[_i].check_args);
}
END_TEST

START_TEST(win32u_both)
{
    static struct ref r;
    load_ref("wine8-win32u-syscalls.txt", NULL, &r);
    ck_assert_uint_eq(r.count, 0x1114 - 0x1000);
    ck_assert_uint_eq(r.v[0].id, 0x1000);
    compare(_i ? "syswow64/win32u.dll" : "system32/win32u.dll", &r, 1, false);
}
END_TEST

START_TEST(known_ids_and_aliases)
{
    struct kfx_image *d = kfx_image_load("system32/ntdll.dll");
    struct syscall_table t;
    struct pe_error err;
    ck_assert(syscall_scan(d->data, &d->pe, &t, &err));
    /* GUEST-CONTRACT section 0 */
    static const struct { const char *name; uint32_t id; } known[] = {
        { "NtClose", 0x15 }, { "NtContinue", 0x19 }, { "NtCreateThreadEx", 0x2d },
        { "NtQueryVirtualMemory", 0x97 }, { "NtTerminateProcess", 0xd1 },
        { "NtWriteFile", 0xe0 }, { "__wine_dbg_write", 0xe4 },
        { "wine_unix_to_nt_file_name", 0xea },
    };
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        bool found = false;
        for (size_t i = 0; i < t.count; i++)
            if (!strcmp(t.v[i].name, known[k].name)) {
                ck_assert_uint_eq(t.v[i].id, known[k].id);
                found = true;
            }
        ck_assert_msg(found, "%s not found", known[k].name);
    }
    /* Zw aliases share the Nt stub and never name an entry */
    for (size_t i = 0; i < t.count; i++)
        ck_assert_msg(strncmp(t.v[i].name, "Zw", 2), "alias %s named an entry", t.v[i].name);
    syscall_table_free(&t);
    kfx_image_free(d);

    /* a DLL without stubs yields an empty table */
    d = kfx_image_load("system32/kernel32.dll");
    ck_assert(syscall_scan(d->data, &d->pe, &t, &err));
    ck_assert_uint_eq(t.count, 0);
    syscall_table_free(&t);
    kfx_image_free(d);
}
END_TEST

/* Two stubs with one number: the DLL is inconsistent and must be refused. */
START_TEST(duplicate_ids)
{
    struct kfx_image *d = kfx_image_load(_i ? "syswow64/ntdll.dll" : "system32/ntdll.dll");
    struct pe_exports exp;
    struct pe_error err;
    ck_assert(pe_exports_read(d->data, &d->pe, &exp, &err));
    const struct pe_export *e = pe_exports_find(&exp, "NtClose");
    ck_assert_ptr_nonnull(e);
    size_t off;
    ck_assert(pe_rva_to_offset(&d->pe, e->rva, 8, &off));
    pe_exports_free(&exp);
    unsigned at = d->pe.machine == PE_MACHINE_AMD64 ? 4 : 1;   /* the imm32 of mov eax */
    ck_assert_uint_eq(d->data[off + at], 0x15);
    d->data[off + at] = 0x19;                                   /* NtContinue's number */
    struct syscall_table t;
    err.msg[0] = 0;
    ck_assert(!syscall_scan(d->data, &d->pe, &t, &err));
    ck_assert_msg(strstr(err.msg, "0x19") && strstr(err.msg, "NtClose") &&
                  strstr(err.msg, "NtContinue"), "message: %s", err.msg);
    kfx_image_free(d);
}
END_TEST

struct shape {
    const char *what;
    uint16_t machine;
    uint8_t bytes[32];
    size_t len;
    bool ok;
    uint32_t id;
    int32_t ret_pop;
};

static const struct shape shapes[] = {
    { "x64 Wine/Windows", PE_MACHINE_AMD64,
      { 0x4c, 0x8b, 0xd1, 0xb8, 0x15, 0, 0, 0, 0xf6, 0x04, 0x25, 0x08, 0x03, 0xfe, 0x7f, 0x01 },
      16, true, 0x15, -1 },
    { "x64 cut inside the imm32", PE_MACHINE_AMD64, { 0x4c, 0x8b, 0xd1, 0xb8, 0x15, 0, 0 }, 7,
      false, 0, 0 },
    { "x64 ordinary prologue", PE_MACHINE_AMD64, { 0x48, 0x89, 0x5c, 0x24, 0x08, 0x57 }, 6,
      false, 0, 0 },
    { "i386 Wine: mov edx, imm; call edx; ret 4", PE_MACHINE_I386,
      { 0xb8, 0x15, 0, 0, 0, 0xba, 0x20, 0xc6, 0xc0, 0x7b, 0xff, 0xd2, 0xc2, 0x04, 0x00 }, 15,
      true, 0x15, 4 },
    { "i386 XP: mov edx, 0x7ffe0300; call [edx]", PE_MACHINE_I386,
      { 0xb8, 0x19, 0, 0, 0, 0xba, 0x00, 0x03, 0xfe, 0x7f, 0xff, 0x12, 0xc2, 0x08, 0x00 }, 15,
      true, 0x19, 8 },
    { "i386 Windows 8+: call inline sysenter", PE_MACHINE_I386,
      { 0xb8, 0x22, 0, 0, 0, 0xe8, 0x03, 0, 0, 0, 0xc2, 0x0c, 0x00, 0x8b, 0xd4, 0x0f, 0x34, 0xc3 },
      18, true, 0x22, 12 },
    { "i386 call [Wow64Transition]; ret", PE_MACHINE_I386,
      { 0xb8, 0x05, 0, 0, 0, 0xff, 0x15, 0x00, 0x10, 0x30, 0x7b, 0xc3 }, 12, true, 5, 0 },
    { "i386 Windows 8 WOW64: call fs:[0xc0]", PE_MACHINE_I386,
      { 0xb8, 0x52, 0, 0, 0, 0x64, 0xff, 0x15, 0xc0, 0, 0, 0, 0xc2, 0x2c, 0x00 }, 15,
      true, 0x52, 0x2c },
    { "i386 Windows 7 WOW64: xor ecx, ecx", PE_MACHINE_I386,
      { 0xb8, 0x52, 0, 0, 0, 0x33, 0xc9, 0x8d, 0x54, 0x24, 0x04, 0x64, 0xff, 0x15, 0xc0, 0, 0, 0,
        0x83, 0xc4, 0x04, 0xc2, 0x2c, 0x00 }, 24, true, 0x52, 0x2c },
    { "i386 Windows 7 WOW64: mov ecx, thunk", PE_MACHINE_I386,
      { 0xb8, 0xa5, 0x00, 0x1a, 0x00, 0xb9, 0x03, 0, 0, 0, 0x8d, 0x54, 0x24, 0x04, 0x64, 0xff, 0x15,
        0xc0, 0, 0, 0, 0x83, 0xc4, 0x04, 0xc2, 0x2c, 0x00 }, 27, true, 0x1a00a5, 0x2c },
    { "i386 mov eax, 0x1000; call __chkstk (a function, not a stub)", PE_MACHINE_I386,
      { 0xb8, 0x00, 0x10, 0, 0, 0xe8, 0x10, 0x20, 0, 0, 0x29, 0xc4 }, 12, false, 0, 0 },
    { "i386 Wine stub cut before its ret", PE_MACHINE_I386,
      { 0xb8, 0x15, 0, 0, 0, 0xba, 0x20, 0xc6, 0xc0, 0x7b, 0xff, 0xd2, 0xc2, 0x04 }, 14,
      false, 0, 0 },
    { "x64 bytes read as i386", PE_MACHINE_I386,
      { 0x4c, 0x8b, 0xd1, 0xb8, 0x15, 0, 0, 0, 0x0f, 0x05, 0xc3 }, 11, false, 0, 0 },
};

START_TEST(stub_shapes)
{
    const struct shape *s = &shapes[_i];
    uint32_t id = 0;
    int32_t args = 0;
    bool ok = syscall_stub_id(s->machine, s->bytes, s->len, &id, &args);
    ck_assert_msg(ok == s->ok, "%s: %s", s->what, ok ? "recognised" : "not recognised");
    if (ok) {
        ck_assert_msg(id == s->id, "%s: id 0x%x", s->what, id);
        ck_assert_msg(args == s->ret_pop, "%s: arg bytes %d", s->what, args);
    }
}
END_TEST

START_TEST(service_numbers)
{
    ck_assert_uint_eq(syscall_table_number(0x1000), 1);
    ck_assert_uint_eq(syscall_table_index(0x1113), 0x113);
    ck_assert_uint_eq(syscall_table_number(0xe4), 0);
    ck_assert_uint_eq(syscall_service_number(0x1a00a5), 0xa5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("syscall_scan");
    TCase *tc = tcase_create("wine-image");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, ntdll_both, 0, 2);
    tcase_add_loop_test(tc, win32u_both, 0, 2);
    tcase_add_test(tc, known_ids_and_aliases);
    tcase_add_loop_test(tc, duplicate_ids, 0, 2);
    suite_add_tcase(s, tc);
    TCase *sh = tcase_create("shapes");
    tcase_add_loop_test(sh, stub_shapes, 0, (int)(sizeof(shapes) / sizeof(shapes[0])));
    tcase_add_test(sh, service_numbers);
    suite_add_tcase(s, sh);

    return run_suite(s);
}
