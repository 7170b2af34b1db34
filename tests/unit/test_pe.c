/* PE parser tests: facts about the Wine 8 system image (GUEST-CONTRACT.md
 * section 0), a sweep over every file of the image, malformed variants of a
 * real DLL that must all be rejected, and base relocations. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loader/pe.h"
#include "kernel_fixture.h"
#include "run_suite.h"

static const struct pe_section *find_section(const struct pe_image *pe, const char *name)
{
    for (unsigned i = 0; i < pe->num_sections; i++)
        if (!strcmp(pe->sections[i].name, name))
            return &pe->sections[i];
    return NULL;
}

static uint32_t export_rva(const struct kfx_image *f, const char *name)
{
    struct pe_exports exp;
    struct pe_error err;
    ck_assert_msg(pe_exports_read(f->data, &f->pe, &exp, &err), "%s: %s", f->path, err.msg);
    const struct pe_export *e = pe_exports_find(&exp, name);
    ck_assert_msg(e != NULL, "%s does not export %s", f->path, name);
    uint32_t rva = e->rva;
    pe_exports_free(&exp);
    return rva;
}

/* The set of DLL names a file imports from, lower-cased, comma-joined in order of first use. */
static void imported_dlls(const struct kfx_image *f, char *out, size_t outsz)
{
    struct pe_imports imp;
    struct pe_error err;
    ck_assert_msg(pe_imports_read(f->data, &f->pe, &imp, &err), "%s: %s", f->path, err.msg);
    out[0] = 0;
    for (size_t i = 0; i < imp.count; i++) {
        if (i && !strcmp(imp.v[i].dll, imp.v[i - 1].dll))
            continue;
        char name[256];
        size_t n = 0;
        for (; imp.v[i].dll[n] && n < sizeof(name) - 1; n++)
            name[n] = (char)(imp.v[i].dll[n] | 0x20);
        name[n] = 0;
        if (out[0])
            strncat(out, ",", outsz - strlen(out) - 1);
        strncat(out, name, outsz - strlen(out) - 1);
    }
    pe_imports_free(&imp);
}

START_TEST(ntdll64_headers)
{
    struct kfx_image *f = kfx_image_load("system32/ntdll.dll");
    const struct pe_image *pe = &f->pe;
    ck_assert_uint_eq(pe->machine, PE_MACHINE_AMD64);
    ck_assert(pe->is64);
    ck_assert_uint_eq(pe->magic, PE_MAGIC_PE32PLUS);
    ck_assert_uint_eq(pe->image_base, 0x170000000ull);
    ck_assert_uint_eq(pe->characteristics, 0x2026);
    ck_assert(pe->characteristics & PE_FILE_DLL);
    ck_assert_uint_eq(pe->size_of_image, 0x361000);
    ck_assert_uint_eq(pe->mapped_size, 0x361000);
    ck_assert_uint_eq(pe->size_of_headers, 0x1000);
    ck_assert_uint_eq(pe->entry_rva, 0x68c10);
    ck_assert_uint_eq(pe->section_align, 0x1000);
    ck_assert_uint_eq(pe->file_align, 0x1000);
    ck_assert_uint_eq(pe->subsystem, 3);
    ck_assert_uint_eq(pe->subsys_major, 5);
    ck_assert_uint_eq(pe->subsys_minor, 2);
    ck_assert_uint_eq(pe->dll_characteristics, 0x160);
    ck_assert_uint_eq(pe->stack_reserve, 0x200000);
    ck_assert_uint_eq(pe->stack_commit, 0x1000);
    ck_assert_uint_eq(pe->heap_reserve, 0x100000);
    ck_assert_uint_eq(pe->heap_commit, 0x1000);
    ck_assert_uint_eq(pe->checksum, 0x38e075);
    ck_assert_uint_eq(pe->loader_flags, 0);
    ck_assert_uint_eq(pe->num_dirs, 16);
    ck_assert_uint_eq(pe->dirs[PE_DIR_EXPORT].rva, 0x8a000);
    ck_assert_uint_eq(pe->dirs[PE_DIR_EXPORT].size, 0x129c1);
    ck_assert_uint_eq(pe->dirs[PE_DIR_EXCEPTION].rva, 0x7e000);
    ck_assert_uint_eq(pe->dirs[PE_DIR_BASERELOC].rva, 0x9f000);
    ck_assert(pe->wine_builtin);
    ck_assert(!pe->wine_fakedll);
    ck_assert(!pe->has_clr);

    ck_assert_uint_eq(pe->num_sections, 19);
    const struct pe_section *text = find_section(pe, ".text");
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(text->va, 0x1000);
    ck_assert_uint_eq(text->vsize, 0x67f80);
    ck_assert_uint_eq(text->raw_offset, 0x1000);
    ck_assert_uint_eq(text->map_size, 0x68000);
    ck_assert(text->characteristics & PE_SCN_MEM_EXECUTE);
    const struct pe_section *bss = find_section(pe, ".bss");
    ck_assert_ptr_nonnull(bss);
    ck_assert_uint_eq(bss->va, 0x86000);
    ck_assert_uint_eq(bss->raw_size, 0);
    ck_assert_uint_eq(bss->file_bytes, 0);
    ck_assert_ptr_eq(pe_section_for_rva(pe, 0x34d90), text);
    ck_assert_uint_eq(pe_section_protection(text->characteristics), PE_PAGE_EXECUTE_READ);
    ck_assert_uint_eq(pe_section_protection(find_section(pe, ".data")->characteristics),
                      PE_PAGE_WRITECOPY);
    ck_assert_uint_eq(pe_section_protection(find_section(pe, ".rdata")->characteristics),
                      PE_PAGE_READONLY);
    ck_assert_uint_eq(pe_section_protection(PE_SCN_MEM_EXECUTE | PE_SCN_MEM_WRITE),
                      PE_PAGE_EXECUTE_WRITECOPY);
    ck_assert_uint_eq(pe_section_protection(PE_SCN_MEM_EXECUTE), PE_PAGE_EXECUTE);
    ck_assert_uint_eq(pe_section_protection(0), PE_PAGE_NOACCESS);
    /* names past 8 bytes come from the COFF string table */
    ck_assert_str_eq(pe_section_name(f->data, pe, text), ".text");
    const struct pe_section *last = &pe->sections[pe->num_sections - 1];
    ck_assert_str_eq(last->name, "/92");
    ck_assert_str_eq(pe_section_name(f->data, pe, last), ".debug_ranges");
    ck_assert_ptr_null(pe_section_for_rva(pe, 0x800));        /* headers */
    ck_assert_ptr_null(pe_section_for_rva(pe, 0x361000));     /* past the image */

    size_t off;
    ck_assert(pe_rva_to_offset(pe, 0x34d90, 16, &off));
    ck_assert_uint_eq(off, 0x34d90);                          /* .text: RVA == offset */
    ck_assert(pe_rva_to_offset(pe, 0x40, 17, &off));          /* headers */
    ck_assert(!pe_rva_to_offset(pe, 0x86000, 1, &off));       /* .bss has no file bytes */
    ck_assert(!pe_rva_to_offset(pe, 0x68ff0, 0x20, &off));    /* crosses from .text into .data */
    ck_assert(pe_rva_to_offset(pe, 0x68ff0, 0x10, &off));
    ck_assert_ptr_null(pe_rva_ptr(f->data, pe, 0xffffffff, 1));
    ck_assert_str_eq((const char *)pe_rva_ptr(f->data, pe, 0x40, 17), "Wine builtin DLL");
    kfx_image_free(f);
}
END_TEST

