/* What syscalls/info.c offers the other information services. */
#ifndef NTEMU_SYSCALLS_INFO_H
#define NTEMU_SYSCALLS_INFO_H

#include <stdbool.h>

#include "kernel/info.h"
#include "syscalls/record.h"

/* VM_COUNTERS(_EX) {PeakVirtualSize; VirtualSize; PageFaultCount; PeakWorkingSetSize;
 * WorkingSetSize; four pool quotas; PagefileUsage; PeakPagefileUsage; (PrivateUsage)}, as
 * ProcessVmCounters and each entry of SystemProcessInformation report them. */
void put_vm_counters(struct record *r, const struct vm_usage *u, bool ex);

#endif
