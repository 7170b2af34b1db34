#include "loader/bootstrap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/context.h"
#include "kernel/section.h"
#include "kernel/thread.h"
#include "kernel/unicode.h"
#include "kernel/unixcall.h"
#include "kernel/vm.h"
#include "loader/pe.h"
#include "loader/syscall_scan.h"

#define KUSER_SHARED_DATA 0x7ffe0000ull

/* Wine's PE side needs more than Windows' TEB: a TEB32 at +0x2000 and its per-thread debug
 * buffer at +0x3000..+0x3800 (GUEST-CONTRACT.md §1). */
#define TEB_SIZE 0x4000
/* PEB (0x7c8 bytes), PEB32 at +0x1000, the debug-channel table at +0x2000. */
#define PEB_BLOCK_SIZE 0x3000
#define PEB_DEBUG_TABLE 0x2000
/* At least 1 MiB of committed stack: signal_start_thread zeroes 0xf0000 bytes below the
 * initial CONTEXT. */
#define MIN_STACK 0x100000ull


struct boot {
	struct kprocess *p;
	char *err;
	size_t errsize;
};

static enum boot_error fail(struct boot *b, enum boot_error e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errsize, fmt, ap);
	va_end(ap);
	return e;
}

static bool poke(struct boot *b, uint64_t addr, const void *src, size_t n)
{
	return gmem_poke(b->p->mem, addr, src, n, NULL);
}

static bool poke16(struct boot *b, uint64_t a, uint16_t v) { return poke(b, a, &v, 2); }
static bool poke32(struct boot *b, uint64_t a, uint32_t v) { return poke(b, a, &v, 4); }
static bool poke64(struct boot *b, uint64_t a, uint64_t v) { return poke(b, a, &v, 8); }

/* Committed read/write memory anywhere (64 KiB aligned), or at `at` when non-zero. */
static uint64_t alloc(struct boot *b, uint64_t at, uint64_t size, uint32_t protect)
{
	uint64_t base = at, sz = size;
	if (vm_allocate(b->p, &base, &sz, MEM_RESERVE | MEM_COMMIT, protect, 0) != STATUS_SUCCESS)
		return 0;
	return base;
}

/* ---- images ---- */

struct image {
	uint8_t *file;
	size_t size;
	struct pe_image pe;
	struct pe_exports exports;
	uint64_t base;
};

static void image_free(struct image *im)
{
	pe_exports_free(&im->exports);
	free(im->file);
}

static bool image_read(const char *path, struct image *im, struct pe_error *err)
{
	memset(im, 0, sizeof *im);
	return pe_read_file(path, &im->file, &im->size, err) &&
	       pe_parse(im->file, im->size, &im->pe, err);
}

static uint64_t export_address(const struct image *im, const char *name)
{
	const struct pe_export *e = pe_exports_find(&im->exports, name);
	return e && !e->forwarder ? im->base + e->rva : 0;
}

static enum boot_error map_ntdll(struct boot *b, struct image *nt)
{
	struct kprocess *p = b->p;
	char path[4096];
	struct pe_error err;
	snprintf(path, sizeof path, "%s/system32/ntdll.dll", p->config->sysroot);
	if (!image_read(path, nt, &err))
		return fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s: %s", path, err.msg);
	if (nt->pe.machine != PE_MACHINE_AMD64)
		return fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s is not an x86-64 DLL", path);
	/* The start-up protocol below is Wine's (debug tables, unix-call dispatcher, extra TEB
	 * areas); a Windows ntdll needs its own and gets a clear refusal until then. */
	if (!nt->pe.wine_builtin)
		return fail(b, BOOT_BAD_SYSTEM_IMAGE,
			    "system image: %s is not a Wine build; other system images are not supported yet",
			    path);
	if (!pe_exports_read(nt->file, &nt->pe, &nt->exports, &err))
		return fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s: %s", path, err.msg);

