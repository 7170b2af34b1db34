/* Section services: NtCreateSection, NtOpenSection, NtMapViewOfSection[Ex],
 * NtUnmapViewOfSection, NtQuerySection, NtExtendSection. Objects and views are in
 * kernel/section.c; argument checks follow Wine's dlls/ntdll/unix/virtual.c in its order. */
#include <string.h>

#include <stdlib.h>

#include "kernel/guest.h"
#include "kernel/namespace.h"
#include "kernel/section.h"
#include "kernel/vfs.h"
#include "kernel/vm.h"
#include "syscalls/namespace.h"

enum { PROCESS_VM_OPERATION = 0x8 };

/* Views' inheritance (SECTION_INHERIT). */
enum { ViewShare = 1, ViewUnmap = 2 };

/* MEM_* bits NtMapViewOfSection accepts in AllocationType. */
#define SEC_NO_CHANGE 0x400000u
#define MAP_ALLOC_TYPES (MEM_TOP_DOWN | MEM_RESERVE | SEC_NO_CHANGE)

/* A section over an open file: its bytes as they are now (see section.h). */
static ntstatus_t section_from_file(struct kprocess *p, handle_t file, uint64_t max_size,
				    uint32_t protect, uint32_t attributes, struct ksection **out)
{
	bool image = attributes & SEC_IMAGE;
	bool writable = !image && (protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE));
	char *host_path, *nt_name;
	ntstatus_t st = vfs_file_for_section(p, file, FILE_READ_DATA | (writable ? FILE_WRITE_DATA : 0),
					     &host_path, &nt_name);
	if (st != STATUS_SUCCESS)
		return st;
	uint8_t *data = NULL;
	size_t len = 0;
	struct pe_error err;
	if (!pe_read_file(host_path, &data, &len, &err))
		st = STATUS_ACCESS_DENIED;
	else if (image && (len < 2 || data[0] != 'M' || data[1] != 'Z'))
		/* Wine's loader tells a non-PE file (a unix library) by this status. */
		st = STATUS_INVALID_IMAGE_NOT_MZ;
	else if (!image && max_size > len && !writable)
		/* Only a writable file could grow to the size asked for. */
		st = STATUS_SECTION_TOO_BIG;
	else if ((st = section_create_from_buffer(data, len, image ? 0 : max_size, protect, attributes,
						  nt_name, out)) == STATUS_SUCCESS && writable) {
		(*out)->write_back = host_path;
		host_path = NULL;
	}
	free(data);
	free(host_path);
	free(nt_name);
	return st;
}

ntstatus_t nt_create_section(struct nt_call *c, gptr_t handle_ptr, uint32_t access, gptr_t attr,
			     gptr_t max_size_ptr, uint32_t protect, uint32_t attributes, handle_t file)
{
	struct kprocess *p = c->proc;
	ntstatus_t st;
	if ((st = guest_write_ptr(p, handle_ptr, 0)) != STATUS_SUCCESS)
		return st;
	uint64_t max_size = 0;
	if (max_size_ptr && (st = guest_read(p, max_size_ptr, &max_size, 8)) != STATUS_SUCCESS)
		return st;
	const uint32_t known = SEC_FILE | SEC_IMAGE | SEC_PROTECTED_IMAGE | SEC_RESERVE | SEC_COMMIT |
			       SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES;
	if ((attributes & ~known) || (attributes & SEC_COMMIT && attributes & SEC_RESERVE) ||
	    (attributes & SEC_IMAGE && attributes & (SEC_COMMIT | SEC_RESERVE)))
		return STATUS_INVALID_PARAMETER;
	/* Large pages need SeLockMemoryPrivilege, which no ntemu token holds. */
	if (attributes & SEC_LARGE_PAGES)
		return STATUS_PRIVILEGE_NOT_HELD;
	struct objattr oa = {0};
	if (attr && (st = guest_read_objattr(p, attr, &oa)) != STATUS_SUCCESS)
		return st;
	struct ksection *s;
	if (file)
		st = section_from_file(p, file, max_size, protect, attributes, &s);
	else if (attributes & SEC_IMAGE)
		st = STATUS_INVALID_FILE_FOR_SECTION;
	else
		st = section_create_anon(max_size, protect, attributes, &s);
	/* Named or not, the namespace hands out the handle (OBJ_OPENIF: an existing section of
	 * that name, STATUS_OBJECT_NAME_EXISTS). */
	if (st == STATUS_SUCCESS)
		st = namespace_create_handle(p, handle_ptr, access, &oa, s);
	objattr_free(&oa);
	return st;
}

