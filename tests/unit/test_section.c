/* Sections and views called directly on a bare process: a pagefile section shared by two
 * views, view argument checks, SEC_RESERVE views, an image section of the system image's
 * kernel32.dll mapped at its base and relocated when the base is taken, NtQuerySection, the
 * bootstrap's vm_map_image, the NLS services mapping each table once, and win32u.dll's
 * services bound when it is mapped. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/process.h"
#include "kernel/section.h"
#include "kernel/vfs.h"
#include "kernel/vm.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define SCRATCH 0x60000000ull
#define H_P (SCRATCH + 0x00)
#define BASE_P (SCRATCH + 0x10)
#define SIZE_P (SCRATCH + 0x20)
#define OFF_P (SCRATCH + 0x30)
#define RET_P (SCRATCH + 0x40)
#define LCID_P (SCRATCH + 0x50)
#define IOSB_P (SCRATCH + 0x60)
#define OA_P (SCRATCH + 0x80)
#define USTR_P (SCRATCH + 0xc0)
#define NAME_P (SCRATCH + 0x800)
#define BUF (SCRATCH + 0x100)
#define SECTION_ALL_ACCESS 0xf001fu

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;
static char root[KFX_DIR_MAX];

static void start(unsigned ptr_size)
{
	/* A C: drive of its own, for sections over opened files. */
	p = kfx_drive_process(&cfg, root, "section", ptr_size, SCRATCH, 0x10000);
	call = (struct nt_call){.proc = p};
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }

static void teardown(void) { kfx_drive_process_destroy(p, root); }

/* OBJECT_ATTRIBUTES at OA_P for an NT path, with `attrs`. */
static gptr_t objattr(const char *name, uint32_t attrs)
{
	return kfx_objattr(p, OA_P, 0, kfx_ustr(p, USTR_P, NAME_P, name), attrs);
}

/* NtOpenFile of an NT path; STATUS and handle. */
static ntstatus_t open_file(const char *name, uint32_t access, handle_t *h)
{
	/* Share read/delete, FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE: as ntdll's
	 * loader opens DLLs. */
	ntstatus_t st = nt_open_file(&call, H_P, access, objattr(name, OBJ_CASE_INSENSITIVE), IOSB_P, 5, 0x60);
	uint64_t v = 0;
	guest_read_ptr(p, H_P, &v);
	*h = v;
	return st;
}

static handle_t create_anon(uint64_t size, uint32_t prot, uint32_t attrs, ntstatus_t expect)
{
	guest_write(p, SIZE_P, &size, 8);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, SIZE_P, prot, attrs, 0), expect);
	uint64_t h = 0;
	guest_read_ptr(p, H_P, &h);
	return h;
}

static ntstatus_t map(handle_t h, uint64_t *base, uint64_t offset, uint64_t *size, uint32_t prot)
{
	guest_write_ptr(p, BASE_P, *base);
	guest_write_ptr(p, SIZE_P, *size);
	guest_write(p, OFF_P, &offset, 8);
	ntstatus_t st = nt_map_view_of_section(&call, h, CURRENT_PROCESS, BASE_P, 0, 0, OFF_P, SIZE_P, 1, 0, prot);
	guest_read_ptr(p, BASE_P, base);
	guest_read_ptr(p, SIZE_P, size);
	return st;
}

static void query(uint64_t addr, struct vm_basic_info *m)
{
	ck_assert_uint_eq(vm_query(p, addr, m), STATUS_SUCCESS);
}

static handle_t open_dll(const char *name)
{
	char path[4096], nt[256];
	snprintf(path, sizeof path, "%s/%s/%s", kfx_sysroot(), p->ptr_size == 8 ? "system32" : "syswow64", name);
	snprintf(nt, sizeof nt, "\\??\\C:\\windows\\system32\\%s", name);
	struct ksection *s;
	ntstatus_t st = section_create_from_host_file(path, nt, true, PAGE_EXECUTE_READ, &s);
	ck_assert_msg(st == STATUS_SUCCESS, "%s: status %#x (run `make sysroot`)", path, st);
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, s, SECTION_ALL_ACCESS, 0, &h), STATUS_SUCCESS);
	object_unref(s);
	return h;
}

START_TEST(pagefile_section_shared_by_two_views)
{
	handle_t h = create_anon(0x2800, PAGE_READWRITE, SEC_COMMIT, STATUS_SUCCESS);
	ck_assert_uint_ne(h, 0);
	uint64_t a = 0, as = 0, b = 0, bs = 0;
	ck_assert_uint_eq(map(h, &a, 0, &as, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(map(h, &b, 0, &bs, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(a & 0xffff, 0);
	ck_assert_uint_eq(as, 0x3000);
	uint32_t v = 0xabcdef01, r = 0;
	ck_assert_uint_eq(guest_write(p, a + 0x2004, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, b + 0x2004, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, v);
	ck_assert_uint_eq(guest_write(p, b, &v, 4), STATUS_ACCESS_VIOLATION);
	/* A write-copy view starts with the section's bytes and keeps its writes to itself. */
	uint64_t w = 0, ws = 0;
	ck_assert_uint_eq(map(h, &w, 0, &ws, PAGE_WRITECOPY), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, w + 0x2004, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, v);
	uint32_t other = 0x55;
	ck_assert_uint_eq(guest_write(p, w + 0x2004, &other, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, a + 0x2004, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, v);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, w), STATUS_SUCCESS);

	struct vm_basic_info m;
	query(a + 0x1000, &m);
	ck_assert_uint_eq(m.alloc_base, a);
	ck_assert_uint_eq(m.alloc_protect, PAGE_READWRITE);
	ck_assert_uint_eq(m.region_size, 0x2000);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.protect, PAGE_READWRITE);
	ck_assert_uint_eq(m.type, MEM_MAPPED);
	query(b, &m);
	ck_assert_uint_eq(m.protect, PAGE_READONLY);
	ck_assert_uint_eq(m.type, MEM_MAPPED);

	/* SECTION_BASIC_INFORMATION {BaseAddress, Attributes, Size}; no image information. */
	ck_assert_uint_eq(nt_query_section(&call, h, 0, BUF, 24, RET_P), STATUS_SUCCESS);
	uint64_t q[3];
	guest_read(p, BUF, q, sizeof q);
	ck_assert_uint_eq(q[0], 0);
	ck_assert_uint_eq((uint32_t)q[1], SEC_COMMIT);
	ck_assert_uint_eq(q[2], 0x2800);
	ck_assert_uint_eq(nt_query_section(&call, h, 0, BUF, 23, RET_P), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(nt_query_section(&call, h, 1, BUF, 0x40, RET_P), STATUS_SECTION_NOT_IMAGE);
	ck_assert_uint_eq(nt_query_section(&call, h, 7, BUF, 0x40, RET_P), STATUS_INVALID_INFO_CLASS);

	/* Views keep the section alive after its handle is closed; private-memory services do
	 * not apply to them. */
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
	guest_write_ptr(p, BASE_P, a);
	guest_write_ptr(p, SIZE_P, 0);
	ck_assert_uint_eq(nt_free_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, MEM_RELEASE),
			  STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, a + 0x1234), STATUS_SUCCESS);
	query(a, &m);
	ck_assert_uint_eq(m.state, MEM_FREE);
	ck_assert_uint_eq(guest_read(p, b + 0x2004, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, v);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, a), STATUS_NOT_MAPPED_VIEW);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, SCRATCH), STATUS_NOT_MAPPED_VIEW);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, b), STATUS_SUCCESS);
}
END_TEST