	struct syscall_table *services = calloc(1, sizeof *services);
	if (!services || !syscall_scan(nt->file, &nt->pe, services, &err)) {
		free(services);
		return fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s: %s", path,
			    services ? err.msg : "out of memory");
	}
	p->service_tables[0] = services;
	dispatch_bind(&p->syscalls, services);

	/* Named as its file objects are (\??\C:\...), so MemoryMappedFilenameInformation and
	 * file queries agree. */
	ntstatus_t st = vm_map_image(p, path, "\\??\\C:\\windows\\system32\\ntdll.dll", &nt->base, NULL);
	if (st != STATUS_SUCCESS)
		return fail(b, BOOT_NO_MEMORY, "cannot map ntdll.dll at 0x%llx (status 0x%08x)",
			    (unsigned long long)nt->pe.image_base, st);
	p->ntdll.base = nt->base;
	p->ntdll.ldr_initialize_thunk = export_address(nt, "LdrInitializeThunk");
	p->ntdll.ki_user_exception_dispatcher = export_address(nt, "KiUserExceptionDispatcher");
	p->ntdll.ki_user_apc_dispatcher = export_address(nt, "KiUserApcDispatcher");
	p->ntdll.rtl_user_thread_start = export_address(nt, "RtlUserThreadStart");
	if (!p->ntdll.ldr_initialize_thunk || !p->ntdll.ki_user_exception_dispatcher ||
	    !p->ntdll.rtl_user_thread_start)
		return fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s lacks the start-up entry points", path);
	return BOOT_OK;
}

/* ntdll never relocates the main program (GUEST-CONTRACT.md §1), so when its preferred range is
 * taken the kernel maps it elsewhere as NtMapViewOfSection would, relocations applied. A program
 * without relocations cannot move (STATUS_CONFLICTING_ADDRESSES stays). */
static ntstatus_t map_program_elsewhere(struct boot *b, const char *host_path, const char *nt_name,
					uint64_t *base)
{
	struct ksection *s;
	ntstatus_t st = section_create_from_host_file(host_path, nt_name, true, PAGE_EXECUTE_WRITECOPY, &s);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t at = 0, offset = 0, size = 0;
	st = section_map(b->p, s, &at, 0, 0, &offset, &size, 0, PAGE_EXECUTE_WRITECOPY);
	object_unref(s);
	if (st == STATUS_IMAGE_NOT_AT_BASE) {
		*base = at;
		return STATUS_SUCCESS;
	}
	return st == STATUS_SUCCESS ? STATUS_CONFLICTING_ADDRESSES : st;
}

static enum boot_error map_program(struct boot *b, const struct boot_spec *spec, struct image *exe)
{
	struct pe_error err;
	if (!image_read(spec->exe_host_path, exe, &err))
		return fail(b, BOOT_BAD_PROGRAM, "%s: %s", spec->exe_host_path, err.msg);
	if (exe->pe.characteristics & PE_FILE_DLL)
		return fail(b, BOOT_BAD_PROGRAM, "%s: is a DLL, not a program", spec->exe_host_path);
	if (exe->pe.machine == PE_MACHINE_I386)
		return fail(b, BOOT_BAD_PROGRAM, "%s: 32-bit programs (WOW64) are not supported yet",
			    spec->exe_host_path);
	if (exe->pe.machine != PE_MACHINE_AMD64)
		return fail(b, BOOT_BAD_PROGRAM, "%s: not an x86-64 program (machine 0x%04x)",
			    spec->exe_host_path, exe->pe.machine);
	char nt_name[4096];
	snprintf(nt_name, sizeof nt_name, "\\??\\%s", spec->exe_nt_path);
	ntstatus_t st = vm_map_image(b->p, spec->exe_host_path, nt_name, &exe->base, NULL);
	if (st == STATUS_CONFLICTING_ADDRESSES)
		st = map_program_elsewhere(b, spec->exe_host_path, nt_name, &exe->base);
	if (st != STATUS_SUCCESS)
		return fail(b, BOOT_BAD_PROGRAM, "%s: cannot be mapped at its base 0x%llx (status 0x%08x)",
			    spec->exe_host_path, (unsigned long long)exe->pe.image_base, st);
	return BOOT_OK;
}

/* ---- KUSER_SHARED_DATA (offsets: ../shared/reference/wine8-struct-offsets-x64.txt) ---- */

/* RtlIsProcessorFeaturePresent indices the virtual CPU supports (winnt.h PF_*): what its
 * CPUID reports, and no AVX (msvcrt picks code paths from these). */
