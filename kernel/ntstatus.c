#include "kernel/ntstatus.h"

#include <stddef.h>

static const struct {
	ntstatus_t value;
	const char *name;
} names[] = {
#define NTSTATUS(name, value) {value, #name},
#include "kernel/ntstatus.def"
#undef NTSTATUS
};

const char *ntstatus_name(ntstatus_t status)
{
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].value == status)
			return names[i].name;
	return NULL;
}
