/*
 * listkind.c -- names of the list kinds (see listkind.h).
 */
#include "core/base/strbuf.h"
#include "core/store/listkind.h"

#include <stddef.h>
#include <string.h>

enum list_kind list_kind_parse(const char *name)
{
	size_t n;

	if (!name)
		return LIST_KIND_NONE;
	n = strlen(name);
	if (str_eq_nocase(name, n, "domain"))
		return LIST_DOMAIN;
	if (str_eq_nocase(name, n, "url"))
		return LIST_URL;
	if (str_eq_nocase(name, n, "ip"))
		return LIST_IP;
	return LIST_KIND_NONE;
}

const char *list_kind_name(enum list_kind k)
{
	switch (k) {
	case LIST_DOMAIN: return "domain";
	case LIST_URL: return "url";
	case LIST_IP: return "ip";
	case LIST_KIND_NONE: break;
	}
	return "none";
}

static const char *const action_names[LIST_ACTION_MAX + 1] = {
	[LIST_BLOCK] = "block",	  [LIST_ALLOW] = "allow", [LIST_NXDOMAIN] = "nxdomain",
	[LIST_NODATA] = "nodata", [LIST_DROP] = "drop",	  [LIST_TCP_ONLY] = "tcp-only",
	[LIST_LOCAL] = "local",
};

int list_action_parse(const char *name)
{
	size_t n;
	int i;

	if (!name)
		return -1;
	n = strlen(name);
	for (i = 0; i <= LIST_ACTION_MAX; i++)
		if (str_eq_nocase(name, n, action_names[i]))
			return i;
	if (str_eq_nocase(name, n, "passthru"))
		return LIST_ALLOW;
	return -1;
}

const char *list_action_name(enum list_action a)
{
	return (unsigned)a <= LIST_ACTION_MAX ? action_names[a] : "block";
}
