/*
 * domain.h -- domain-name normalisation for list entries and lookups.
 *
 * A name is normalised to the form the snapshot stores and DNS queries are matched in:
 * lower-case A-labels (IDNA2008 with UTS#46 mapping through libidn2 for non-ASCII
 * input), no trailing dot, each label 1..63 octets, whole name <= 253 octets. ASCII
 * names take a fast path without libidn2 and may contain letters, digits, '-' and '_'
 * (underscores occur in real C&C names and in DNS; hostname rules are not enforced).
 */
#ifndef ISP_CORE_DOMAIN_H
#define ISP_CORE_DOMAIN_H

#include <stddef.h>

#include "core/base/err.h"

#define DOMAIN_MAX   253
#define DOMAIN_BUFSZ (DOMAIN_MAX + 1)

/*
 * Normalise in[0..len) into out (DOMAIN_BUFSZ bytes, NUL-terminated).
 * Returns the length (> 0) or a negative ISR code with the reason in err.
 * A leading "*." is NOT accepted here; callers split wildcards off first.
 */
int domain_normalise(const char *in, size_t len, char out[DOMAIN_BUFSZ], struct isp_err *err);

#endif
