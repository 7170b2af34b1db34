/* Syscall stub scanner: recognises the stub shapes of Wine's and Windows'
 * ntdll.dll / win32u.dll and reads the service number out of `mov eax, imm32`. */
#include "loader/syscall_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte patterns as hex text; "??" matches any byte.  Returns the matched
 * length, 0 on mismatch. */
static size_t match(const uint8_t *p, size_t avail, const char *pat)
{
    size_t n = 0;
    while (*pat) {
        if (*pat == ' ') {
            pat++;
            continue;
        }
        if (n >= avail)
            return 0;
        if (pat[0] != '?') {
            unsigned v;
            if (sscanf(pat, "%2x", &v) != 1 || p[n] != v)
                return 0;
        }
        n++;
        pat += 2;
    }
    return n;
}

/* x64 (Wine and Windows alike): mov r10, rcx; mov eax, imm32 */
static const char x64_stub[] = "4c 8b d1 b8 ?? ?? ?? ??";

/* i386 stubs start with mov eax, imm32 (b8 id), then call into the kernel
 * transition in one of these ways, then return with ret / ret N. */
static const char *const i386_calls[] = {
    "ba ?? ?? ?? ?? ff d2",        /* Wine, Windows 10 WOW64: mov edx, imm; call edx */
    "ba ?? ?? ?? ?? ff 12",        /* Windows XP-7 x86: mov edx, 0x7ffe0300; call [edx] */
    "e8 ?? ?? ?? ??",              /* Windows 8+ x86: call an inline sysenter */
    "ff 15 ?? ?? ?? ??",           /* call [Wow64Transition] */
    "64 ff 15 c0 00 00 00",        /* Windows 8 WOW64: call fs:[0xc0] (TEB32.WOW32Reserved) */
    /* Windows 7 WOW64: mov ecx, thunk / xor ecx, ecx; lea edx, [esp+4];
     * call fs:[0xc0]; add esp, 4 */
    "b9 ?? ?? ?? ?? 8d 54 24 04 64 ff 15 c0 00 00 00 83 c4 04",
    "33 c9 8d 54 24 04 64 ff 15 c0 00 00 00 83 c4 04",
};

bool syscall_stub_id(uint16_t machine, const uint8_t *p, size_t avail, uint32_t *id,
                     int32_t *ret_pop)
{
    if (machine == PE_MACHINE_AMD64) {
        if (!match(p, avail, x64_stub))
            return false;
        *id = pe_le32(p + 4);
        *ret_pop = -1;
        return true;
    }
    if (!match(p, avail, "b8 ?? ?? ?? ??"))
        return false;
    for (size_t i = 0; i < sizeof(i386_calls) / sizeof(i386_calls[0]); i++) {
        size_t n = match(p + 5, avail - 5, i386_calls[i]);
        if (!n)
            continue;
        /* Requiring the return right after the call keeps ordinary functions
         * that start with `mov eax, imm; call __chkstk` out. */
        const uint8_t *r = p + 5 + n;
        size_t left = avail - 5 - n;
        if (match(r, left, "c3")) {
            *ret_pop = 0;
        } else if (match(r, left, "c2 ?? ??")) {
            *ret_pop = r[1] | r[2] << 8;
        } else {
            continue;
        }
        *id = pe_le32(p + 1);
        return true;
    }
    return false;
}

static bool is_zw(const char *name) { return name[0] == 'Z' && name[1] == 'w'; }

/* Which of two export names sharing a stub names the entry: the Nt form over
 * its Zw alias, otherwise the smaller name, so the result is deterministic. */
static bool better_name(const char *a, const char *b)
{
    if (is_zw(a) != is_zw(b))
        return !is_zw(a);
    return strcmp(a, b) < 0;
}

static int by_rva(const void *a, const void *b)
{
    const struct syscall_entry *x = a, *y = b;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static int by_number(const void *a, const void *b)
{
    const struct syscall_entry *x = a, *y = b;
    uint32_t m = syscall_service_number(x->id), n = syscall_service_number(y->id);
    if (m != n)
        return m < n ? -1 : 1;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

bool syscall_scan(const uint8_t *file, const struct pe_image *pe, struct syscall_table *out,
                  struct pe_error *err)
{
    memset(out, 0, sizeof(*out));
    struct pe_exports exp;
    if (!pe_exports_read(file, pe, &exp, err))
        return false;

    struct syscall_entry *v = malloc((exp.count ? exp.count : 1) * sizeof(*v));
    if (!v) {
        pe_exports_free(&exp);
        return pe_fail(err, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < exp.count; i++) {
        const struct pe_export *e = &exp.v[i];
        if (!e->name || e->forwarder)
            continue;
        /* Data exports (__wine_syscall_dispatcher) can hold anything. */
        const struct pe_section *s = pe_section_for_rva(pe, e->rva);
        if (!s || !(s->characteristics & (PE_SCN_MEM_EXECUTE | PE_SCN_CNT_CODE)))
            continue;
        size_t avail;
        const uint8_t *p = pe_rva_bytes(file, pe, e->rva, &avail);
        struct syscall_entry c = { .name = e->name, .rva = e->rva };
        if (p && syscall_stub_id(pe->machine, p, avail, &c.id, &c.ret_pop))
            v[n++] = c;
    }

    /* Merge aliases (same stub), then order by service number. */
    qsort(v, n, sizeof(*v), by_rva);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && v[m - 1].rva == v[i].rva) {
            if (better_name(v[i].name, v[m - 1].name))
                v[m - 1].name = v[i].name;
        } else {
            v[m++] = v[i];
        }
    }
    qsort(v, m, sizeof(*v), by_number);
    size_t names_len = 0;
    for (size_t i = 0; i < m; i++) {
        if (i && syscall_service_number(v[i].id) == syscall_service_number(v[i - 1].id)) {
            pe_fail(err, "syscall number 0x%x is used by two stubs: %s (RVA 0x%x) and %s "
                    "(RVA 0x%x)", syscall_service_number(v[i].id), v[i - 1].name, v[i - 1].rva,
                    v[i].name, v[i].rva);
            free(v);
            pe_exports_free(&exp);
            return false;
        }
        names_len += strlen(v[i].name) + 1;
    }

    /* Copy the names so the table outlives the file buffer. */
    char *names = malloc(names_len ? names_len : 1);
    if (!names) {
        free(v);
        pe_exports_free(&exp);
        return pe_fail(err, "out of memory");
    }
    char *q = names;
    for (size_t i = 0; i < m; i++) {
        size_t len = strlen(v[i].name) + 1;
        memcpy(q, v[i].name, len);
        v[i].name = q;
        q += len;
    }
    pe_exports_free(&exp);
    out->count = m;
    out->v = v;
    out->names = names;
    return true;
}

void syscall_table_free(struct syscall_table *t)
{
    free(t->v);
    free(t->names);
    memset(t, 0, sizeof(*t));
}
