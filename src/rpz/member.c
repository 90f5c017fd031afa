/*
 * member.c -- the members of the RPZ service (see rpz_int.h): the ACL (rpz.allow) parsed
 * into one member per entry, the member a request belongs to, and the per-member rate of
 * transfers (rpz.member-rate, a token bucket: a member may start that many transfers at
 * once, and one more each 60/rate seconds).
 *
 * Members are few (an ISAC's member ISPs, at most RPZ_MAX_MEMBERS) and looked up once a
 * request, so a linear walk is enough; each CIDR entry is its own prefix set, so that the
 * one that let a request in can be named in the metrics.
 */
#include <stdio.h>
#include <string.h>

#include "rpz/rpz_int.h"

static int add_member(struct rpz_ctx *c, const char *name, int key, const char *cidr,
		      struct isp_err *err)
{
	struct rpz_member *m;
	size_t len = strlen(name);

	if (c->nmembers == RPZ_MAX_MEMBERS)
		return isp_err_set(err, ISR_EINVAL, "rpz.allow: more than %d entries",
				   RPZ_MAX_MEMBERS);
	m = &c->members[c->nmembers];
	memset(m, 0, sizeof(*m));
	if (len >= sizeof(m->name))
		len = sizeof(m->name) - 1;
	memmove(m->name, name, len); /* name may be a key's, in c too */
	m->name[len] = '\0';
	m->key = key;
	if (cidr && prefixset_parse(cidr, &m->net, err) != 0)
		return ISR_EINVAL;
	c->nmembers++;
	return 0;
}

int rpz_acl_parse(struct rpz_ctx *c, const char *list, struct isp_err *err)
{
	char buf[4096];
	char *p, *save = NULL, *tok;
	int i, rc;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = buf; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		if (strncmp(tok, "key:", 4) != 0) {
			rc = add_member(c, tok, -1, tok, err);
			if (rc)
				return rc;
			continue;
		}
		for (i = 0; i < c->nkeys; i++)
			if (strcmp(c->keys[i].name, tok + 4) == 0)
				break;
		if (i == c->nkeys)
			return isp_err_set(err, ISR_EINVAL,
					   "rpz.allow: %s: no such key in rpz.tsig", tok);
		rc = add_member(c, c->keys[i].name, i, NULL, err);
		if (rc)
			return rc;
	}
	if (c->nmembers)
		return 0;
	for (i = 0; i < c->nkeys; i++) {
		rc = add_member(c, c->keys[i].name, i, NULL, err);
		if (rc)
			return rc;
	}
	if (c->nkeys)
		return 0;
	rc = add_member(c, "127.0.0.0/8", -1, "127.0.0.0/8", err);
	return rc ? rc : add_member(c, "::1", -1, "::1", err);
}

int rpz_member_of(const struct rpz_ctx *c, const struct rpz_key *key, const struct sockaddr *from)
{
	int i;

	if (key)
		for (i = 0; i < c->nmembers; i++)
			if (c->members[i].key >= 0 && &c->keys[c->members[i].key] == key)
				return i;
	for (i = 0; i < c->nmembers; i++)
		if (c->members[i].net && from && prefixset_contains_sa(c->members[i].net, from))
			return i;
	return -1;
}

int rpz_member_take(struct rpz_ctx *c, int mi, uint64_t now)
{
	struct rpz_member *m = &c->members[mi];
	double rate = c->member_rate;

	if (c->member_rate <= 0)
		return 1;
	if (m->tokens_at == 0 || now < m->tokens_at) {
		m->tokens = rate;
	} else {
		m->tokens += (double)(now - m->tokens_at) * rate / 60.0;
		if (m->tokens > rate)
			m->tokens = rate;
	}
	m->tokens_at = now;
	if (m->tokens < 1.0)
		return 0;
	m->tokens -= 1.0;
	return 1;
}

void rpz_members_free(struct rpz_ctx *c)
{
	int i;

	for (i = 0; i < c->nmembers; i++)
		prefixset_free(c->members[i].net);
	c->nmembers = 0;
}
