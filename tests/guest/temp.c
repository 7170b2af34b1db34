/* The temporary directory and the profile folders: GetTempPathW names a directory that exists
 * and is writable, GetTempFileNameW creates a unique file there (or only names one when given a
 * number), a file there is written, read back and deleted, the CRT's tmpfile() works and leaves
 * nothing behind, and the folders the profile variables name exist. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int is_dir(const wchar_t *path)
{
    DWORD a = GetFileAttributesW(path);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

/* The names in a directory besides "." and "..", in the order the file system lists them. */
static void list(const wchar_t *dir)
{
    wchar_t pattern[MAX_PATH];
    WIN32_FIND_DATAW fd;
    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    HANDLE h = FindFirstFileW(pattern, &fd);
    int n = 0;
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L"..")) {
                printf("  entry %ls\n", fd.cFileName);
                n++;
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    printf("  %d entries\n", n);
}

int main(void)
{
    wchar_t temp[MAX_PATH], name[MAX_PATH], named[MAX_PATH];
    DWORD len = GetTempPathW(MAX_PATH, temp);
    printf("GetTempPathW: %lu %ls\n", len, temp);
    printf("ends with a backslash: %d\n", len > 0 && temp[len - 1] == L'\\');
    printf("is a directory: %d\n", is_dir(temp));

    UINT unique = GetTempFileNameW(temp, L"nte", 0, name);
    size_t tl = wcslen(temp), nl = wcslen(name);
    printf("GetTempFileNameW: %s\n", unique ? "ok" : "failed");
    printf("  in the temp directory: %d\n", !wcsncmp(name, temp, tl));
    printf("  prefix nte, suffix .tmp: %d\n",
           nl > tl + 7 && !wcsncmp(name + tl, L"nte", 3) && !wcscmp(name + nl - 4, L".tmp"));
    HANDLE h = CreateFileW(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    printf("  created, size %lu\n", h != INVALID_HANDLE_VALUE ? GetFileSize(h, NULL) : 0xffffffffu);
    CloseHandle(h);

    /* A file there: write, read back, delete. */
    h = CreateFileW(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n = 0;
    printf("write: %d", WriteFile(h, "temporary data\n", 15, &n, NULL));
    printf(" %lu bytes\n", n);
    CloseHandle(h);
    char buf[32] = {0};
    h = CreateFileW(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    printf("read: %d", ReadFile(h, buf, sizeof buf - 1, &n, NULL));
    printf(" %lu bytes: %s", n, buf);
    CloseHandle(h);
    printf("delete: %d\n", DeleteFileW(name));
    DWORD attr = GetFileAttributesW(name);
    printf("gone: %d (error %lu)\n", attr == INVALID_FILE_ATTRIBUTES, GetLastError());

    /* With a number of its own it only makes up the name. */
    unique = GetTempFileNameW(temp, L"nte", 0x1234, named);
    printf("GetTempFileNameW(0x1234): %x %ls\n", unique, named + tl);
    printf("  not created: %d\n", GetFileAttributesW(named) == INVALID_FILE_ATTRIBUTES);

    /* The CRT's anonymous temporary file, deleted when closed. */
    FILE *f = tmpfile();
    printf("tmpfile: %s\n", f ? "ok" : "failed");
    if (f) {
        fputs("line through tmpfile\n", f);
        rewind(f);
        char line[64] = {0};
        printf("  read back: %s", fgets(line, sizeof line, f) ? line : "(nothing)\n");
        fclose(f);
    }
    printf("temp directory afterwards:\n");
    list(temp);

    /* The profile folders the environment names are directories, and writable. */
    static const wchar_t *const vars[] = {L"USERPROFILE", L"APPDATA", L"LOCALAPPDATA", L"TEMP",
                                          L"TMP", L"PUBLIC", L"ALLUSERSPROFILE", L"ProgramData"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        wchar_t value[MAX_PATH], sub[MAX_PATH];
        GetEnvironmentVariableW(vars[i], value, MAX_PATH);
        swprintf(sub, MAX_PATH, L"%ls\\ntemu-test", value);
        BOOL made = CreateDirectoryW(sub, NULL);
        printf("%ls=%ls directory %d, writable %d\n", vars[i], value, is_dir(value),
               made && RemoveDirectoryW(sub));
    }
    wchar_t profile[MAX_PATH];
    GetEnvironmentVariableW(L"USERPROFILE", profile, MAX_PATH);
    printf("USERPROFILE:\n");
    list(profile);
    return 0;
}
