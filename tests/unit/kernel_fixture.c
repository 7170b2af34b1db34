#include "kernel_fixture.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/unicode.h"
#include "kernel/vm.h"

const char *kfx_sysroot(void)
{
	const char *s = getenv("NTEMU_SYSROOT");
	return s && *s ? s : "build/sysroot";
}

const char *kfx_sysroot_abs(void)
{
	static char abs[PATH_MAX];
	ck_assert_msg(realpath(kfx_sysroot(), abs), "system image missing: run `make sysroot`");
	return abs;
}

struct kfx_image *kfx_image_load(const char *rel)
{
	struct kfx_image *f = calloc(1, sizeof *f);
	struct pe_error err;
	ck_assert_ptr_nonnull(f);
	snprintf(f->path, sizeof f->path, "%s/%s", kfx_sysroot(), rel);
	ck_assert_msg(pe_read_file(f->path, &f->data, &f->size, &err),
		      "system image not available: %s (run `make sysroot` or set NTEMU_SYSROOT)", err.msg);
	ck_assert_msg(pe_parse(f->data, f->size, &f->pe, &err), "%s: %s", f->path, err.msg);
	return f;
}

void kfx_image_free(struct kfx_image *f)
{
	free(f->data);
	free(f);
}

void kfx_services_load(struct kfx_services *s, const char *dir)
{
	char rel[64];
	struct pe_error err;
	snprintf(rel, sizeof rel, "%s/ntdll.dll", dir);
	s->ntdll = kfx_image_load(rel);
	ck_assert_msg(syscall_scan(s->ntdll->data, &s->ntdll->pe, &s->table, &err), "%s", err.msg);
}

void kfx_services_free(struct kfx_services *s)
{
	syscall_table_free(&s->table);
	kfx_image_free(s->ntdll);
}

uint32_t kfx_service_id(const struct syscall_table *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++)
		if (!strcmp(t->v[i].name, name))
			return t->v[i].id;
	ck_abort_msg("%s not found by the stub scan", name);
	return 0;
}

struct kprocess *kfx_process(const struct kconfig *cfg, unsigned ptr_size, gptr_t scratch,
			     uint64_t size)
{
	struct kprocess *p = kprocess_create(cfg, ptr_size);
	ck_assert_ptr_nonnull(p);
	if (size) {
		uint64_t base = scratch;
		ck_assert_uint_eq(vm_allocate(p, &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0),
				  STATUS_SUCCESS);
	}
	return p;
}

struct kprocess *kfx_drive_process(struct kconfig *cfg, char root[KFX_DIR_MAX], const char *what,
				   unsigned ptr_size, gptr_t scratch, uint64_t size)
{
	ck_assert_int_lt(snprintf(root, KFX_DIR_MAX, "/tmp/ntemu-test-%s-XXXXXX", what), KFX_DIR_MAX);
	ck_assert_ptr_nonnull(mkdtemp(root));
	*cfg = (struct kconfig){.root = root, .sysroot = kfx_sysroot_abs()};
	return kfx_process(cfg, ptr_size, scratch, size);
}

void kfx_drive_process_destroy(struct kprocess *p, const char *root)
{
	kprocess_destroy(p);
	char cmd[KFX_DIR_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

gptr_t kfx_ustr(struct kprocess *p, gptr_t at, gptr_t chars, const char *s)
{
	size_t len;
	uint16_t *w = utf8_to_utf16_dup(s, &len);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(guest_write(p, chars, w, len * 2), STATUS_SUCCESS);
	free(w);
	/* Length, MaximumLength, then Buffer aligned to the pointer width (padding zeroed). */
	uint8_t raw[16] = {0};
	uint16_t bytes = (uint16_t)(len * 2);
	memcpy(raw, &bytes, 2);
	memcpy(raw + 2, &bytes, 2);
	memcpy(raw + p->ptr_size, &chars, p->ptr_size);
	ck_assert_uint_eq(guest_write(p, at, raw, ustr_size(p)), STATUS_SUCCESS);
	return at;
}

gptr_t kfx_objattr(struct kprocess *p, gptr_t at, handle_t root, gptr_t name, uint32_t attributes)
{
	/* Length, RootDirectory, ObjectName, Attributes, SecurityDescriptor,
	 * SecurityQualityOfService: each field pointer-aligned, 0x30 or 0x18 bytes in all
	 * (little-endian: the low `w` bytes of a 64-bit value are the guest's pointer). */
	unsigned w = p->ptr_size;
	uint8_t raw[0x30] = {0};
	uint32_t length = 6 * w;
	memcpy(raw, &length, 4);
	memcpy(raw + w, &root, w);
	memcpy(raw + 2 * w, &name, w);
	memcpy(raw + 3 * w, &attributes, 4);
	ck_assert_uint_eq(guest_write(p, at, raw, length), STATUS_SUCCESS);
	return at;
}

uint32_t kfx_rd32(struct kprocess *p, gptr_t a)
{
	uint32_t v = 0;
	guest_read(p, a, &v, 4);
	return v;
}

uint64_t kfx_rd64(struct kprocess *p, gptr_t a)
{
	uint64_t v = 0;
	guest_read(p, a, &v, 8);
	return v;
}

uint64_t kfx_rdptr(struct kprocess *p, gptr_t a)
{
	uint64_t v = 0;
	guest_read_ptr(p, a, &v);
	return v;
}
