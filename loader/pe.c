/* PE32 / PE32+ parsing and validation (Microsoft PE/COFF specification).
 *
 * All header values are at most 32 bits wide, so sums of two of them are done
 * in uint64_t where they cannot overflow; 64-bit quantities (ImageBase) use
 * __builtin_add_overflow.  Every byte read goes through a bounds check. */
#include "loader/pe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_SIZE_4K 0x1000u
/* Largest image we accept: the PE format's RVAs are 32-bit and Windows does
 * not map images of 2 GiB or more. */
#define PE_MAX_IMAGE_SIZE 0x80000000u
#define PE_MAX_FILE_SIZE  0x7fffffffu

#define DOS_HEADER_SIZE   0x40
#define FILE_HEADER_SIZE  20
#define SECTION_HDR_SIZE  40
#define OPT32_FIXED_SIZE  96   /* IMAGE_OPTIONAL_HEADER32 up to DataDirectory */
#define OPT64_FIXED_SIZE  112  /* IMAGE_OPTIONAL_HEADER64 up to DataDirectory */

/* Wine writes these after the DOS header of its PE builds (winebuild,
 * server/mapping.c compares the string including its NUL). */
static const char wine_builtin_sig[] = "Wine builtin DLL";
static const char wine_fakedll_sig[] = "Wine placeholder DLL";

static const char *const dir_names[PE_DIR_COUNT] = {
    "export", "import", "resource", "exception", "security", "basereloc", "debug",
    "architecture", "globalptr", "tls", "load config", "bound import", "iat",
    "delay import", "clr", "reserved",
};

bool pe_fail(struct pe_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return false;
}

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static bool is_pow2(uint32_t v) { return v && !(v & (v - 1)); }
static uint64_t align_up(uint64_t v, uint32_t a) { return (v + a - 1) & ~(uint64_t)(a - 1); }
static uint32_t min32(uint64_t a, uint64_t b) { return (uint32_t)(a < b ? a : b); }

/* [off, off+len) inside [0, limit) */
static bool in_range(uint64_t off, uint64_t len, uint64_t limit)
{
    return off <= limit && len <= limit - off;
}

