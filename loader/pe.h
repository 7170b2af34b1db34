/* PE32 / PE32+ image parsing, validation and layout.
 *
 * Everything here works on untrusted bytes: every read is bounds-checked and
 * every failure comes back as a false return plus a message in struct pe_error
 * naming the problem.  Structures follow the Microsoft PE/COFF specification
 * (IMAGE_DOS_HEADER, IMAGE_FILE_HEADER, IMAGE_OPTIONAL_HEADER32/64,
 * IMAGE_SECTION_HEADER, IMAGE_EXPORT_DIRECTORY, IMAGE_IMPORT_DESCRIPTOR,
 * IMAGE_BASE_RELOCATION, RUNTIME_FUNCTION). */
#ifndef NTEMU_LOADER_PE_H
#define NTEMU_LOADER_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PE_MACHINE_I386  0x014c
#define PE_MACHINE_AMD64 0x8664

#define PE_MAGIC_PE32     0x10b
#define PE_MAGIC_PE32PLUS 0x20b

/* IMAGE_FILE_* (FileHeader.Characteristics) */
#define PE_FILE_RELOCS_STRIPPED   0x0001
#define PE_FILE_EXECUTABLE_IMAGE  0x0002
#define PE_FILE_LARGE_ADDRESS_AWARE 0x0020
#define PE_FILE_32BIT_MACHINE     0x0100
#define PE_FILE_DLL               0x2000

/* IMAGE_DLLCHARACTERISTICS_* */
#define PE_DLLCHAR_HIGH_ENTROPY_VA 0x0020
#define PE_DLLCHAR_DYNAMIC_BASE    0x0040
#define PE_DLLCHAR_NX_COMPAT       0x0100

/* IMAGE_SCN_* (section characteristics) */
#define PE_SCN_CNT_CODE              0x00000020
#define PE_SCN_CNT_INITIALIZED_DATA  0x00000040
#define PE_SCN_CNT_UNINITIALIZED_DATA 0x00000080
#define PE_SCN_MEM_SHARED            0x10000000
#define PE_SCN_MEM_EXECUTE           0x20000000
#define PE_SCN_MEM_READ              0x40000000
#define PE_SCN_MEM_WRITE             0x80000000u

/* SECTION_IMAGE_INFORMATION.ImageFlags bits */
#define PE_IMAGE_FLAG_COMPLUS_NATIVE_READY 0x01
#define PE_IMAGE_FLAG_COMPLUS_IL_ONLY      0x02
#define PE_IMAGE_FLAG_DYNAMICALLY_RELOCATED 0x04
#define PE_IMAGE_FLAG_MAPPED_FLAT          0x08
#define PE_IMAGE_FLAG_COMPLUS_PREFER_32BIT 0x40

/* Windows page protections (PAGE_*) as an image view gets them */
#define PE_PAGE_NOACCESS          0x01
#define PE_PAGE_READONLY          0x02
#define PE_PAGE_WRITECOPY         0x08
#define PE_PAGE_EXECUTE           0x10
#define PE_PAGE_EXECUTE_READ      0x20
#define PE_PAGE_EXECUTE_WRITECOPY 0x80

/* The Windows loader refuses more sections than this (PE/COFF spec, "Section Table"). */
#define PE_MAX_SECTIONS 96

enum pe_dir {
    PE_DIR_EXPORT = 0,
    PE_DIR_IMPORT = 1,
    PE_DIR_RESOURCE = 2,
    PE_DIR_EXCEPTION = 3,
    PE_DIR_SECURITY = 4,      /* a file offset, not an RVA */
    PE_DIR_BASERELOC = 5,
    PE_DIR_DEBUG = 6,
    PE_DIR_ARCHITECTURE = 7,
    PE_DIR_GLOBALPTR = 8,
    PE_DIR_TLS = 9,
    PE_DIR_LOAD_CONFIG = 10,
    PE_DIR_BOUND_IMPORT = 11,
    PE_DIR_IAT = 12,
    PE_DIR_DELAY_IMPORT = 13,
    PE_DIR_CLR = 14,
    PE_DIR_COUNT = 16
};

struct pe_error {
    char msg[192];
};

struct pe_data_dir {
    uint32_t rva;
    uint32_t size;
};

