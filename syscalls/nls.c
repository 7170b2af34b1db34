/* National language support services: NtInitializeNlsFiles, NtGetNlsSectionPtr,
 * NtQueryDefaultLocale, NtQueryDefaultUILanguage, NtQueryInstallUILanguage.
 *
 * The NLS tables are Wine's own files from the system image's nls/ directory (GUEST-CONTRACT.md
 * §3 step 10). Each is mapped read-only (MEM_MAPPED) once per process; later requests return
 * the same view. The locale is fixed: en-US (LCID 0x409) for the system, the user and the UI,
 * which keeps what the guest sees independent of the host's locale. */
#include <stdio.h>
#include <string.h>

#include "kernel/guest.h"
#include "kernel/section.h"
#include "kernel/vm.h"

#define LCID_EN_US 0x409

/* NtGetNlsSectionPtr section types (Wine's enum nls_section_type). */
enum {
	NLS_SECTION_SORTKEYS = 9,
	NLS_SECTION_CASEMAP = 10,
	NLS_SECTION_CODEPAGE = 11,
	NLS_SECTION_NORMALIZE = 12,
};

/* NORM_FORM values of the normalization tables. */
enum { NormalizationC = 1, NormalizationD = 2, NormalizationKC = 5, NormalizationKD = 6, NormalizationIDNA = 13 };

/* The file name (without directory) of an NLS table: STATUS_INVALID_PARAMETER_1 for an
 * unknown type, STATUS_OBJECT_NAME_NOT_FOUND for a normalization form without a table (what
 * Wine 8 answers). */
static ntstatus_t nls_file_name(uint32_t type, uint32_t id, char *name, size_t size)
{
	static const struct {
		uint32_t id;
		const char *name;
	} norm[] = {
		{NormalizationC, "normnfc.nls"},   {NormalizationD, "normnfd.nls"},
		{NormalizationKC, "normnfkc.nls"}, {NormalizationKD, "normnfkd.nls"},
		{NormalizationIDNA, "normidna.nls"},
	};
	switch (type) {
	case NLS_SECTION_SORTKEYS:
		snprintf(name, size, "sortdefault.nls");
		return STATUS_SUCCESS;
	case NLS_SECTION_CASEMAP:
		snprintf(name, size, "l_intl.nls");
		return STATUS_SUCCESS;
	case NLS_SECTION_CODEPAGE:
		/* c_037.nls: at least three digits, as Wine names them. */
		snprintf(name, size, "c_%03u.nls", id);
		return STATUS_SUCCESS;
	case NLS_SECTION_NORMALIZE:
		for (size_t i = 0; i < sizeof norm / sizeof norm[0]; i++)
			if (norm[i].id == id) {
				snprintf(name, size, "%s", norm[i].name);
				return STATUS_SUCCESS;
			}
		return STATUS_OBJECT_NAME_NOT_FOUND;
	default:
		return STATUS_INVALID_PARAMETER_1;
	}
}

/* Map sysroot/nls/<name> once for this process. */
static ntstatus_t map_nls(struct kprocess *p, const char *name, uint64_t *base, uint64_t *size)
{
	if (!p->config || !p->config->sysroot)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	char path[4096], nt_name[256];
	if ((size_t)snprintf(path, sizeof path, "%s/nls/%s", p->config->sysroot, name) >= sizeof path)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	/* Where Wine's ntdll looks for them first in the guest's file system. */
	snprintf(nt_name, sizeof nt_name, "\\??\\C:\\windows\\system32\\%s", name);
	return section_map_file_once(p, path, nt_name, base, size);
}

ntstatus_t nt_initialize_nls_files(struct nt_call *c, gptr_t base_ptr, gptr_t lcid_ptr,
				   gptr_t casing_size_ptr)
{
	struct kprocess *p = c->proc;
	uint64_t base, size;
	uint32_t lcid = LCID_EN_US;
	ntstatus_t st = guest_write(p, lcid_ptr, &lcid, 4);
	if (st != STATUS_SUCCESS || (st = guest_write_ptr(p, base_ptr, 0)) != STATUS_SUCCESS)
		return st;
	if ((st = map_nls(p, "locale.nls", &base, &size)) != STATUS_SUCCESS)
		return st;
	/* The third argument is Windows' DefaultCasingTableSize: Wine 8 leaves it alone and its
	 * PE side ignores it; it gets the size of the mapped table, as Windows fills it. */
	if (casing_size_ptr && (st = guest_write(p, casing_size_ptr, &size, 8)) != STATUS_SUCCESS)
		return st;
	return guest_write_ptr(p, base_ptr, base);
}

ntstatus_t nt_get_nls_section_ptr(struct nt_call *c, uint32_t type, uint32_t id, gptr_t unknown,
				  gptr_t base_ptr, gptr_t size_ptr)
{
	struct kprocess *p = c->proc;
	char name[32];
	uint64_t base, size;
	ntstatus_t st = nls_file_name(type, id, name, sizeof name);
	if (st != STATUS_SUCCESS ||
	    (st = guest_write_ptr(p, base_ptr, 0)) != STATUS_SUCCESS ||
	    (st = guest_write_ptr(p, size_ptr, 0)) != STATUS_SUCCESS)
		return st;
	if ((st = map_nls(p, name, &base, &size)) != STATUS_SUCCESS)
		return st;
	if ((st = guest_write_ptr(p, base_ptr, base)) != STATUS_SUCCESS)
		return st;
	return guest_write_ptr(p, size_ptr, size);
}

ntstatus_t nt_query_default_locale(struct nt_call *c, uint32_t user, gptr_t lcid_ptr)
{
	uint32_t lcid = LCID_EN_US;
	return guest_write(c->proc, lcid_ptr, &lcid, 4);
}

/* LANGID is 16 bits. */
static ntstatus_t put_langid(struct nt_call *c, gptr_t lang)
{
	uint16_t id = LCID_EN_US;
	return guest_write(c->proc, lang, &id, 2);
}

ntstatus_t nt_query_default_ui_language(struct nt_call *c, gptr_t lang)
{
	return put_langid(c, lang);
}

ntstatus_t nt_query_install_ui_language(struct nt_call *c, gptr_t lang)
{
	return put_langid(c, lang);
}
