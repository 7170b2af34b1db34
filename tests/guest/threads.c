/* Threads and the waits between them: CreateThread, a critical section under contention
 * (RtlWaitOnAddress: NtWaitForAlertByThreadId / NtAlertThreadByThreadId), an event hand-off,
 * a semaphore, WaitForMultipleObjects on thread handles, exit codes, a suspended start,
 * Sleep on the virtual clock, a wait that times out, user APCs (QueueUserAPC) run by alertable
 * waits of the queueing thread and of another one, a waitable timer's completion routine, an SRW
 * lock with a condition variable (producer/consumer), a mutex abandoned by its owner. */
#include <stdio.h>
#include <windows.h>

static CRITICAL_SECTION lock;
static volatile LONG counter;
static HANDLE ready, go;

static DWORD WINAPI adder(void *arg)
{
    int n = (int)(INT_PTR)arg;
    for (int i = 0; i < n; i++) {
        EnterCriticalSection(&lock);
        LONG v = counter;
        /* Hold the lock across a few turns so the other thread has to wait for it. */
        for (volatile int k = 0; k < 50; k++)
            ;
        counter = v + 1;
        LeaveCriticalSection(&lock);
    }
    return n;
}

static DWORD WINAPI waiter(void *unused)
{
    (void)unused;
    SetEvent(ready);
    DWORD r = WaitForSingleObject(go, INFINITE);
    printf("waiter woke: %lu\n", r);
    return 7;
}

static void CALLBACK apc(ULONG_PTR arg)
{
    printf("apc %lu on %s\n", (unsigned long)(arg & 0xff), arg >> 8 ? "the waiter" : "main");
}

static void CALLBACK timer_done(void *arg, DWORD low, DWORD high)
{
    (void)low;
    (void)high;
    printf("timer routine: %s\n", (const char *)arg);
}

static SRWLOCK srw = SRWLOCK_INIT;
static CONDITION_VARIABLE nonempty = CONDITION_VARIABLE_INIT, nonfull = CONDITION_VARIABLE_INIT;
static int queue[4], queued, head;

static DWORD WINAPI producer(void *unused)
{
    (void)unused;
    for (int i = 1; i <= 100; i++) {
        AcquireSRWLockExclusive(&srw);
        while (queued == 4)
            SleepConditionVariableSRW(&nonfull, &srw, INFINITE, 0);
        queue[(head + queued++) % 4] = i;
        WakeConditionVariable(&nonempty);
        ReleaseSRWLockExclusive(&srw);
    }
    return 0;
}

static DWORD WINAPI mutex_holder(void *arg)
{
    WaitForSingleObject(arg, INFINITE);
    return 0; /* ends holding it */
}

static DWORD WINAPI alertable_waiter(void *unused)
{
    (void)unused;
    SetEvent(ready);
    DWORD r = WaitForSingleObjectEx(go, INFINITE, TRUE);
    printf("alertable wait: %lu\n", r);
    return 0;
}

int main(void)
{
    InitializeCriticalSection(&lock);
    HANDLE t[2];
    t[0] = CreateThread(NULL, 0, adder, (void *)(INT_PTR)2000, 0, NULL);
    t[1] = CreateThread(NULL, 0, adder, (void *)(INT_PTR)3000, 0, NULL);
    DWORD r = WaitForMultipleObjects(2, t, TRUE, INFINITE);
    DWORD c0 = 0, c1 = 0;
    GetExitCodeThread(t[0], &c0);
    GetExitCodeThread(t[1], &c1);
    printf("wait all: %lu, counter %ld, exit codes %lu %lu\n", r, counter, c0, c1);
    CloseHandle(t[0]);
    CloseHandle(t[1]);
    DeleteCriticalSection(&lock);

    ready = CreateEventW(NULL, FALSE, FALSE, NULL);
    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD tid;
    HANDLE w = CreateThread(NULL, 0, waiter, NULL, CREATE_SUSPENDED, &tid);
    printf("suspended thread still: %lu\n", WaitForSingleObject(ready, 0));
    printf("resume: %lu\n", ResumeThread(w));
    printf("ready: %lu\n", WaitForSingleObject(ready, INFINITE));
    SetEvent(go);
    printf("join: %lu\n", WaitForSingleObject(w, INFINITE));
    DWORD code = 0;
    GetExitCodeThread(w, &code);
    printf("exit code %lu, tid nonzero %d\n", code, tid != 0);

    HANDLE s = CreateSemaphoreW(NULL, 1, 2, NULL);
    DWORD first = WaitForSingleObject(s, 0), second = WaitForSingleObject(s, 0);
    LONG prev = -1;
    BOOL released = ReleaseSemaphore(s, 2, &prev);
    printf("semaphore: %lu %lu release %d prev %ld\n", first, second, released, prev);

    ULONGLONG before = GetTickCount64();
    Sleep(1500);
    ULONGLONG slept = GetTickCount64() - before;
    /* The tick count moves in steps (about 16 ms under Wine and Windows). */
    printf("slept about 1500 ms: %d\n", slept >= 1450 && slept < 1600);
    printf("timed wait: %lu\n", WaitForSingleObject(ready, 250));

    QueueUserAPC(apc, GetCurrentThread(), 1);
    QueueUserAPC(apc, GetCurrentThread(), 2);
    printf("non-alertable sleep: %lu\n", SleepEx(0, FALSE));
    printf("alertable sleep: %lu\n", SleepEx(INFINITE, TRUE));
    ResetEvent(go);
    HANDLE aw = CreateThread(NULL, 0, alertable_waiter, NULL, 0, NULL);
    WaitForSingleObject(ready, INFINITE);
    Sleep(10);
    QueueUserAPC(apc, aw, 0x103);
    WaitForSingleObject(aw, INFINITE);

    HANDLE tm = CreateWaitableTimerW(NULL, TRUE, NULL);
    LARGE_INTEGER due = {.QuadPart = -2000000}; /* 200 ms */
    printf("set timer: %d\n", SetWaitableTimer(tm, &due, 0, timer_done, "fired", FALSE));
    printf("timer wait: %lu\n", SleepEx(INFINITE, TRUE));
    printf("timer signalled: %lu\n", WaitForSingleObject(tm, 0));

    HANDLE pt = CreateThread(NULL, 0, producer, NULL, 0, NULL);
    long sum = 0;
    for (int n = 0; n < 100; n++) {
        AcquireSRWLockExclusive(&srw);
        while (!queued)
            SleepConditionVariableSRW(&nonempty, &srw, INFINITE, 0);
        sum += queue[head];
        head = (head + 1) % 4;
        queued--;
        WakeConditionVariable(&nonfull);
        ReleaseSRWLockExclusive(&srw);
    }
    WaitForSingleObject(pt, INFINITE);
    printf("consumed sum %ld\n", sum);

    HANDLE mx = CreateMutexW(NULL, FALSE, NULL);
    HANDLE mh = CreateThread(NULL, 0, mutex_holder, mx, 0, NULL);
    WaitForSingleObject(mh, INFINITE);
    HANDLE both[2] = {go, mx};
    printf("abandoned: %lu\n", WaitForMultipleObjects(2, both, FALSE, INFINITE));
    BOOL once = ReleaseMutex(mx), twice = ReleaseMutex(mx);
    printf("release: %d, again: %d\n", once, twice);
    return 0;
}
