/* Where ntemu deliberately names an encoding differently from Zydis because the processor
 * executes something else than Zydis's name says. Shared by the Zydis oracle
 * (tests/unit/test_decode_zydis.c) and the differential tester's generator (tests/diff). */
#ifndef NTEMU_TESTS_ZYDIS_KNOWN_H
#define NTEMU_TESTS_ZYDIS_KNOWN_H

#include <stdbool.h>
#include <string.h>

static inline bool zydis_name_known_to_differ(const char *zydis, const char *ntemu)
{
	/* F3 REX.B 90: Zydis says pause; the processor swaps r8 and rAX (diff-cpu measured it
	 * on the host), so ntemu decodes xchg. */
	return !strcmp(zydis, "pause") && !strcmp(ntemu, "xchg");
}

#endif