START_TEST(ntdll64_exports)
{
    static const struct { const char *name; uint32_t rva; } known[] = {
        { "LdrInitializeThunk", 0x34d90 },
        { "RtlUserThreadStart", 0x5dc20 },
        { "KiUserExceptionDispatcher", 0x5541c },
        { "KiUserApcDispatcher", 0x55470 },
        { "KiUserCallbackDispatcher", 0x55c60 },
        { "KiRaiseUserExceptionDispatcher", 0x25e00 },
        { "__wine_ctrl_routine", 0x2ffc0 },
        { "__wine_unix_call", 0x2ca60 },
        { "__wine_syscall_dispatcher", 0x69030 },
        { "__wine_unix_call_dispatcher", 0x69700 },
    };
    struct kfx_image *f = kfx_image_load("system32/ntdll.dll");
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        ck_assert_msg(export_rva(f, known[i].name) == known[i].rva, "%s: RVA 0x%x, expected 0x%x",
                      known[i].name, export_rva(f, known[i].name), known[i].rva);

    struct pe_exports exp;
    struct pe_error err;
    ck_assert(pe_exports_read(f->data, &f->pe, &exp, &err));
    ck_assert_str_eq(exp.dll_name, "ntdll.dll");
    ck_assert_uint_gt(exp.count, 1000);
    /* NtClose and its Zw alias share one stub */
    ck_assert_uint_eq(pe_exports_find(&exp, "NtClose")->rva, pe_exports_find(&exp, "ZwClose")->rva);
    ck_assert_ptr_null(pe_exports_find(&exp, "NoSuchExport"));
    for (size_t i = 0; i < exp.count; i++)
        ck_assert_uint_lt(exp.v[i].rva, f->pe.mapped_size);
    pe_exports_free(&exp);

    /* the __wine_syscall_dispatcher data export: {dispatcher; USHORT limit = 235; ...} */
    const uint8_t *d = pe_rva_ptr(f->data, &f->pe, 0x69030, 10);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d[8] | d[9] << 8, 235);

    /* ntdll imports nothing: its import directory is one empty descriptor */
    struct pe_imports imp;
    ck_assert(pe_imports_read(f->data, &f->pe, &imp, &err));
    ck_assert_uint_eq(imp.count, 0);
    pe_imports_free(&imp);
    kfx_image_free(f);
}
END_TEST

START_TEST(ntdll64_section_image_info)
{
    struct kfx_image *f = kfx_image_load("system32/ntdll.dll");
    struct pe_section_image_info info;
    pe_section_image_info(&f->pe, &info);
    ck_assert_uint_eq(info.transfer_address, 0x170000000ull + 0x68c10);
    ck_assert_uint_eq(info.zero_bits, 0);
    ck_assert_uint_eq(info.maximum_stack_size, 0x200000);
    ck_assert_uint_eq(info.committed_stack_size, 0x1000);
    ck_assert_uint_eq(info.subsystem_type, 3);
    ck_assert_uint_eq(info.subsystem_major, 5);
    ck_assert_uint_eq(info.subsystem_minor, 2);
    ck_assert_uint_eq(info.gp_value, 0);
    ck_assert_uint_eq(info.image_characteristics, 0x2026);
    ck_assert_uint_eq(info.dll_characteristics, 0x160);
    ck_assert_uint_eq(info.machine, 0x8664);
    ck_assert(info.image_contains_code);
    ck_assert_uint_eq(info.image_flags, PE_IMAGE_FLAG_DYNAMICALLY_RELOCATED);
    ck_assert_uint_eq(info.loader_flags, 0);
    ck_assert_uint_eq(info.image_file_size, f->size);
    ck_assert_uint_eq(info.checksum, 0x38e075);
    kfx_image_free(f);
}
END_TEST

START_TEST(ntdll64_pdata)
{
    struct kfx_image *f = kfx_image_load("system32/ntdll.dll");
    struct pe_runtime_function *rf;
    size_t n;
    struct pe_error err;
    ck_assert_msg(pe_runtime_functions(f->data, &f->pe, &rf, &n, &err), "%s", err.msg);
    ck_assert_uint_eq(n, 0x34f8 / 12);
    const struct pe_section *text = find_section(&f->pe, ".text");
    bool ldr = false;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_le(rf[i].begin, rf[i].end);
        ck_assert_uint_ge(rf[i].begin, text->va);
        ck_assert_uint_le(rf[i].end, text->va + text->map_size);
        if (i)
            ck_assert_uint_ge(rf[i].begin, rf[i - 1].end);
        if (rf[i].begin == 0x34d90)
            ldr = true;
    }
    ck_assert_msg(ldr, "no RUNTIME_FUNCTION starts at LdrInitializeThunk");
    free(rf);
    kfx_image_free(f);

    /* i386 images have no RUNTIME_FUNCTION table */
    f = kfx_image_load("syswow64/ntdll.dll");
    ck_assert(!pe_runtime_functions(f->data, &f->pe, &rf, &n, &err));
    ck_assert_str_ne(err.msg, "");
    kfx_image_free(f);
}
END_TEST

START_TEST(other_dlls)
{
    static const struct { const char *path; uint64_t base; const char *imports; } dlls[] = {
        { "system32/kernelbase.dll", 0x7b000000, "ntdll.dll" },
        { "system32/kernel32.dll", 0x7b600000, "kernelbase.dll,ntdll.dll" },
        { "system32/msvcrt.dll", 0x228280000ull, "kernel32.dll,ntdll.dll" },
        { "system32/ucrtbase.dll", 0x2c7470000ull, NULL },
    };
    for (size_t i = 0; i < sizeof(dlls) / sizeof(dlls[0]); i++) {
        struct kfx_image *f = kfx_image_load(dlls[i].path);
        ck_assert_msg(f->pe.image_base == dlls[i].base, "%s: base 0x%llx", dlls[i].path,
                      (unsigned long long)f->pe.image_base);
        ck_assert_msg(f->pe.wine_builtin, "%s: no Wine builtin marker", dlls[i].path);
        ck_assert_uint_eq(f->pe.machine, PE_MACHINE_AMD64);
        if (dlls[i].imports) {
            char got[512];
            imported_dlls(f, got, sizeof(got));
            ck_assert_msg(!strcmp(got, dlls[i].imports), "%s imports %s, expected %s",
                          dlls[i].path, got, dlls[i].imports);
        }
        kfx_image_free(f);
    }
    struct kfx_image *f = kfx_image_load("system32/kernel32.dll");
    struct pe_imports imp;
    struct pe_error err;
    ck_assert(pe_imports_read(f->data, &f->pe, &imp, &err));
    for (size_t i = 0; i < imp.count; i++) {
        ck_assert_ptr_nonnull(imp.v[i].name);   /* Wine's kernel32 imports everything by name */
        ck_assert_uint_lt(imp.v[i].iat_rva, f->pe.mapped_size);
    }
    pe_imports_free(&imp);
    kfx_image_free(f);
}
END_TEST