struct pe_section {
    char     name[9];          /* the raw 8-byte name, NUL-terminated */
    uint32_t va;               /* VirtualAddress (RVA) */
    uint32_t vsize;            /* VirtualSize as written in the header */
    uint32_t raw_offset;       /* PointerToRawData */
    uint32_t raw_size;         /* SizeOfRawData */
    uint32_t characteristics;
    /* Derived by pe_parse: bytes the section occupies in the image (VirtualSize,
     * or SizeOfRawData when VirtualSize is 0, rounded to SectionAlignment) and
     * how many of them come from the file (the rest is zero-filled). */
    uint32_t map_size;
    uint32_t file_bytes;
};

struct pe_image {
    size_t   file_size;
    uint32_t nt_offset;                /* e_lfanew */
    /* IMAGE_FILE_HEADER */
    uint16_t machine;
    uint16_t characteristics;
    uint32_t timestamp;
    uint32_t symbol_table_offset;
    uint32_t symbol_count;
    uint16_t opt_header_size;
    /* IMAGE_OPTIONAL_HEADER32/64 */
    uint16_t magic;
    bool     is64;                     /* PE32+ */
    uint8_t  linker_major, linker_minor;
    uint32_t size_of_code;
    uint32_t size_of_init_data;
    uint32_t size_of_uninit_data;
    uint32_t entry_rva;                /* AddressOfEntryPoint, 0 = none */
    uint32_t base_of_code;
    uint64_t image_base;
    uint32_t section_align;
    uint32_t file_align;
    uint16_t os_major, os_minor;
    uint16_t image_major, image_minor;
    uint16_t subsys_major, subsys_minor;
    uint32_t win32_version;
    uint32_t size_of_image;            /* as written */
    uint32_t size_of_headers;          /* as written */
    uint32_t checksum;
    uint16_t subsystem;
    uint16_t dll_characteristics;
    uint64_t stack_reserve, stack_commit;
    uint64_t heap_reserve, heap_commit;
    uint32_t loader_flags;
    uint32_t num_dirs;                 /* NumberOfRvaAndSizes as written */
    struct pe_data_dir dirs[PE_DIR_COUNT];  /* entries past num_dirs are zero */
    uint16_t num_sections;
    struct pe_section sections[PE_MAX_SECTIONS];
    /* Derived */
    uint32_t mapped_size;              /* SizeOfImage rounded up to SectionAlignment */
    uint32_t headers_size;             /* bytes of the file mapped at RVA 0 */
    bool     low_alignment;            /* SectionAlignment < 4 KiB: mapped flat */
    bool     wine_builtin;             /* "Wine builtin DLL" at file offset 0x40 */
    bool     wine_fakedll;             /* "Wine placeholder DLL" at file offset 0x40 */
    bool     has_clr;                  /* COM descriptor (.NET) directory present */
    uint32_t clr_flags;                /* IMAGE_COR20_HEADER.Flags, 0 if unreadable */
};

/* The image facts NtQuerySection(SectionImageInformation) reports, in the
 * order of SECTION_IMAGE_INFORMATION.  TransferAddress is image_base +
 * entry_rva (of the preferred base); the caller adjusts it for a relocated
 * view. */
struct pe_section_image_info {
    uint64_t transfer_address;
    uint32_t zero_bits;
    uint64_t maximum_stack_size;
    uint64_t committed_stack_size;
    uint32_t subsystem_type;
    uint16_t subsystem_minor, subsystem_major;
    uint32_t gp_value;
    uint16_t image_characteristics;
    uint16_t dll_characteristics;
    uint16_t machine;
    bool     image_contains_code;
    uint8_t  image_flags;
    uint32_t loader_flags;
    uint32_t image_file_size;
    uint32_t checksum;
};

/* Formats a message into err (which may be NULL) and returns false, so
 * callers can write `return pe_fail(err, ...)`. */
__attribute__((format(printf, 2, 3)))
bool pe_fail(struct pe_error *err, const char *fmt, ...);

/* Little-endian reads; PE fields are little-endian whatever the host. */
static inline uint16_t pe_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t pe_le32(const uint8_t *p)
{
    return (uint32_t)pe_le16(p) | (uint32_t)pe_le16(p + 2) << 16;
}
static inline uint64_t pe_le64(const uint8_t *p)
{
    return (uint64_t)pe_le32(p) | (uint64_t)pe_le32(p + 4) << 32;
}

/* Reads a whole file into a malloc'd buffer (caller frees). */
bool pe_read_file(const char *path, uint8_t **data, size_t *size, struct pe_error *err);

/* Parses and validates the headers of a PE file held in memory. */
bool pe_parse(const uint8_t *file, size_t size, struct pe_image *pe, struct pe_error *err);

void pe_section_image_info(const struct pe_image *pe, struct pe_section_image_info *info);

