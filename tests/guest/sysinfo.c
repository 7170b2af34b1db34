/* The virtual machine as the program sees it through kernelbase: memory status (the
 * SYSTEM_PERFORMANCE_INFORMATION fields GlobalMemoryStatusEx reads), system information, and
 * the clocks (process creation time, uptime, performance counter), which are the same on
 * every run because they come from the virtual clock. */
#include <stdio.h>
#include <windows.h>

static void print_time(const char *what, const FILETIME *ft)
{
    SYSTEMTIME st;
    FileTimeToSystemTime(ft, &st);
    printf("%s %04u-%02u-%02u %02u:%02u:%02u\n", what, st.wYear, st.wMonth, st.wDay, st.wHour,
           st.wMinute, st.wSecond);
}

int main(void)
{
    MEMORYSTATUSEX m;
    m.dwLength = sizeof m;
    if (!GlobalMemoryStatusEx(&m)) {
        printf("GlobalMemoryStatusEx failed: %lu\n", GetLastError());
        return 1;
    }
    printf("memory load %lu%%, physical %llu of %llu MiB free, page file %llu of %llu MiB free\n",
           m.dwMemoryLoad, m.ullAvailPhys >> 20, m.ullTotalPhys >> 20, m.ullAvailPageFile >> 20,
           m.ullTotalPageFile >> 20);

    SYSTEM_INFO si;
    GetSystemInfo(&si);
    printf("%lu processor(s), page size %lu, allocation granularity %lu\n",
           si.dwNumberOfProcessors, si.dwPageSize, si.dwAllocationGranularity);

    FILETIME created, exited, kernel, user, now;
    GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user);
    print_time("process created", &created);
    GetSystemTimeAsFileTime(&now);
    ULONGLONG since_start = (((ULONGLONG)now.dwHighDateTime << 32 | now.dwLowDateTime) -
                             ((ULONGLONG)created.dwHighDateTime << 32 | created.dwLowDateTime)) / 10000;
    /* The machine booted an hour before the process started. */
    ULONGLONG tick = GetTickCount64();
    printf("uptime at start %llu s\n", (tick - since_start) / 1000);

    LARGE_INTEGER freq, count;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&count);
    printf("performance counter %lld Hz, %s the tick count\n", freq.QuadPart,
           count.QuadPart / freq.QuadPart == (LONGLONG)(GetTickCount64() / 1000) ? "agrees with" : "disagrees with");
    return 0;
}