ntstatus_t nt_open_section(struct nt_call *c, gptr_t handle_ptr, uint32_t access, gptr_t attr)
{
	return open_named_object(c, handle_ptr, access, attr, OBJ_SECTION);
}

/* The section rights a view protection needs (Wine's virtual_map_section): no SECTION_QUERY,
 * so OpenFileMapping(FILE_MAP_READ) then MapViewOfFile(FILE_MAP_READ) works; a writable view
 * needs SECTION_MAP_WRITE alone (FILE_MAP_WRITE is a read/write view). */
static ntstatus_t map_access(uint32_t protect, uint32_t *access)
{
	switch (protect & 0xff) {
	case PAGE_NOACCESS:
	case PAGE_READONLY:
	case PAGE_WRITECOPY:
		*access = SECTION_MAP_READ;
		return STATUS_SUCCESS;
	case PAGE_READWRITE:
		*access = SECTION_MAP_WRITE;
		return STATUS_SUCCESS;
	case PAGE_EXECUTE:
	case PAGE_EXECUTE_READ:
	case PAGE_EXECUTE_WRITECOPY:
		*access = SECTION_MAP_READ | SECTION_MAP_EXECUTE;
		return STATUS_SUCCESS;
	case PAGE_EXECUTE_READWRITE:
		*access = SECTION_MAP_WRITE | SECTION_MAP_EXECUTE;
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PAGE_PROTECTION;
	}
}

static ntstatus_t map_view(struct nt_call *c, handle_t section, handle_t process, gptr_t base_ptr,
			   uint64_t zero_bits, uint64_t commit_size, gptr_t offset_ptr,
			   gptr_t size_ptr, uint32_t inherit, uint32_t alloc_type, uint32_t protect)
{
	struct kprocess *p = c->proc;
	ntstatus_t st;
	uint64_t base, view_size, offset = 0;
	if ((st = guest_read_ptr(p, base_ptr, &base)) != STATUS_SUCCESS ||
	    (st = guest_read_ptr(p, size_ptr, &view_size)) != STATUS_SUCCESS ||
	    (st = guest_write_ptr(p, base_ptr, base)) != STATUS_SUCCESS ||
	    (st = guest_write_ptr(p, size_ptr, view_size)) != STATUS_SUCCESS)
		return st;
	if (offset_ptr && (st = guest_read(p, offset_ptr, &offset, 8)) != STATUS_SUCCESS)
		return st;
	if (zero_bits > 21 && zero_bits < 32)
		return STATUS_INVALID_PARAMETER_4;
	if (zero_bits >= 32 && (p->ptr_size == 4 || zero_bits < VM_GRANULARITY - 1))
		return STATUS_INVALID_PARAMETER_4;
	if ((offset & (VM_GRANULARITY - 1)) || (base & (VM_GRANULARITY - 1)))
		return STATUS_MAPPED_ALIGNMENT;
	if (inherit != ViewShare && inherit != ViewUnmap)
		return STATUS_INVALID_PARAMETER_8;
	if (alloc_type & ~MAP_ALLOC_TYPES)
		return STATUS_INVALID_PARAMETER_9;
	if ((st = vm_check_process(p, process, PROCESS_VM_OPERATION)) != STATUS_SUCCESS)
		return st;
	uint32_t access;
	if ((st = map_access(protect, &access)) != STATUS_SUCCESS)
		return st;
	struct ksection *s;
	if ((st = handle_ref(&p->handles, section, OBJ_SECTION, access, (void **)&s)) != STATUS_SUCCESS)
		return st;
	st = section_map(p, s, &base, base ? 0 : vm_zero_bits_limit(zero_bits), commit_size, &offset,
			 &view_size, alloc_type, protect);
	object_unref(s);
	if (nt_success(st)) {
		guest_write_ptr(p, base_ptr, base);
		guest_write_ptr(p, size_ptr, view_size);
	}
	return st;
}