START_TEST(view_argument_checks)
{
	handle_t ro = create_anon(0x30000, PAGE_READONLY, 0, STATUS_SUCCESS);
	uint64_t a = 0, s = 0;
	ck_assert_uint_eq(map(ro, &a, 0, &s, PAGE_READWRITE), STATUS_SECTION_PROTECTION);
	ck_assert_uint_eq(map(ro, &a, 0, &s, PAGE_EXECUTE_READ), STATUS_SECTION_PROTECTION);
	ck_assert_uint_eq(map(ro, &a, 0x1000, &s, PAGE_READONLY), STATUS_MAPPED_ALIGNMENT);
	a = 0x20001000;
	ck_assert_uint_eq(map(ro, &a, 0, &s, PAGE_READONLY), STATUS_MAPPED_ALIGNMENT);
	a = 0;
	ck_assert_uint_eq(map(ro, &a, 0x30000, &s, PAGE_READONLY), STATUS_INVALID_PARAMETER);
	s = 0x30001;
	ck_assert_uint_eq(map(ro, &a, 0, &s, PAGE_READONLY), STATUS_INVALID_VIEW_SIZE);
	s = 0;
	ck_assert_uint_eq(map(ro, &a, 0, &s, 0x3), STATUS_INVALID_PAGE_PROTECTION);
	/* An offset view; a fixed address; the same address again. */
	ck_assert_uint_eq(map(ro, &a, 0x10000, &s, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(s, 0x20000);
	uint64_t f = 0x20000000, fs = 0x1000;
	ck_assert_uint_eq(map(ro, &f, 0, &fs, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(f, 0x20000000);
	ck_assert_uint_eq(fs, 0x1000);
	uint64_t g = 0x20000000, gs = 0;
	ck_assert_uint_eq(map(ro, &g, 0, &gs, PAGE_READONLY), STATUS_CONFLICTING_ADDRESSES);
	/* Handle checks: wrong type, bad handle, missing rights. */
	ck_assert_uint_eq(map(0x1234, &g, 0, &gs, PAGE_READONLY), STATUS_INVALID_HANDLE);
	handle_t weak;
	void *obj;
	ck_assert_uint_eq(handle_ref(&p->handles, ro, OBJ_SECTION, 0, &obj), STATUS_SUCCESS);
	ck_assert_uint_eq(handle_alloc(&p->handles, obj, SECTION_QUERY, 0, &weak), STATUS_SUCCESS);
	object_unref(obj);
	g = 0;
	ck_assert_uint_eq(map(weak, &g, 0, &gs, PAGE_READONLY), STATUS_ACCESS_DENIED);
	/* Creation checks. */
	create_anon(0, PAGE_READWRITE, SEC_COMMIT, STATUS_INVALID_PARAMETER);
	create_anon(0x1000, PAGE_NOACCESS, SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION);
	create_anon(0x1000, PAGE_READWRITE, SEC_COMMIT | SEC_RESERVE, STATUS_INVALID_PARAMETER);
	create_anon(0x1000, PAGE_READWRITE, SEC_IMAGE, STATUS_INVALID_FILE_FOR_SECTION);
	create_anon(0x1000, PAGE_READWRITE, 0x1, STATUS_INVALID_PARAMETER);
	/* A view cannot be given more than its section allows afterwards either. */
	uint32_t old;
	uint64_t pb = f, ps = 0x1000;
	ck_assert_uint_eq(vm_protect(p, &pb, &ps, PAGE_READWRITE, &old), STATUS_INVALID_PAGE_PROTECTION);
	ck_assert_uint_eq(vm_protect(p, &pb, &ps, PAGE_NOACCESS, &old), STATUS_SUCCESS);
	ck_assert_uint_eq(old, PAGE_READONLY);
}
END_TEST

START_TEST(sec_reserve_views_commit_on_demand)
{
	handle_t h = create_anon(0x20000, PAGE_READWRITE, SEC_RESERVE, STATUS_SUCCESS);
	uint64_t a = 0, s = 0, b = 0, bs = 0;
	ck_assert_uint_eq(map(h, &a, 0, &s, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(map(h, &b, 0x10000, &bs, PAGE_READONLY), STATUS_SUCCESS);
	struct vm_basic_info m;
	query(a, &m);
	ck_assert_uint_eq(m.state, MEM_RESERVE);
	ck_assert_uint_eq(m.region_size, 0x20000);
	ck_assert_uint_eq(m.type, MEM_MAPPED);
	/* Committing through one view commits the section's pages: the other view (mapped at
	 * offset 0x10000) has them too, with its own protection, and so has a later view. */
	uint64_t c = a + 0x11000, cs = 0x1000;
	ck_assert_uint_eq(vm_allocate(p, &c, &cs, MEM_COMMIT, PAGE_READWRITE, 0), STATUS_SUCCESS);
	query(a + 0x11000, &m);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.protect, PAGE_READWRITE);
	ck_assert_uint_eq(m.alloc_base, a);
	query(b, &m);
	ck_assert_uint_eq(m.state, MEM_RESERVE);
	ck_assert_uint_eq(m.region_size, 0x1000);
	query(b + 0x1000, &m);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.protect, PAGE_READONLY);
	ck_assert_uint_eq(m.region_size, 0x1000);
	uint32_t v = 0x600d, r = 0;
	ck_assert_uint_eq(guest_write(p, a + 0x11008, &v, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, b + 0x1008, &r, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(r, v);
	uint64_t d = 0, ds = 0;
	guest_write_ptr(p, BASE_P, 0);
	guest_write_ptr(p, SIZE_P, 0);
	uint64_t zero = 0;
	guest_write(p, OFF_P, &zero, 8);
	/* A later view with an initial commit of one page. */
	ck_assert_uint_eq(nt_map_view_of_section(&call, h, CURRENT_PROCESS, BASE_P, 0, 0x800, OFF_P, SIZE_P, 1, 0,
						 PAGE_READONLY), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &d);
	guest_read_ptr(p, SIZE_P, &ds);
	query(d, &m);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.region_size, 0x1000);
	query(d + 0x11000, &m);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.protect, PAGE_READONLY);
	/* ... whose initial commit reached the first two views as well. */
	query(a, &m);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(m.region_size, 0x1000);
	/* A pagefile-backed view cannot be decommitted like private memory. */
	uint64_t f = a, fs = 0x1000;
	ck_assert_uint_eq(vm_free(p, &f, &fs, MEM_DECOMMIT), STATUS_INVALID_PARAMETER);
}
END_TEST

/* The first DIR64 relocation of an image: its RVA. */
static uint32_t first_dir64(uint64_t view, const struct pe_image *pe)
{
	uint32_t rva = pe->dirs[PE_DIR_BASERELOC].rva, end = rva + pe->dirs[PE_DIR_BASERELOC].size;
	while (rva + 8 <= end) {
		uint32_t page, size;
		ck_assert(gmem_peek(p->mem, view + rva, &page, 4, NULL));
		ck_assert(gmem_peek(p->mem, view + rva + 4, &size, 4, NULL));
		ck_assert_uint_ge(size, 8);
		for (uint32_t o = 8; o + 2 <= size; o += 2) {
			uint16_t e;
			ck_assert(gmem_peek(p->mem, view + rva + o, &e, 2, NULL));
			if (e >> 12 == 10)
				return page + (e & 0xfff);
		}
		rva += size;
	}
	ck_abort_msg("no DIR64 relocation");
	return 0;
}

START_TEST(image_section_at_base_and_relocated)
{
	handle_t h = open_dll("kernel32.dll");
	/* SECTION_IMAGE_INFORMATION (x64 layout, 0x40 bytes). */
	ck_assert_uint_eq(nt_query_section(&call, h, 1, BUF, 0x3f, RET_P), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(nt_query_section(&call, h, 1, BUF, 0x40, RET_P), STATUS_SUCCESS);
	uint8_t ii[0x40];
	guest_read(p, BUF, ii, sizeof ii);
	uint64_t ret;
	guest_read_ptr(p, RET_P, &ret);
	ck_assert_uint_eq(ret, 0x40);
	struct ksection *s;
	ck_assert_uint_eq(handle_ref(&p->handles, h, OBJ_SECTION, 0, (void **)&s), STATUS_SUCCESS);
	struct pe_image pe = *s->pe;
	object_unref(s);
	uint64_t transfer;
	uint16_t machine;
	memcpy(&transfer, ii, 8);
	memcpy(&machine, ii + 0x30, 2);
	ck_assert_uint_eq(machine, 0x8664);
	ck_assert_uint_eq(ii[0x32], 1); /* ImageContainsCode */
	ck_assert_uint_eq(transfer, pe.image_base + pe.entry_rva);
	ck_assert_uint_ne(pe.entry_rva, 0);
	ck_assert_uint_eq(pe.image_base, 0x7b600000);
	/* Basic information of an image section. */
	ck_assert_uint_eq(nt_query_section(&call, h, 0, BUF, 24, RET_P), STATUS_SUCCESS);
	uint64_t q[3];
	guest_read(p, BUF, q, sizeof q);
	ck_assert_uint_eq((uint32_t)q[1], SEC_IMAGE | SEC_FILE);
	ck_assert_uint_eq(q[2], pe.mapped_size);

	uint64_t a = 0, as = 0;
	ck_assert_uint_eq(map(h, &a, 0, &as, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	ck_assert_uint_eq(a, 0x7b600000);
	ck_assert_uint_eq(as, pe.mapped_size);
	struct vm_basic_info m;
	query(a, &m);
	ck_assert_uint_eq(m.alloc_base, a);
	ck_assert_uint_eq(m.alloc_protect, PAGE_EXECUTE_WRITECOPY);
	ck_assert_uint_eq(m.protect, PAGE_READONLY);
	ck_assert_uint_eq(m.type, MEM_IMAGE);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	/* Each section with its own protection; the entry point's is executable. */
	query(transfer, &m);
	ck_assert_uint_eq(m.protect, PAGE_EXECUTE_READ);
	ck_assert_uint_eq(m.alloc_base, a);
	uint8_t mz[2];
	ck_assert_uint_eq(guest_read(p, a, mz, 2), STATUS_SUCCESS);
	ck_assert_mem_eq(mz, "MZ", 2);

	/* MemoryMappedFilenameInformation: the file's NT name in a MEMORY_SECTION_NAME. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, transfer, 2, BUF, 0x200, RET_P),
			  STATUS_SUCCESS);
	const char *want = "\\??\\C:\\windows\\system32\\kernel32.dll";
	uint16_t len;
	guest_read(p, BUF, &len, 2);
	ck_assert_uint_eq(len, 2 * strlen(want));
	uint16_t name[64];
	guest_read(p, BUF + 16, name, len);
	for (size_t i = 0; i < strlen(want); i++)
		ck_assert_uint_eq(name[i], (uint8_t)want[i]);
	/* Too small for the name, too small for the header: the needed size either way (header,
	 * characters and NUL: 90 bytes, as Wine 8 reports for this name). */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, transfer, 2, BUF, 20, RET_P),
			  STATUS_BUFFER_OVERFLOW);
	guest_read_ptr(p, RET_P, &ret);
	ck_assert_uint_eq(ret, 16 + 2 * strlen(want) + 2);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, transfer, 2, BUF, 8, RET_P),
			  STATUS_INFO_LENGTH_MISMATCH);
	guest_read_ptr(p, RET_P, &ret);
	ck_assert_uint_eq(ret, 90);

	/* MemoryImageInformation: the image view holding the address. */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, transfer, 6, BUF, 24, RET_P), STATUS_SUCCESS);
	guest_read(p, BUF, q, sizeof q);
	ck_assert_uint_eq(q[0], a);
	ck_assert_uint_eq(q[1], pe.mapped_size);
	ck_assert_uint_eq((uint32_t)q[2], 12u << 2);

	/* The base is taken: mapped elsewhere, relocated by the delta, header ImageBase updated. */
	uint64_t b = 0, bs = 0;
	ck_assert_uint_eq(map(h, &b, 0, &bs, PAGE_EXECUTE_READ), STATUS_IMAGE_NOT_AT_BASE);
	ck_assert_uint_ne(b, a);
	ck_assert_uint_eq(b & 0xffff, 0);
	query(b + (transfer - a), &m);
	ck_assert_uint_eq(m.protect, PAGE_EXECUTE_READ);
	ck_assert_uint_eq(m.type, MEM_IMAGE);
	ck_assert_uint_eq(m.alloc_base, b);
	uint32_t rva = first_dir64(a, &pe);
	uint64_t va, vb;
	ck_assert(gmem_peek(p->mem, a + rva, &va, 8, NULL));
	ck_assert(gmem_peek(p->mem, b + rva, &vb, 8, NULL));
	ck_assert_uint_eq(vb - va, b - a);
	uint64_t hdr_base;
	ck_assert(gmem_peek(p->mem, b + pe.nt_offset + 24 + 24, &hdr_base, 8, NULL));
	ck_assert_uint_eq(hdr_base, b);
	ck_assert(gmem_peek(p->mem, a + pe.nt_offset + 24 + 24, &hdr_base, 8, NULL));
	ck_assert_uint_eq(hdr_base, a);
	/* Write-copy pages of a view are private to it. */
	uint32_t old;
	uint64_t pb = b + rva, ps = 8;
	ck_assert_uint_eq(vm_protect(p, &pb, &ps, PAGE_READWRITE, &old), STATUS_SUCCESS);
	query(b + rva, &m);
	ck_assert_uint_eq(m.protect, PAGE_WRITECOPY);
	uint64_t zero = 0;
	ck_assert_uint_eq(guest_write(p, b + rva, &zero, 8), STATUS_SUCCESS);
	ck_assert(gmem_peek(p->mem, a + rva, &va, 8, NULL));
	ck_assert_uint_ne(va, 0);
	/* Once written, the page is the view's own: read-write, its neighbours still write-copy. */
	query(b + rva, &m);
	ck_assert_uint_eq(m.protect, PAGE_READWRITE);
	ck_assert_uint_eq(m.region_size, 0x1000);
	/* Same for a section's own write-copy pages (.data), also after a flush of the range. */
	const struct pe_section *data = NULL;
	for (unsigned i = 0; i < pe.num_sections; i++)
		if (pe_section_protection(pe.sections[i].characteristics) == PAGE_WRITECOPY)
			data = &pe.sections[i];
	ck_assert_ptr_nonnull(data);
	query(a + data->va, &m);
	ck_assert_uint_eq(m.protect, PAGE_WRITECOPY);
	ck_assert_uint_eq(nt_flush_instruction_cache(&call, CURRENT_PROCESS, a + data->va, 0x1000), STATUS_SUCCESS);
	query(a + data->va, &m);
	ck_assert_uint_eq(m.protect, PAGE_WRITECOPY);
	uint8_t byte;
	ck_assert_uint_eq(guest_read(p, a + data->va, &byte, 1), STATUS_SUCCESS);
	query(a + data->va, &m);
	ck_assert_uint_eq(m.protect, PAGE_WRITECOPY);
	ck_assert_uint_eq(guest_write(p, a + data->va, &byte, 1), STATUS_SUCCESS);
	query(a + data->va, &m);
	ck_assert_uint_eq(m.protect, PAGE_READWRITE);
	ck_assert_uint_eq(m.region_size, 0x1000);
	query(a + data->va + 0x1000, &m);
	ck_assert_uint_eq(m.protect, PAGE_WRITECOPY);
	ck_assert_uint_eq(m.alloc_protect, PAGE_EXECUTE_WRITECOPY);
	/* Committed already, not releasable as private memory. */
	uint64_t cb = a, cs = 0x1000;
	ck_assert_uint_eq(vm_allocate(p, &cb, &cs, MEM_COMMIT, PAGE_READWRITE, 0), STATUS_ALREADY_COMMITTED);

	ck_assert_uint_eq(nt_are_mapped_files_the_same(&call, a, b + 0x1000), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_are_mapped_files_the_same(&call, a, SCRATCH), STATUS_CONFLICTING_ADDRESSES);
	ck_assert_uint_eq(nt_are_mapped_files_the_same(&call, a, 0x20000000), STATUS_INVALID_ADDRESS);

	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, b), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unmap_view_of_section_ex(&call, CURRENT_PROCESS, a, 0), STATUS_SUCCESS);
	query(a, &m);
	ck_assert_uint_eq(m.state, MEM_FREE);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
}
END_TEST

