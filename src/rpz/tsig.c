/*
 * tsig.c -- TSIG (RFC 8945) for the RPZ service: keys, the check of a request and the
 * signing of responses, with libsodium's HMAC-SHA-256/512 (never a hand-written HMAC).
 *
 * The request is walked with dnsw_walk_response (bounded, see dnswire.h): the TSIG must
 * be the last record of the additional section, and only once. Its MAC covers the
 * message as it was before the TSIG was added (ARCOUNT one less, the original ID) and
 * then the TSIG variables in canonical form (names lower-cased, uncompressed).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/base/fsutil.h"
#include "rpz/rpz_int.h"

#define TSIG_FILE_MAX 4096

static const char *const alg_names[] = { "hmac-sha256", "hmac-sha512" };

static size_t mac_size(enum rpz_alg a)
{
	return a == RPZ_HMAC_SHA512 ? 64 : 32;
}

/* An HMAC being computed with one of the two algorithms. */
struct hmac {
	enum rpz_alg alg;
	crypto_auth_hmacsha256_state s256;
	crypto_auth_hmacsha512_state s512;
};

static void hm_init(struct hmac *h, const struct rpz_key *k)
{
	h->alg = k->alg;
	if (k->alg == RPZ_HMAC_SHA512)
		crypto_auth_hmacsha512_init(&h->s512, k->secret, k->secret_len);
	else
		crypto_auth_hmacsha256_init(&h->s256, k->secret, k->secret_len);
}

static void hm_update(struct hmac *h, const void *p, size_t n)
{
	if (h->alg == RPZ_HMAC_SHA512)
		crypto_auth_hmacsha512_update(&h->s512, p, n);
	else
		crypto_auth_hmacsha256_update(&h->s256, p, n);
}

static void hm_u16(struct hmac *h, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	hm_update(h, b, 2);
}

static void hm_final(struct hmac *h, uint8_t *mac)
{
	if (h->alg == RPZ_HMAC_SHA512)
		crypto_auth_hmacsha512_final(&h->s512, mac);
	else
		crypto_auth_hmacsha256_final(&h->s256, mac);
}

static void put48(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (40 - 8 * i));
}

static uint64_t get48(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

int rpz_key_secret(struct rpz_key *k, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *s;
	size_t bin = 0;

	/* a BIND key file: secret "BASE64"; */
	s = memmem(text, len, "secret", 6);
	if (s) {
		const char *q = memchr(s, '"', (size_t)(end - s));
		const char *e = q ? memchr(q + 1, '"', (size_t)(end - q - 1)) : NULL;

		if (!e)
			return -1;
		p = q + 1;
		end = e;
	}
	if (sodium_base642bin(k->secret, sizeof(k->secret), p, (size_t)(end - p), " \t\r\n", &bin,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin == 0)
		return -1;
	k->secret_len = bin;
	return 0;
}

int rpz_key_parse(const char *spec, const char *what, struct rpz_key *k, struct isp_err *err)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char name[256], alg[32];
	char *text = NULL;
	size_t len = 0, i;
	int n, rc;

	memset(k, 0, sizeof(*k));
	if (!c2 || (size_t)(c1 - spec) >= sizeof(name) || (size_t)(c2 - c1 - 1) >= sizeof(alg))
		return isp_err_set(err, ISR_EINVAL, "%s: %s: expected NAME:ALGORITHM:SECRETFILE",
				   what, spec);
	snprintf(name, sizeof(name), "%.*s", (int)(c1 - spec), spec);
	snprintf(alg, sizeof(alg), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	for (i = 0; name[i]; i++)
		name[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	if (i && name[i - 1] == '.')
		name[i - 1] = '\0';
	n = dnsw_name_wire(name, k->wire, sizeof(k->wire));
	if (n <= 1)
		return isp_err_set(err, ISR_EINVAL, "%s: key name %s is not a DNS name", what,
				   name);
	k->wire_len = (size_t)n;
	snprintf(k->name, sizeof(k->name), "%s", name);
	if (strcmp(alg, alg_names[0]) == 0)
		k->alg = RPZ_HMAC_SHA256;
	else if (strcmp(alg, alg_names[1]) == 0)
		k->alg = RPZ_HMAC_SHA512;
	else
		return isp_err_set(err, ISR_EINVAL,
				   "%s: key %s: algorithm %s (hmac-sha256 or hmac-sha512)", what,
				   name, alg);
	rc = fs_check_secret(c2 + 1, -1, what, err);
	if (rc)
		return rc;
	rc = fs_read_file(c2 + 1, TSIG_FILE_MAX, &text, &len, err);
	if (rc)
		return rc;
	rc = rpz_key_secret(k, text, len);
	sodium_memzero(text, len);
	free(text);
	if (rc)
		return isp_err_set(err, ISR_EINVAL, "%s: %s: no base64 secret in it", what, c2 + 1);
	return 0;
}

/* The request walk: where the TSIG is and whether anything follows it. */
struct twalk {
	size_t tsig_off, rd_off;
	uint16_t rdlen;
	char owner[256];
	int count, after;
};

static int on_rr(void *ud, const struct dnsw_rr *rr)
{
	struct twalk *w = ud;

	if (w->count)
		w->after++;
	if (rr->type == DNSW_TSIG) {
		if (rr->section != 3 || w->count)
			return -2;
		w->count = 1;
		w->tsig_off = rr->offset;
		w->rd_off = rr->ttl_offset + 6;
		w->rdlen = rr->rdlen;
		memcpy(w->owner, rr->owner, sizeof(w->owner));
	}
	return 0;
}

static const struct rpz_key *find_key(const struct rpz_key *keys, int nkeys, const char *name,
				      enum rpz_alg alg)
{
	int i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].name, name) == 0 && keys[i].alg == alg)
			return &keys[i];
	return NULL;
}

