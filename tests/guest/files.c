/* Files inside the root: create, write, seek, read, size, append through the CRT,
 * case-insensitive names, delete, and the error for a missing file. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    char buf[64];
    DWORD n = 0;
    HANDLE h = CreateFileA("test.txt", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        printf("CreateFile failed: %lu\n", GetLastError());
        return 1;
    }
    WriteFile(h, "hello file\n", 11, &n, NULL);
    printf("wrote %lu\n", n);
    SetFilePointer(h, 6, NULL, FILE_BEGIN);
    ReadFile(h, buf, 4, &n, NULL);
    printf("read %lu: %.4s\n", n, buf);
    printf("size %lu\n", GetFileSize(h, NULL));
    CloseHandle(h);

    FILE *f = fopen("test.txt", "a");
    fprintf(f, "appended\n");
    fclose(f);
    f = fopen("TEST.TXT", "r");
    while (f && fgets(buf, sizeof buf, f))
        printf("line: %s", buf);
    if (f)
        fclose(f);

    printf("delete %d\n", DeleteFileA("test.txt"));
    printf("exists after delete %d\n", GetFileAttributesA("test.txt") != INVALID_FILE_ATTRIBUTES);
    h = CreateFileA("missing.txt", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    printf("open missing: %s, error %lu\n", h == INVALID_HANDLE_VALUE ? "failed" : "opened", GetLastError());
    return 0;
}