START_TEST(ntdll32_headers)
{
    struct kfx_image *f = kfx_image_load("syswow64/ntdll.dll");
    const struct pe_image *pe = &f->pe;
    ck_assert_uint_eq(pe->machine, PE_MACHINE_I386);
    ck_assert(!pe->is64);
    ck_assert_uint_eq(pe->magic, PE_MAGIC_PE32);
    ck_assert_uint_eq(pe->image_base, 0x7bc00000);
    ck_assert_uint_eq(pe->size_of_image, 0x2ba000);
    ck_assert(pe->wine_builtin);
    /* GUEST-CONTRACT section 8: __wine_syscall_dispatcher at 0x7bc6a018, limit 0xef */
    uint32_t rva = export_rva(f, "__wine_syscall_dispatcher");
    ck_assert_uint_eq(rva, 0x6a018);
    const uint8_t *d = pe_rva_ptr(f->data, pe, rva, 6);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d[4] | d[5] << 8, 0xef);
    struct pe_section_image_info info;
    pe_section_image_info(pe, &info);
    ck_assert_uint_eq(info.machine, 0x14c);
    ck_assert_uint_eq(info.transfer_address, 0x7bc00000ull + pe->entry_rva);
    kfx_image_free(f);
}
END_TEST

START_TEST(layout_and_relocate_real)
{
    struct kfx_image *f = kfx_image_load(_i ? "syswow64/kernel32.dll" : "system32/kernel32.dll");
    const struct pe_image *pe = &f->pe;
    struct pe_error err;
    uint8_t *img = malloc(pe->mapped_size), *copy = malloc(pe->mapped_size);
    ck_assert(img && copy);
    ck_assert_msg(pe_layout_image(f->data, pe, img, &err), "%s", err.msg);
    ck_assert(!memcmp(img, f->data, pe->headers_size));
    for (unsigned i = 0; i < pe->num_sections; i++) {
        const struct pe_section *s = &pe->sections[i];
        ck_assert(!memcmp(img + s->va, f->data + s->raw_offset, s->file_bytes));
        for (uint32_t j = s->file_bytes; j < s->map_size; j++)
            ck_assert_msg(img[s->va + j] == 0, "%s+0x%x not zero-filled", s->name, j);
    }
    memcpy(copy, img, pe->mapped_size);
    /* Moving by +delta then -delta restores the image; the move itself
     * changes it (kernel32 has absolute pointers). */
    int64_t delta = 0x10000000;
    ck_assert_msg(pe_apply_relocations(img, pe->mapped_size, pe, delta, &err), "%s", err.msg);
    ck_assert(memcmp(img, copy, pe->mapped_size) != 0);
    ck_assert(pe_apply_relocations(img, pe->mapped_size, pe, -delta, &err));
    ck_assert(!memcmp(img, copy, pe->mapped_size));
    free(img);
    free(copy);
    kfx_image_free(f);
}
END_TEST

/* Every file of both system directories parses and walks cleanly; the Wine marker that
 * decides Wine-specific process set-up is on Wine's files and only on them. */