START_TEST(bootstrap_maps_images_at_their_base)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/system32/ntdll.dll", kfx_sysroot());
	uint64_t base = 0;
	struct pe_image pe;
	ck_assert_uint_eq(vm_map_image(p, path, "\\??\\C:\\windows\\system32\\ntdll.dll", &base, &pe),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(base, 0x170000000);
	ck_assert_uint_eq(pe.image_base, base);
	/* LdrInitializeThunk's query: AllocationBase is the module. */
	struct vm_basic_info m;
	query(base + 0x34d90, &m);
	ck_assert_uint_eq(m.alloc_base, base);
	ck_assert_uint_eq(m.type, MEM_IMAGE);
	ck_assert_uint_eq(m.protect, PAGE_EXECUTE_READ);
	uint64_t again = 0;
	ck_assert_uint_eq(vm_map_image(p, path, NULL, &again, NULL), STATUS_CONFLICTING_ADDRESSES);
	ck_assert_uint_eq(vm_map_image(p, "/nonexistent.dll", NULL, &again, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(vm_view_at(p, base + 0x1000, &again)->pe->image_base, base);
	ck_assert_uint_eq(again, base);
}
END_TEST

START_TEST(nls_tables_mapped_once)
{
	uint64_t b1, s1, b2, s2;
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 10, 0, 0, BASE_P, SIZE_P), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &b1);
	guest_read_ptr(p, SIZE_P, &s1);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 10, 0, 0, BASE_P, SIZE_P), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &b2);
	guest_read_ptr(p, SIZE_P, &s2);
	ck_assert_uint_eq(b1, b2);
	ck_assert_uint_eq(s1, s2);
	ck_assert_uint_eq(s1, 0x2000); /* l_intl.nls is 5546 bytes */

	char path[4096];
	snprintf(path, sizeof path, "%s/nls/l_intl.nls", kfx_sysroot());
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t file[64], view[64];
	ck_assert_uint_eq(fread(file, 1, sizeof file, f), sizeof file);
	fclose(f);
	ck_assert_uint_eq(guest_read(p, b1, view, sizeof view), STATUS_SUCCESS);
	ck_assert_mem_eq(file, view, sizeof file);
	ck_assert_uint_eq(guest_write(p, b1, view, 1), STATUS_ACCESS_VIOLATION);
	struct vm_basic_info m;
	query(b1, &m);
	ck_assert_uint_eq(m.type, MEM_MAPPED);
	ck_assert_uint_eq(m.protect, PAGE_READONLY);
	ck_assert_uint_eq(m.alloc_base, b1);

	/* Code page 1252, twice: one view. */
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 11, 1252, 0, BASE_P, SIZE_P), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &b2);
	ck_assert_uint_ne(b2, b1);
	uint16_t cp;
	guest_read(p, b2 + 2, &cp, 2); /* CPTABLEINFO header: CodePage */
	ck_assert_uint_eq(cp, 1252);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 11, 1252, 0, BASE_P, SIZE_P), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &s2);
	ck_assert_uint_eq(s2, b2);

	/* Unmapped by the guest: mapped afresh on the next request. */
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, b2), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 11, 1252, 0, BASE_P, SIZE_P), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &s2);
	query(s2, &m);
	ck_assert_uint_eq(m.type, MEM_MAPPED);
	ck_assert_uint_eq(m.alloc_base, s2);

	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 12, 1 /* NormalizationC */, 0, BASE_P, SIZE_P),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 12, 3, 0, BASE_P, SIZE_P), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 8, 0, 0, BASE_P, SIZE_P), STATUS_INVALID_PARAMETER_1);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 11, 9999, 0, BASE_P, SIZE_P),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_get_nls_section_ptr(&call, 9, 0, 0, BASE_P, SIZE_P), STATUS_SUCCESS);

	uint64_t zero = 0;
	guest_write(p, RET_P, &zero, 8);
	ck_assert_uint_eq(nt_initialize_nls_files(&call, BASE_P, LCID_P, RET_P), STATUS_SUCCESS);
	uint32_t lcid;
	uint64_t lb, ls;
	guest_read(p, LCID_P, &lcid, 4);
	guest_read_ptr(p, BASE_P, &lb);
	guest_read(p, RET_P, &ls, 8);
	ck_assert_uint_eq(lcid, 0x409);
	query(lb, &m);
	ck_assert_uint_eq(m.type, MEM_MAPPED);
	ck_assert_uint_eq(ls, 0xac000); /* locale.nls: 701422 bytes, page-rounded */
	ck_assert_uint_eq(nt_query_default_locale(&call, 1, LCID_P), STATUS_SUCCESS);
	guest_read(p, LCID_P, &lcid, 4);
	ck_assert_uint_eq(lcid, 0x409);
	uint32_t lang = 0xffffffff;
	guest_write(p, LCID_P, &lang, 4);
	ck_assert_uint_eq(nt_query_default_ui_language(&call, LCID_P), STATUS_SUCCESS);
	guest_read(p, LCID_P, &lang, 4);
	ck_assert_uint_eq(lang, 0xffff0409); /* LANGID: two bytes */
	ck_assert_uint_eq(nt_query_install_ui_language(&call, LCID_P), STATUS_SUCCESS);
}
END_TEST

