/* Discovers the system-call numbers of a DLL (ntdll.dll, win32u.dll) by
 * reading the stubs its exports point at, so no table is hard-coded: the IDs
 * are specific to each build of the DLL. */
#ifndef NTEMU_LOADER_SYSCALL_SCAN_H
#define NTEMU_LOADER_SYSCALL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/pe.h"

struct syscall_entry {
    const char *name;     /* owned by the table */
    uint32_t id;          /* the value the stub loads into eax */
    uint32_t rva;         /* of the stub */
    /* i386: N of the stub's `ret N`, the argument bytes of a stdcall service
     * (Wine's cdecl extras such as wine_server_call pop 0); -1 on x64, whose
     * stubs do not say. */
    int32_t  ret_pop;
};

struct syscall_table {
    size_t count;
    struct syscall_entry *v;   /* sorted by service number (table, index) */
    char *names;
};

/* KeServiceDescriptorTable layout: bits 12-13 pick the table (0 = ntoskrnl
 * services from ntdll, 1 = win32k services from win32u), bits 0-11 index it.
 * Bits above 13 are not part of the number (Windows 7 WOW64 stubs keep a
 * thunk selector in the high word of eax). */
static inline unsigned syscall_table_number(uint32_t id) { return (id >> 12) & 3; }
static inline unsigned syscall_table_index(uint32_t id) { return id & 0xfff; }
static inline uint32_t syscall_service_number(uint32_t id) { return id & 0x3fff; }

/* Recognises a syscall stub of the given machine at p (avail bytes readable)
 * and returns its service ID and, for i386, the N of its `ret N`. */
bool syscall_stub_id(uint16_t machine, const uint8_t *p, size_t avail, uint32_t *id,
                     int32_t *ret_pop);

/* Scans the exports of a parsed DLL (file = the whole file) for syscall stubs.
 * Exports that share a stub (NtClose / ZwClose) yield one entry, named by the
 * Nt form.  Two different stubs with the same service number are an error. */
bool syscall_scan(const uint8_t *file, const struct pe_image *pe, struct syscall_table *out,
                  struct pe_error *err);
void syscall_table_free(struct syscall_table *t);

#endif
