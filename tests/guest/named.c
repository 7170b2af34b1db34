/* Named objects in the session's \Sessions\1\BaseNamedObjects (kernelbase's directory):
 * create/open pairs, OPENIF answers, the Local and Global links, type mismatches, case,
 * objects that vanish with their last handle, and a named file mapping seen through two
 * handles. Expected output from Wine 8. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static void show(const char *what, HANDLE h)
{
    printf("%s: %s %lu\n", what, h ? "handle" : "NULL", h ? 0 : GetLastError());
}

/* show() for a handle not needed afterwards. */
static void probe(const char *what, HANDLE h)
{
    show(what, h);
    if (h)
        CloseHandle(h);
}

int main(void)
{
    SetLastError(0);
    HANDLE e1 = CreateEventW(NULL, TRUE, FALSE, L"ntemu_ev");
    printf("create: %s %lu\n", e1 ? "handle" : "NULL", GetLastError());
    HANDLE e2 = CreateEventW(NULL, TRUE, FALSE, L"ntemu_ev");
    printf("create again: %s %lu\n", e2 ? "handle" : "NULL", GetLastError());
    HANDLE e3 = OpenEventW(EVENT_ALL_ACCESS, FALSE, L"ntemu_ev");
    show("open", e3);
    /* One object behind the three handles. */
    SetEvent(e2);
    printf("signalled through another handle: %d\n", WaitForSingleObject(e3, 0) == WAIT_OBJECT_0);
    ResetEvent(e1);
    printf("reset through another handle: %d\n", WaitForSingleObject(e3, 0) == WAIT_TIMEOUT);
    probe("open other case", OpenEventW(EVENT_ALL_ACCESS, FALSE, L"NTEMU_EV"));
    probe("open Local\\", OpenEventW(EVENT_ALL_ACCESS, FALSE, L"Local\\ntemu_ev"));
    probe("open Global\\", OpenEventW(EVENT_ALL_ACCESS, FALSE, L"Global\\ntemu_ev"));
    probe("mutex on the event's name", CreateMutexW(NULL, FALSE, L"ntemu_ev"));
    probe("open as mutex", OpenMutexW(MUTEX_ALL_ACCESS, FALSE, L"ntemu_ev"));
    probe("missing directory", CreateEventW(NULL, TRUE, FALSE, L"nodir\\ev"));
    probe("open missing", OpenEventW(EVENT_ALL_ACCESS, FALSE, L"ntemu_none"));

    HANDLE g = CreateEventW(NULL, FALSE, FALSE, L"Global\\ntemu_gev");
    show("global event", g);
    probe("open global event", OpenEventW(SYNCHRONIZE, FALSE, L"Global\\ntemu_gev"));
    probe("open it as local", OpenEventW(SYNCHRONIZE, FALSE, L"ntemu_gev"));

    HANDLE m = CreateMutexW(NULL, TRUE, L"Local\\ntemu_mx");
    show("mutex", m);
    HANDLE m2 = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, L"ntemu_mx");
    show("open mutex", m2);
    printf("release through the other handle: %d\n", ReleaseMutex(m2));

    HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, L"ntemu_map");
    show("mapping", s);
    char *a = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(a, "through the first view");
    HANDLE s2 = OpenFileMappingW(FILE_MAP_READ, FALSE, L"Local\\ntemu_map");
    show("open mapping", s2);
    const char *b = MapViewOfFile(s2, FILE_MAP_READ, 0, 0, 0);
    printf("second view reads: %s\n", b ? b : "(no view)");

    CloseHandle(e1);
    CloseHandle(e2);
    HANDLE e4 = OpenEventW(SYNCHRONIZE, FALSE, L"ntemu_ev");
    show("open after closing two of three", e4);
    CloseHandle(e3);
    CloseHandle(e4);
    probe("open after closing all", OpenEventW(SYNCHRONIZE, FALSE, L"ntemu_ev"));
    SetLastError(0);
    HANDLE e5 = CreateEventW(NULL, TRUE, FALSE, L"ntemu_ev");
    printf("create anew: %s %lu\n", e5 ? "handle" : "NULL", GetLastError());
    return 0;
}
