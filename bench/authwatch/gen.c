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
 *
 * With a third argument `typo` (issue 16): a day of 1 000 000 accounts (LINES is then
 * the number of logins, e.g. 3 000 000), each login a connect, a client= line (the
 * login and a message) and a disconnect, from the ISP's own CGNAT pool 100.64.0.0/17
 * (32 768 addresses, about 30 accounts each: 128 /24s) at an even rate over the day;
 * 1 % of the logins begin with a typo (one SASL failure, one in ten two) and succeed
 * from the same address 3 to 60 s later. Mixed in, at fixed times, the attacks, which
 * FILE.attacks lists one a line (type key [start end] for the bench to match):
 *   brute       victim-bruteN: 300 failures from 198.51.100.66 in 10 minutes (every 6 h);
 *   spray       203.0.113.(10+N) trying 40 accounts twice each (every 6 h);
 *   own spray   100.65.0.(10+N), an own address outside the pool, trying 40 accounts
 *               once each (every 6 h);
 *   stuffing    2 000 accounts failing from 500 addresses (198.18.0.0/23) within 10
 *               minutes (every 12 h).
 * Background keys are sub0000000..sub0999999 and addresses of 100.64.0.0/17; nothing of
 * the attacks uses them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void conn(FILE *f, long t, const char *ip, int start)
{
	stamp(f, t);
	if (start)
		fprintf(f, "connect from unknown[%s]\n", ip);
	else
		fprintf(f,
			"disconnect from unknown[%s] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 "
			"commands=6\n",
			ip);
}

/* A login waiting for its time: the success after a typo. */
struct later {
	long t;
	uint32_t u;
};

#define NLATER	 4096
#define ACCOUNTS 1000000u

static void pool_ip(uint32_t u, char *ip, size_t size)
{
	uint32_t a = (u * 2654435761u) >> 17; /* 15 bits: an address of the /17 */

	snprintf(ip, size, "100.64.%u.%u", a >> 8, a & 255);
}

static void login(FILE *f, long t, uint32_t u)
{
	char ip[32], user[64];

	pool_ip(u, ip, sizeof(ip));
	snprintf(user, sizeof(user), "sub%07u@isp.example", u);
	ok(f, t, ip, user);
	conn(f, t, ip, 0);
}

/* One attack line of the typo day. */
struct aev {
	long t;
	int kind, k, a; /* kind: 0 brute, 1 spray, 2 own spray, 3 stuffing; line k of attack a */
};

#define NATTACK 4 /* every 6 h from 03:00 */

static int aev_cmp(const void *x, const void *y)
{
	const struct aev *p = x, *q = y;

	return p->t < q->t ? -1 : p->t > q->t;
}

/* All attack lines of the day into *out (sorted by time), their list into m. */
static long day_attacks(FILE *m, struct aev **out)
{
	struct aev *e = calloc(NATTACK * 2420, sizeof(*e));
	long n = 0, k;
	int a;

	if (!e)
		return -1;
	for (a = 0; a < NATTACK; a++) {
		long t = 3 * 3600 + a * 6 * 3600;

		fprintf(m, "brute-force victim-brute%d@isp.example\n", a);
		for (k = 0; k < 300; k++)
			e[n++] = (struct aev){ t + k * 2, 0, (int)k, a };
		fprintf(m, "spray 203.0.113.%d\n", 10 + a);
		for (k = 0; k < 80; k++)
			e[n++] = (struct aev){ t + 600 + k * 20, 1, (int)k, a };
		fprintf(m, "spray 100.65.0.%d\n", 10 + a);
		for (k = 0; k < 40; k++)
			e[n++] = (struct aev){ t + 2300 + k * 30, 2, (int)k, a };
		if (a % 2)
			continue;
		fprintf(m, "stuffing * %ld %ld\n", t + 3600, t + 3600 + 600);
		for (k = 0; k < 2000; k++)
			e[n++] = (struct aev){ t + 3600 + k * 300 / 1000, 3, (int)k, a };
	}
	qsort(e, (size_t)n, sizeof(*e), aev_cmp);
	*out = e;
	return n;
}

static void attack_line(FILE *f, const struct aev *e)
{
	char ip[32], user[64];

	switch (e->kind) {
	case 0:
		snprintf(user, sizeof(user), "victim-brute%d@isp.example", e->a);
		fail(f, e->t, "198.51.100.66", user);
		break;
	case 1:
		snprintf(user, sizeof(user), "spray%02d@isp.example", e->k / 2);
		snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + e->a);
		fail(f, e->t, ip, user);
		break;
	case 2:
		snprintf(user, sizeof(user), "mate%02d@isp.example", e->k);
		snprintf(ip, sizeof(ip), "100.65.0.%d", 10 + e->a);
		fail(f, e->t, ip, user);
		break;
	default:
		snprintf(user, sizeof(user), "member%04d@isp.example", e->k);
		snprintf(ip, sizeof(ip), "198.18.%d.%d", e->k % 500 / 250, e->k % 250 + 1);
		fail(f, e->t, ip, user);
	}
}

/* The typo day: n logins of 1 000 000 accounts, 1 % with a typo, the attacks mixed in
 * by time. */
static int typo_day(FILE *f, const char *path, long n)
{
	static struct later q[NLATER];
	char mpath[4096], ip[32], user[64];
	struct aev *ev = NULL;
	FILE *m;
	long i, t, nev, iev = 0;
	int nq = 0, j;

	snprintf(mpath, sizeof(mpath), "%s.attacks", path);
	m = fopen(mpath, "w");
	if (!m)
		return 2;
	nev = day_attacks(m, &ev);
	fclose(m);
	if (nev < 0)
		return 2;
	for (i = 0; i <= n; i++) {
		uint32_t u = rnd() % ACCOUNTS, r = rnd() % 1000;

		t = i < n ? (long)((double)i * 86400.0 / (double)n) : 86400 + 3600;
		for (j = 0; j < nq;) { /* the successes after typos that are due */
			if (q[j].t <= t) {
				login(f, q[j].t, q[j].u);
				q[j] = q[--nq];
			} else {
				j++;
			}
		}
		while (iev < nev && ev[iev].t <= t)
			attack_line(f, &ev[iev++]);
		if (i == n)
			break;
		pool_ip(u, ip, sizeof(ip));
		snprintf(user, sizeof(user), "sub%07u@isp.example", u);
		conn(f, t, ip, 1);
		if (r < 10 && nq < NLATER) { /* a typo: one failure (one in ten: two) */
			fail(f, t, ip, user);
			if (r == 0)
				fail(f, t, ip, user);
			q[nq].t = t + 3 + (long)(rnd() % 58);
			q[nq].u = u;
			nq++;
			continue;
		}
		login(f, t, u);
	}
	free(ev);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *f;
	long n, i = 0, t = 0, k, shift = 0;
	char ip[32], user[64];

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "typo") != 0) ||
	    !(f = fopen(argv[1], "w"))) {
		fprintf(stderr, "usage: bench_authwatch_gen FILE LINES [typo]\n");
		return 2;
	}
	n = atol(argv[2]);
	if (argc == 4) {
		int rc;

		setvbuf(f, NULL, _IOFBF, 1 << 20);
		rc = typo_day(f, argv[1], n);
		return fclose(f) != 0 || rc;
	}
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
