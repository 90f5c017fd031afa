/*
 * tsig_client.c -- TSIG (RFC 8945) of the exchanges ispshield starts as a client (`lists
 * pull`'s SOA query and zone transfer): the request signed with rpz_tsig_append (a
 * request is a message with no prior MAC), each response verified.
 *
 * Verification follows section 5.3.1 for multi-message answers: the first response's
 * MAC covers the request's MAC, the message and every TSIG variable; each later signed
 * one the prior MAC, the unsigned messages since it (whole, as received), the message
 * and the timers only. Up to RPZ_TSIG_MAX_UNSIGNED messages in a row may be unsigned;
 * the first and the last must be signed. The server's own TSIG error (BADSIG, BADKEY,
 * BADTIME: it did not accept our request) is reported before any MAC is checked, since
 * such an answer is unsigned by design.
 */
#include <stdio.h>
#include <string.h>

#include "rpz/rpz_int.h"

int rpz_tsig_sign_request(struct rpz_tsig_client *c, const struct rpz_key *k, uint64_t now,
			  uint8_t *msg, size_t len, size_t cap)
{
	struct rpz_tsig_sign s;
	int n;

	memset(c, 0, sizeof(*c));
	if (len < DNSW_HEADER)
		return -1;
	c->key = k;
	c->req.key = k;
	memcpy(c->req.kname, k->wire, k->wire_len);
	c->req.kname_len = k->wire_len;
	n = dnsw_name_wire(rpz_alg_name(k->alg), c->req.alg, sizeof(c->req.alg));
	if (n < 0)
		return -1;
	c->req.alg_len = (size_t)n;
	c->req.orig_id = dnsw_get16(msg);
	rpz_tsig_sign_init(&s, &c->req, now);
	n = rpz_tsig_append(&s, msg, len, cap);
	if (n < 0)
		return -1;
	memcpy(c->prior, s.prior, s.prior_len);
	c->prior_len = s.prior_len;
	return n;
}

int rpz_tsig_verify(struct rpz_tsig_client *c, const uint8_t *msg, size_t len, uint64_t now,
		    int last)
{
	struct rpz_tsig_rr r;
	uint8_t mac[64];
	size_t full = rpz_tsig_mac_size(c->key->alg);
	int rc = rpz_tsig_find(msg, len, &r);

	if (rc < 0)
		return RPZ_TV_MALFORMED;
	if (!c->open) {
		rpz_hmac_init(&c->h, c->key);
		rpz_hmac_u16(&c->h, (unsigned)c->prior_len);
		rpz_hmac_update(&c->h, c->prior, c->prior_len);
		c->open = 1;
	}
	if (rc == 0) {
		if (c->verified == 0 || last || ++c->unsigned_run > RPZ_TSIG_MAX_UNSIGNED)
			return RPZ_TV_UNSIGNED;
		rpz_hmac_update(&c->h, msg, len);
		return RPZ_TV_OK;
	}
	if (r.kname_len != c->req.kname_len || memcmp(r.kname, c->req.kname, r.kname_len) != 0 ||
	    r.alg_len != c->req.alg_len || memcmp(r.alg, c->req.alg, r.alg_len) != 0)
		return RPZ_TV_OTHERKEY;
	if (r.error) {
		c->error = r.error;
		return RPZ_TV_ERROR;
	}
	if (r.mac_len > full || r.mac_len < (full / 2 > 10 ? full / 2 : 10))
		return RPZ_TV_MALFORMED;
	rpz_hmac_message(&c->h, msg, &r);
	if (c->verified == 0)
		rpz_hmac_vars(&c->h, r.kname, r.kname_len, r.alg, r.alg_len, r.timers, r.error,
			      r.other, r.other_len);
	else
		rpz_hmac_update(&c->h, r.timers, 8);
	rpz_hmac_final(&c->h, mac);
	c->open = 0;
	if (sodium_memcmp(mac, r.mac, r.mac_len) != 0)
		return RPZ_TV_BADSIG;
	if (r.time + r.fudge < now || r.time > now + r.fudge)
		return RPZ_TV_BADTIME;
	memcpy(c->prior, r.mac, r.mac_len);
	c->prior_len = r.mac_len;
	c->verified++;
	c->unsigned_run = 0;
	return RPZ_TV_OK;
}

const char *rpz_tsig_fail_text(const struct rpz_tsig_client *c, int r, char *buf, size_t size)
{
	const char *k = c->key ? c->key->name : "?";
	static const char *const names[] = { "",	"",	  "",	     "",	"",
					     "",	"",	  "",	     "",	"",
					     "",	"",	  "",	     "",	"",
					     "",	"BADSIG", "BADKEY",  "BADTIME", "BADMODE",
					     "BADNAME", "BADALG", "BADTRUNC" };

	switch (r) {
	case RPZ_TV_OK: snprintf(buf, size, "TSIG verified"); break;
	case RPZ_TV_UNSIGNED:
		snprintf(buf, size, "a response is not signed with key %s (TSIG expected)", k);
		break;
	case RPZ_TV_MALFORMED: snprintf(buf, size, "a response's TSIG record is malformed"); break;
	case RPZ_TV_OTHERKEY:
		snprintf(buf, size, "a response is signed with another key or algorithm than %s",
			 k);
		break;
	case RPZ_TV_BADSIG:
		snprintf(buf, size,
			 "a response's TSIG does not verify with key %s (another secret?)", k);
		break;
	case RPZ_TV_BADTIME:
		snprintf(buf, size,
			 "a response's TSIG time is off by more than its fudge (check the "
			 "clocks)");
		break;
	case RPZ_TV_ERROR:
		snprintf(buf, size, "the server refused our TSIG with key %s: %s%s", k,
			 c->error < sizeof(names) / sizeof(names[0]) && names[c->error][0]
				 ? names[c->error]
				 : "error",
			 c->error == RPZ_BADSIG	  ? " (the secret differs from the server's)"
			 : c->error == RPZ_BADKEY ? " (the server has no such key)"
			 : c->error == RPZ_BADTIME
				 ? " (our clock and the server's differ by more than the fudge)"
				 : "");
		break;
	default: snprintf(buf, size, "TSIG failure %d", r); break;
	}
	return buf;
}
