/* Section objects (OBJ_SECTION): pagefile-backed, file-backed and image sections, and views
 * of them (NtMapViewOfSection).
 *
 * A data section owns one block of host memory; every view maps those same host pages, so
 * views see each other's writes as on Windows. A file-backed data section holds a copy of the
 * file's bytes, written back to the file by NtFlushVirtualMemory and when the section goes
 * (FIXME: no coherence with NtReadFile/NtWriteFile in between, which NT has). An image section keeps the
 * image laid out at its preferred base; each view gets its own copy (Windows shares image pages
 * copy-on-write: a private copy is what the guest can observe), relocated when it does not land
 * at the preferred base. */
#ifndef NTEMU_KERNEL_SECTION_H
#define NTEMU_KERNEL_SECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/object.h"
#include "kernel/process.h"
#include "loader/pe.h"
#include "loader/syscall_scan.h"

/* SEC_* section attributes (winnt.h). */
enum {
	SEC_FILE = 0x800000,
	SEC_IMAGE = 0x1000000,
	SEC_PROTECTED_IMAGE = 0x2000000,
	SEC_RESERVE = 0x4000000,
	SEC_COMMIT = 0x8000000,
	SEC_NOCACHE = 0x10000000,
	SEC_WRITECOMBINE = 0x40000000,
	SEC_LARGE_PAGES = 0x80000000u,
};

/* Section access rights (winnt.h). */
enum {
	SECTION_QUERY = 0x1,
	SECTION_MAP_WRITE = 0x2,
	SECTION_MAP_READ = 0x4,
	SECTION_MAP_EXECUTE = 0x8,
	SECTION_EXTEND_SIZE = 0x10,
};

struct ksection {
	struct kobject obj;
	uint64_t size;            /* bytes (data: MaximumSize; image: SizeOfImage rounded) */
	uint32_t protect;         /* PAGE_* given at creation */
	uint32_t attributes;      /* SEC_*, SEC_FILE added for file-backed ones */
	uint8_t *host;            /* data: the shared bytes; image: the laid-out image */
	uint64_t host_size;       /* bytes of host memory (page multiple) */
	uint8_t *committed;       /* SEC_RESERVE: one flag per page committed through a view */
	char *write_back;         /* writable file sections: the host file their bytes go back to */
	struct pe_image *pe;      /* image sections only */
	struct pe_section_image_info image_info;
	uint16_t *file_name;      /* NT name of the backing file (UTF-16), NULL if none */
	size_t file_name_len;
	/* An image of win32u.dll: the services its stubs name, scanned at creation while the file's
	 * bytes are at hand, until the first process that maps it takes them for table 1. */
	struct syscall_table *services;
};

/* The OBJ_SECTION destroy callback (object_types[] in kernel/object.c). */
void section_destroy(struct kobject *obj);

/* A pagefile-backed section of `size` bytes (SEC_COMMIT / SEC_RESERVE in `attributes`). */
ntstatus_t section_create_anon(uint64_t size, uint32_t protect, uint32_t attributes,
			       struct ksection **out);
/* A section over the bytes of a file (copied); SEC_IMAGE in `attributes` parses them as a PE
 * image (STATUS_INVALID_IMAGE_FORMAT if they are not one). `size` 0 = the file's size.
 * `nt_name` (UTF-8, may be NULL) is the file's NT path for MemoryMappedFilenameInformation. */
ntstatus_t section_create_from_buffer(const uint8_t *data, size_t len, uint64_t size,
				      uint32_t protect, uint32_t attributes, const char *nt_name,
				      struct ksection **out);
/* The same for a host file, read at creation. STATUS_OBJECT_NAME_NOT_FOUND if it cannot be
 * read. */
ntstatus_t section_create_from_host_file(const char *host_path, const char *nt_name, bool image,
					 uint32_t protect, struct ksection **out);

/* SECTION_BASIC_INFORMATION as a guest of `ptr_size` sees it (24 or 16 bytes). */
unsigned section_basic_info_layout(const struct ksection *s, unsigned ptr_size, uint8_t *out);
/* An image section's SECTION_IMAGE_INFORMATION as a guest of `ptr_size` sees it, written to
 * `out` (at least 0x40 bytes); returns its size. NtQuerySection(SectionImageInformation) and
 * NtQueryInformationProcess(ProcessImageInformation) answer with it. */
unsigned section_image_info_layout(const struct ksection *s, unsigned ptr_size, uint8_t *out);

/* Write [offset, offset+size) of a writable file section back to its file (clipped to the
 * section). STATUS_NOT_MAPPED_DATA for sections that have no file to write to. */
ntstatus_t section_write_back(struct ksection *s, uint64_t offset, uint64_t size);

/* NtMapViewOfSection's engine on process p. *base: in = wanted address or 0, out = view base;
 * *offset and *view_size in/out as the service rounds them; `limit` from ZeroBits (0 = none).
 * Image sections return STATUS_IMAGE_NOT_AT_BASE (a success) when relocated. */
ntstatus_t section_map(struct kprocess *p, struct ksection *s, uint64_t *base, uint64_t limit,
		       uint64_t commit_size, uint64_t *offset, uint64_t *view_size,
		       uint32_t alloc_type, uint32_t protect);

/* Map a host file read-only as a MEM_MAPPED view, once per process: later calls for the same
 * path return the view mapped the first time (while it is still mapped). */
ntstatus_t section_map_file_once(struct kprocess *p, const char *host_path, const char *nt_name,
				 uint64_t *base, uint64_t *size);

#endif