ntstatus_t nt_map_view_of_section(struct nt_call *c, handle_t section, handle_t process,
				  gptr_t base, uint64_t zero_bits, uint64_t commit_size, gptr_t offset,
				  gptr_t view_size, uint32_t inherit, uint32_t alloc_type,
				  uint32_t protect)
{
	return map_view(c, section, process, base, zero_bits, commit_size, offset, view_size, inherit,
			alloc_type, protect);
}

ntstatus_t nt_map_view_of_section_ex(struct nt_call *c, handle_t section, handle_t process,
				     gptr_t base, gptr_t offset, gptr_t view_size, uint32_t alloc_type,
				     uint32_t protect, gptr_t params, uint32_t count)
{
	if (count && !params)
		return STATUS_INVALID_PARAMETER;
	/* FIXME: MEM_EXTENDED_PARAMETER (address requirements, image machine) not supported. */
	if (count)
		return STATUS_NOT_SUPPORTED;
	return map_view(c, section, process, base, 0, 0, offset, view_size, ViewShare, alloc_type,
			protect);
}

ntstatus_t nt_unmap_view_of_section(struct nt_call *c, handle_t process, gptr_t base)
{
	ntstatus_t st = vm_check_process(c->proc, process, PROCESS_VM_OPERATION);
	return st != STATUS_SUCCESS ? st : vm_unmap_view(c->proc, base);
}

ntstatus_t nt_unmap_view_of_section_ex(struct nt_call *c, handle_t process, gptr_t base, uint32_t flags)
{
	/* MEM_UNMAP_WITH_TRANSIENT_BOOST (1) is a scheduling hint; placeholders (2) are not
	 * supported. */
	if (flags & ~1u)
		return STATUS_INVALID_PARAMETER;
	return nt_unmap_view_of_section(c, process, base);
}

enum { SectionBasicInformation = 0, SectionImageInformation = 1 };

ntstatus_t nt_query_section(struct nt_call *c, handle_t section, uint32_t info_class, gptr_t buffer,
			    uint64_t length, gptr_t result_length)
{
	struct kprocess *p = c->proc;
	uint8_t buf[64];
	unsigned size = 0;
	if (info_class != SectionBasicInformation && info_class != SectionImageInformation)
		return STATUS_INVALID_INFO_CLASS;
	struct ksection *s;
	ntstatus_t st = handle_ref(&p->handles, section, OBJ_SECTION, SECTION_QUERY, (void **)&s);
	if (st != STATUS_SUCCESS)
		return st;
	if (info_class == SectionBasicInformation)
		size = section_basic_info_layout(s, p->ptr_size, buf);
	else if (!(s->attributes & SEC_IMAGE))
		st = STATUS_SECTION_NOT_IMAGE;
	else
		size = section_image_info_layout(s, p->ptr_size, buf);
	object_unref(s);
	if (st != STATUS_SUCCESS)
		return st;
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	if ((st = guest_write(p, buffer, buf, size)) != STATUS_SUCCESS)
		return st;
	return result_length ? guest_write_ptr(p, result_length, size) : STATUS_SUCCESS;
}

ntstatus_t nt_extend_section(struct nt_call *c, handle_t section, gptr_t size_ptr)
{
	struct kprocess *p = c->proc;
	uint64_t size;
	ntstatus_t st = guest_read(p, size_ptr, &size, 8);
	if (st != STATUS_SUCCESS)
		return st;
	struct ksection *s;
	if ((st = handle_ref(&p->handles, section, OBJ_SECTION, SECTION_EXTEND_SIZE, (void **)&s)))
		return st;
	/* Only sections backed by a data file we can write grow (NT: MmExtendSection). */
	if ((s->attributes & SEC_IMAGE) || !s->write_back) {
		st = STATUS_SECTION_NOT_EXTENDED;
	} else if (size > s->host_size) {
		/* FIXME: growing past the host block reserved at creation would move the memory
		 * existing views map. */
		st = STATUS_SECTION_TOO_BIG;
	} else {
		/* The new bytes are zero (the file grows when they are written back); a smaller
		 * size leaves the section as it is. Either way *size gets the section's size. */
		if (size > s->size)
			s->size = size;
		size = s->size;
		st = guest_write(p, size_ptr, &size, 8);
	}
	object_unref(s);
	return st;
}