bool pe_read_file(const char *path, uint8_t **data, size_t *size, struct pe_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pe_fail(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pe_fail(err, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pe_fail(err, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > PE_MAX_FILE_SIZE) {
        close(fd);
        return pe_fail(err, "%s: file too large (%lld bytes)", path, (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return pe_fail(err, "%s: out of memory", path);
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return pe_fail(err, "%s: read failed: %s", path, strerror(e));
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return true;
}

static bool check_alignment(struct pe_image *pe, struct pe_error *err)
{
    if (!is_pow2(pe->section_align))
        return pe_fail(err, "SectionAlignment 0x%x is not a power of two", pe->section_align);
    if (!is_pow2(pe->file_align))
        return pe_fail(err, "FileAlignment 0x%x is not a power of two", pe->file_align);
    if (pe->file_align > pe->section_align)
        return pe_fail(err, "FileAlignment 0x%x exceeds SectionAlignment 0x%x",
                       pe->file_align, pe->section_align);
    /* Below the page size the image is mapped flat, which only works when file
     * and memory layouts coincide (PE/COFF spec, SectionAlignment). */
    pe->low_alignment = pe->section_align < PAGE_SIZE_4K;
    if (pe->low_alignment) {
        if (pe->file_align != pe->section_align)
            return pe_fail(err, "SectionAlignment 0x%x is below the page size but differs "
                           "from FileAlignment 0x%x", pe->section_align, pe->file_align);
    } else if (pe->file_align < 0x200 || pe->file_align > 0x10000) {
        return pe_fail(err, "FileAlignment 0x%x outside 0x200..0x10000", pe->file_align);
    }
    /* Images are mapped at allocation-granularity (64 KiB) boundaries. */
    if (pe->image_base & 0xffff)
        return pe_fail(err, "ImageBase 0x%llx is not a multiple of 64 KiB",
                       (unsigned long long)pe->image_base);
    return true;
}

static void read_optional_header(struct pe_image *pe, const uint8_t *o)
{
    pe->linker_major = o[2];
    pe->linker_minor = o[3];
    pe->size_of_code = pe_le32(o + 4);
    pe->size_of_init_data = pe_le32(o + 8);
    pe->size_of_uninit_data = pe_le32(o + 12);
    pe->entry_rva = pe_le32(o + 16);
    pe->base_of_code = pe_le32(o + 20);
    pe->section_align = pe_le32(o + 32);
    pe->file_align = pe_le32(o + 36);
    pe->os_major = pe_le16(o + 40);
    pe->os_minor = pe_le16(o + 42);
    pe->image_major = pe_le16(o + 44);
    pe->image_minor = pe_le16(o + 46);
    pe->subsys_major = pe_le16(o + 48);
    pe->subsys_minor = pe_le16(o + 50);
    pe->win32_version = pe_le32(o + 52);
    pe->size_of_image = pe_le32(o + 56);
    pe->size_of_headers = pe_le32(o + 60);
    pe->checksum = pe_le32(o + 64);
    pe->subsystem = pe_le16(o + 68);
    pe->dll_characteristics = pe_le16(o + 70);
    if (pe->is64) {
        pe->image_base = pe_le64(o + 24);
        pe->stack_reserve = pe_le64(o + 72);
        pe->stack_commit = pe_le64(o + 80);
        pe->heap_reserve = pe_le64(o + 88);
        pe->heap_commit = pe_le64(o + 96);
        pe->loader_flags = pe_le32(o + 104);
        pe->num_dirs = pe_le32(o + 108);
    } else {
        pe->image_base = pe_le32(o + 28);
        pe->stack_reserve = pe_le32(o + 72);
        pe->stack_commit = pe_le32(o + 76);
        pe->heap_reserve = pe_le32(o + 80);
        pe->heap_commit = pe_le32(o + 84);
        pe->loader_flags = pe_le32(o + 88);
        pe->num_dirs = pe_le32(o + 92);
    }
}

static bool parse_sections(const uint8_t *file, struct pe_image *pe, uint64_t table,
                           uint64_t headers_end, struct pe_error *err)
{
    uint64_t prev_end = align_up(headers_end, pe->section_align);
    const char *prev = NULL;

    for (unsigned i = 0; i < pe->num_sections; i++) {
        const uint8_t *h = file + table + (uint64_t)i * SECTION_HDR_SIZE;
        struct pe_section *s = &pe->sections[i];
        memcpy(s->name, h, 8);
        s->name[8] = 0;
        s->vsize = pe_le32(h + 8);
        s->va = pe_le32(h + 12);
        s->raw_size = pe_le32(h + 16);
        s->raw_offset = pe_le32(h + 20);
        s->characteristics = pe_le32(h + 36);

        if (s->va % pe->section_align)
            return pe_fail(err, "section %u '%s': VirtualAddress 0x%x not aligned to "
                           "SectionAlignment 0x%x", i, s->name, s->va, pe->section_align);
        if (s->va < prev_end) {
            if (!prev)
                return pe_fail(err, "section %u '%s': VirtualAddress 0x%x overlaps the headers "
                               "(which end at 0x%llx)", i, s->name, s->va,
                               (unsigned long long)prev_end);
            return pe_fail(err, "section %u '%s': VirtualAddress 0x%x overlaps or precedes "
                           "section '%s' (which ends at 0x%llx)", i, s->name, s->va, prev,
                           (unsigned long long)prev_end);
        }
        /* A zero VirtualSize means "use SizeOfRawData" (Windows and Wine agree). */
        uint32_t vsize = s->vsize ? s->vsize : s->raw_size;
        if (vsize > pe->size_of_image)
            return pe_fail(err, "section %u '%s': size 0x%x larger than SizeOfImage 0x%x",
                           i, s->name, vsize, pe->size_of_image);
        uint64_t map_size = align_up(vsize, pe->section_align);
        if (!in_range(s->va, map_size, pe->mapped_size))
            return pe_fail(err, "section %u '%s': 0x%x+0x%llx extends past SizeOfImage 0x%x",
                           i, s->name, s->va, (unsigned long long)map_size, pe->size_of_image);
        s->map_size = (uint32_t)map_size;

        s->file_bytes = 0;
        if (s->raw_size) {
            if (s->raw_offset >= pe->file_size)
                return pe_fail(err, "section %u '%s': raw data offset 0x%x is past the end of "
                               "the file (0x%zx bytes)", i, s->name, s->raw_offset, pe->file_size);
            /* Windows and Wine read raw data in 512-byte sectors, so a last
             * section cut short inside its final sector still loads. */
            if (!in_range(s->raw_offset, s->raw_size, align_up(pe->file_size, 0x200)))
                return pe_fail(err, "section %u '%s': raw data 0x%x+0x%x runs past the end of "
                               "the file (0x%zx bytes)", i, s->name, s->raw_offset, s->raw_size,
                               pe->file_size);
            if (pe->low_alignment && s->raw_offset != s->va)
                return pe_fail(err, "section %u '%s': raw offset 0x%x differs from its RVA 0x%x "
                               "in a low-alignment image", i, s->name, s->raw_offset, s->va);
            s->file_bytes = min32(min32(s->raw_size, map_size), pe->file_size - s->raw_offset);
        }
        prev_end = (uint64_t)s->va + map_size;
        prev = s->name;
    }
    return true;
}

static bool check_directories(struct pe_image *pe, struct pe_error *err)
{
    for (unsigned i = 0; i < PE_DIR_COUNT; i++) {
        const struct pe_data_dir *d = &pe->dirs[i];
        /* Wine and Windows treat a zero RVA or size as "no directory". */
        if (!d->rva || !d->size)
            continue;
        if (i == PE_DIR_SECURITY) {
            if (!in_range(d->rva, d->size, pe->file_size))
                return pe_fail(err, "certificate table at file offset 0x%x+0x%x is outside the "
                               "file (0x%zx bytes)", d->rva, d->size, pe->file_size);
        } else if (!in_range(d->rva, d->size, pe->mapped_size)) {
            return pe_fail(err, "%s directory 0x%x+0x%x extends past SizeOfImage 0x%x",
                           dir_names[i], d->rva, d->size, pe->size_of_image);
        }
    }
    return true;
}

/* IMAGE_COR20_HEADER.Flags, as far as the loader honours them: Wine
 * (server/mapping.c load_clr_header) ignores headers of runtimes before 2.5. */
static void read_clr_flags(const uint8_t *file, struct pe_image *pe)
{
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_CLR];
    pe->has_clr = d->rva && d->size;
    pe->clr_flags = 0;
    if (!pe->has_clr)
        return;
    const uint8_t *h = pe_rva_ptr(file, pe, d->rva, 20);
    if (!h)
        return;
    uint16_t major = pe_le16(h + 4), minor = pe_le16(h + 6);
    if (major > 2 || (major == 2 && minor >= 5))
        pe->clr_flags = pe_le32(h + 16);
}

bool pe_parse(const uint8_t *file, size_t size, struct pe_image *pe, struct pe_error *err)
{
    memset(pe, 0, sizeof(*pe));
    pe->file_size = size;
    if (err)
        err->msg[0] = 0;

    if (size < DOS_HEADER_SIZE)
        return pe_fail(err, "file too small for a DOS header (%zu bytes)", size);
    if (file[0] != 'M' || file[1] != 'Z')
        return pe_fail(err, "no MZ signature (found 0x%02x 0x%02x)", file[0], file[1]);
    int32_t lfanew = (int32_t)pe_le32(file + 0x3c);
    if (lfanew < 0)
        return pe_fail(err, "e_lfanew 0x%x is negative", (uint32_t)lfanew);
    if (!in_range((uint32_t)lfanew, 4 + FILE_HEADER_SIZE, size))
        return pe_fail(err, "e_lfanew 0x%x: NT headers lie outside the file (%zu bytes)",
                       (uint32_t)lfanew, size);
    pe->nt_offset = (uint32_t)lfanew;

    const uint8_t *nt = file + pe->nt_offset;
    if (pe_le32(nt) != 0x00004550)
        return pe_fail(err, "bad NT signature 0x%08x at 0x%x (not a PE file)", pe_le32(nt),
                       pe->nt_offset);

    const uint8_t *fh = nt + 4;
    pe->machine = pe_le16(fh);
    pe->num_sections = pe_le16(fh + 2);
    pe->timestamp = pe_le32(fh + 4);
    pe->symbol_table_offset = pe_le32(fh + 8);
    pe->symbol_count = pe_le32(fh + 12);
    pe->opt_header_size = pe_le16(fh + 16);
    pe->characteristics = pe_le16(fh + 18);

    if (pe->machine != PE_MACHINE_I386 && pe->machine != PE_MACHINE_AMD64)
        return pe_fail(err, "unsupported machine 0x%04x (only i386 0x14c and amd64 0x8664)",
                       pe->machine);
    if (!(pe->characteristics & PE_FILE_EXECUTABLE_IMAGE))
        return pe_fail(err, "not an executable image (IMAGE_FILE_EXECUTABLE_IMAGE is clear, "
                       "characteristics 0x%04x)", pe->characteristics);
    if (pe->num_sections == 0)
        return pe_fail(err, "image has no sections");
    if (pe->num_sections > PE_MAX_SECTIONS)
        return pe_fail(err, "too many sections (%u, the limit is %u)", pe->num_sections,
                       PE_MAX_SECTIONS);

    uint64_t opt = (uint64_t)pe->nt_offset + 4 + FILE_HEADER_SIZE;
    if (pe->opt_header_size < 2)
        return pe_fail(err, "SizeOfOptionalHeader %u leaves no optional header",
                       pe->opt_header_size);
    if (!in_range(opt, pe->opt_header_size, size))
        return pe_fail(err, "optional header (%u bytes at 0x%llx) runs past the end of the file",
                       pe->opt_header_size, (unsigned long long)opt);
    pe->magic = pe_le16(file + opt);
    if (pe->magic != PE_MAGIC_PE32 && pe->magic != PE_MAGIC_PE32PLUS)
        return pe_fail(err, "unknown optional header magic 0x%04x", pe->magic);
    pe->is64 = pe->magic == PE_MAGIC_PE32PLUS;
    if (pe->is64 != (pe->machine == PE_MACHINE_AMD64))
        return pe_fail(err, "%s optional header does not match machine 0x%04x",
                       pe->is64 ? "PE32+" : "PE32", pe->machine);
    unsigned fixed = pe->is64 ? OPT64_FIXED_SIZE : OPT32_FIXED_SIZE;
    if (pe->opt_header_size < fixed)
        return pe_fail(err, "SizeOfOptionalHeader %u is smaller than the %u bytes of a %s header",
                       pe->opt_header_size, fixed, pe->is64 ? "PE32+" : "PE32");

    read_optional_header(pe, file + opt);
    /* Directories past the sixteenth have no defined meaning; Windows ignores them. */
    unsigned ndirs = pe->num_dirs < PE_DIR_COUNT ? pe->num_dirs : PE_DIR_COUNT;
    if (fixed + 8u * ndirs > pe->opt_header_size)
        return pe_fail(err, "%u data directories do not fit in SizeOfOptionalHeader %u",
                       ndirs, pe->opt_header_size);
    for (unsigned i = 0; i < ndirs; i++) {
        pe->dirs[i].rva = pe_le32(file + opt + fixed + 8 * i);
        pe->dirs[i].size = pe_le32(file + opt + fixed + 8 * i + 4);
    }

    if (!check_alignment(pe, err))
        return false;

    if (pe->size_of_image == 0)
        return pe_fail(err, "SizeOfImage is 0");
    uint64_t mapped = align_up(pe->size_of_image, pe->section_align);
    if (mapped > PE_MAX_IMAGE_SIZE)
        return pe_fail(err, "SizeOfImage 0x%x is too large", pe->size_of_image);
    pe->mapped_size = (uint32_t)mapped;
    uint64_t image_end;
    if (__builtin_add_overflow(pe->image_base, mapped, &image_end) ||
        (!pe->is64 && image_end > 0x100000000ull))
        return pe_fail(err, "image 0x%llx+0x%x does not fit the address space",
                       (unsigned long long)pe->image_base, pe->size_of_image);

    uint64_t table = opt + pe->opt_header_size;
    uint64_t table_size = (uint64_t)pe->num_sections * SECTION_HDR_SIZE;
    if (!in_range(table, table_size, size))
        return pe_fail(err, "section table (%u entries at 0x%llx) runs past the end of the file",
                       pe->num_sections, (unsigned long long)table);
    /* Wine maps at least up to the end of the section table as headers, even
     * when SizeOfHeaders says less (server/mapping.c get_image_params). */
    uint64_t headers_end = pe->size_of_headers;
    if (headers_end < table + table_size)
        headers_end = table + table_size;
    if (pe->size_of_headers > pe->size_of_image)
        return pe_fail(err, "SizeOfHeaders 0x%x exceeds SizeOfImage 0x%x", pe->size_of_headers,
                       pe->size_of_image);
    if (headers_end > pe->mapped_size)
        return pe_fail(err, "headers (0x%llx bytes) do not fit in SizeOfImage 0x%x",
                       (unsigned long long)headers_end, pe->size_of_image);
    pe->headers_size = min32(headers_end, size);

    if (!parse_sections(file, pe, table, headers_end, err))
        return false;
    if (pe->entry_rva >= pe->mapped_size)
        return pe_fail(err, "AddressOfEntryPoint 0x%x is outside the image (SizeOfImage 0x%x)",
                       pe->entry_rva, pe->size_of_image);
    if (!check_directories(pe, err))
        return false;

    pe->wine_builtin = size >= 0x40 + sizeof(wine_builtin_sig) &&
                       !memcmp(file + 0x40, wine_builtin_sig, sizeof(wine_builtin_sig));
    pe->wine_fakedll = size >= 0x40 + sizeof(wine_fakedll_sig) &&
                       !memcmp(file + 0x40, wine_fakedll_sig, sizeof(wine_fakedll_sig));
    read_clr_flags(file, pe);
    return true;
}

void pe_section_image_info(const struct pe_image *pe, struct pe_section_image_info *info)
{
    /* Field semantics follow Wine's server/mapping.c get_image_params, since
     * Wine's ntdll is the consumer this has to satisfy. */
    enum { COMIMAGE_ILONLY = 1, COMIMAGE_32BITREQUIRED = 2, COMIMAGE_32BITPREFERRED = 0x20000 };
    memset(info, 0, sizeof(*info));
    info->transfer_address = pe->entry_rva ? pe->image_base + pe->entry_rva : 0;
    info->maximum_stack_size = pe->stack_reserve;
    info->committed_stack_size = pe->stack_commit;
    info->subsystem_type = pe->subsystem;
    info->subsystem_minor = pe->subsys_minor;
    info->subsystem_major = pe->subsys_major;
    info->image_characteristics = pe->characteristics;
    info->dll_characteristics = pe->dll_characteristics;
    info->machine = pe->machine;
    bool code = pe->size_of_code || pe->entry_rva || pe->low_alignment;
    for (unsigned i = 0; i < pe->num_sections; i++)
        if (pe->sections[i].characteristics & PE_SCN_MEM_EXECUTE)
            code = true;
    info->image_contains_code = code;
    bool relocs = pe->dirs[PE_DIR_BASERELOC].rva && pe->dirs[PE_DIR_BASERELOC].size &&
                  !(pe->characteristics & PE_FILE_RELOCS_STRIPPED);
    if (pe->low_alignment)
        info->image_flags |= PE_IMAGE_FLAG_MAPPED_FLAT;
    else if ((pe->dll_characteristics & PE_DLLCHAR_DYNAMIC_BASE) && (relocs || code) &&
             !pe->has_clr)
        info->image_flags |= PE_IMAGE_FLAG_DYNAMICALLY_RELOCATED;
    if (pe->clr_flags & COMIMAGE_ILONLY) {
        info->image_flags |= PE_IMAGE_FLAG_COMPLUS_IL_ONLY;
        if (!pe->is64) {
            if (!(pe->clr_flags & COMIMAGE_32BITREQUIRED))
                info->image_flags |= PE_IMAGE_FLAG_COMPLUS_NATIVE_READY;
            if (pe->clr_flags & COMIMAGE_32BITPREFERRED)
                info->image_flags |= PE_IMAGE_FLAG_COMPLUS_PREFER_32BIT;
        }
    }
    /* Wine reports "has a CLR header" here, not the header's LoaderFlags. */
    info->loader_flags = pe->has_clr;
    info->image_file_size = (uint32_t)pe->file_size;
    info->checksum = pe->checksum;
}

uint32_t pe_section_protection(uint32_t characteristics)
{
    bool r = characteristics & PE_SCN_MEM_READ, w = characteristics & PE_SCN_MEM_WRITE;
    bool x = characteristics & PE_SCN_MEM_EXECUTE;
    if (x)
        return w ? PE_PAGE_EXECUTE_WRITECOPY : r ? PE_PAGE_EXECUTE_READ : PE_PAGE_EXECUTE;
    if (w)
        return PE_PAGE_WRITECOPY;
    return r ? PE_PAGE_READONLY : PE_PAGE_NOACCESS;
}

const char *pe_section_name(const uint8_t *file, const struct pe_image *pe,
                            const struct pe_section *s)
{
    /* COFF string table: right after the symbol table (18-byte records),
     * starting with its own 4-byte size; "/123" names offset 123 in it. */
    if (s->name[0] != '/' || !pe->symbol_table_offset)
        return s->name;
    uint64_t off = 0;
    for (const char *c = s->name + 1; *c; c++) {
        if (*c < '0' || *c > '9')
            return s->name;
        off = off * 10 + (uint64_t)(*c - '0');
    }
    uint64_t table = (uint64_t)pe->symbol_table_offset + (uint64_t)pe->symbol_count * 18;
    if (off < 4 || !in_range(table, off + 1, pe->file_size))
        return s->name;
    const char *str = (const char *)file + table + off;
    return memchr(str, 0, pe->file_size - (table + off)) ? str : s->name;
}

const struct pe_section *pe_section_for_rva(const struct pe_image *pe, uint32_t rva)
{
    for (unsigned i = 0; i < pe->num_sections; i++) {
        const struct pe_section *s = &pe->sections[i];
        if (rva >= s->va && rva - s->va < s->map_size)
            return s;
    }
    return NULL;
}

/* File offset of rva and how many file-backed bytes follow it contiguously. */
static bool rva_file_span(const struct pe_image *pe, uint32_t rva, size_t *offset, size_t *avail)
{
    if (rva < pe->headers_size) {
        *offset = rva;
        *avail = pe->headers_size - rva;
        return true;
    }
    const struct pe_section *s = pe_section_for_rva(pe, rva);
    if (!s || rva - s->va >= s->file_bytes)
        return false;
    *offset = (size_t)s->raw_offset + (rva - s->va);
    *avail = s->file_bytes - (rva - s->va);
    return true;
}

bool pe_rva_to_offset(const struct pe_image *pe, uint32_t rva, uint32_t len, size_t *offset)
{
    size_t off, avail;
    if (!rva_file_span(pe, rva, &off, &avail) || len > avail)
        return false;
    *offset = off;
    return true;
}

const uint8_t *pe_rva_ptr(const uint8_t *file, const struct pe_image *pe, uint32_t rva,
                          uint32_t len)
{
    size_t off;
    return pe_rva_to_offset(pe, rva, len, &off) ? file + off : NULL;
}

const uint8_t *pe_rva_bytes(const uint8_t *file, const struct pe_image *pe, uint32_t rva,
                            size_t *avail)
{
    size_t off;
    return rva_file_span(pe, rva, &off, avail) ? file + off : NULL;
}

const char *pe_rva_str(const uint8_t *file, const struct pe_image *pe, uint32_t rva)
{
    size_t off, avail;
    if (!rva_file_span(pe, rva, &off, &avail) || !memchr(file + off, 0, avail))
        return NULL;
    return (const char *)file + off;
}

bool pe_layout_image(const uint8_t *file, const struct pe_image *pe, uint8_t *image,
                     struct pe_error *err)
{
    memset(image, 0, pe->mapped_size);
    if (pe->low_alignment) {
        /* Mapped flat: the image is the file (checked: raw offset == RVA). */
        memcpy(image, file, min32(pe->file_size, pe->mapped_size));
        return true;
    }
    if (pe->headers_size > pe->mapped_size || pe->headers_size > pe->file_size)
        return pe_fail(err, "headers do not fit the image");
    memcpy(image, file, pe->headers_size);
    for (unsigned i = 0; i < pe->num_sections; i++) {
        const struct pe_section *s = &pe->sections[i];
        if (!in_range(s->va, s->file_bytes, pe->mapped_size) ||
            !in_range(s->raw_offset, s->file_bytes, pe->file_size))
            return pe_fail(err, "section %u '%s' does not fit the image", i, s->name);
        memcpy(image + s->va, file + s->raw_offset, s->file_bytes);
    }
    return true;
}

/* IMAGE_REL_BASED_* */
enum {
    REL_ABSOLUTE = 0,
    REL_HIGH = 1,
    REL_LOW = 2,
    REL_HIGHLOW = 3,
    REL_DIR64 = 10,
};

/* One pass over the relocation blocks; with apply=false it only validates. */
static bool relocate_pass(uint8_t *image, size_t image_size, const struct pe_data_dir *d,
                          int64_t delta, bool apply, struct pe_error *err)
{
    uint64_t off = d->rva, end = (uint64_t)d->rva + d->size;
    while (off < end) {
        if (end - off < 8)
            return pe_fail(err, "relocation block header at 0x%llx is truncated",
                           (unsigned long long)off);
        uint32_t page = pe_le32(image + off), block = pe_le32(image + off + 4);
        if (block < 8 || block > end - off || (block & 1))
            return pe_fail(err, "relocation block at 0x%llx has bad size 0x%x",
                           (unsigned long long)off, block);
        for (uint32_t i = 8; i < block; i += 2) {
            uint16_t e = pe_le16(image + off + i);
            unsigned type = e >> 12, width;
            uint64_t target = (uint64_t)page + (e & 0xfff);
            switch (type) {
            case REL_ABSOLUTE: continue;     /* padding to a 4-byte block size */
            case REL_HIGH:
            case REL_LOW: width = 2; break;
            case REL_HIGHLOW: width = 4; break;
            case REL_DIR64: width = 8; break;
            default:
                return pe_fail(err, "unsupported relocation type %u in block for page 0x%x",
                               type, page);
            }
            if (!in_range(target, width, image_size))
                return pe_fail(err, "relocation (type %u) at RVA 0x%llx is outside the image",
                               type, (unsigned long long)target);
            if (!apply)
                continue;
            uint8_t *p = image + target;
            switch (type) {
            case REL_HIGH: /* upper half of a 32-bit value whose lower half is unknown */
                wr16(p, (uint16_t)((((uint32_t)pe_le16(p) << 16) + (uint32_t)delta) >> 16));
                break;
            case REL_LOW: wr16(p, (uint16_t)(pe_le16(p) + (uint16_t)delta)); break;
            case REL_HIGHLOW: wr32(p, pe_le32(p) + (uint32_t)delta); break;
            default: wr64(p, pe_le64(p) + (uint64_t)delta); break;
            }
        }
        off += block;
    }
    return true;
}

bool pe_apply_relocations(uint8_t *image, size_t image_size, const struct pe_image *pe,
                          int64_t delta, struct pe_error *err)
{
    if (delta == 0)
        return true;
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_BASERELOC];
    if (!d->rva || !d->size || (pe->characteristics & PE_FILE_RELOCS_STRIPPED))
        return pe_fail(err, "image has no base relocations and cannot be moved");
    if (!in_range(d->rva, d->size, image_size))
        return pe_fail(err, "relocation directory 0x%x+0x%x is outside the image (0x%zx bytes)",
                       d->rva, d->size, image_size);
    return relocate_pass(image, image_size, d, delta, false, err) &&
           relocate_pass(image, image_size, d, delta, true, err);
}

/* ---- exports ---- */

static bool export_target(const uint8_t *file, const struct pe_image *pe, struct pe_export *e,
                          struct pe_error *err)
{
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_EXPORT];
    e->forwarder = NULL;
    if (e->rva >= d->rva && e->rva - d->rva < d->size) {
        e->forwarder = pe_rva_str(file, pe, e->rva);
        if (!e->forwarder)
            return pe_fail(err, "export ordinal %u: forwarder string at RVA 0x%x is not in "
                           "the file", e->ordinal, e->rva);
    } else if (e->rva >= pe->mapped_size) {
        return pe_fail(err, "export ordinal %u: RVA 0x%x is outside the image", e->ordinal, e->rva);
    }
    return true;
}

bool pe_exports_read(const uint8_t *file, const struct pe_image *pe, struct pe_exports *out,
                     struct pe_error *err)
{
    memset(out, 0, sizeof(*out));
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_EXPORT];
    if (!d->rva || !d->size)
        return true;
    const uint8_t *ed = pe_rva_ptr(file, pe, d->rva, 40);
    if (!ed)
        return pe_fail(err, "export directory at RVA 0x%x is not in the file", d->rva);
    uint32_t name_rva = pe_le32(ed + 12), nfuncs = pe_le32(ed + 20), nnames = pe_le32(ed + 24);
    out->ordinal_base = pe_le32(ed + 16);
    if (name_rva && !(out->dll_name = pe_rva_str(file, pe, name_rva)))
        return pe_fail(err, "export directory name at RVA 0x%x is not in the file", name_rva);
    /* Each array entry takes file bytes, so the file size bounds the counts
     * (and keeps count * width within 32 bits). */
    if (nfuncs > pe->file_size / 4 || nnames > pe->file_size / 4)
        return pe_fail(err, "export directory counts (%u functions, %u names) exceed the file",
                       nfuncs, nnames);
    if ((uint64_t)out->ordinal_base + nfuncs > 0x100000000ull)
        return pe_fail(err, "export ordinal base %u + %u functions overflows",
                       out->ordinal_base, nfuncs);
    const uint8_t *funcs = pe_rva_ptr(file, pe, pe_le32(ed + 28), nfuncs * 4);
    const uint8_t *names = pe_rva_ptr(file, pe, pe_le32(ed + 32), nnames * 4);
    const uint8_t *ords = pe_rva_ptr(file, pe, pe_le32(ed + 36), nnames * 2);
    if ((nfuncs && !funcs) || (nnames && (!names || !ords)))
        return pe_fail(err, "export address/name/ordinal tables are not in the file");

    uint8_t *named = calloc(nfuncs ? nfuncs : 1, 1);
    out->v = malloc(((size_t)nnames + nfuncs + 1) * sizeof(*out->v));
    if (!named || !out->v) {
        free(named);
        pe_exports_free(out);
        return pe_fail(err, "out of memory reading exports");
    }
    for (uint32_t i = 0; i < nnames; i++) {
        struct pe_export *e = &out->v[out->count];
        uint32_t nrva = pe_le32(names + 4 * i);
        uint16_t idx = pe_le16(ords + 2 * i);
        e->name = pe_rva_str(file, pe, nrva);
        if (!e->name) {
            pe_fail(err, "export name %u at RVA 0x%x is not in the file", i, nrva);
            goto bad;
        }
        if (idx >= nfuncs) {
            pe_fail(err, "export '%s': ordinal index %u is not below NumberOfFunctions %u",
                    e->name, idx, nfuncs);
            goto bad;
        }
        named[idx] = 1;
        e->ordinal = out->ordinal_base + idx;
        e->rva = pe_le32(funcs + 4 * idx);
        if (!export_target(file, pe, e, err))
            goto bad;
        out->count++;
    }
    for (uint32_t i = 0; i < nfuncs; i++) {
        struct pe_export *e = &out->v[out->count];
        e->rva = pe_le32(funcs + 4 * i);
        if (named[i] || !e->rva)
            continue;
        e->name = NULL;
        e->ordinal = out->ordinal_base + i;
        if (!export_target(file, pe, e, err))
            goto bad;
        out->count++;
    }
    free(named);
    return true;
bad:
    free(named);
    pe_exports_free(out);
    return false;
}

void pe_exports_free(struct pe_exports *exp)
{
    free(exp->v);
    memset(exp, 0, sizeof(*exp));
}

const struct pe_export *pe_exports_find(const struct pe_exports *exp, const char *name)
{
    for (size_t i = 0; i < exp->count; i++)
        if (exp->v[i].name && !strcmp(exp->v[i].name, name))
            return &exp->v[i];
    return NULL;
}

/* ---- imports ---- */

static bool import_push(struct pe_imports *out, size_t *cap, const struct pe_import *imp)
{
    if (out->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct pe_import *v = realloc(out->v, ncap * sizeof(*v));
        if (!v)
            return false;
        out->v = v;
        *cap = ncap;
    }
    out->v[out->count++] = *imp;
    return true;
}

static bool import_thunks(const uint8_t *file, const struct pe_image *pe, const char *dll,
                          uint32_t lookup, uint32_t iat, struct pe_imports *out, size_t *cap,
                          struct pe_error *err)
{
    unsigned w = pe->is64 ? 8 : 4;
    for (uint64_t j = 0;; j++) {
        uint64_t rva = lookup + j * w;
        const uint8_t *t = rva <= UINT32_MAX ? pe_rva_ptr(file, pe, (uint32_t)rva, w) : NULL;
        if (!t)
            return pe_fail(err, "import thunks of '%s' are not terminated inside the file", dll);
        uint64_t v = pe->is64 ? pe_le64(t) : pe_le32(t);
        if (!v)
            return true;
        struct pe_import imp = { .dll = dll };
        uint64_t slot = iat + j * w;
        if (slot > UINT32_MAX)
            return pe_fail(err, "import address table of '%s' overflows", dll);
        imp.iat_rva = (uint32_t)slot;
        if (v >> (pe->is64 ? 63 : 31)) {          /* IMAGE_ORDINAL_FLAG */
            imp.hint = (uint16_t)v;
        } else {
            /* IMAGE_IMPORT_BY_NAME: WORD Hint; CHAR Name[] */
            uint32_t hn = (uint32_t)(v & 0x7fffffff);
            const uint8_t *h = hn <= UINT32_MAX - 2 ? pe_rva_ptr(file, pe, hn, 2) : NULL;
            imp.name = h ? pe_rva_str(file, pe, hn + 2) : NULL;
            if (!imp.name)
                return pe_fail(err, "import name of '%s' at RVA 0x%x is not in the file", dll, hn);
            imp.hint = pe_le16(h);
        }
        if (!import_push(out, cap, &imp))
            return pe_fail(err, "out of memory reading imports");
    }
}

bool pe_imports_read(const uint8_t *file, const struct pe_image *pe, struct pe_imports *out,
                     struct pe_error *err)
{
    memset(out, 0, sizeof(*out));
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_IMPORT];
    if (!d->rva || !d->size)
        return true;
    size_t cap = 0;
    /* The directory size is often inaccurate; like Wine's loader, stop at the
     * first descriptor without a Name or FirstThunk. */
    for (uint64_t k = 0;; k++) {
        uint64_t rva = d->rva + 20 * k;
        const uint8_t *desc = rva <= UINT32_MAX ? pe_rva_ptr(file, pe, (uint32_t)rva, 20) : NULL;
        if (!desc) {
            pe_fail(err, "import descriptors at RVA 0x%x are not terminated inside the file",
                    d->rva);
            break;
        }
        uint32_t oft = pe_le32(desc), name = pe_le32(desc + 12), ft = pe_le32(desc + 16);
        if (!name || !ft)
            return true;
        const char *dll = pe_rva_str(file, pe, name);
        if (!dll) {
            pe_fail(err, "import descriptor %llu: DLL name at RVA 0x%x is not in the file",
                    (unsigned long long)k, name);
            break;
        }
        if (!import_thunks(file, pe, dll, oft ? oft : ft, ft, out, &cap, err))
            break;
    }
    pe_imports_free(out);
    return false;
}