static const uint8_t processor_features[] = {
	2,  /* PF_COMPARE_EXCHANGE_DOUBLE (cmpxchg8b) */
	3,  /* PF_MMX_INSTRUCTIONS_AVAILABLE */
	6,  /* PF_XMMI_INSTRUCTIONS_AVAILABLE (SSE) */
	8,  /* PF_RDTSC_INSTRUCTION_AVAILABLE */
	9,  /* PF_PAE_ENABLED */
	10, /* PF_XMMI64_INSTRUCTIONS_AVAILABLE (SSE2) */
	11, /* PF_SSE_DAZ_MODE_AVAILABLE */
	12, /* PF_NX_ENABLED */
	13, /* PF_SSE3_INSTRUCTIONS_AVAILABLE */
	14, /* PF_COMPARE_EXCHANGE128 */
	17, /* PF_XSAVE_ENABLED */
	23, /* PF_FASTFAIL_AVAILABLE */
	28, /* PF_RDRAND_INSTRUCTION_AVAILABLE */
	32, /* PF_RDTSCP_INSTRUCTION_AVAILABLE */
	36, /* PF_SSSE3_INSTRUCTIONS_AVAILABLE */
	37, /* PF_SSE4_1_INSTRUCTIONS_AVAILABLE */
	38, /* PF_SSE4_2_INSTRUCTIONS_AVAILABLE */
	/* not 39/40 (AVX, AVX2) */
};

static enum boot_error build_shared_data(struct boot *b)
{
	uint64_t k = alloc(b, KUSER_SHARED_DATA, 0x1000, PAGE_READWRITE);
	if (k != KUSER_SHARED_DATA)
		return fail(b, BOOT_NO_MEMORY, "cannot map KUSER_SHARED_DATA");
	static const uint16_t root[] = u"C:\\windows";
	bool ok = poke32(b, k + 0x004, 1u << 24)                   /* TickCountMultiplier */
		  && poke16(b, k + 0x02c, PE_MACHINE_AMD64)         /* ImageNumberLow */
		  && poke16(b, k + 0x02e, PE_MACHINE_AMD64)         /* ImageNumberHigh */
		  && poke(b, k + 0x030, root, sizeof root)          /* NtSystemRoot */
		  && poke32(b, k + 0x244, 0x200000)                 /* LargePageMinimum */
		  && poke32(b, k + 0x260, 7601)                     /* NtBuildNumber */
		  && poke32(b, k + 0x264, 1)                        /* NtProductType: workstation */
		  && poke(b, k + 0x268, "\1", 1)                    /* ProductTypeIsValid */
		  && poke16(b, k + 0x26a, 9)                        /* NativeProcessorArchitecture: AMD64 */
		  && poke32(b, k + 0x26c, 6)                        /* NtMajorVersion */
		  && poke32(b, k + 0x270, 1)                        /* NtMinorVersion */
		  && poke(b, k + 0x2d5, "\2", 1)                    /* NXSupportPolicy: opt-in */
		  && poke32(b, k + 0x2e8, 0x600000)                 /* NumberOfPhysicalPages: 24 GiB */
		  && poke32(b, k + 0x308, 0)                        /* SystemCall: stubs execute `syscall` */
		  && poke32(b, k + 0x3c0, 1)                        /* ActiveProcessorCount */
		  /* XState: x87 and SSE only (no AVX: the CPU does not advertise it). */
		  && poke64(b, k + 0x3d8, 3) && poke32(b, k + 0x3e8, 0x240);
	for (size_t i = 0; ok && i < sizeof processor_features; i++)
		ok = poke(b, k + 0x274 + processor_features[i], "\1", 1);
	uint64_t base = k, size = 0x1000;
	uint32_t old;
	if (!ok || vm_protect(b->p, &base, &size, PAGE_READONLY, &old) != STATUS_SUCCESS)
		return fail(b, BOOT_NO_MEMORY, "cannot fill KUSER_SHARED_DATA");
	b->p->shared_data_ready = true;
	clock_update_shared_data(b->p);
	return BOOT_OK;
}

/* ---- process parameters ---- */

struct wbuf {
	uint16_t *v;
	size_t len, cap;
};

static bool wreserve(struct wbuf *w, size_t units)
{
	if (w->len + units <= w->cap)
		return true;
	size_t cap = (w->len + units) * 2;
	uint16_t *v = realloc(w->v, cap * sizeof *v);
	if (!v)
		return false;
	w->v = v;
	w->cap = cap;
	return true;
}

static bool wput_n(struct wbuf *w, const char *utf8, size_t n);

static bool wput(struct wbuf *w, const char *utf8)
{
	return wput_n(w, utf8, strlen(utf8));
}

