/*
 * notify.c -- NOTIFY (RFC 1996) of the RPZ service (see rpz_int.h): when a zone changes,
 * each rpz.notify address is sent its new serial (signed when the address names a key),
 * resent (1 s, doubling to 60 s) until that address answers it with the NOTIFY's ID and
 * question, and its TSIG when ours was signed.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/net/netaddr.h"
#include "rpz/rpz_int.h"

#define NOTIFY_FIRST_MS 1000
#define NOTIFY_MAX_MS	60000

/* "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of sa into buf (net_addrs_text's form). */
static const char *addr_port(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	buf[0] = '\0';
	net_addrs_text(buf, size, "", sa, 1);
	return buf;
}

static void notify_send(struct rpz_notifier *s, const struct rpz_ctx *c, struct rpz_notify *n)
{
	const struct rpz_zone *z = c->zones[n->zone].cur;
	uint8_t *m = s->buf;
	size_t off;
	int fd = s->sock[n->to.ss_family == AF_INET6];

	memset(m, 0, DNSW_HEADER);
	dnsw_put16(m, n->id);
	dnsw_put16(m + 2, (uint16_t)(DNSW_OPCODE_NOTIFY << 11 | DNSW_AA));
	dnsw_put16(m + 4, 1);
	dnsw_put16(m + 6, 1);
	memcpy(m + DNSW_HEADER, z->origin, z->origin_len);
	off = DNSW_HEADER + z->origin_len;
	dnsw_put16(m + off, DNSW_SOA);
	dnsw_put16(m + off + 2, DNSW_CLASS_IN);
	off = rpz_put_soa(z, n->serial, m, off + 4, RPZ_MSG_CAP);
	if (off && n->key >= 0) {
		int r = rpz_tsig_sign_request(&n->tc, &c->keys[n->key], (uint64_t)time(NULL), m,
					      off, RPZ_MSG_CAP);

		off = r > 0 ? (size_t)r : 0;
	}
	if (fd >= 0 && off && sendto(fd, m, off, 0, (const struct sockaddr *)&n->to, n->tolen) > 0)
		atomic_fetch_add_explicit(&s->sent, 1, memory_order_relaxed);
}

void rpz_notify_zone(struct rpz_notifier *s, const struct rpz_ctx *c, int zi, int64_t now)
{
	int t, k;

	for (t = 0; t < s->ntargets; t++) {
		struct rpz_notify *n = NULL;

		for (k = 0; k < s->nnotes; k++)
			if (s->notes[k].zone == zi && s->notes[k].tolen == s->tlens[t] &&
			    memcmp(&s->notes[k].to, &s->targets[t], s->tlens[t]) == 0)
				n = &s->notes[k];
		if (!n) {
			n = &s->notes[s->nnotes++];
			n->zone = zi;
			memcpy(&n->to, &s->targets[t], s->tlens[t]);
			n->tolen = s->tlens[t];
			n->key = s->tkeys[t];
		}
		n->serial = c->zones[zi].cur->serial;
		n->id = (uint16_t)randombytes_uniform(65536);
		n->pending = 1;
		n->interval_ms = NOTIFY_FIRST_MS;
		n->due_ms = now;
	}
}

void rpz_notify_due(struct rpz_notifier *s, const struct rpz_ctx *c, int64_t now)
{
	int k;
	char a[64];

	for (k = 0; k < s->nnotes; k++) {
		struct rpz_notify *n = &s->notes[k];

		if (!n->pending || n->due_ms > now)
			continue;
		notify_send(s, c, n);
		if (n->interval_ms > NOTIFY_FIRST_MS)
			fprintf(stderr, "rpz: NOTIFY of %s serial %u to %s resent\n",
				c->zones[n->zone].name, n->serial, addr_port(&n->to, a, sizeof(a)));
		n->due_ms = now + n->interval_ms;
		n->interval_ms =
			n->interval_ms * 2 > NOTIFY_MAX_MS ? NOTIFY_MAX_MS : n->interval_ms * 2;
	}
}

/* Whether the answer m[0..len) acknowledges n (RFC 1996 4.7): a NOTIFY response with
 * its ID and its question (the zone, SOA, IN), and, when n was signed, a TSIG of n's key
 * that verifies against the MAC of what we sent. Returns NULL, or why not. */