/* rpz_tsig_check, and the check of a response when prior (the request's MAC) is set. */
static int check(const uint8_t *pkt, size_t len, const struct rpz_key *keys, int nkeys,
		 uint64_t now, const uint8_t *prior, size_t prior_len, struct rpz_tsig_req *t)
{
	struct twalk w;
	char alg[256];
	size_t p, end, full, alen, tpos;
	int n;
	uint16_t fudge, other_len, error;
	const struct rpz_key *k;
	struct hmac h;
	uint8_t mac[64], hdr[DNSW_HEADER];
	int an;

	memset(t, 0, sizeof(*t));
	memset(&w, 0, sizeof(w));
	if (len < DNSW_HEADER)
		return -1;
	an = dnsw_walk_response(pkt, len, on_rr, &w);
	if (an != 0 || (w.count && w.after))
		return -1;
	if (!w.count)
		return 0;
	/* RDATA: algorithm, time 48, fudge 16, MAC size 16, MAC, original ID, error,
	 * other length, other data */
	p = w.rd_off;
	end = p + w.rdlen;
	if (dnsw_read_name(pkt, end, p, &p, alg, t->alg, &alen) < 0 || p + 10 > end)
		return -1;
	tpos = p;
	t->time = get48(pkt + p);
	fudge = dnsw_get16(pkt + p + 6);
	t->mac_len = dnsw_get16(pkt + p + 8);
	p += 10;
	if (t->mac_len > sizeof(t->mac) || p + t->mac_len + 6 > end)
		return -1;
	memcpy(t->mac, pkt + p, t->mac_len);
	p += t->mac_len;
	t->orig_id = dnsw_get16(pkt + p);
	error = dnsw_get16(pkt + p + 2);
	other_len = dnsw_get16(pkt + p + 4);
	if (p + 6 + other_len != end)
		return -1;
	/* canonical names: lower-cased, uncompressed (the owner may have been compressed) */
	n = dnsw_name_wire(w.owner, t->kname, sizeof(t->kname));
	if (n < 0) { /* a name with odd bytes: no key has it */
		t->kname[0] = 0;
		n = 1;
	}
	t->kname_len = (size_t)n;
	t->alg_len = alen;
	n = dnsw_name_wire(alg, t->alg, sizeof(t->alg));
	if (n > 0)
		t->alg_len = (size_t)n;
	k = strcmp(alg, alg_names[0]) == 0   ? find_key(keys, nkeys, w.owner, RPZ_HMAC_SHA256)
	    : strcmp(alg, alg_names[1]) == 0 ? find_key(keys, nkeys, w.owner, RPZ_HMAC_SHA512)
					     : NULL;
	if (!k) {
		t->error = RPZ_BADKEY;
		return 2;
	}
	full = mac_size(k->alg);
	if (t->mac_len > full || t->mac_len < (full / 2 > 10 ? full / 2 : 10))
		return -1;
	memcpy(hdr, pkt, DNSW_HEADER);
	dnsw_put16(hdr, t->orig_id);
	dnsw_put16(hdr + 10, (uint16_t)(dnsw_get16(hdr + 10) - 1));
	hm_init(&h, k);
	if (prior_len) {
		hm_u16(&h, (unsigned)prior_len);
		hm_update(&h, prior, prior_len);
	}
	hm_update(&h, hdr, DNSW_HEADER);
	hm_update(&h, pkt + DNSW_HEADER, w.tsig_off - DNSW_HEADER);
	hm_update(&h, t->kname, t->kname_len);
	hm_u16(&h, 255);	      /* class ANY */
	hm_update(&h, "\0\0\0\0", 4); /* TTL */
	hm_update(&h, t->alg, t->alg_len);
	hm_update(&h, pkt + tpos, 8); /* time signed, fudge */
	hm_u16(&h, error);
	hm_u16(&h, other_len);
	hm_update(&h, pkt + end - other_len, other_len);
	hm_final(&h, mac);
	if (sodium_memcmp(mac, t->mac, t->mac_len) != 0) {
		t->error = RPZ_BADSIG;
		return 2;
	}
	t->key = k;
	if (t->time + fudge < now || t->time > now + fudge) {
		t->error = RPZ_BADTIME;
		return 2;
	}
	return 1;
}

