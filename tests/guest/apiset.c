/* API-set contract names resolve through the apiset schema (PEB.ApiSetMap) to real DLLs:
 * what every UCRT program needs for its api-ms-win-crt-* imports. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    static const char *const names[] = {"api-ms-win-crt-runtime-l1-1-0.dll", "api-ms-win-core-synch-l1-2-0.dll"};
    for (int i = 0; i < 2; i++) {
        HMODULE m = LoadLibraryA(names[i]);
        char path[MAX_PATH] = "";
        if (m)
            GetModuleFileNameA(m, path, sizeof path);
        printf("%s -> %s\n", names[i], m ? path : "not found");
    }
    return 0;
}
