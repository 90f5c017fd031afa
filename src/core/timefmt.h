/*
 * timefmt.h -- parsing times as files write them, shared by every reader.
 */
#ifndef ISP_CORE_TIMEFMT_H
#define ISP_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..n) as unix seconds (up to 12 digits) or as "YYYY-MM-DD", optionally
 * followed by " HH:MM[:SS[.frac]]" or "THH:MM[:SS[.frac]]" and a zone: "Z", " UTC",
 * "+HH:MM", "+HHMM" (none = UTC). Surrounding blanks are ignored. Returns 0 and sets
 * *out (unix seconds), or ISR_EINVAL (impossible dates such as Feb 30 included).
 */
int time_parse(const char *s, size_t n, int64_t *out);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t time_days_from_civil(int64_t y, int m, int d);

#endif