/* One UTF-16 unit; `ch` may be 0 (the environment block's separators). */
static bool wput_char(struct wbuf *w, char ch)
{
	if (!wreserve(w, 1))
		return false;
	w->v[w->len++] = (uint8_t)ch;
	return true;
}

static bool wput_n(struct wbuf *w, const char *utf8, size_t n)
{
	size_t units = utf8_to_utf16(utf8, n, NULL, 0);
	if (!wreserve(w, units))
		return false;
	utf8_to_utf16(utf8, n, w->v + w->len, units);
	w->len += units;
	return true;
}

/* Quote an argument so CommandLineToArgvW and the CRT parse it back unchanged: backslashes
 * are literal except before a quote, where each is doubled and the quote escaped. */
static bool wput_arg(struct wbuf *w, const char *arg)
{
	if (*arg && !strpbrk(arg, " \t\""))
		return wput(w, arg);
	bool ok = wput_char(w, '"');
	size_t slashes = 0;
	for (const char *s = arg; ok && *s;) {
		if (*s == '\\') {
			slashes++;
			s++;
			continue;
		}
		size_t n = *s == '"' ? 2 * slashes + 1 : slashes;
		for (size_t k = 0; ok && k < n; k++)
			ok = wput_char(w, '\\');
		slashes = 0;
		size_t run = *s == '"' ? 1 : strcspn(s, "\\\"");
		ok = ok && wput_n(w, s, run);
		s += run;
	}
	/* Trailing backslashes precede the closing quote. */
	for (size_t k = 0; ok && k < 2 * slashes; k++)
		ok = wput_char(w, '\\');
	return ok && wput_char(w, '"');
}

/* Lay a UNICODE_STRING at `field` pointing at `str` inside the parameter block. */
static bool put_ustr(struct boot *b, uint64_t field, uint64_t str, size_t len, size_t max)
{
	return poke16(b, field, (uint16_t)(len * 2)) && poke16(b, field + 2, (uint16_t)(max * 2)) &&
	       poke64(b, field + 8, str);
}

static enum boot_error build_params(struct boot *b, const struct boot_spec *spec, uint64_t *out)
{
	struct wbuf image = {0}, cmd = {0}, cwd = {0}, env = {0};
	/* "<image>" args, the program always quoted as Wine's start-up does. */
	bool ok = wput(&image, spec->exe_nt_path) && wput_char(&cmd, '"') &&
		  wput(&cmd, spec->exe_nt_path) && wput_char(&cmd, '"') &&
		  wput(&cwd, spec->cwd);
	for (size_t i = 0; ok && i < spec->argc; i++)
		ok = wput_char(&cmd, ' ') && wput_arg(&cmd, spec->argv[i]);
	/* NAME=VALUE\0 ... \0 */
	for (size_t i = 0; ok && i < spec->nenv; i++)
		ok = wput(&env, spec->env[i]) && wput_char(&env, 0);
	ok = ok && wput_char(&env, 0);
	if (!ok || cwd.len > 259 || cmd.len > 32767 || image.len > 32767) {
		free(image.v), free(cmd.v), free(cwd.v), free(env.v);
		return fail(b, BOOT_BAD_PROGRAM, ok ? "command line, path or directory too long" : "out of memory");
	}

