/* Dispatcher objects and waits.
 *
 * Events, semaphores, mutants, timers, threads (signalled when terminated) and the process
 * (signalled when it exits) can be waited on. A wait that cannot be satisfied at once and may
 * last blocks its thread: the thread becomes THREAD_WAITING with its wait block, the system
 * call's status is left open (t->context_replaced) and written into rax when the wait ends.
 *
 * Everything is decided in one place, wait_update(): every signalling operation and every
 * scheduler round call it, and it tries the waiting threads in the order they began to wait
 * (NT's FIFO wait lists), so the same program gets the same wake-ups. Time is the virtual clock
 * (kernel/clock.c): when every thread waits, the clock jumps to the earliest deadline. */
#ifndef NTEMU_KERNEL_WAIT_H
#define NTEMU_KERNEL_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/process.h"

struct kthread;

/* EVENT_TYPE */
enum { NOTIFICATION_EVENT = 0, SYNCHRONIZATION_EVENT = 1 };

struct kevent {
	struct kobject obj;
	bool manual;   /* NotificationEvent: stays signalled until reset */
	bool signaled;
};

struct ksemaphore {
	struct kobject obj;
	int32_t count, max;
};

struct kmutant {
	struct kobject obj;
	struct kthread *owner;      /* NULL: free (not a reference: cleared when the owner ends) */
	uint32_t recursion;
	bool abandoned;             /* the owner ended holding it; reported to the next acquirer */
	struct kmutant *next_owned; /* the owner's list of mutants it holds */
};

/* TIMER_TYPE is EVENT_TYPE: a notification timer stays signalled, a synchronization timer
 * releases one waiter. */
struct ktimer {
	struct kobject obj;
	bool manual;
	bool signaled;
	bool active;        /* set and not yet expired (or periodic) */
	uint64_t due;       /* uptime (100 ns) of the next expiry */
	uint64_t period;    /* 100 ns, 0: one-shot */
	/* Completion routine (PTIMER_APC_ROUTINE) queued as a user APC at each expiry to the
	 * thread that set the timer (by id: the timer holds no reference to it). */
	gptr_t apc, apc_context;
	uint32_t apc_tid;
};

struct kkeyed_event {
	struct kobject obj;
};

enum wait_kind {
	WAIT_NONE,
	WAIT_OBJECTS,  /* NtWaitForSingleObject / NtWaitForMultipleObjects */
	WAIT_DELAY,    /* NtDelayExecution: only time, alerts and APCs end it */
	WAIT_KEYED,    /* NtWaitForKeyedEvent / NtReleaseKeyedEvent: ended by the partner */
	WAIT_ALERT_ID, /* NtWaitForAlertByThreadId */
};

#define WAIT_MAX_OBJECTS 64 /* MAXIMUM_WAIT_OBJECTS */

struct wait_block {
	enum wait_kind kind;
	bool wait_all;
	bool alertable;
	bool timed;               /* false: no deadline (infinite) */
	uint64_t deadline;        /* uptime, 100 ns units */
	ntstatus_t timeout_status; /* STATUS_TIMEOUT, or STATUS_SUCCESS for NtDelayExecution */
	uint64_t seq;             /* order in which waits began */
	unsigned count;
	struct kobject *objs[WAIT_MAX_OBJECTS]; /* one reference each */
	struct kkeyed_event *keyed; /* WAIT_KEYED: a reference */
	uint64_t key;
	bool releasing;           /* WAIT_KEYED: NtReleaseKeyedEvent waiting for a waiter */
};

/* A user APC queued by NtQueueApcThread: func(arg1, arg2, arg3) run through ntdll's
 * KiUserApcDispatcher at the thread's next alertable wait, NtTestAlert or NtContinue(..., TRUE). */
struct kapc {
	gptr_t func, arg[3];
	struct kapc *next;
};

/* Per-process state. */
struct ksync {
	uint64_t next_seq;
	struct kkeyed_event *global_keyed; /* handle 0 of the keyed-event services */
	struct ktimer **timers;            /* active timers (one reference each) */
	unsigned ntimers, timers_size;
};

bool sync_init(struct kprocess *p);
void sync_destroy(struct kprocess *p);

/* Destroy callbacks for object_types[]. */
void mutant_destroy(struct kobject *obj);

/* Read a wait's timeout (NULL: infinite; negative: relative, 100 ns units; positive: absolute
 * system time; 0: poll) into wb. */
ntstatus_t wait_read_timeout(struct kprocess *p, gptr_t timeout, struct wait_block *wb);
/* A LARGE_INTEGER time (negative: relative, else absolute system time) as clock uptime;
 * UINT64_MAX when it is out of reach. */
uint64_t wait_time_to_uptime(struct kprocess *p, int64_t v);

/* Run the wait c->thread->wait describes (the caller filled kind, objects with references,
 * alertable and the timeout). Satisfied now: its status. A poll that fails: the timeout status.
 * Otherwise the thread blocks and this returns STATUS_PENDING with context_replaced set; the
 * status reaches rax when the wait ends. */
ntstatus_t wait_start(struct nt_call *c);

/* Wake every waiting thread whose wait can now be satisfied or whose deadline has passed;
 * fire due timers. */
void wait_update(struct kprocess *p);

/* Wake a thread whose wait ends for a reason decided elsewhere (keyed-event partner). */
void wait_end(struct kthread *t, ntstatus_t status);

/* No thread can run. Advance the clock to the earliest deadline (or sleep until it under
 * config->realtime) and wake what is due. False when nobody has a deadline: a deadlock. */
bool wait_idle(struct kprocess *p);

/* A thread ended: its wait is dropped and the mutants it held are abandoned. */
void wait_thread_ended(struct kthread *t);
/* Free what a thread's wait holds (thread destruction). */
void wait_release(struct kthread *t);

/* User APCs. Queue one (false: out of memory); wakes an alertable wait. */
bool apc_queue(struct kthread *t, gptr_t func, gptr_t arg1, gptr_t arg2, gptr_t arg3);
/* Enter the first queued APC from t's current register state, which becomes the CONTEXT the
 * dispatcher resumes (with Rax = status unless keep_rax). Sets context_replaced. False when
 * nothing is queued. */
bool apc_deliver(struct kthread *t, ntstatus_t status, bool keep_rax);
/* Drop every queued APC (the thread ended). */
void apc_flush(struct kthread *t);

/* Timers. */
void timer_arm(struct kprocess *p, struct ktimer *tm, uint64_t due, uint64_t period);
void timer_cancel(struct kprocess *p, struct ktimer *tm);

/* Signal operations shared by the services (NtSetEvent, NtSignalAndWaitForSingleObject...).
 * Each returns the previous state and wakes what it satisfies. */
int32_t event_set(struct kprocess *p, struct kevent *e);
ntstatus_t semaphore_release(struct kprocess *p, struct ksemaphore *s, uint32_t count, int32_t *prev);
ntstatus_t mutant_release(struct kprocess *p, struct kmutant *m, struct kthread *t, int32_t *prev);

#endif