/* The PAGE_* protection of a section's pages in an image view: writable
 * sections are copy-on-write, and write or execute without read still
 * reports the write-copy / execute form (Wine's virtual.c maps READ, WRITE
 * and EXECUTE to VPROT_READ, VPROT_WRITECOPY and VPROT_EXEC).  Headers are
 * PE_PAGE_READONLY. */
uint32_t pe_section_protection(uint32_t characteristics);

/* The section's full name: the COFF string table entry for "/<offset>" names
 * (as MinGW writes for .debug_info and other names over 8 bytes), otherwise
 * the 8-byte name.  Points into file or into the section struct. */
const char *pe_section_name(const uint8_t *file, const struct pe_image *pe,
                            const struct pe_section *s);

/* The section whose mapped range holds rva, or NULL (headers, gaps, outside). */
const struct pe_section *pe_section_for_rva(const struct pe_image *pe, uint32_t rva);

/* Translates [rva, rva+len) to a file offset.  Fails unless the whole range is
 * backed by file bytes of one section (or of the headers): bytes that the
 * mapping zero-fills are not in the file. */
bool pe_rva_to_offset(const struct pe_image *pe, uint32_t rva, uint32_t len, size_t *offset);

/* Pointer into file for [rva, rva+len), or NULL when not entirely in the file. */
const uint8_t *pe_rva_ptr(const uint8_t *file, const struct pe_image *pe, uint32_t rva,
                          uint32_t len);

/* Pointer into file at rva and, in *avail, how many file-backed bytes follow
 * it contiguously; NULL when rva is not backed by the file. */
const uint8_t *pe_rva_bytes(const uint8_t *file, const struct pe_image *pe, uint32_t rva,
                            size_t *avail);

/* NUL-terminated string at rva that lies entirely in the file, or NULL. */
const char *pe_rva_str(const uint8_t *file, const struct pe_image *pe, uint32_t rva);

/* Copies headers and section data into a zero-filled buffer of
 * pe->mapped_size bytes, as an image section view shows them. */
bool pe_layout_image(const uint8_t *file, const struct pe_image *pe, uint8_t *image,
                     struct pe_error *err);

/* Applies the base relocations of a laid-out image for a load at
 * image_base + delta.  The whole table is validated before anything is
 * written, so on failure the image is unchanged. */
bool pe_apply_relocations(uint8_t *image, size_t image_size, const struct pe_image *pe,
                          int64_t delta, struct pe_error *err);

/* ---- exports ---- */

struct pe_export {
    const char *name;       /* NULL when exported by ordinal only */
    uint32_t ordinal;       /* biased by the directory's Base */
    uint32_t rva;
    const char *forwarder;  /* "DLL.Name" when rva points into the export directory */
};

struct pe_exports {
    const char *dll_name;   /* the directory's Name, or NULL */
    uint32_t ordinal_base;
    size_t count;
    struct pe_export *v;    /* named exports in name-table order, then unnamed ones by ordinal */
};

/* Strings point into file; the array is malloc'd (pe_exports_free). */
bool pe_exports_read(const uint8_t *file, const struct pe_image *pe, struct pe_exports *out,
                     struct pe_error *err);
void pe_exports_free(struct pe_exports *exp);
const struct pe_export *pe_exports_find(const struct pe_exports *exp, const char *name);

/* ---- imports ---- */

struct pe_import {
    const char *dll;
    const char *name;       /* NULL when imported by ordinal */
    uint16_t hint;          /* by name: the hint; by ordinal: the ordinal */
    uint32_t iat_rva;       /* the slot the loader fills with the address */
};

struct pe_imports {
    size_t count;
    struct pe_import *v;    /* in descriptor order, then thunk order */
};

bool pe_imports_read(const uint8_t *file, const struct pe_image *pe, struct pe_imports *out,
                     struct pe_error *err);
void pe_imports_free(struct pe_imports *imp);

/* ---- x64 exception table (.pdata) ---- */

struct pe_runtime_function {
    uint32_t begin;         /* RVA of the first byte of the function */
    uint32_t end;           /* RVA one past the last byte */
    uint32_t unwind;        /* RVA of the UNWIND_INFO */
};

/* The RUNTIME_FUNCTION table of an x64 image, validated (inside the image,
 * begin <= end, sorted and not overlapping, as RtlLookupFunctionEntry's binary
 * search requires; a few real entries are empty).  Zero entries when the image
 * has none. */
bool pe_runtime_functions(const uint8_t *file, const struct pe_image *pe,
                          struct pe_runtime_function **out, size_t *count,
                          struct pe_error *err);

#endif