void pe_imports_free(struct pe_imports *imp)
{
    free(imp->v);
    memset(imp, 0, sizeof(*imp));
}

/* ---- .pdata ---- */

bool pe_runtime_functions(const uint8_t *file, const struct pe_image *pe,
                          struct pe_runtime_function **out, size_t *count,
                          struct pe_error *err)
{
    *out = NULL;
    *count = 0;
    if (pe->machine != PE_MACHINE_AMD64)
        return pe_fail(err, "RUNTIME_FUNCTION tables exist only in x64 images (machine 0x%04x)",
                       pe->machine);
    const struct pe_data_dir *d = &pe->dirs[PE_DIR_EXCEPTION];
    if (!d->rva || !d->size)
        return true;
    if (d->size % 12)
        return pe_fail(err, "exception directory size 0x%x is not a multiple of 12", d->size);
    const uint8_t *t = pe_rva_ptr(file, pe, d->rva, d->size);
    if (!t)
        return pe_fail(err, "exception directory 0x%x+0x%x is not in the file", d->rva, d->size);
    size_t n = d->size / 12;
    struct pe_runtime_function *v = malloc(n * sizeof(*v));
    if (!v)
        return pe_fail(err, "out of memory reading .pdata");
    uint32_t prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].begin = pe_le32(t + 12 * i);
        v[i].end = pe_le32(t + 12 * i + 4);
        v[i].unwind = pe_le32(t + 12 * i + 8);
        const char *why = NULL;
        /* Empty entries occur in real files (Wine's jscript.dll) and are
         * harmless: no address falls inside them. */
        if (v[i].begin > v[i].end)
            why = "ends before it begins";
        else if (v[i].end > pe->mapped_size || v[i].unwind >= pe->mapped_size)
            why = "is outside the image";
        else if (v[i].begin < prev_end)
            why = "is out of order or overlaps its predecessor";
        if (why) {
            pe_fail(err, "RUNTIME_FUNCTION %zu (0x%x..0x%x, unwind 0x%x) %s", i,
                    v[i].begin, v[i].end, v[i].unwind, why);
            free(v);
            return false;
        }
        prev_end = v[i].end;
    }
    *out = v;
    *count = n;
    return true;
}
