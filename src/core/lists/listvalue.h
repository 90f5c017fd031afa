/*
 * listvalue.h -- the one normaliser of list values, shared by import and lookup.
 *
 * Import and `lists check` (and later the DNS and proxy services) must agree on what a
 * value looks like, or a listed entry would never match; so both call this.
 *   domain: "*.Example.COM." -> "*.example.com", IDNA U-labels -> A-labels (domain.h)
 *   url:    Safe Browsing canonical form (url.h), whose host must be a host name or an
 *           IP address (url_host_check): free text in a feed's url field is refused
 *   ip:     "192.0.2.1/24" -> "192.0.2.0/24", "2001:DB8::1" -> "2001:db8::1" (ip.h);
 *           a /0 prefix is refused: one such line in a feed would block everything
 */
#ifndef ISP_CORE_LISTVALUE_H
#define ISP_CORE_LISTVALUE_H

#include <stddef.h>

#include "core/base/err.h"
#include "core/lists/listfmt.h"

/*
 * Normalise raw (NUL-terminated) as a value of `kind` into out (outsz bytes; URL_MAX+1
 * is always enough). Returns the length, or a negative ISR code with err->msg set.
 * *note (if not NULL) is set to a static remark when the value was changed in a way the
 * operator may want to know about (host bits of a prefix cleared), else NULL.
 */
int list_value_normalise(enum list_kind kind, const char *raw, char *out, size_t outsz,
			 const char **note, struct isp_err *err);

/* Guess the kind of a value typed by a user: an IP/prefix, a URL (has "://" or a '/'),
 * else a domain. */
enum list_kind list_value_guess_kind(const char *raw);

#endif