static const char *notify_answers(const struct rpz_ctx *c, const struct rpz_notify *n,
				  const uint8_t *m, size_t len)
{
	const struct rpz_zone *z = c->zones[n->zone].cur;
	size_t q = DNSW_HEADER, i;

	if (dnsw_get16(m + 4) != 1 || len < q + z->origin_len + 4)
		return "no question";
	for (i = 0; i < z->origin_len; i++)
		if (tolower(m[q + i]) != tolower(z->origin[i]))
			return "another zone";
	if (dnsw_get16(m + q + i) != DNSW_SOA || dnsw_get16(m + q + i + 2) != DNSW_CLASS_IN)
		return "another question";
	if (n->key >= 0) {
		/* a copy: a forged answer must not spoil the check of the real one */
		struct rpz_tsig_client tc = n->tc;

		if (rpz_tsig_verify(&tc, m, len, (uint64_t)time(NULL), 1) != RPZ_TV_OK)
			return "TSIG missing or wrong";
	}
	return NULL;
}

void rpz_notify_read(struct rpz_notifier *s, const struct rpz_ctx *c, int fd)
{
	struct sockaddr_storage from = { 0 };
	socklen_t fl = sizeof(from);
	char a[64];
	ssize_t r;
	int k;

	for (;;) {
		uint16_t flags;

		r = recvfrom(fd, s->buf, sizeof(s->buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &fl);
		if (r < DNSW_HEADER)
			break;
		flags = dnsw_get16(s->buf + 2);

		if (!(flags & DNSW_QR) || DNSW_OPCODE(flags) != DNSW_OPCODE_NOTIFY)
			continue;
		for (k = 0; k < s->nnotes; k++) {
			struct rpz_notify *n = &s->notes[k];
			const char *why;

			if (!n->pending || n->id != dnsw_get16(s->buf) || n->tolen != fl ||
			    memcmp(&n->to, &from, fl) != 0)
				continue;
			why = notify_answers(c, n, s->buf, (size_t)r);
			addr_port(&from, a, sizeof(a));
			if (why) {
				fprintf(stderr, "rpz: NOTIFY answer from %s ignored: %s\n", a, why);
				continue;
			}
			n->pending = 0;
			atomic_fetch_add_explicit(&s->acked, 1, memory_order_relaxed);
			fprintf(stderr,
				"rpz: NOTIFY of %s serial %u acknowledged by %s (rcode %d%s)\n",
				c->zones[n->zone].name, n->serial, a, DNSW_RCODE(flags),
				n->key >= 0 ? ", signed" : "");
		}
		fl = sizeof(from);
	}
}

/* rpz.notify: ADDR:PORT or key:NAME@ADDR:PORT (signed with key NAME), comma-separated. */
int rpz_notify_parse(struct rpz_notifier *s, const struct rpz_ctx *c, const char *list,
		     struct isp_err *err)
{
	char buf[sizeof(((struct isp_config *)0)->rpz_notify)], *p, *tok, *save = NULL;
	int i, n;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = buf; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		const char *addr = tok;
		int key = -1;

		if (s->ntargets == RPZ_MAX_NOTIFY)
			return isp_err_set(err, ISR_EINVAL, "rpz.notify: more than %d addresses",
					   RPZ_MAX_NOTIFY);
		if (strncmp(tok, "key:", 4) == 0) {
			char *at = strchr(tok, '@');

			if (!at)
				return isp_err_set(err, ISR_EINVAL,
						   "rpz.notify: %s: expected key:NAME@ADDR:PORT",
						   tok);
			*at = '\0';
			addr = at + 1;
			for (i = 0; i < c->nkeys; i++)
				if (strcmp(c->keys[i].name, tok + 4) == 0)
					key = i;
			if (key < 0)
				return isp_err_set(err, ISR_EINVAL,
						   "rpz.notify: %s: no such key in rpz.tsig", tok);
		}
		if (net_parse_addr_list("rpz.notify", addr, 53, &s->targets[s->ntargets],
					&s->tlens[s->ntargets], 1, &n, err) != 0)
			return ISR_EINVAL;
		s->tkeys[s->ntargets++] = key;
	}
	return 0;
}