static unsigned sweep_dir(const char *sub, uint16_t machine)
{
    char dirpath[4096];
    snprintf(dirpath, sizeof(dirpath), "%s/%s", kfx_sysroot(), sub);
    DIR *d = opendir(dirpath);
    ck_assert_msg(d != NULL, "system image directory %s missing (run `make sysroot`)", dirpath);
    unsigned count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
        uint8_t *data;
        size_t size;
        struct pe_image pe;
        struct pe_error err;
        ck_assert_msg(pe_read_file(path, &data, &size, &err), "%s", err.msg);
        ck_assert_msg(pe_parse(data, size, &pe, &err), "%s: %s", path, err.msg);
        ck_assert_msg(pe.machine == machine, "%s: machine 0x%x", path, pe.machine);
        /* zlib1.dll comes from Debian's mingw zlib, not from Wine: it must not look like Wine. */
        if (!strcasecmp(de->d_name, "zlib1.dll"))
            ck_assert_msg(!pe.wine_builtin && !pe.wine_fakedll, "%s: a Wine marker", path);
        else
            ck_assert_msg(pe.wine_builtin || pe.wine_fakedll, "%s: no Wine marker", path);
        struct pe_exports exp;
        struct pe_imports imp;
        ck_assert_msg(pe_exports_read(data, &pe, &exp, &err), "%s: %s", path, err.msg);
        ck_assert_msg(pe_imports_read(data, &pe, &imp, &err), "%s: %s", path, err.msg);
        pe_exports_free(&exp);
        pe_imports_free(&imp);
        if (machine == PE_MACHINE_AMD64) {
            struct pe_runtime_function *rf;
            size_t n;
            ck_assert_msg(pe_runtime_functions(data, &pe, &rf, &n, &err), "%s: %s", path, err.msg);
            free(rf);
        }
        uint8_t *img = malloc(pe.mapped_size);
        ck_assert_ptr_nonnull(img);
        ck_assert_msg(pe_layout_image(data, &pe, img, &err), "%s: %s", path, err.msg);
        if (pe.dirs[PE_DIR_BASERELOC].size)
            ck_assert_msg(pe_apply_relocations(img, pe.mapped_size, &pe, 0x10000, &err),
                          "%s: %s", path, err.msg);
        free(img);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

START_TEST(sweep_system_image)
{
    ck_assert_uint_gt(sweep_dir("system32", PE_MACHINE_AMD64), 600);
    ck_assert_uint_gt(sweep_dir("syswow64", PE_MACHINE_I386), 600);
}
END_TEST

/* ---- malformed files ---- */

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static uint64_t rd(const uint8_t *p, unsigned w)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Offsets inside the base file, found from its parsed headers. */
struct layout {
    size_t nt, opt, dirs, sect;
};

static struct layout base_layout(const struct kfx_image *f)
{
    struct layout l;
    l.nt = f->pe.nt_offset;
    l.opt = l.nt + 24;
    l.dirs = l.opt + (f->pe.is64 ? 112 : 96);
    l.sect = l.opt + f->pe.opt_header_size;
    return l;
}

enum mut {
    M_LFANEW_NEG, M_LFANEW_PAST, M_LFANEW_TAIL, M_SIG, M_MACHINE, M_MAGIC, M_MAGIC_MISMATCH,
    M_NSECT_0, M_NSECT_97, M_NSECT_FFFF, M_OPTSIZE_0, M_OPTSIZE_SMALL, M_OPTSIZE_HUGE,
    M_NDIRS_BIG_SMALLOPT, M_NOT_EXEC, M_SALIGN_0, M_SALIGN_ODD, M_FALIGN_0, M_FALIGN_3,
    M_FALIGN_BIG, M_LOWALIGN_MISMATCH, M_BASE_UNALIGNED, M_BASE_WRAP,
    M_SIZEIMAGE_0, M_SIZEIMAGE_FFFF, M_SIZEIMAGE_SMALL, M_SIZEHDR_FFFF, M_SIZEHDR_BIG,
    M_RAWOFF_FFFF, M_RAWOFF_EOF, M_RAWSIZE_FFFF, M_RAWSIZE_PAST, M_VSIZE_FFFF, M_VSIZE_HUGE,
    M_VA_FFFF, M_VA_UNALIGNED, M_VA_OVERLAP, M_VA_DESCEND, M_VA_INTO_HEADERS, M_LAST_PAST_IMAGE,
    M_ENTRY_PAST, M_DIR_PAST, M_DIR_WRAP, M_DIR_SIZE_FFFF, M_CERT_PAST,
    M_COUNT
};

/* Applies mutation m (k = a section or directory number where relevant). */
static void mutate(uint8_t *d, size_t size, const struct kfx_image *f, enum mut m, unsigned k)
{
    struct layout l = base_layout(f);
    const struct pe_image *pe = &f->pe;
    uint8_t *o = d + l.opt, *s = d + l.sect + 40 * k, *s0 = d + l.sect;
    switch (m) {
    case M_LFANEW_NEG: wr32(d + 0x3c, 0xfffffff0); break;
    case M_LFANEW_PAST: wr32(d + 0x3c, (uint32_t)size + 0x100); break;
    case M_LFANEW_TAIL: wr32(d + 0x3c, (uint32_t)size - 10); break;
    case M_SIG: d[l.nt + 1] = 'X'; break;
    case M_MACHINE: wr16(d + l.nt + 4, 0x01c4); break;                 /* ARMNT */
    case M_MAGIC: wr16(o, 0x107); break;                                /* ROM image */
    case M_MAGIC_MISMATCH: wr16(o, pe->is64 ? 0x10b : 0x20b); break;
    case M_NSECT_0: wr16(d + l.nt + 6, 0); break;
    case M_NSECT_97: wr16(d + l.nt + 6, 97); break;
    case M_NSECT_FFFF: wr16(d + l.nt + 6, 0xffff); break;
    case M_OPTSIZE_0: wr16(d + l.nt + 20, 0); break;
    case M_OPTSIZE_SMALL: wr16(d + l.nt + 20, 0x50); break;
    case M_OPTSIZE_HUGE: wr16(d + l.nt + 20, 0xffff); break;
    case M_NDIRS_BIG_SMALLOPT:   /* 16 directories claimed, room for 2 */
        wr16(d + l.nt + 20, (uint16_t)(l.dirs - l.opt + 16));
        break;
    case M_NOT_EXEC: wr16(d + l.nt + 22, (uint16_t)(pe->characteristics & ~PE_FILE_EXECUTABLE_IMAGE)); break;
    case M_SALIGN_0: wr32(o + 32, 0); break;
    case M_SALIGN_ODD: wr32(o + 32, 0x1001); break;
    case M_FALIGN_0: wr32(o + 36, 0); break;
    case M_FALIGN_3: wr32(o + 36, 3); break;
    case M_FALIGN_BIG: wr32(o + 36, pe->section_align * 2); break;
    case M_LOWALIGN_MISMATCH: wr32(o + 32, 0x800); wr32(o + 36, 0x200); break;
    case M_BASE_UNALIGNED:
        if (pe->is64)
            wr64(o + 24, pe->image_base + 0x1000);
        else
            wr32(o + 28, (uint32_t)pe->image_base + 0x1000);
        break;
    case M_BASE_WRAP:            /* base + SizeOfImage wraps the address space */
        if (pe->is64)
            wr64(o + 24, 0xffffffffffff0000ull);
        else
            wr32(o + 28, 0xffff0000u);
        wr32(o + 56, pe->size_of_image + 0x10000);
        break;
    case M_SIZEIMAGE_0: wr32(o + 56, 0); break;
    case M_SIZEIMAGE_FFFF: wr32(o + 56, 0xffffffff); break;
    case M_SIZEIMAGE_SMALL: wr32(o + 56, pe->sections[k].va); break;
    case M_SIZEHDR_FFFF: wr32(o + 60, 0xffffffff); break;
    case M_SIZEHDR_BIG: wr32(o + 60, pe->sections[0].va + 0x1000); break;   /* overlaps section 0 */
    case M_RAWOFF_FFFF: wr32(s + 20, 0xffffffff); break;
    case M_RAWOFF_EOF: wr32(s + 20, (uint32_t)size); break;
    case M_RAWSIZE_FFFF: wr32(s + 16, 0xffffffff); break;
    case M_RAWSIZE_PAST: wr32(s + 16, (uint32_t)size - pe->sections[k].raw_offset + 0x400); break;
    case M_VSIZE_FFFF: wr32(s + 8, 0xffffffff); break;
    case M_VSIZE_HUGE: wr32(s + 8, pe->size_of_image + 1); break;
    case M_VA_FFFF: wr32(s + 12, 0xfffff000); break;
    case M_VA_UNALIGNED: wr32(s + 12, pe->sections[k].va + 0x10); break;
    case M_VA_OVERLAP: wr32(s + 12, pe->sections[k - 1].va); break;
    case M_VA_DESCEND: wr32(s + 12, pe->sections[k - 1].va - pe->section_align); break;
    case M_VA_INTO_HEADERS: wr32(s0 + 12, 0); break;
    case M_LAST_PAST_IMAGE:
        wr32(d + l.sect + 40 * (pe->num_sections - 1) + 8, pe->size_of_image); break;
    case M_ENTRY_PAST: wr32(o + 16, pe->size_of_image + 0x1000); break;
    case M_DIR_PAST: wr32(d + l.dirs + 8 * k, pe->size_of_image); wr32(d + l.dirs + 8 * k + 4, 0x10); break;
    case M_DIR_WRAP: wr32(d + l.dirs + 8 * k, 0xfffffff0); wr32(d + l.dirs + 8 * k + 4, 0x20); break;
    case M_DIR_SIZE_FFFF: wr32(d + l.dirs + 8 * k, 0x1000); wr32(d + l.dirs + 8 * k + 4, 0xffffffff); break;
    case M_CERT_PAST: wr32(d + l.dirs + 8 * 4, (uint32_t)size - 8); wr32(d + l.dirs + 8 * 4 + 4, 0x10); break;
    case M_COUNT: break;
    }
}

/* Parses a mutated copy held in a buffer of exactly its size, so ASan sees
 * any read past the end. */
static void expect_reject(const struct kfx_image *f, enum mut m, unsigned k)
{
    uint8_t *d = malloc(f->size);
    ck_assert_ptr_nonnull(d);
    memcpy(d, f->data, f->size);
    mutate(d, f->size, f, m, k);
    struct pe_image pe;
    struct pe_error err;
    err.msg[0] = 0;
    bool ok = pe_parse(d, f->size, &pe, &err);
    ck_assert_msg(!ok, "%s: mutation %d (k=%u) was accepted", f->path, m, k);
    ck_assert_msg(err.msg[0] != 0, "mutation %d (k=%u) rejected without a message", m, k);
    free(d);
}

static bool is_section_mut(enum mut m)
{
    return m >= M_RAWOFF_FFFF && m <= M_VA_UNALIGNED;
}

static void malformed_file(const char *rel)
{
    struct kfx_image *f = kfx_image_load(rel);
    const struct pe_image *pe = &f->pe;
    ck_assert_uint_ge(pe->num_sections, 3);
    for (enum mut m = 0; m < M_COUNT; m++) {
        if (is_section_mut(m)) {
            for (unsigned k = 0; k < pe->num_sections; k++) {
                /* raw data mutations only bite sections that have raw data */
                if ((m >= M_RAWOFF_FFFF && m <= M_RAWSIZE_PAST) && !pe->sections[k].raw_size)
                    continue;
                expect_reject(f, m, k);
            }
        } else if (m == M_VA_OVERLAP || m == M_VA_DESCEND || m == M_SIZEIMAGE_SMALL) {
            for (unsigned k = 1; k < pe->num_sections; k++)
                expect_reject(f, m, k);
        } else if (m == M_DIR_PAST || m == M_DIR_WRAP || m == M_DIR_SIZE_FFFF) {
            /* the certificate table is a file offset: M_CERT_PAST covers it */
            for (unsigned k = 0; k < PE_DIR_COUNT; k++)
                if (k != PE_DIR_SECURITY || m != M_DIR_PAST)
                    expect_reject(f, m, k);
        } else {
            expect_reject(f, m, 0);
        }
    }
    kfx_image_free(f);
}

START_TEST(malformed_mutations)
{
    malformed_file(_i ? "syswow64/shfolder.dll" : "system32/shfolder.dll");
}
END_TEST

/* The export and import tables of a file the parser accepted: either answer will do, a read
 * out of bounds will not (ASan under SAN=1). */
static void walk_tables(const uint8_t *d, const struct pe_image *pe)
{
    struct pe_error err;
    struct pe_exports exp;
    struct pe_imports imp;
    if (pe_exports_read(d, pe, &exp, &err))
        pe_exports_free(&exp);
    if (pe_imports_read(d, pe, &imp, &err))
        pe_imports_free(&imp);
}

/* Truncation at many lengths: rejected while a section's raw data is cut
 * (beyond the tolerated final partial sector); accepted files still walk
 * without reading out of bounds (ASan under SAN=1). */
START_TEST(truncations)
{
    struct kfx_image *f = kfx_image_load(_i ? "syswow64/shfolder.dll" : "system32/shfolder.dll");
    uint64_t raw_end = 0;
    for (unsigned i = 0; i < f->pe.num_sections; i++)
        if (f->pe.sections[i].raw_size) {
            uint64_t e = (uint64_t)f->pe.sections[i].raw_offset + f->pe.sections[i].raw_size;
            if (e > raw_end)
                raw_end = e;
        }
    unsigned rejected = 0, accepted = 0;
    for (size_t len = 0; len < f->size; len += len < 0x800 ? 1 : 37) {
        uint8_t *d = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(d);
        memcpy(d, f->data, len);
        struct pe_image pe;
        struct pe_error err;
        err.msg[0] = 0;
        bool ok = pe_parse(d, len, &pe, &err);
        if (((uint64_t)len + 0x1ff) / 0x200 * 0x200 < raw_end)
            ck_assert_msg(!ok, "truncated at %zu bytes but accepted", len);
        if (!ok) {
            ck_assert_msg(err.msg[0], "truncated at %zu: rejected without a message", len);
            rejected++;
        } else {
            accepted++;
            walk_tables(d, &pe);
            uint8_t *img = malloc(pe.mapped_size);
            ck_assert(pe_layout_image(d, &pe, img, &err));
            free(img);
        }
        free(d);
    }
    ck_assert_uint_gt(rejected, 1000);
    ck_assert_uint_gt(accepted, 0);
    kfx_image_free(f);
}
END_TEST

/* Corrupt export and import tables: parse succeeds (the directories are in
 * range) but the walkers must refuse, with a message, without overreading. */
START_TEST(corrupt_export_import_tables)
{
    struct kfx_image *f = kfx_image_load(_i ? "syswow64/shfolder.dll" : "system32/shfolder.dll");
    const struct pe_image *pe = &f->pe;
    size_t ed, id;
    ck_assert(pe_rva_to_offset(pe, pe->dirs[PE_DIR_EXPORT].rva, 40, &ed));
    ck_assert(pe_rva_to_offset(pe, pe->dirs[PE_DIR_IMPORT].rva, 20, &id));
    static const struct { int table; unsigned field; uint32_t value; } cases[] = {
        { 0, 12, 0xfffffff0 },   /* Name */
        { 0, 20, 0xffffffff },   /* NumberOfFunctions */
        { 0, 24, 0x40000000 },   /* NumberOfNames */
        { 0, 28, 0xfffff000 },   /* AddressOfFunctions */
        { 0, 32, 0x00ffff00 },   /* AddressOfNames */
        { 0, 36, 0x7ffffff0 },   /* AddressOfNameOrdinals */
        { 0, 20, 0 },            /* every name's ordinal index is out of range */
        { 1, 12, 0xfffffffe },   /* DLL name */
        { 1, 0, 0x7ffffff8 },    /* OriginalFirstThunk */
        { 2, 0, 0x7ffffff0 },    /* first lookup entry: import-by-name RVA outside the file */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint8_t *d = malloc(f->size);
        memcpy(d, f->data, f->size);
        size_t at = (cases[c].table ? id : ed) + cases[c].field;
        if (cases[c].table == 2) {
            uint32_t lookup = (uint32_t)rd(d + id, 4);
            ck_assert(pe_rva_to_offset(pe, lookup ? lookup : (uint32_t)rd(d + id + 16, 4), 4, &at));
        }
        wr32(d + at, cases[c].value);
        struct pe_image p;
        struct pe_error err;
        ck_assert(pe_parse(d, f->size, &p, &err));
        err.msg[0] = 0;
        bool ok;
        if (cases[c].table == 0) {
            struct pe_exports exp;
            ok = pe_exports_read(d, &p, &exp, &err);
            if (ok)
                pe_exports_free(&exp);
        } else {
            struct pe_imports imp;
            ok = pe_imports_read(d, &p, &imp, &err);
            if (ok)
                pe_imports_free(&imp);
        }
        ck_assert_msg(!ok, "corrupt table case %zu accepted", c);
        ck_assert_msg(err.msg[0], "case %zu rejected without a message", c);
        free(d);
    }
    kfx_image_free(f);
}
END_TEST

/* Random byte corruption of headers and directories (fixed seed, so runs
 * repeat): whatever is accepted must walk without reading out of bounds. */
START_TEST(random_corruption)
{
    struct kfx_image *f = kfx_image_load(_i ? "syswow64/shfolder.dll" : "system32/shfolder.dll");
    const struct pe_image *base = &f->pe;
    /* regions worth hitting: headers, then each directory's bytes in the file */
    size_t region_off[PE_DIR_COUNT + 1], region_len[PE_DIR_COUNT + 1], nregions = 0;
    region_off[nregions] = 0;
    region_len[nregions++] = base->headers_size;
    for (unsigned k = 0; k < PE_DIR_COUNT; k++) {
        size_t off;
        uint32_t len = base->dirs[k].size < 0x400 ? base->dirs[k].size : 0x400;
        if (k != PE_DIR_SECURITY && len && pe_rva_to_offset(base, base->dirs[k].rva, len, &off)) {
            region_off[nregions] = off;
            region_len[nregions++] = len;
        }
    }
    ck_assert_uint_ge(nregions, 4);
    uint8_t *d = malloc(f->size);
    ck_assert_ptr_nonnull(d);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(d, f->data, f->size);
        int flips = 1 + iter % 4;
        for (int j = 0; j < flips; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t r = (size_t)(x % nregions);
            size_t at = region_off[r] + (size_t)((x >> 20) % region_len[r]);
            d[at] = (uint8_t)(x >> 40);
        }
        struct pe_image pe;
        struct pe_error err;
        if (!pe_parse(d, f->size, &pe, &err)) {
            ck_assert(err.msg[0]);
            continue;
        }
        accepted++;
        for (unsigned k = 0; k < pe.num_sections; k++)
            ck_assert_ptr_nonnull(pe_section_name(d, &pe, &pe.sections[k]));
        walk_tables(d, &pe);
        struct pe_runtime_function *rf;
        size_t n;
        if (pe.machine == PE_MACHINE_AMD64 && pe_runtime_functions(d, &pe, &rf, &n, &err))
            free(rf);
        if (pe.mapped_size <= 0x1000000) {
            uint8_t *img = malloc(pe.mapped_size);
            ck_assert_ptr_nonnull(img);
            if (pe_layout_image(d, &pe, img, &err))
                pe_apply_relocations(img, pe.mapped_size, &pe, 0x10000, &err);
            free(img);
        }
    }
    ck_assert_uint_gt(accepted, 1000);
    free(d);
    kfx_image_free(f);
}
END_TEST

