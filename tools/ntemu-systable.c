/* ntemu-systable DLL...: prints the system calls discovered in each DLL's
 * stubs, one "0xID Name" line each, then a count line.
 * Exit status: 0 ok, 1 a file could not be read/parsed/scanned, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/pe.h"
#include "loader/syscall_scan.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: ntemu-systable DLL...\n"
               "Prints the syscall IDs found in the stubs of each DLL (ntdll.dll, win32u.dll).\n");
    return f == stdout ? 0 : 2;
}

static int dump(const char *path, int nfiles)
{
    uint8_t *data;
    size_t size;
    struct pe_error err;
    struct pe_image pe;
    struct syscall_table t;

    if (!pe_read_file(path, &data, &size, &err)) {
        fprintf(stderr, "ntemu-systable: %s\n", err.msg);
        return 1;
    }
    if (!pe_parse(data, size, &pe, &err) || !syscall_scan(data, &pe, &t, &err)) {
        fprintf(stderr, "ntemu-systable: %s: %s\n", path, err.msg);
        free(data);
        return 1;
    }
    if (nfiles > 1)
        printf("# %s\n", path);
    for (size_t i = 0; i < t.count; i++)
        printf("0x%04x %s\n", t.v[i].id, t.v[i].name);
    printf("%zu syscalls\n", t.count);
    syscall_table_free(&t);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return usage(stdout);
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (dump(argv[i], argc - 1))
            status = 1;
    return status;
}
