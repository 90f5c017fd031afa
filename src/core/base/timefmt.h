/*
 * timefmt.h -- parsing times as files write them, shared by every reader; and the clocks
 * every part reads (one home for the millisecond clock).
 */
#ifndef ISP_CORE_TIMEFMT_H
#define ISP_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/base/err.h"

/*
 * Parse s[0..n) as unix seconds (up to 12 digits) or as "YYYY-MM-DD", optionally
 * followed by " HH:MM[:SS[.frac]]" or "THH:MM[:SS[.frac]]" and a zone: "Z", " UTC",
 * "+HH:MM", "+HHMM" (none = UTC). Surrounding blanks are ignored. Returns 0 and sets
 * *out (unix seconds), or ISR_EINVAL (impossible dates such as Feb 30 included).
 */
int time_parse(const char *s, size_t n, int64_t *out);

/*
 * time_parse, except that a time written without a zone is a civil time in the process's
 * zone (TZ; the CLI sets it from core.timezone, default the system's): what an operator
 * types on the command line. Unix seconds and times with a zone are time_parse's.
 */
int time_parse_local(const char *s, size_t n, int64_t *out);

/*
 * naive: a civil time written as unix seconds as if it were UTC (what time_parse makes
 * of "2026-11-22 19:45"). Returns the instant that civil time names in the process's
 * zone (mktime: in a gap of a daylight-saving change it goes forward, in an overlap one
 * of the two is taken). The offset is cached per hour and thread.
 */
int64_t time_local_to_utc(int64_t naive);

/*
 * Make zone (an IANA name such as "Asia/Tokyo", or "UTC") the process's zone for every
 * parse and print that follows (setenv TZ, tzset). "" leaves the system's zone. An unknown
 * name is ISR_EINVAL (glibc would silently take it as UTC). Call before threads start.
 */
int time_zone_set(const char *zone, struct isp_err *err);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t time_days_from_civil(int64_t y, int m, int d);

/* Unix time t as "2026-11-23 06:20:51" in UTC (for files written for machines: CSV
 * exports, returned rows) into buf; "-" for 0. Returns buf. */
#define TIME_FMT_UTC_MAX 24
const char *time_fmt_utc(long long t, char buf[TIME_FMT_UTC_MAX]);
/* Unix time t for people: "2026-11-23 15:20:51 +0900", in core.timezone (the process's
 * zone) and always with its UTC offset; "-" for 0. Returns buf. */
#define TIME_FMT_LOCAL_MAX 32
const char *time_fmt_local(long long t, char buf[TIME_FMT_LOCAL_MAX]);
/* A duration of secs seconds for people, in its two largest units: "1 day", "2 weeks",
 * "1 day 6 h", "5 min", "1 h 30 min", "45 s", "0 s" (negative: "-5 min"). Returns buf. */
#define TIME_FMT_DURATION_MAX 40
const char *time_fmt_duration(long long secs, char buf[TIME_FMT_DURATION_MAX]);

/* Milliseconds of the monotonic clock: deadlines, timeouts and durations. Inline, no lock,
 * no allocation (a hot-path call). */
static inline int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds of the monotonic clock with their fraction: durations reported to people. */
static inline double time_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds since 1970 of the wall clock: the time stamps of events. */
static inline int64_t time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