/* ---- relocations on a synthetic image ---- */

enum { SYN_SIZE = 0x3000, SYN_RELOC = 0x2000 };

static void synthetic(uint8_t *img, struct pe_image *pe, const uint16_t *entries, unsigned n,
                      uint32_t page)
{
    memset(img, 0, SYN_SIZE);
    memset(pe, 0, sizeof(*pe));
    pe->mapped_size = SYN_SIZE;
    uint32_t block = 8 + 2 * n;
    wr32(img + SYN_RELOC, page);
    wr32(img + SYN_RELOC + 4, block);
    for (unsigned i = 0; i < n; i++)
        wr16(img + SYN_RELOC + 8 + 2 * i, entries[i]);
    pe->dirs[PE_DIR_BASERELOC].rva = SYN_RELOC;
    pe->dirs[PE_DIR_BASERELOC].size = block;
}

START_TEST(relocations_synthetic)
{
    uint8_t img[SYN_SIZE];
    struct pe_image pe;
    struct pe_error err;
    static const uint16_t e[] = {
        0xa010,     /* DIR64 at 0x1010 */
        0x3020,     /* HIGHLOW at 0x1020 */
        0x1030,     /* HIGH at 0x1030 */
        0x2032,     /* LOW at 0x1032 */
        0x0000,     /* ABSOLUTE padding */
    };
    synthetic(img, &pe, e, 5, 0x1000);
    wr64(img + 0x1010, 0x0000000180001234ull);
    wr32(img + 0x1020, 0x7b601000);
    wr16(img + 0x1030, 0x1234);
    wr16(img + 0x1032, 0xfff0);
    int64_t delta = 0x18000;
    ck_assert_msg(pe_apply_relocations(img, SYN_SIZE, &pe, delta, &err), "%s", err.msg);
    ck_assert_uint_eq(rd(img + 0x1010, 8), 0x0000000180019234ull);
    ck_assert_uint_eq(rd(img + 0x1020, 4), 0x7b619000);
    ck_assert_uint_eq(rd(img + 0x1030, 2), 0x1235);     /* (0x12340000 + 0x18000) >> 16 */
    ck_assert_uint_eq(rd(img + 0x1032, 2), 0x7ff0);     /* 0xfff0 + 0x8000, low 16 bits */
    /* a negative delta wraps the same way */
    ck_assert(pe_apply_relocations(img, SYN_SIZE, &pe, -delta, &err));
    ck_assert_uint_eq(rd(img + 0x1010, 8), 0x0000000180001234ull);
    ck_assert_uint_eq(rd(img + 0x1020, 4), 0x7b601000);
    ck_assert_uint_eq(rd(img + 0x1032, 2), 0xfff0);
    /* delta 0 is a no-op even without a table */
    pe.dirs[PE_DIR_BASERELOC].size = 0;
    ck_assert(pe_apply_relocations(img, SYN_SIZE, &pe, 0, &err));
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
    ck_assert_str_ne(err.msg, "");
}
END_TEST