START_TEST(file_sections_ex_services_and_extend)
{
	/* A data section over file bytes: contents copied, name recorded, already committed. */
	uint8_t data[0x1800];
	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	struct ksection *s1, *s2;
	ck_assert_uint_eq(section_create_from_buffer(data, sizeof data, 0, PAGE_READWRITE, 0,
						     "\\??\\C:\\data.bin", &s1), STATUS_SUCCESS);
	ck_assert_uint_eq(section_create_from_buffer(data, sizeof data, 0, PAGE_READONLY, 0,
						     "\\??\\C:\\data.bin", &s2), STATUS_SUCCESS);
	ck_assert_uint_eq(section_create_from_buffer(data, 0, 0, PAGE_READONLY, 0, NULL, &s2),
			  STATUS_MAPPED_FILE_SIZE_ZERO);
	ck_assert_uint_eq(s1->attributes, SEC_COMMIT | SEC_FILE);
	handle_t h1, h2;
	ck_assert_uint_eq(handle_alloc(&p->handles, s1, SECTION_ALL_ACCESS, 0, &h1), STATUS_SUCCESS);
	ck_assert_uint_eq(handle_alloc(&p->handles, s2, SECTION_ALL_ACCESS, 0, &h2), STATUS_SUCCESS);
	object_unref(s1);
	object_unref(s2);

	/* NtMapViewOfSectionEx without extended parameters is NtMapViewOfSection. */
	uint64_t a = 0, as = 0, b = 0, bs = 0;
	guest_write_ptr(p, BASE_P, 0);
	guest_write_ptr(p, SIZE_P, 0);
	ck_assert_uint_eq(nt_map_view_of_section_ex(&call, h1, CURRENT_PROCESS, BASE_P, 0, SIZE_P, 0,
						    PAGE_READWRITE, 0, 0), STATUS_SUCCESS);
	guest_read_ptr(p, BASE_P, &a);
	guest_read_ptr(p, SIZE_P, &as);
	ck_assert_uint_eq(as, 0x2000);
	ck_assert_uint_eq(nt_map_view_of_section_ex(&call, h1, CURRENT_PROCESS, BASE_P, 0, SIZE_P, 0,
						    PAGE_READWRITE, BUF, 1), STATUS_NOT_SUPPORTED);
	ck_assert_uint_eq(nt_map_view_of_section_ex(&call, h1, CURRENT_PROCESS, BASE_P, 0, SIZE_P, 0,
						    PAGE_READWRITE, 0, 1), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(map(h2, &b, 0, &bs, PAGE_READONLY), STATUS_SUCCESS);
	uint8_t back[16];
	ck_assert_uint_eq(guest_read(p, a + 0x1000, back, sizeof back), STATUS_SUCCESS);
	ck_assert_mem_eq(back, data + 0x1000, sizeof back);
	uint32_t zero = 0, tail = 1;
	ck_assert_uint_eq(guest_read(p, a + 0x1ffc, &tail, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(tail, zero);
	uint64_t cb = a, cs = 0x1000;
	ck_assert_uint_eq(vm_allocate(p, &cb, &cs, MEM_COMMIT, PAGE_READWRITE, 0), STATUS_ALREADY_COMMITTED);
	/* Two sections over one file name the same file; different files do not. */
	ck_assert_uint_eq(nt_are_mapped_files_the_same(&call, a, b), STATUS_SUCCESS);
	handle_t h3 = create_anon(0x1000, PAGE_READWRITE, SEC_COMMIT, STATUS_SUCCESS);
	uint64_t c = 0, csz = 0;
	ck_assert_uint_eq(map(h3, &c, 0, &csz, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_are_mapped_files_the_same(&call, a, c), STATUS_NOT_SAME_DEVICE);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, b + 4, 2, BUF, 0x100, RET_P),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, c, 2, BUF, 0x100, RET_P),
			  STATUS_INVALID_ADDRESS);

	/* NtExtendSection: only sections over a file they can write to grow. */
	uint64_t size = 0x1c00;
	guest_write(p, SIZE_P, &size, 8);
	ck_assert_uint_eq(nt_extend_section(&call, h3, SIZE_P), STATUS_SECTION_NOT_EXTENDED);
	ck_assert_uint_eq(nt_extend_section(&call, h1, SIZE_P), STATUS_SECTION_NOT_EXTENDED);

	/* NtAllocateVirtualMemoryEx without extended parameters is NtAllocateVirtualMemory. */
	guest_write_ptr(p, BASE_P, 0);
	guest_write_ptr(p, SIZE_P, 0x1000);
	ck_assert_uint_eq(nt_allocate_virtual_memory_ex(&call, CURRENT_PROCESS, BASE_P, SIZE_P,
							MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0, 0),
			  STATUS_SUCCESS);
	uint64_t got;
	guest_read_ptr(p, BASE_P, &got);
	struct vm_basic_info m;
	query(got, &m);
	ck_assert_uint_eq(m.type, MEM_PRIVATE);
	ck_assert_uint_eq(m.state, MEM_COMMIT);
	ck_assert_uint_eq(nt_allocate_virtual_memory_ex(&call, CURRENT_PROCESS, BASE_P, SIZE_P,
							MEM_RESERVE, PAGE_READWRITE, 0, 2),
			  STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(sections_over_opened_files)
{
	/* The loader's way: open the DLL, SEC_IMAGE section, close the file, map. */
	handle_t file, sec;
	ck_assert_uint_eq(open_file("\\??\\C:\\windows\\system32\\kernelbase.dll", GENERIC_READ | SYNCHRONIZE, &file),
			  STATUS_SUCCESS);
	uint64_t zero = 0;
	guest_write(p, SIZE_P, &zero, 8);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_EXECUTE_READ, SEC_IMAGE, file),
			  STATUS_SUCCESS);
	guest_read_ptr(p, H_P, &sec);
	ck_assert_uint_eq(nt_close(&call, file), STATUS_SUCCESS);
	uint64_t a = 0, as = 0;
	ck_assert_uint_eq(map(sec, &a, 0, &as, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	ck_assert_uint_eq(a, 0x7b000000); /* kernelbase's preferred base */
	ck_assert_uint_eq(nt_query_virtual_memory(&call, CURRENT_PROCESS, a, 2, BUF, 0x200, RET_P), STATUS_SUCCESS);
	const char *want = "\\??\\C:\\windows\\system32\\kernelbase.dll";
	uint16_t len, name[64];
	guest_read(p, BUF, &len, 2);
	ck_assert_uint_eq(len, 2 * strlen(want));
	guest_read(p, BUF + 16, name, len);
	for (size_t i = 0; i < strlen(want); i++)
		ck_assert_uint_eq(name[i], (uint8_t)want[i]);

	/* A data file: its bytes, read-only; more than the file or write access needs a
	 * writable handle; not an image. */
	char path[128];
	snprintf(path, sizeof path, "%s/data.txt", root);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("section bytes", f);
	fclose(f);
	ck_assert_uint_eq(open_file("\\??\\C:\\data.txt", GENERIC_READ | SYNCHRONIZE, &file), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_READWRITE, SEC_COMMIT, file),
			  STATUS_ACCESS_DENIED);
	uint64_t big = 0x10000;
	guest_write(p, SIZE_P, &big, 8);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, SIZE_P, PAGE_READONLY, SEC_COMMIT, file),
			  STATUS_SECTION_TOO_BIG);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_READONLY, SEC_IMAGE, file),
			  STATUS_INVALID_IMAGE_NOT_MZ);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_READONLY, SEC_COMMIT, file),
			  STATUS_SUCCESS);
	guest_read_ptr(p, H_P, &sec);
	ck_assert_uint_eq(nt_query_section(&call, sec, 0, BUF, 24, RET_P), STATUS_SUCCESS);
	uint64_t q[3];
	guest_read(p, BUF, q, sizeof q);
	ck_assert_uint_eq((uint32_t)q[1], SEC_COMMIT | SEC_FILE);
	ck_assert_uint_eq(q[2], strlen("section bytes"));
	uint64_t b = 0, bs = 0;
	ck_assert_uint_eq(map(sec, &b, 0, &bs, PAGE_READONLY), STATUS_SUCCESS);
	char text[16] = {0};
	ck_assert_uint_eq(guest_read(p, b, text, 13), STATUS_SUCCESS);
	ck_assert_str_eq(text, "section bytes");
	ck_assert_uint_eq(nt_close(&call, file), STATUS_SUCCESS);

	/* A writable file section writes its bytes back: on NtFlushVirtualMemory, and when the
	 * last view and handle are gone. */
	ck_assert_uint_eq(open_file("\\??\\C:\\data.txt", GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &file),
			  STATUS_SUCCESS);
	handle_t rw;
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_READWRITE, SEC_COMMIT, file),
			  STATUS_SUCCESS);
	guest_read_ptr(p, H_P, &rw);
	uint64_t w = 0, ws = 0;
	ck_assert_uint_eq(map(rw, &w, 0, &ws, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_write(p, w, "SECTION", 7), STATUS_SUCCESS);
	guest_write_ptr(p, BASE_P, w + 0x10);
	guest_write_ptr(p, SIZE_P, 0);
	ck_assert_uint_eq(nt_flush_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, IOSB_P), STATUS_SUCCESS);
	uint64_t fb, fs;
	guest_read_ptr(p, BASE_P, &fb);
	guest_read_ptr(p, SIZE_P, &fs);
	ck_assert_uint_eq(fb, w);
	ck_assert_uint_eq(fs, 0x1000);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	memset(text, 0, sizeof text);
	ck_assert_uint_eq(fread(text, 1, sizeof text - 1, f), 13);
	fclose(f);
	ck_assert_str_eq(text, "SECTION bytes");
	ck_assert_uint_eq(guest_write(p, w, "xx", 2), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, w), STATUS_SUCCESS);
	/* NtExtendSection: the section grows (a smaller size reports the current one, the host
	 * block reserved at creation bounds it), later views see the new size, the file grows
	 * when the bytes go back. */
	uint64_t ext = 0x20000;
	guest_write(p, SIZE_P, &ext, 8);
	ck_assert_uint_eq(nt_extend_section(&call, rw, SIZE_P), STATUS_SUCCESS);
	ext = 0x100;
	guest_write(p, SIZE_P, &ext, 8);
	ck_assert_uint_eq(nt_extend_section(&call, rw, SIZE_P), STATUS_SUCCESS);
	guest_read(p, SIZE_P, &ext, 8);
	ck_assert_uint_eq(ext, 0x20000);
	ext = 0x40000000;
	guest_write(p, SIZE_P, &ext, 8);
	ck_assert_uint_eq(nt_extend_section(&call, rw, SIZE_P), STATUS_SECTION_TOO_BIG);
	w = 0, ws = 0;
	ck_assert_uint_eq(map(rw, &w, 0, &ws, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(ws, 0x20000);
	ck_assert_uint_eq(guest_write(p, w + 0x1ff00, "end", 3), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, w), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, rw), STATUS_SUCCESS);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	memset(text, 0, sizeof text);
	ck_assert_uint_eq(fread(text, 1, sizeof text - 1, f), sizeof text - 1);
	ck_assert_mem_eq(text, "xxCTION bytes", 13);
	ck_assert_int_eq(fseek(f, 0x1ff00, SEEK_SET), 0);
	ck_assert_uint_eq(fread(text, 1, 3, f), 3);
	ck_assert_mem_eq(text, "end", 3);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_eq(ftell(f), 0x20000);
	fclose(f);
	/* Free memory has nothing to flush. */
	guest_write_ptr(p, BASE_P, 0x20000000);
	ck_assert_uint_eq(nt_flush_virtual_memory(&call, CURRENT_PROCESS, BASE_P, SIZE_P, IOSB_P),
			  STATUS_INVALID_PARAMETER);

	/* Only a file handle will do. */
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, 0, 0, PAGE_READONLY, SEC_COMMIT, sec),
			  STATUS_OBJECT_TYPE_MISMATCH);
}
END_TEST

