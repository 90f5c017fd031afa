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