	/* RTL_USER_PROCESS_PARAMETERS (0x410 bytes), then the strings, then the environment:
	 * one block, absolute pointers (PROCESS_PARAMS_FLAG_NORMALIZED). The current directory
	 * buffer holds MAX_PATH characters as Windows allocates it. */
	const uint64_t cwd_off = 0x410, cwd_max = 260;
	uint64_t image_off = cwd_off + cwd_max * 2;
	uint64_t cmd_off = image_off + (image.len + 1) * 2;
	uint64_t env_off = (cmd_off + (cmd.len + 1) * 2 + 15) & ~15ull;
	uint64_t size = env_off + env.len * 2;
	uint64_t base = alloc(b, 0, size, PAGE_READWRITE);
	enum boot_error e = BOOT_OK;
	if (!base) {
		e = fail(b, BOOT_NO_MEMORY, "cannot allocate the process parameters");
		goto out;
	}
	uint16_t zero = 0;
	ok = poke32(b, base + 0x0, (uint32_t)size) && poke32(b, base + 0x4, (uint32_t)size) &&
	     poke32(b, base + 0x8, 1) /* PROCESS_PARAMS_FLAG_NORMALIZED */ &&
	     /* ConsoleHandle: CONSOLE_HANDLE_SHELL_NO_WINDOW, plain std handles (contract §1). */
	     poke64(b, base + 0x10, (uint64_t)-4) &&
	     poke64(b, base + 0x20, spec->std_handles[0]) && poke64(b, base + 0x28, spec->std_handles[1]) &&
	     poke64(b, base + 0x30, spec->std_handles[2]) &&
	     poke(b, base + cwd_off, cwd.v, cwd.len * 2) && poke(b, base + cwd_off + cwd.len * 2, &zero, 2) &&
	     put_ustr(b, base + 0x38, base + cwd_off, cwd.len, cwd_max) &&
	     poke(b, base + image_off, image.v, (image.len + 1) * 2) &&
	     put_ustr(b, base + 0x60, base + image_off, image.len, image.len + 1) &&
	     poke(b, base + cmd_off, cmd.v, cmd.len * 2) && poke(b, base + cmd_off + cmd.len * 2, &zero, 2) &&
	     put_ustr(b, base + 0x70, base + cmd_off, cmd.len, cmd.len + 1) &&
	     poke64(b, base + 0x80, base + env_off) && poke(b, base + env_off, env.v, env.len * 2) &&
	     poke16(b, base + 0xa8, 1) /* wShowWindow: SW_SHOWNORMAL */ &&
	     put_ustr(b, base + 0xb0, base + image_off, image.len, image.len + 1) /* WindowTitle */ &&
	     poke64(b, base + 0x3f0, env.len * 2); /* EnvironmentSize */
	if (!ok)
		e = fail(b, BOOT_NO_MEMORY, "cannot fill the process parameters");
	*out = base;
out:
	free(image.v), free(cmd.v), free(cwd.v), free(env.v);
	return e;
}

/* ---- apiset schema ---- */

/* apisetschema.dll mapped flat and read-only; PEB.ApiSetMap points at its .apiset section's
 * raw data, a self-relative schema that Wine 8's ntdll reads when its Version is 6
 * (GUEST-CONTRACT.md §1). Without it UCRT programs cannot resolve api-ms-win-crt-*; the
 * rest of start-up tolerates its absence, so a system image without one gets NULL. */
static enum boot_error map_apiset(struct boot *b, uint64_t *apiset)
{
	struct kprocess *p = b->p;
	char path[4096];
	snprintf(path, sizeof path, "%s/system32/apisetschema.dll", p->config->sysroot);
	struct image im;
	struct pe_error err;
	*apiset = 0;
	if (!image_read(path, &im, &err))
		return BOOT_OK;
	const struct pe_section *sec = NULL;
	for (unsigned i = 0; i < im.pe.num_sections; i++)
		if (!strcmp(im.pe.sections[i].name, ".apiset"))
			sec = &im.pe.sections[i];
	uint32_t version = 0;
	if (sec && sec->raw_size >= 4)
		memcpy(&version, im.file + sec->raw_offset, 4);
	uint64_t base = 0, size = 0;
	enum boot_error e = BOOT_OK;
	if (!sec || version != 6)
		e = fail(b, BOOT_BAD_SYSTEM_IMAGE, "system image: %s has no version 6 .apiset section", path);
	else if (section_map_file_once(p, path, "\\??\\C:\\windows\\system32\\apisetschema.dll", &base,
					&size) != STATUS_SUCCESS)
		e = fail(b, BOOT_NO_MEMORY, "cannot map %s", path);
	else
		*apiset = base + sec->raw_offset;
	image_free(&im);
	return e;
}

/* ---- PEB, TEB, stack, first thread ---- */

