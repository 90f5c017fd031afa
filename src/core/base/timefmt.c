/*
 * timefmt.c -- the one parser of times written in files: ISO 8601 and its common
 * relatives, and unix seconds. Every reader (lists, sessions, events) calls time_parse,
 * so "2024-03-01 12:00:00" means the same instant everywhere. Files written by machines
 * (partner CSVs, lists) are UTC when they name no zone, as their formats say; what people
 * type on the command line, and logs that carry no zone (syslog), are in the zone of
 * core.timezone (time_parse_local, time_local_to_utc, time_zone_set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/timefmt.h"

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
	size_t i;
	int v = 0;

	if (at + count > n)
		return 0;
	for (i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t time_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int64_t yoe;
	int64_t doy;
	int64_t doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

/* time_parse; *zoned: 1 when s named its zone (or was unix seconds). */
static int parse(const char *s, size_t n, int64_t *out, int *zoned)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, oh, om;
	size_t i = 0;
	int64_t v = 0;
	int64_t tz = 0;

	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return ISR_EINVAL;
	while (i < n && i < 13 && s[i] >= '0' && s[i] <= '9')
		i++;
	*zoned = 1;
	if (i == n && n <= 12) {
		for (i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		*out = v;
		return 0;
	}
	*zoned = 0;
	if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
	    s[7] != '-' || !digits(s, n, 8, 2, &d))
		return ISR_EINVAL;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return ISR_EINVAL;
	i = 10;
	if (i < n && (s[i] == ' ' || s[i] == 'T' || s[i] == 't') && i + 1 < n && s[i + 1] >= '0' &&
	    s[i + 1] <= '9') {
		if (!digits(s, n, i + 1, 2, &hh) || i + 3 >= n || s[i + 3] != ':' ||
		    !digits(s, n, i + 4, 2, &mi))
			return ISR_EINVAL;
		i += 6;
		if (i < n && s[i] == ':') {
			if (!digits(s, n, i + 1, 2, &ss))
				return ISR_EINVAL;
			i += 3;
			if (i < n && s[i] == '.') {
				i++;
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return ISR_EINVAL;
	}
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		i++;
		*zoned = 1;
	} else if (n - i == 3 && strncasecmp(s + i, "utc", 3) == 0) {
		i = n;
		*zoned = 1;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		*zoned = 1;
		if (!digits(s, n, i + 1, 2, &oh))
			return ISR_EINVAL;
		if (i + 3 < n && s[i + 3] == ':') {
			if (!digits(s, n, i + 4, 2, &om) || i + 6 != n)
				return ISR_EINVAL;
		} else if (!digits(s, n, i + 3, 2, &om) || i + 5 != n) {
			return ISR_EINVAL;
		}
		if (oh > 23 || om > 59)
			return ISR_EINVAL;
		tz = ((int64_t)oh * 3600 + (int64_t)om * 60) * (s[i] == '-' ? -1 : 1);
		i = n;
	}
	if (i != n)
		return ISR_EINVAL;
	*out = time_days_from_civil(y, mo, d) * 86400 + (int64_t)hh * 3600 + (int64_t)mi * 60 + ss -
	       tz;
	return 0;
}

int time_parse(const char *s, size_t n, int64_t *out)
{
	int zoned;

	return parse(s, n, out, &zoned);
}

int time_parse_local(const char *s, size_t n, int64_t *out)
{
	int zoned, rc = parse(s, n, out, &zoned);

	if (rc == 0 && !zoned)
		*out = time_local_to_utc(*out);
	return rc;
}

/* The zone's offset is looked up once per hour of civil time (mktime costs 0.2 to 0.8 us,
 * a log or a detail file has millions of lines of a few hours); per thread, and dropped
 * when time_zone_set changes the zone. Zones change offsets on the hour (a few on the
 * half hour: then the half hour after the change is off by the difference). */
static _Thread_local int64_t cache_hour, cache_delta; /* hour + 1, 0 = empty */

int64_t time_local_to_utc(int64_t naive)
{
	int64_t hour = naive >= 0 ? naive / 3600 : (naive - 3599) / 3600;
	time_t tt = (time_t)(hour * 3600);
	struct tm tm;
	time_t t;

	if (cache_hour == hour + 1)
		return naive + cache_delta;
	if (!gmtime_r(&tt, &tm))
		return naive;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return naive;
	cache_hour = hour + 1;
	cache_delta = (int64_t)t - hour * 3600;
	return naive + cache_delta;
}

int time_zone_set(const char *zone, struct isp_err *err)
{
	const char *dir = getenv("TZDIR");
	char path[512];

	if (!zone || !zone[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", zone);
	if (strcmp(zone, "UTC") != 0 &&
	    (zone[0] == '/' || strstr(zone, "..") || access(path, R_OK) != 0))
		return isp_err_set(err, ISR_EINVAL,
				   "core.timezone '%s': not a time zone (an IANA name such as "
				   "Asia/Tokyo or Europe/Berlin, or UTC; see /usr/share/zoneinfo)",
				   zone);
	if (setenv("TZ", zone, 1) != 0)
		return isp_err_set(err, ISR_ENOMEM, "core.timezone: out of memory");
	tzset();
	cache_hour = 0;
	return 0;
}

/* t in UTC, or in local time with its offset, into buf[size]; "-" for 0 or a time out
 * of range. */
static void fmt_time(long long t, int local, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || !(local ? localtime_r(&tt, &tm) : gmtime_r(&tt, &tm)))
		snprintf(buf, size, "-");
	else
		strftime(buf, size, local ? "%Y-%m-%d %H:%M:%S %z" : "%Y-%m-%d %H:%M:%S", &tm);
}

const char *time_fmt_utc(long long t, char buf[TIME_FMT_UTC_MAX])
{
	fmt_time(t, 0, buf, TIME_FMT_UTC_MAX);
	return buf;
}

const char *time_fmt_duration(long long secs, char buf[TIME_FMT_DURATION_MAX])
{
	static const struct {
		long long n;
		const char *one, *many;
	} u[] = { { 7LL * 86400, "week", "weeks" },
		  { 86400, "day", "days" },
		  { 3600, "h", "h" },
		  { 60, "min", "min" },
		  { 1, "s", "s" } };
	unsigned long long v =
		secs < 0 ? 0ULL - (unsigned long long)secs : (unsigned long long)secs;
	size_t i, k = 0;
	int parts = 0;

	buf[0] = '\0';
	if (secs < 0)
		buf[k++] = '-', buf[k] = '\0';
	for (i = 0; i < sizeof(u) / sizeof(u[0]) && parts < 2; i++) {
		unsigned long long q = v / (unsigned long long)u[i].n;

		if (parts == 1 && q == 0)
			break;
		if (q == 0 && u[i].n != 1)
			continue;
		k += (size_t)snprintf(buf + k, TIME_FMT_DURATION_MAX - k, "%s%llu %s",
				      parts ? " " : "", q, q == 1 ? u[i].one : u[i].many);
		v -= q * (unsigned long long)u[i].n;
		parts++;
		if (v == 0)
			break;
	}
	return buf;
}

const char *time_fmt_local(long long t, char buf[TIME_FMT_LOCAL_MAX])
{
	fmt_time(t, 1, buf, TIME_FMT_LOCAL_MAX);
	return buf;
}
