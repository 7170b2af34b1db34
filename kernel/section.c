/* Section objects and views (see section.h). */
#include "kernel/section.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/unicode.h"
#include "kernel/vm.h"

#define PAGE ((uint64_t)GUEST_PAGE_SIZE)
#define SECTION_MIN_ROOM 0x1000000ull

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint8_t *host_alloc(uint64_t size)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

ntstatus_t section_write_back(struct ksection *s, uint64_t offset, uint64_t size)
{
	if (!s->write_back)
		return STATUS_NOT_MAPPED_DATA;
	if (offset >= s->size)
		return STATUS_SUCCESS;
	if (size > s->size - offset)
		size = s->size - offset;
	int fd = open(s->write_back, O_WRONLY);
	if (fd < 0)
		return STATUS_UNSUCCESSFUL;
	uint64_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, s->host + offset + done, size - done, (off_t)(offset + done));
		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
	close(fd);
	return done == size ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

void section_destroy(struct kobject *obj)
{
	struct ksection *s = (struct ksection *)obj;
	/* The last view is gone and the last handle closed: the file gets its bytes. */
	if (s->write_back)
		section_write_back(s, 0, s->size);
	free(s->write_back);
	if (s->host)
		munmap(s->host, s->host_size);
	free(s->pe);
	free(s->file_name);
	free(s->committed);
	if (s->services)
		syscall_table_free(s->services);
	free(s->services);
}

/* What NtCreateSection accepts as a section's page protection: readable ones only. */
static bool valid_section_protect(uint32_t protect)
{
	switch (protect & ~(uint32_t)(PAGE_NOCACHE | PAGE_WRITECOMBINE)) {
	case PAGE_READONLY:
	case PAGE_READWRITE:
	case PAGE_WRITECOPY:
	case PAGE_EXECUTE:
	case PAGE_EXECUTE_READ:
	case PAGE_EXECUTE_READWRITE:
	case PAGE_EXECUTE_WRITECOPY:
		return vm_valid_protect(protect);
	default:
		return false;
	}
}

/* A section of `size` bytes whose host block can hold `capacity` (NtExtendSection grows within
 * it, since views keep pointing at the block). */
static struct ksection *new_section(uint64_t size, uint64_t capacity, uint32_t protect,
				    uint32_t attributes)
{
	struct ksection *s = object_alloc(OBJ_SECTION, sizeof *s);
	if (!s)
		return NULL;
	s->size = size;
	s->protect = protect;
	s->attributes = attributes;
	s->host_size = round_up(capacity > size ? capacity : size, PAGE);
	s->host = host_alloc(s->host_size);
	if (!s->host) {
		s->host_size = 0;
		object_unref(s);
		return NULL;
	}
	return s;
}