static enum boot_error build_peb(struct boot *b, const struct image *exe, uint64_t params,
				 uint64_t apiset, uint64_t *peb)
{
	*peb = alloc(b, 0, PEB_BLOCK_SIZE, PAGE_READWRITE);
	uint64_t p = *peb;
	/* The debug-channel table at PEB+0x2000 stays zero: every channel off, as on Windows
	 * nothing is printed; MESSAGE()s still reach __wine_dbg_write. */
	bool ok = p && poke64(b, p + 0x10, exe->base)              /* ImageBaseAddress */
		  && poke64(b, p + 0x20, params)                    /* ProcessParameters */
		  && poke64(b, p + 0x68, apiset)                    /* ApiSetMap */
		  && poke32(b, p + 0xb8, 1)                         /* NumberOfProcessors */
		  && poke64(b, p + 0xc0, (uint64_t)-25920000000000ll) /* CriticalSectionTimeout: -30 days */
		  && poke32(b, p + 0x118, 6) && poke32(b, p + 0x11c, 1) /* OSMajor/MinorVersion */
		  && poke16(b, p + 0x120, 7601) && poke32(b, p + 0x124, 2) /* OSBuildNumber, VER_PLATFORM_WIN32_NT */
		  && poke32(b, p + 0x128, exe->pe.subsystem)         /* ImageSubSystem */
		  && poke32(b, p + 0x12c, exe->pe.subsys_major) && poke32(b, p + 0x130, exe->pe.subsys_minor)
		  && poke32(b, p + 0x2c0, 1);                       /* SessionId */
	return ok ? BOOT_OK : fail(b, BOOT_NO_MEMORY, "cannot build the PEB");
}

struct stack {
	uint64_t reserve_base, limit, top;
};

/* A reserved stack with a no-access page and a guard page at the bottom, the rest committed
 * (Wine commits it all: virtual_alloc_thread_stack). */
static enum boot_error build_stack(struct boot *b, uint64_t reserve, struct stack *s)
{
	reserve = (reserve < MIN_STACK ? MIN_STACK : reserve + 0xffff) & ~0xffffull;
	uint64_t base = alloc(b, 0, reserve, PAGE_READWRITE);
	if (!base)
		return fail(b, BOOT_NO_MEMORY, "cannot allocate a %llu KiB stack", (unsigned long long)reserve >> 10);
	uint64_t a = base, sz = 0x1000;
	uint32_t old;
	vm_protect(b->p, &a, &sz, PAGE_NOACCESS, &old);
	a = base + 0x1000, sz = 0x1000;
	vm_protect(b->p, &a, &sz, PAGE_READWRITE | PAGE_GUARD, &old);
	s->reserve_base = base;
	s->limit = base + 0x2000;
	s->top = base + reserve;
	return BOOT_OK;
}

static enum boot_error build_teb(struct boot *b, uint64_t peb, const struct stack *s, uint32_t tid,
				 uint64_t *teb)
{
	uint64_t t = *teb = alloc(b, 0, TEB_SIZE, PAGE_READWRITE);
	bool ok = t && poke64(b, t + 0x0, ~0ull)                   /* Tib.ExceptionList */
		  && poke64(b, t + 0x8, s->top)                     /* Tib.StackBase */
		  && poke64(b, t + 0x10, s->limit)                  /* Tib.StackLimit */
		  && poke64(b, t + 0x30, t)                         /* Tib.Self */
		  && poke64(b, t + 0x40, 0x10)                      /* ClientId.UniqueProcess */
		  && poke64(b, t + 0x48, tid)                       /* ClientId.UniqueThread */
		  && poke64(b, t + 0x60, peb)                       /* Peb */
		  /* ActivationContextStackPointer -> the TEB's own stack, whose FrameListCache
		   * list head points at itself. */
		  && poke64(b, t + 0x2c8, t + 0x290) && poke64(b, t + 0x298, t + 0x298)
		  && poke64(b, t + 0x2a0, t + 0x298)
		  /* StaticUnicodeString {0, 0x20a, StaticUnicodeBuffer}: the *A APIs use it. */
		  && poke16(b, t + 0x1258, 0) && poke16(b, t + 0x125a, 0x20a) && poke64(b, t + 0x1260, t + 0x1268)
		  && poke64(b, t + 0x1478, s->reserve_base);        /* DeallocationStack */
	return ok ? BOOT_OK : fail(b, BOOT_NO_MEMORY, "cannot build the TEB");
}

/* A thread's start: registers as Wine's call_init_thunk leaves them (GUEST-CONTRACT.md §2),
 * RtlUserThreadStart(entry, arg) reached through LdrInitializeThunk. */