START_TEST(named_sections)
{
	/* CreateFileMapping's way: a named pagefile section, opened by name elsewhere. */
	const char *name = "\\BaseNamedObjects\\ntemu-test-mapping";
	uint64_t size = 0x2000;
	guest_write(p, SIZE_P, &size, 8);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, objattr(name, OBJ_OPENIF), SIZE_P,
					    PAGE_READWRITE, SEC_COMMIT, 0), STATUS_SUCCESS);
	handle_t h1, h2, h3;
	guest_read_ptr(p, H_P, &h1);
	ck_assert_uint_eq(nt_open_section(&call, H_P, SECTION_MAP_READ | SECTION_QUERY, objattr(name, 0)),
			  STATUS_SUCCESS);
	guest_read_ptr(p, H_P, &h2);
	ck_assert_uint_ne(h1, h2);
	uint64_t a = 0, as = 0, b = 0, bs = 0;
	ck_assert_uint_eq(map(h1, &a, 0, &as, PAGE_READWRITE), STATUS_SUCCESS);
	ck_assert_uint_eq(map(h2, &b, 0, &bs, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_write(p, a + 0x1234, "shared", 6), STATUS_SUCCESS);
	char text[8] = {0};
	ck_assert_uint_eq(guest_read(p, b + 0x1234, text, 6), STATUS_SUCCESS);
	ck_assert_str_eq(text, "shared");
	/* The open handle has only the rights asked for. */
	uint64_t c = 0, cs = 0;
	ck_assert_uint_eq(map(h2, &c, 0, &cs, PAGE_READWRITE), STATUS_ACCESS_DENIED);
	/* The same name again: the existing section with OBJ_OPENIF, a collision without. */
	guest_write(p, SIZE_P, &size, 8);
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, objattr(name, OBJ_OPENIF), SIZE_P,
					    PAGE_READWRITE, SEC_COMMIT, 0), STATUS_OBJECT_NAME_EXISTS);
	guest_read_ptr(p, H_P, &h3);
	ck_assert_uint_eq(map(h3, &c, 0, &cs, PAGE_READONLY), STATUS_SUCCESS);
	ck_assert_uint_eq(guest_read(p, c + 0x1234, text, 6), STATUS_SUCCESS);
	ck_assert_str_eq(text, "shared");
	ck_assert_uint_eq(nt_create_section(&call, H_P, SECTION_ALL_ACCESS, objattr(name, 0), SIZE_P,
					    PAGE_READWRITE, SEC_COMMIT, 0), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(nt_open_section(&call, H_P, SECTION_QUERY, objattr("\\BaseNamedObjects\\nope", 0)),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	/* Gone from the namespace once nothing uses it. FIXME: NT drops the name with the last
	 * handle even while views remain; the namespace counts references, views included. */
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, a), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, b), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_unmap_view_of_section(&call, CURRENT_PROCESS, c), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, h1), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, h2), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_close(&call, h3), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_open_section(&call, H_P, SECTION_QUERY, objattr(name, 0)), STATUS_OBJECT_NAME_NOT_FOUND);
}
END_TEST