START_TEST(relocations_rejected)
{
    uint8_t img[SYN_SIZE], before[SYN_SIZE];
    struct pe_image pe;
    struct pe_error err;
    /* an unknown type after a valid entry: nothing may be written */
    static const uint16_t unknown[] = { 0xa010, 0x5020 };
    synthetic(img, &pe, unknown, 2, 0x1000);
    wr64(img + 0x1010, 0x1000);
    memcpy(before, img, SYN_SIZE);
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
    ck_assert_msg(strstr(err.msg, "type 5"), "message: %s", err.msg);
    ck_assert(!memcmp(img, before, SYN_SIZE));

    /* a target whose last bytes fall outside the image */
    static const uint16_t edge[] = { 0xaffc };
    synthetic(img, &pe, edge, 1, SYN_SIZE - 0x1000);
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
    /* a page far outside the image */
    static const uint16_t far[] = { 0x3000 };
    synthetic(img, &pe, far, 1, 0xfffff000);
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));

    /* block sizes: below the header, odd, past the directory */
    static const uint32_t bad_sizes[] = { 0, 4, 9, 0x100 };
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        static const uint16_t one[] = { 0x3000 };
        synthetic(img, &pe, one, 1, 0x1000);
        wr32(img + SYN_RELOC + 4, bad_sizes[i]);
        err.msg[0] = 0;
        ck_assert_msg(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err),
                      "block size %u accepted", bad_sizes[i]);
        ck_assert_str_ne(err.msg, "");
    }
    /* a directory too short for a block header */
    static const uint16_t one[] = { 0x3000 };
    synthetic(img, &pe, one, 1, 0x1000);
    pe.dirs[PE_DIR_BASERELOC].size = 4;
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
    /* a directory outside the buffer */
    pe.dirs[PE_DIR_BASERELOC].rva = SYN_SIZE - 4;
    pe.dirs[PE_DIR_BASERELOC].size = 10;
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
    /* relocations stripped */
    synthetic(img, &pe, one, 1, 0x1000);
    pe.characteristics = PE_FILE_RELOCS_STRIPPED;
    ck_assert(!pe_apply_relocations(img, SYN_SIZE, &pe, 0x10000, &err));
}
END_TEST