static enum boot_error start_thread(struct boot *b, uint64_t entry, uint64_t arg,
				    uint64_t teb, const struct stack *s, struct kthread *t)
{
	struct kprocess *p = b->p;
	struct cpu *c = &t->cpu;

	/* The CONTEXT that LdrInitializeThunk finally NtContinue()s into RtlUserThreadStart. */
	struct cpu init = *c;
	memset(init.r, 0, sizeof init.r);
	init.r[R_CX] = entry;
	init.r[R_DX] = arg;
	init.r[R_SP] = s->top - 0x28;
	init.rip = p->ntdll.rtl_user_thread_start;
	init.mxcsr = 0x1f80;
	init.fpu.cw = 0x27f;
	cpu_set_rflags(&init, 0x200);
	uint8_t ctx[CONTEXT64_SIZE];
	context64_from_cpu(&init, CONTEXT_FULL, ctx);
	uint64_t ctx_addr = ((s->top - 0x28) & ~15ull) - CONTEXT64_SIZE;
	if (!poke(b, ctx_addr, ctx, sizeof ctx) || !poke64(b, ctx_addr - 8, 0))
		return fail(b, BOOT_NO_MEMORY, "cannot write the initial CONTEXT");

	c->r[R_CX] = ctx_addr;
	c->r[R_DX] = arg;
	c->r[R_SP] = ctx_addr - 8;
	c->rip = p->ntdll.ldr_initialize_thunk;
	c->mxcsr = 0x1f80;
	c->fpu.cw = 0x27f;
	c->seg_base[SEG_GS] = teb;
	t->teb = teb;
	return BOOT_OK;
}

static enum boot_error build_thread(struct boot *b, uint64_t peb, uint64_t stack_reserve,
				    uint64_t entry, uint64_t arg, struct kthread *t)
{
	struct stack stack;
	uint64_t teb;
	enum boot_error e;
	if ((e = build_stack(b, stack_reserve, &stack)) || (e = build_teb(b, peb, &stack, t->tid, &teb)))
		return e;
	return start_thread(b, entry, arg, teb, &stack, t);
}

ntstatus_t bootstrap_thread(struct kprocess *p, struct kthread *t, uint64_t peb,
			    uint64_t stack_reserve, gptr_t entry, gptr_t arg)
{
	char err[128];
	struct boot b = {p, err, sizeof err};
	return build_thread(&b, peb, stack_reserve, entry, arg, t) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

/* __wine_unix_call_dispatcher's initial value calls itself (GUEST-CONTRACT.md §4): point it at
 * a trampoline that enters the kernel as service UNIX_CALL_SERVICE with the handle in r10. */
static enum boot_error patch_unix_call(struct boot *b, const struct image *nt)
{
	uint64_t var = export_address(nt, "__wine_unix_call_dispatcher");
	if (!var)
		return BOOT_OK; /* not a build with unix calls */
	static const uint8_t trampoline[] = {
		0x49, 0x89, 0xca,                                   /* mov r10, rcx */
		0xb8, UNIX_CALL_SERVICE & 0xff, UNIX_CALL_SERVICE >> 8, 0, 0, /* mov eax, service */
		0x0f, 0x05,                                         /* syscall */
		0xc3,                                               /* ret */
	};
	uint64_t page = alloc(b, 0, 0x1000, PAGE_READWRITE);
	uint64_t a = page, sz = 0x1000;
	uint32_t old;
	if (!page || !poke(b, page, trampoline, sizeof trampoline) ||
	    vm_protect(b->p, &a, &sz, PAGE_EXECUTE_READ, &old) != STATUS_SUCCESS || !poke64(b, var, page))
		return fail(b, BOOT_NO_MEMORY, "cannot install the unix-call trampoline");
	return BOOT_OK;
}

enum boot_error bootstrap_process(struct kprocess *p, const struct boot_spec *spec, char *err,
				  size_t errsize)
{
	struct boot b = {p, err, errsize};
	struct image nt = {0}, exe = {0};
	uint64_t params = 0, peb = 0, apiset = 0;
	struct kthread *t = NULL;
	enum boot_error e;
	if ((e = map_ntdll(&b, &nt)) || (e = map_program(&b, spec, &exe)) || (e = patch_unix_call(&b, &nt)) ||
	    (e = build_shared_data(&b)) || (e = map_apiset(&b, &apiset)) ||
	    (e = build_params(&b, spec, &params)) || (e = build_peb(&b, &exe, params, apiset, &peb)))
		goto out;
	t = kthread_create(p);
	if (!t) {
		e = fail(&b, BOOT_NO_MEMORY, "out of memory");
		goto out;
	}
	/* The main thread runs the program's entry point with the PEB as its argument. */
	e = build_thread(&b, peb, exe.pe.stack_reserve, exe.base + exe.pe.entry_rva, peb, t);
out:
	image_free(&nt);
	image_free(&exe);
	return e;
}