START_TEST(image_info_32bit_layout)
{
	handle_t h = open_dll("kernel32.dll");
	/* SECTION_IMAGE_INFORMATION for a 32-bit caller is 0x30 bytes; Machine at 0x20. */
	ck_assert_uint_eq(nt_query_section(&call, h, 1, BUF, 0x30, RET_P), STATUS_SUCCESS);
	uint8_t ii[0x30];
	guest_read(p, BUF, ii, sizeof ii);
	uint16_t machine;
	uint32_t transfer;
	memcpy(&machine, ii + 0x20, 2);
	memcpy(&transfer, ii, 4);
	ck_assert_uint_eq(machine, 0x14c);
	ck_assert_uint_eq(ii[0x22], 1);
	uint32_t ret;
	guest_read(p, RET_P, &ret, 4);
	ck_assert_uint_eq(ret, 0x30);
	/* SECTION_BASIC_INFORMATION: 16 bytes. */
	ck_assert_uint_eq(nt_query_section(&call, h, 0, BUF, 16, RET_P), STATUS_SUCCESS);
	/* Mapped at its preferred base, then relocated below 2 GiB with 32-bit (HIGHLOW) fixups. */
	uint64_t a = 0, as = 0, b = 0, bs = 0;
	ck_assert_uint_eq(map(h, &a, 0, &as, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	ck_assert_uint_eq(a & 0xffff, 0);
	ck_assert_uint_ge(transfer, a);
	ck_assert_uint_lt(transfer, a + as);
	ck_assert_uint_eq(map(h, &b, 0, &bs, PAGE_EXECUTE_READ), STATUS_IMAGE_NOT_AT_BASE);
	ck_assert_uint_lt(b + bs, 0x7fff0000 + 1);
	struct vm_basic_info m;
	query(b + (transfer - a), &m);
	ck_assert_uint_eq(m.protect, PAGE_EXECUTE_READ);
	ck_assert_uint_eq(m.alloc_base, b);
}
END_TEST

/* Mapping win32u.dll teaches the dispatcher the win32k services (table 1) its stubs name,
 * which are then called by name; mapping another DLL or a second view changes nothing. */
START_TEST(win32u_image_binds_table_1)
{
	struct kfx_image *f = kfx_image_load("system32/win32u.dll");
	struct syscall_table expect = {0};
	struct pe_error err;
	ck_assert_msg(syscall_scan(f->data, &f->pe, &expect, &err), "%s", err.msg);
	ck_assert_uint_gt(expect.count, 200);
	uint32_t id = kfx_service_id(&expect, "NtUserGetSystemDpiForProcess");
	ck_assert_uint_eq(id >> 12, 1);

	uint64_t a = 0, as = 0;
	ck_assert_uint_eq(map(open_dll("gdi32.dll"), &a, 0, &as, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	ck_assert_ptr_null(dispatch_lookup(&p->syscalls, id));
	ck_assert_ptr_null(p->service_tables[1]);

	a = as = 0;
	ntstatus_t st = map(open_dll("win32u.dll"), &a, 0, &as, PAGE_EXECUTE_READ);
	ck_assert(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE);
	ck_assert_ptr_nonnull(p->service_tables[1]);
	ck_assert_uint_eq(p->service_tables[1]->count, expect.count);
	for (size_t i = 0; i < expect.count; i++) {
		struct dispatch_entry *d = dispatch_lookup(&p->syscalls, expect.v[i].id);
		ck_assert_msg(d && !strcmp(d->name, expect.v[i].name), "%s (0x%x) not bound",
			      expect.v[i].name, expect.v[i].id);
	}
	/* The bind leaves table 0 (ntdll's, not loaded in a bare process) alone. */
	ck_assert_ptr_null(dispatch_lookup(&p->syscalls, 0));

	const struct syscall_table *bound = p->service_tables[1];
	a = as = 0;
	st = map(open_dll("win32u.dll"), &a, 0, &as, PAGE_EXECUTE_READ);
	ck_assert(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE);
	ck_assert_ptr_eq(p->service_tables[1], bound);
	syscall_table_free(&expect);
	kfx_image_free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("section");
	ADD_TCASE(s, "x64", setup64, teardown, pagefile_section_shared_by_two_views,
		  view_argument_checks, sec_reserve_views_commit_on_demand,
		  image_section_at_base_and_relocated, bootstrap_maps_images_at_their_base,
		  nls_tables_mapped_once, file_sections_ex_services_and_extend, sections_over_opened_files,
		  named_sections, win32u_image_binds_table_1);
	ADD_TCASE(s, "x86", setup32, teardown, image_info_32bit_layout);
	return run_suite(s);
}