int rpz_tsig_check(const uint8_t *pkt, size_t len, const struct rpz_key *keys, int nkeys,
		   uint64_t now, struct rpz_tsig_req *t)
{
	return check(pkt, len, keys, nkeys, now, NULL, 0, t);
}

int rpz_tsig_check_response(const uint8_t *pkt, size_t len, const struct rpz_key *key,
			    const uint8_t *mac, size_t mac_len, uint64_t now)
{
	struct rpz_tsig_req t;

	return check(pkt, len, key, 1, now, mac, mac_len, &t) == 1 && t.key == key ? 0 : -1;
}

void rpz_tsig_request(struct rpz_tsig_req *t, const struct rpz_key *key, uint16_t id)
{
	memset(t, 0, sizeof(*t));
	t->key = key;
	memcpy(t->kname, key->wire, key->wire_len);
	t->kname_len = key->wire_len;
	t->alg_len = (size_t)dnsw_name_wire(alg_names[key->alg], t->alg, sizeof(t->alg));
	t->orig_id = id;
}

void rpz_tsig_sign_init(struct rpz_tsig_sign *s, const struct rpz_tsig_req *req, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->req = req;
	s->now = now;
	memcpy(s->prior, req->mac, req->mac_len);
	s->prior_len = req->mac_len;
}

int rpz_tsig_append(struct rpz_tsig_sign *s, uint8_t *msg, size_t len, size_t cap)
{
	const struct rpz_tsig_req *r = s->req;
	const struct rpz_key *k = r->key;
	int sign = r->error != RPZ_BADKEY && r->error != RPZ_BADSIG && k;
	size_t mlen = sign ? mac_size(k->alg) : 0, otherlen = r->error == RPZ_BADTIME ? 6 : 0;
	uint8_t mac[64], tm[8], other[6];
	size_t need = r->kname_len + 10 + r->alg_len + 16 + mlen + otherlen;
	uint8_t *p;
	struct hmac h;

	if (len + need > cap)
		return -1;
	put48(tm, r->error == RPZ_BADTIME ? r->time : s->now);
	dnsw_put16(tm + 6, RPZ_FUDGE);
	put48(other, s->now);
	if (sign) {
		hm_init(&h, k);
		if (s->prior_len) { /* a response: the request's MAC, or the last one */
			hm_u16(&h, (unsigned)s->prior_len);
			hm_update(&h, s->prior, s->prior_len);
		}
		hm_update(&h, msg, len);
		if (s->nsigned == 0) {
			hm_update(&h, r->kname, r->kname_len);
			hm_u16(&h, 255);
			hm_update(&h, "\0\0\0\0", 4);
			hm_update(&h, r->alg, r->alg_len);
			hm_update(&h, tm, 8);
			hm_u16(&h, (unsigned)r->error);
			hm_u16(&h, (unsigned)otherlen);
			hm_update(&h, other, otherlen);
		} else {
			hm_update(&h, tm, 8);
		}
		hm_final(&h, mac);
		memcpy(s->prior, mac, mlen);
		s->prior_len = mlen;
	}
	s->nsigned++;
	p = msg + len;
	memcpy(p, r->kname, r->kname_len);
	p += r->kname_len;
	dnsw_put16(p, DNSW_TSIG);
	dnsw_put16(p + 2, 255);
	memset(p + 4, 0, 4);
	dnsw_put16(p + 8, (uint16_t)(r->alg_len + 16 + mlen + otherlen));
	p += 10;
	memcpy(p, r->alg, r->alg_len);
	p += r->alg_len;
	memcpy(p, tm, 8);
	dnsw_put16(p + 8, (uint16_t)mlen);
	p += 10;
	memcpy(p, mac, mlen);
	p += mlen;
	dnsw_put16(p, r->orig_id);
	dnsw_put16(p + 2, (uint16_t)r->error);
	dnsw_put16(p + 4, (uint16_t)otherlen);
	memcpy(p + 6, other, otherlen);
	dnsw_put16(msg + 10, (uint16_t)(dnsw_get16(msg + 10) + 1));
	return (int)(len + need);
}