/* ---- synthetic images ---- */

static void put_str(uint8_t *f, size_t off, const char *str)
{
    memcpy(f + off, str, strlen(str) + 1);
}

/* Writes DOS + NT headers (e_lfanew 0x40) and returns the section table offset. */
static size_t build_headers(uint8_t *f, bool is64, uint16_t nsect, uint64_t base, uint32_t entry,
                            uint32_t salign, uint32_t falign, uint32_t size_of_image,
                            uint32_t size_of_headers)
{
    f[0] = 'M';
    f[1] = 'Z';
    wr32(f + 0x3c, 0x40);
    put_str(f + 0x40, 0, "PE");
    size_t fh = 0x44, o = 0x58, fixed = is64 ? 112 : 96;
    wr16(f + fh, is64 ? PE_MACHINE_AMD64 : PE_MACHINE_I386);
    wr16(f + fh + 2, nsect);
    wr16(f + fh + 16, (uint16_t)(fixed + 16 * 8));
    wr16(f + fh + 18, PE_FILE_EXECUTABLE_IMAGE | PE_FILE_DLL | (is64 ? 0 : PE_FILE_32BIT_MACHINE));
    wr16(f + o, is64 ? PE_MAGIC_PE32PLUS : PE_MAGIC_PE32);
    wr32(f + o + 16, entry);
    if (is64)
        wr64(f + o + 24, base);
    else
        wr32(f + o + 28, (uint32_t)base);
    wr32(f + o + 32, salign);
    wr32(f + o + 36, falign);
    wr16(f + o + 48, 6);                 /* subsystem version 6.0 */
    wr32(f + o + 56, size_of_image);
    wr32(f + o + 60, size_of_headers);
    wr16(f + o + 68, 3);                 /* CUI */
    wr16(f + o + 70, PE_DLLCHAR_DYNAMIC_BASE | PE_DLLCHAR_NX_COMPAT);
    wr32(f + o + (is64 ? 108 : 92), 16);
    return o + fixed + 16 * 8;
}

static void build_section(uint8_t *f, size_t at, const char *name, uint32_t va, uint32_t vsize,
                          uint32_t raw, uint32_t rawsize, uint32_t chars)
{
    memcpy(f + at, name, strlen(name));
    wr32(f + at + 8, vsize);
    wr32(f + at + 12, va);
    wr32(f + at + 16, rawsize);
    wr32(f + at + 20, raw);
    wr32(f + at + 36, chars);
}

static void set_dir(uint8_t *f, bool is64, unsigned dir, uint32_t rva, uint32_t size)
{
    size_t d = 0x58 + (is64 ? 112 : 96) + 8 * dir;
    wr32(f + d, rva);
    wr32(f + d + 4, size);
}

/* A PE32 DLL with an export forwarder, an ordinal-only export, imports by
 * name and by ordinal, a HIGHLOW relocation and a .bss. */
