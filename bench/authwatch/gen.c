/*
 * gen.c -- the authwatch benchmark's log: N Postfix smtpd lines (syslog, RFC 3164) over
 * a week, as a submission server of an ISP writes them, with the five attack patterns
 * embedded at known times:
 *   background  200 000 subscribers, each submitting from its own address (a few from
 *               two), about 1 % typos (one SASL failure), connect/disconnect lines;
 *   brute       one account, 300 failures from one address in 10 minutes (every 6 h);
 *   spray       one address trying 40 accounts twice each (every 6 h, another address);
 *   stuffing    2 000 accounts failing from 500 addresses in 10 minutes (every day);
 *   sources     one account logging in from 12 addresses in an hour (every 6 h);
 *   smtp-abuse  one account submitting 2 000 messages in an hour (every 6 h).
 * Usage: bench_authwatch_gen FILE LINES. Deterministic (fixed seed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static const char *const mon[] = { "Nov", "Dec" };

static void stamp(FILE *f, long t) /* t seconds since Nov 25 00:00 */
{
	long d = 25 + t / 86400, s = t % 86400;
	int m = 0;

	if (d > 30) {
		d -= 30;
		m = 1;
	}
	fprintf(f, "%s %2ld %02ld:%02ld:%02ld mx1 postfix/submission/smtpd[%u]: ", mon[m], d,
		s / 3600, s / 60 % 60, s % 60, 1000 + rnd() % 60000);
}

static void fail(FILE *f, long t, const char *ip, const char *user)
{
	stamp(f, t);
	fprintf(f,
		"warning: unknown[%s]: SASL LOGIN authentication failed: authentication failure, "
		"sasl_username=%s\n",
		ip, user);
}

static void ok(FILE *f, long t, const char *ip, const char *user)
{
	stamp(f, t);
	fprintf(f, "%08X%02X: client=unknown[%s], sasl_method=PLAIN, sasl_username=%s\n", rnd(),
		rnd() & 255, ip, user);
}

int main(int argc, char **argv)
{
	FILE *f;
	long n, i = 0, t = 0, k, shift = 0;
	char ip[32], user[64];

	if (argc != 3 || !(f = fopen(argv[1], "w"))) {
		fprintf(stderr, "usage: bench_authwatch_gen FILE LINES\n");
		return 2;
	}
	n = atol(argv[2]);
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while (i < n) {
		uint32_t u = rnd() % 200000, r = rnd() % 1000;

		t = shift + (long)((double)i * 604800.0 / (double)n); /* spread over a week */
		snprintf(user, sizeof(user), "sub%06u@isp.example", u);
		snprintf(ip, sizeof(ip), "100.%u.%u.%u", 64 + (u >> 16) % 64, (u >> 8) & 255,
			 (u & 255) ^ (r < 20 ? 1 : 0));
		if (r < 400) {
			stamp(f, t);
			fprintf(f, "connect from unknown[%s]\n", ip);
		} else if (r < 410) {
			fail(f, t, ip, user);
		} else if (r < 700) {
			ok(f, t, ip, user);
		} else {
			stamp(f, t);
			fprintf(f,
				"disconnect from unknown[%s] ehlo=1 auth=1 mail=1 rcpt=1 data=1 "
				"quit=1 "
				"commands=6\n",
				ip);
		}
		i++;
		/* the attacks, at fixed points of the week */
		if (i % (n / 28 > 0 ? n / 28 : 1) == 0) { /* every 6 h */
			long a = i / (n / 28 > 0 ? n / 28 : 1);

			for (k = 0; k < 300; k++, i++)
				fail(f, t + k * 2, "198.51.100.66", "victim-brute@isp.example");
			for (k = 0; k < 80; k++, i++) {
				snprintf(user, sizeof(user), "spray%02ld@isp.example", k / 2);
				snprintf(ip, sizeof(ip), "203.0.113.%ld", 10 + a % 200);
				fail(f, t + 600 + k * 20, ip, user);
			}
			for (k = 0; k < 12; k++, i++) {
				snprintf(ip, sizeof(ip), "192.0.2.%ld", 20 + k);
				ok(f, t + 2200 + k * 240, ip, "victim-shared@isp.example");
			}
			for (k = 0; k < 2000; k++, i++)
				ok(f, t + 5100 + k, "198.51.100.99", "victim-spam@isp.example");
			if (a % 4 == 0) /* every day: a stuffing wave */
				for (k = 0; k < 2000; k++, i++) {
					snprintf(user, sizeof(user), "member%04ld@isp.example", k);
					snprintf(ip, sizeof(ip), "198.18.%ld.%ld", k % 500 / 250,
						 k % 250 + 1);
					fail(f, t + 7100 + k * 300 / 1000, ip, user);
				}
			shift += 7500; /* the background goes on after the attacks */
		}
	}
	fclose(f);
	return 0;
}
