/*
 * listkind.c -- names of the list kinds (see listkind.h).
 */
#include "core/store/listkind.h"

#include <stddef.h>
#include <string.h>

/* s[0..n) equals word, ASCII case ignored (as listfmt's lf_eq_nocase). */
static int eq_nocase(const char *s, size_t n, const char *word)
{
	size_t i;
	unsigned char a;
	unsigned char b;

	for (i = 0; i < n; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)word[i];
		if (b == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return word[n] == '\0';
}

enum list_kind list_kind_parse(const char *name)
{
	size_t n;

	if (!name)
		return LIST_KIND_NONE;
	n = strlen(name);
	if (eq_nocase(name, n, "domain"))
		return LIST_DOMAIN;
	if (eq_nocase(name, n, "url"))
		return LIST_URL;
	if (eq_nocase(name, n, "ip"))
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