START_TEST(synthetic_pe32)
{
    enum { FSIZE = 0x600 };
    uint8_t *f = calloc(1, FSIZE);
    size_t st = build_headers(f, false, 3, 0x400000, 0x1000, 0x1000, 0x200, 0x4000, 0x200);
    const uint32_t code = PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ;
    build_section(f, st, ".text", 0x1000, 0x10, 0x200, 0x200, code);
    build_section(f, st + 40, ".rdata", 0x2000, 0x200, 0x400, 0x200,
                  PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_MEM_READ);
    build_section(f, st + 80, ".bss", 0x3000, 0x100, 0, 0,
                  PE_SCN_CNT_UNINITIALIZED_DATA | PE_SCN_MEM_READ | PE_SCN_MEM_WRITE);
    f[0x200] = 0xc3;
    wr32(f + 0x208, 0x00401000);                 /* an absolute pointer at RVA 0x1008 */
    uint8_t *r = f + 0x400 - 0x2000;             /* .rdata, addressed by RVA */
    /* export directory */
    wr32(r + 0x2000 + 12, 0x2080);               /* Name */
    wr32(r + 0x2000 + 16, 10);                   /* Base */
    wr32(r + 0x2000 + 20, 3);
    wr32(r + 0x2000 + 24, 2);
    wr32(r + 0x2000 + 28, 0x2028);
    wr32(r + 0x2000 + 32, 0x2034);
    wr32(r + 0x2000 + 36, 0x203c);
    wr32(r + 0x2028, 0x1000);
    wr32(r + 0x202c, 0x2090);                    /* inside the directory: a forwarder */
    wr32(r + 0x2030, 0x1004);                    /* no name */
    wr32(r + 0x2034, 0x2060);
    wr32(r + 0x2038, 0x2068);
    wr16(r + 0x203c, 1);
    wr16(r + 0x203e, 0);
    put_str(r, 0x2060, "Fwd");
    put_str(r, 0x2068, "Func");
    put_str(r, 0x2080, "syn.dll");
    put_str(r, 0x2090, "ntdll.RtlFoo");
    set_dir(f, false, PE_DIR_EXPORT, 0x2000, 0x100);
    /* import directory: one descriptor + terminator */
    wr32(r + 0x2100, 0x2140);
    wr32(r + 0x2100 + 12, 0x2180);
    wr32(r + 0x2100 + 16, 0x2160);
    wr32(r + 0x2140, 0x80000007);
    wr32(r + 0x2144, 0x21a0);
    wr32(r + 0x2160, 0x80000007);
    wr32(r + 0x2164, 0x21a0);
    put_str(r, 0x2180, "foo.dll");
    wr16(r + 0x21a0, 3);
    put_str(r, 0x21a2, "Bar");
    set_dir(f, false, PE_DIR_IMPORT, 0x2100, 40);
    /* relocations */
    wr32(r + 0x21c0, 0x1000);
    wr32(r + 0x21c4, 12);
    wr16(r + 0x21c8, 0x3008);
    set_dir(f, false, PE_DIR_BASERELOC, 0x21c0, 12);

    struct pe_image pe;
    struct pe_error err;
    ck_assert_msg(pe_parse(f, FSIZE, &pe, &err), "%s", err.msg);
    ck_assert(!pe.is64);
    ck_assert(!pe.wine_builtin);
    ck_assert_uint_eq(pe.headers_size, 0x200);
    ck_assert_uint_eq(pe.sections[0].map_size, 0x1000);
    ck_assert_uint_eq(pe.sections[0].file_bytes, 0x200);

    struct pe_exports exp;
    ck_assert_msg(pe_exports_read(f, &pe, &exp, &err), "%s", err.msg);
    ck_assert_str_eq(exp.dll_name, "syn.dll");
    ck_assert_uint_eq(exp.count, 3);
    ck_assert_str_eq(exp.v[0].name, "Fwd");
    ck_assert_uint_eq(exp.v[0].ordinal, 11);
    ck_assert_str_eq(exp.v[0].forwarder, "ntdll.RtlFoo");
    ck_assert_str_eq(exp.v[1].name, "Func");
    ck_assert_uint_eq(exp.v[1].ordinal, 10);
    ck_assert_uint_eq(exp.v[1].rva, 0x1000);
    ck_assert_ptr_null(exp.v[1].forwarder);
    ck_assert_ptr_null(exp.v[2].name);
    ck_assert_uint_eq(exp.v[2].ordinal, 12);
    ck_assert_uint_eq(exp.v[2].rva, 0x1004);
    pe_exports_free(&exp);

    struct pe_imports imp;
    ck_assert_msg(pe_imports_read(f, &pe, &imp, &err), "%s", err.msg);
    ck_assert_uint_eq(imp.count, 2);
    ck_assert_str_eq(imp.v[0].dll, "foo.dll");
    ck_assert_ptr_null(imp.v[0].name);
    ck_assert_uint_eq(imp.v[0].hint, 7);
    ck_assert_uint_eq(imp.v[0].iat_rva, 0x2160);
    ck_assert_str_eq(imp.v[1].name, "Bar");
    ck_assert_uint_eq(imp.v[1].hint, 3);
    ck_assert_uint_eq(imp.v[1].iat_rva, 0x2164);
    pe_imports_free(&imp);

    uint8_t *img = malloc(pe.mapped_size);
    memset(img, 0xcc, pe.mapped_size);
    ck_assert(pe_layout_image(f, &pe, img, &err));
    ck_assert_uint_eq(img[0x1000], 0xc3);
    ck_assert_uint_eq(rd(img + 0x1008, 4), 0x00401000);
    ck_assert_uint_eq(img[0x3000], 0);                      /* .bss zero-filled */
    ck_assert_uint_eq(img[0x1200], 0);                      /* past .text's raw data */
    ck_assert_str_eq((const char *)img + 0x2080, "syn.dll");
    ck_assert(pe_apply_relocations(img, pe.mapped_size, &pe, 0x100000, &err));
    ck_assert_uint_eq(rd(img + 0x1008, 4), 0x00501000);

    struct pe_section_image_info info;
    pe_section_image_info(&pe, &info);
    ck_assert_uint_eq(info.transfer_address, 0x401000);
    ck_assert_uint_eq(info.machine, PE_MACHINE_I386);
    ck_assert(info.image_contains_code);
    ck_assert_uint_eq(info.image_flags, PE_IMAGE_FLAG_DYNAMICALLY_RELOCATED);
    ck_assert_uint_eq(info.subsystem_major, 6);
    ck_assert_uint_eq(info.image_file_size, FSIZE);
    free(img);
    free(f);
}
END_TEST

/* SectionAlignment below the page size: mapped flat, so raw offsets must
 * equal RVAs. */
START_TEST(synthetic_low_alignment)
{
    enum { FSIZE = 0x600 };
    uint8_t *f = calloc(1, FSIZE);
    size_t st = build_headers(f, true, 2, 0x180000000ull, 0, 0x200, 0x200, 0x600, 0x200);
    build_section(f, st, ".text", 0x200, 0x200, 0x200, 0x200,
                  PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ);
    build_section(f, st + 40, ".data", 0x400, 0x100, 0x400, 0x200,
                  PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_MEM_READ);
    f[0x200] = 0xc3;
    f[0x5ff] = 0x5a;                     /* past .data's VirtualSize, still mapped flat */
    struct pe_image pe;
    struct pe_error err;
    ck_assert_msg(pe_parse(f, FSIZE, &pe, &err), "%s", err.msg);
    ck_assert(pe.low_alignment);
    uint8_t *img = malloc(pe.mapped_size);
    ck_assert(pe_layout_image(f, &pe, img, &err));
    ck_assert(!memcmp(img, f, FSIZE));
    struct pe_section_image_info info;
    pe_section_image_info(&pe, &info);
    ck_assert_uint_eq(info.image_flags, PE_IMAGE_FLAG_MAPPED_FLAT);
    ck_assert(info.image_contains_code);
    ck_assert_uint_eq(info.transfer_address, 0);
    free(img);

    wr32(f + st + 40 + 20, 0x200);       /* .data's raw offset no longer its RVA */
    ck_assert(!pe_parse(f, FSIZE, &pe, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "low-alignment"));
    free(f);
}
END_TEST

START_TEST(read_file_errors)
{
    uint8_t *d;
    size_t n;
    struct pe_error err;
    ck_assert(!pe_read_file("/nonexistent/ntemu/x.dll", &d, &n, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/ntemu/x.dll"));
    ck_assert(!pe_read_file("/", &d, &n, &err));
    ck_assert_str_ne(err.msg, "");
    /* tiny buffers */
    static const uint8_t mz[2] = { 'M', 'Z' };
    struct pe_image pe;
    ck_assert(!pe_parse(mz, 2, &pe, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "too small"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pe");
    TCase *tc = ADD_TCASE(s, "wine-image", NULL, NULL, ntdll64_headers, ntdll64_exports,
                          ntdll64_section_image_info, ntdll64_pdata, other_dlls, ntdll32_headers);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, layout_and_relocate_real, 0, 2);
    tcase_add_test(tc, sweep_system_image);

    TCase *bad = tcase_create("malformed");
    tcase_set_timeout(bad, 300);
    tcase_add_loop_test(bad, malformed_mutations, 0, 2);
    tcase_add_loop_test(bad, truncations, 0, 2);
    tcase_add_loop_test(bad, corrupt_export_import_tables, 0, 2);
    tcase_add_loop_test(bad, random_corruption, 0, 2);
    tcase_add_test(bad, read_file_errors);
    suite_add_tcase(s, bad);

    ADD_TCASE(s, "synthetic", NULL, NULL, relocations_synthetic, relocations_rejected,
              synthetic_pe32, synthetic_low_alignment);
    return run_suite(s);
}