ntstatus_t section_create_anon(uint64_t size, uint32_t protect, uint32_t attributes,
			       struct ksection **out)
{
	if (!valid_section_protect(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (!size)
		return STATUS_INVALID_PARAMETER;
	if (size > VM_USER_LIMIT_64)
		return STATUS_SECTION_TOO_BIG;
	if (!(attributes & (SEC_COMMIT | SEC_RESERVE)))
		attributes |= SEC_COMMIT;
	struct ksection *s = new_section(size, size, protect, attributes);
	if (s && (attributes & SEC_RESERVE) && !(s->committed = calloc(s->host_size / PAGE, 1))) {
		object_unref(s);
		s = NULL;
	}
	if (!s)
		return STATUS_NO_MEMORY;
	*out = s;
	return STATUS_SUCCESS;
}

static bool set_file_name(struct ksection *s, const char *utf8)
{
	if (!utf8)
		return true;
	s->file_name = utf8_to_utf16_dup(utf8, &s->file_name_len);
	return s->file_name != NULL;
}

/* win32u.dll holds the stubs of the win32k services (table 1), which the dispatcher learns
 * only when a process loads it: the name is the only mark it has. */
static bool is_win32u(const char *nt_name)
{
	if (!nt_name)
		return false;
	const char *base = strrchr(nt_name, '\\');
	return !strcasecmp(base ? base + 1 : nt_name, "win32u.dll");
}

/* NULL when the file has no recognisable stubs (its calls then reach the dispatcher as
 * unknown service numbers and are reported as such). */
static struct syscall_table *scan_services(const uint8_t *data, const struct pe_image *pe)
{
	struct syscall_table *t = calloc(1, sizeof *t);
	struct pe_error err;
	if (t && syscall_scan(data, pe, t, &err) && t->count)
		return t;
	if (t)
		syscall_table_free(t);
	free(t);
	return NULL;
}

/* The first win32u.dll of the process's own machine that it maps defines table 1; the
 * process keeps the table, since the dispatch entries point at its names. */
static void bind_win32u_services(struct kprocess *p, struct ksection *s)
{
	uint16_t native = p->ptr_size == 8 ? PE_MACHINE_AMD64 : PE_MACHINE_I386;
	if (!s->services || p->service_tables[1] || s->pe->machine != native)
		return;
	p->service_tables[1] = s->services;
	s->services = NULL;
	dispatch_bind(&p->syscalls, p->service_tables[1]);
}

static ntstatus_t create_image(const uint8_t *data, size_t len, uint32_t protect,
			       struct ksection **out)
{
	struct pe_image *pe = malloc(sizeof *pe);
	struct pe_error err;
	if (!pe)
		return STATUS_NO_MEMORY;
	if (!pe_parse(data, len, pe, &err)) {
		free(pe);
		return STATUS_INVALID_IMAGE_FORMAT;
	}
	struct ksection *s = new_section(pe->mapped_size, pe->mapped_size, protect, SEC_IMAGE | SEC_FILE);
	if (!s) {
		free(pe);
		return STATUS_NO_MEMORY;
	}
	s->pe = pe;
	if (!pe_layout_image(data, pe, s->host, &err)) {
		object_unref(s);
		return STATUS_INVALID_IMAGE_FORMAT;
	}
	pe_section_image_info(pe, &s->image_info);
	*out = s;
	return STATUS_SUCCESS;
}

ntstatus_t section_create_from_buffer(const uint8_t *data, size_t len, uint64_t size,
				      uint32_t protect, uint32_t attributes, const char *nt_name,
				      struct ksection **out)
{
	if (!valid_section_protect(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	struct ksection *s;
	ntstatus_t st;
	if (attributes & SEC_IMAGE) {
		st = create_image(data, len, protect, &s);
	} else {
		if (!size)
			size = len;
		if (!size)
			return STATUS_MAPPED_FILE_SIZE_ZERO;
		/* A size beyond the file extends it when the bytes are written back. A file's pages
		 * are always there: SEC_RESERVE means nothing for it. */
		attributes = (attributes & (SEC_NOCACHE | SEC_WRITECOMBINE)) | SEC_COMMIT | SEC_FILE;
		/* Writable file sections may grow (NtExtendSection): room for as much again, at
		 * least 16 MiB, costs address space only. */
		uint64_t room = 0;
		if (protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE))
			room = size > SECTION_MIN_ROOM ? size : SECTION_MIN_ROOM;
		s = new_section(size, size + room, protect, attributes);
		st = s ? STATUS_SUCCESS : STATUS_NO_MEMORY;
		if (s)
			memcpy(s->host, data, len < size ? len : size);
	}
	if (st != STATUS_SUCCESS)
		return st;
	if (!set_file_name(s, nt_name)) {
		object_unref(s);
		return STATUS_NO_MEMORY;
	}
	if ((attributes & SEC_IMAGE) && is_win32u(nt_name))
		s->services = scan_services(data, s->pe);
	*out = s;
	return STATUS_SUCCESS;
}

ntstatus_t section_create_from_host_file(const char *host_path, const char *nt_name, bool image,
					 uint32_t protect, struct ksection **out)
{
	uint8_t *data;
	size_t len;
	struct pe_error err;
	if (!pe_read_file(host_path, &data, &len, &err))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	ntstatus_t st = section_create_from_buffer(data, len, 0, protect,
						   image ? SEC_IMAGE : SEC_COMMIT, nt_name, out);
	free(data);
	return st;
}

static void put_at(uint8_t *buf, unsigned off, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

unsigned section_basic_info_layout(const struct ksection *s, unsigned ptr_size, uint8_t *out)
{
	/* SECTION_BASIC_INFORMATION {PVOID BaseAddress; ULONG Attributes; LARGE_INTEGER Size}:
	 * BaseAddress is 0 except for based sections, which NT no longer has. */
	unsigned size = ptr_size == 8 ? 24 : 16;
	memset(out, 0, size);
	put_at(out, ptr_size, s->attributes, 4);
	put_at(out, size - 8, s->size, 8);
	return size;
}

unsigned section_image_info_layout(const struct ksection *s, unsigned ptr_size, uint8_t *out)
{
	/* SECTION_IMAGE_INFORMATION: TransferAddress, ZeroBits, then two SIZE_T stack sizes, then
	 * fixed 32/16/8-bit fields from 4 pointers in: 0x40 bytes on x64, 0x30 on x86. */
	const struct pe_section_image_info *ii = &s->image_info;
	unsigned w = ptr_size, o = 4 * w;
	memset(out, 0, o + 32);
	put_at(out, 0, ii->transfer_address, w);
	put_at(out, w, ii->zero_bits, 4);
	put_at(out, 2 * w, ii->maximum_stack_size, w);
	put_at(out, 3 * w, ii->committed_stack_size, w);
	put_at(out, o, ii->subsystem_type, 4);
	put_at(out, o + 4, ii->subsystem_minor, 2);
	put_at(out, o + 6, ii->subsystem_major, 2);
	put_at(out, o + 8, ii->gp_value, 4);
	put_at(out, o + 12, ii->image_characteristics, 2);
	put_at(out, o + 14, ii->dll_characteristics, 2);
	put_at(out, o + 16, ii->machine, 2);
	put_at(out, o + 18, ii->image_contains_code, 1);
	put_at(out, o + 19, ii->image_flags, 1);
	put_at(out, o + 20, ii->loader_flags, 4);
	put_at(out, o + 24, ii->image_file_size, 4);
	put_at(out, o + 28, ii->checksum, 4);
	return o + 32;
}

/* ---- views ---- */

/* Write the view's real base into the mapped headers' OptionalHeader.ImageBase, as NT does for
 * a relocated image: the PE loader computes its own relocation delta from that field and must
 * find nothing left to do. */
static void set_header_image_base(uint8_t *image, const struct pe_image *pe, uint64_t base)
{
	/* IMAGE_NT_HEADERS: Signature (4), IMAGE_FILE_HEADER (20), then ImageBase at 24 (PE32+,
	 * 8 bytes) or 28 (PE32, 4 bytes) into the optional header. */
	size_t off = (size_t)pe->nt_offset + 24 + (pe->is64 ? 24 : 28);
	if (off + 8 > pe->headers_size)
		return;
	for (unsigned i = 0; i < (pe->is64 ? 8u : 4u); i++)
		image[off + i] = (uint8_t)(base >> (8 * i));
}

/* Page protections of an image view (Wine's map_image_into_view): everything read-only first
 * (headers and gaps), then each section with its own protection. */
static void protect_image(struct kprocess *p, uint64_t base, const struct ksection *s)
{
	const struct pe_image *pe = s->pe;
	if (pe->low_alignment) {
		/* Section alignment below a page: the file is mapped flat, all of it usable. */
		vm_set_pages(p, base, s->host_size, PAGE_EXECUTE_WRITECOPY);
		return;
	}
	vm_set_pages(p, base, s->host_size, PAGE_READONLY);
	for (unsigned i = 0; i < pe->num_sections; i++) {
		const struct pe_section *sec = &pe->sections[i];
		uint64_t start = sec->va & ~(PAGE - 1), end = round_up((uint64_t)sec->va + sec->map_size, PAGE);
		if (end > s->host_size)
			end = s->host_size;
		if (end > start)
			vm_set_pages(p, base + start, end - start, pe_section_protection(sec->characteristics));
	}
}

static bool relocatable(const struct pe_image *pe)
{
	return !(pe->characteristics & PE_FILE_RELOCS_STRIPPED) && pe->dirs[PE_DIR_BASERELOC].rva &&
	       pe->dirs[PE_DIR_BASERELOC].size;
}

static ntstatus_t map_image(struct kprocess *p, struct ksection *s, uint64_t *base, uint64_t limit,
			    uint32_t alloc_type, uint64_t *view_size)
{
	const struct pe_image *pe = s->pe;
	uint64_t size = s->host_size;
	uint8_t *copy = host_alloc(size);
	if (!copy)
		return STATUS_NO_MEMORY;
	struct vm_view v = {MEM_IMAGE, PAGE_EXECUTE_WRITECOPY, copy, true, s, 0};
	uint64_t at = *base ? *base : pe->image_base;
	ntstatus_t st = STATUS_CONFLICTING_ADDRESSES;
	if (!(at & (VM_GRANULARITY - 1)) && (!limit || at + size - 1 <= limit))
		st = vm_insert_view(p, &at, size, limit, false, &v);
	if (st != STATUS_SUCCESS && !*base && relocatable(pe)) {
		at = 0;
		st = vm_insert_view(p, &at, size, limit, alloc_type & MEM_TOP_DOWN, &v);
	}
	if (st == STATUS_INVALID_PARAMETER && !*base)
		st = STATUS_CONFLICTING_ADDRESSES;
	if (st != STATUS_SUCCESS) {
		munmap(copy, size);
		return st;
	}
	memcpy(copy, s->host, size);
	if (at != pe->image_base) {
		struct pe_error err;
		if (!pe_apply_relocations(copy, size, pe, (int64_t)(at - pe->image_base), &err)) {
			vm_unmap_view(p, at);
			return STATUS_INVALID_IMAGE_FORMAT;
		}
		set_header_image_base(copy, pe, at);
	}
	protect_image(p, at, s);
	bind_win32u_services(p, s);
	*base = at;
	*view_size = size;
	return at == pe->image_base ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE;
}

/* A view's protection must be allowed by the section's (MmMapViewOfSection's check). */
static bool view_allowed(uint32_t section_protect, uint32_t view_protect)
{
	uint32_t sp = section_protect & 0xff, vp = view_protect & 0xff;
	bool s_write = sp & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
	bool s_exec = sp & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY);
	bool v_write = vp & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
	bool v_exec = vp & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY);
	return (!v_write || s_write) && (!v_exec || s_exec);
}

ntstatus_t section_map(struct kprocess *p, struct ksection *s, uint64_t *base, uint64_t limit,
		       uint64_t commit_size, uint64_t *offset, uint64_t *view_size,
		       uint32_t alloc_type, uint32_t protect)
{
	if (!vm_valid_protect(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (s->attributes & SEC_IMAGE)
		return map_image(p, s, base, limit, alloc_type, view_size);
	if (!view_allowed(s->protect, protect))
		return STATUS_SECTION_PROTECTION;
	if (*offset >= s->size)
		return STATUS_INVALID_PARAMETER;
	uint64_t size = *view_size ? *view_size : s->size - *offset;
	if (size > s->size - *offset)
		return STATUS_INVALID_VIEW_SIZE;
	size = round_up(size, PAGE);
	/* A write-copy view writes to its own pages: it gets a private copy of the section's
	 * bytes. FIXME: NT copies a page on its first write, so until then the view would still
	 * see other views' writes to it. */
	bool cow = protect & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY);
	uint8_t *host = cow ? host_alloc(size) : s->host + *offset;
	if (!host)
		return STATUS_NO_MEMORY;
	struct vm_view v = {MEM_MAPPED, protect, host, cow, s, *offset};
	ntstatus_t st = vm_insert_view(p, base, size, limit, alloc_type & MEM_TOP_DOWN, &v);
	if (st != STATUS_SUCCESS) {
		if (cow)
			munmap(host, size);
		return st;
	}
	if (cow)
		memcpy(host, s->host + *offset, size);
	if (s->committed) {
		/* Pages other views committed, then the requested initial commit. */
		for (uint64_t i = 0; i < size / PAGE; i++)
			if (s->committed[*offset / PAGE + i])
				vm_set_pages(p, *base + i * PAGE, PAGE, protect);
		uint64_t commit = commit_size < size ? round_up(commit_size, PAGE) : size;
		if (commit)
			vm_set_pages(p, *base, commit, protect);
	} else {
		vm_set_pages(p, *base, size, protect);
	}
	*view_size = size;
	return STATUS_SUCCESS;
}

ntstatus_t section_map_file_once(struct kprocess *p, const char *host_path, const char *nt_name,
				 uint64_t *base, uint64_t *size)
{
	if (vm_file_view_lookup(p, host_path, base, size))
		return STATUS_SUCCESS;
	struct ksection *s;
	ntstatus_t st = section_create_from_host_file(host_path, nt_name, false, PAGE_READONLY, &s);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t at = 0, offset = 0, view = 0;
	st = section_map(p, s, &at, 0, 0, &offset, &view, 0, PAGE_READONLY);
	if (st == STATUS_SUCCESS && !vm_file_view_remember(p, host_path, at, view, s)) {
		vm_unmap_view(p, at);
		st = STATUS_NO_MEMORY;
	}
	object_unref(s);
	if (st != STATUS_SUCCESS)
		return st;
	*base = at;
	*size = view;
	return STATUS_SUCCESS;
}

ntstatus_t vm_map_image(struct kprocess *p, const char *host_path, const char *nt_path,
			uint64_t *base, struct pe_image *out)
{
	struct ksection *s;
	ntstatus_t st = section_create_from_host_file(host_path, nt_path, true, PAGE_EXECUTE_WRITECOPY, &s);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t at = s->pe->image_base, view;
	st = map_image(p, s, &at, 0, 0, &view);
	if (st == STATUS_SUCCESS) {
		*base = at;
		if (out)
			*out = *s->pe;
	}
	object_unref(s);
	return st;
}
