/*
 * cause.c -- the names of the causes (cause.h).
 */
#include <stddef.h>
#include <string.h>

#include "core/events/cause.h"

static const char *const names[CAUSE_N] = {
	[CAUSE_CC] = "cc",
	[CAUSE_MALWARE_SITE] = "malware-site",
	[CAUSE_OPEN_RESOLVER] = "open-resolver",
	[CAUSE_VULNERABLE_ROUTER] = "vulnerable-router",
	[CAUSE_OPEN_PROXY] = "open-proxy",
	[CAUSE_CREDENTIAL] = "credential-abuse",
};

const char *cause_name(enum cause c)
{
	if ((int)c <= CAUSE_NONE || c >= CAUSE_N)
		return NULL;
	return names[c];
}

enum cause cause_parse(const char *name)
{
	int i;

	for (i = CAUSE_NONE + 1; name && i < CAUSE_N; i++)
		if (strcmp(name, names[i]) == 0)
			return (enum cause)i;
	return CAUSE_NONE;
}
