/*
 * parse_fmt.c -- the per-program readers of authwatch: FreeRADIUS (radius.log and
 * linelog), Postfix smtpd SASL lines, Dovecot login-process lines.
 *
 * What real lines look like (FreeRADIUS 3.2 output in ../shared/formats/freeradius, and
 * fail2ban's postfix.conf and dovecot.conf, which collect the variants seen in the
 * field):
 *
 *   Sun Nov 22 10:40:31 2026 : Auth: (0) Login incorrect (pap: ...): [sub0001]
 *       (from client localhost port 0 cli 00-16-3e-aa-bb-01)
 *   Nov 22 10:40:31 mx postfix/smtpd[123]: warning: unknown[192.0.2.9]: SASL LOGIN
 *       authentication failed: UGFzc3dvcmQ6[, sasl_username=alice]
 *   Nov 22 10:40:31 mx postfix/submission/smtpd[123]: 4F1A2B3C4D: client=unknown[192.0.2.9],
 *       sasl_method=PLAIN, sasl_username=alice
 *   Nov 22 10:40:31 mx dovecot: imap-login: Login: user=<alice>, method=PLAIN,
 *       rip=192.0.2.9, lip=10.0.0.1, mpid=123, TLS, session=<...>
 *   Nov 22 10:40:31 mx dovecot: pop3-login: Disconnected (auth failed, 3 attempts in 12
 *       secs): user=<alice>, method=PLAIN, rip=192.0.2.9, lip=10.0.0.1, session=<...>
 *
 * Postfix logs a successful SASL login once per message ("client=..., sasl_username="),
 * so those lines are sends (AWR_SEND) as well as logins. Dovecot's auth process lines
 * (pam_unix, "Password mismatch", with auth_verbose) repeat what the login process
 * already said, so only the login-process lines are read: every failure counts once.
 */
#include <stdlib.h>
#include <string.h>

#include "authwatch/aw_int.h"

/* The last occurrence of needle in [s, end). */
static const char *rfind(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	const char *p;

	if ((size_t)(end - s) < n)
		return NULL;
	for (p = end - n; p >= s; p--)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

static size_t span_until(const char *s, const char *stops)
{
	return strcspn(s, stops);
}

/* "(from client NAME port N cli CSID)" tail of a radius.log Auth line. */
static void radius_from(const char *p, struct aw_rec *out)
{
	const char *q;

	p += strlen(" (from client ");
	aw_copy(out->nas, sizeof(out->nas), p, span_until(p, " )"));
	q = strstr(p, " cli ");
	if (q) {
		q += 5;
		aw_set_source(out, q, span_until(q, " )"));
	}
}

int aw_parse_radius_msg(const char *msg, struct aw_rec *out, struct isp_err *err)
{
	const char *from, *ok, *bad, *end, *u;

	if (msg[0] == '(') { /* the request number, "(12) " */
		const char *q = strchr(msg, ')');

		if (q && q[1] == ' ')
			msg = q + 2;
	}
	ok = strncmp(msg, "Login OK: [", 11) == 0 ? msg : NULL;
	bad = strncmp(msg, "Login incorrect", 15) == 0 ? msg : NULL;
	if (!ok && !bad)
		return 0;
	end = msg + strlen(msg);
	from = rfind(msg, end, " (from client ");
	if (!from || from == msg || from[-1] != ']')
		return isp_err_set(err, ISR_EFORMAT, "Login line cut short (no \"(from client\")");
	if (ok) {
		u = msg + 11;
	} else {
		u = rfind(msg, from, ": [");
		if (!u)
			return isp_err_set(err, ISR_EFORMAT, "Login incorrect without [user]");
		u += 3;
	}
	if (u > from - 1)
		return isp_err_set(err, ISR_EFORMAT, "Login line without [user]");
	aw_copy(out->user, sizeof(out->user), u, (size_t)(from - 1 - u));
	out->result = ok ? AWR_OK : AWR_FAIL;
	out->service = AWS_PPP;
	radius_from(from, out);
	return 1;
}

/* One Name=value or Name="value" pair of a linelog line: returns the bytes used, 0 at
 * the end. Quoted values may hold \" and \\. */
static size_t pair(const char *s, char *name, size_t nsize, char *val, size_t vsize)
{
	const char *p = s, *k;
	size_t n = 0;

	while (*p == ' ' || *p == ',' || *p == '\t')
		p++;
	k = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_' ||
	       (*p >= '0' && *p <= '9'))
		p++;
	if (*p != '=' || p == k) {
		/* not a pair: skip one word */
		p += span_until(p, " ,\t");
		name[0] = val[0] = '\0';
		return (size_t)(p - s);
	}
	aw_copy(name, nsize, k, (size_t)(p - k));
	p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < vsize)
				val[n++] = *p;
		}
		if (*p == '"')
			p++;
		val[n] = '\0';
	} else {
		n = span_until(p, " ,\t");
		aw_copy(val, vsize, p, n);
		p += n;
	}
	return (size_t)(p - s);
}

static int parse_linelog(const char *line, struct aw_clock *clk, struct aw_rec *out,
			 struct isp_err *err)
{
	char name[64], val[AW_USER_MAX];
	const char *p = line;
	size_t k;
	int have_time = 0, have_user = 0;

	k = aw_parse_time(p, strlen(p), clk, &out->time);
	if (k) {
		have_time = 1;
		p += k;
	}
	out->service = AWS_PPP;
	while (*p) {
		k = pair(p, name, sizeof(name), val, sizeof(val));
		if (k == 0)
			break;
		p += k;
		if (!strcmp(name, "User-Name")) {
			aw_copy(out->user, sizeof(out->user), val, strlen(val));
			have_user = 1;
		} else if (!strcmp(name, "Calling-Station-Id")) {
			aw_set_source(out, val, strlen(val));
		} else if (!strcmp(name, "NAS-IP-Address") ||
			   (!strcmp(name, "NAS-Identifier") && !out->nas[0])) {
			aw_copy(out->nas, sizeof(out->nas), val, strlen(val));
		} else if (!strcmp(name, "result") || !strcmp(name, "Packet-Type") ||
			   !strcmp(name, "Reply-Packet-Type")) {
			if (strstr(val, "Accept"))
				out->result = AWR_OK;
			else if (strstr(val, "Reject"))
				out->result = AWR_FAIL;
		} else if (!strcmp(name, "Event-Timestamp") || !strcmp(name, "time")) {
			char *e;
			long long v = strtoll(val, &e, 10);

			if (*e == '\0' && e != val && v >= 0)
				out->time = v, have_time = 1;
			else if (aw_parse_time(val, strlen(val), clk, &out->time) == strlen(val))
				have_time = 1;
		} else if (!strcmp(name, "service")) {
			out->service = aw_service_parse(val);
		}
	}
	if (!have_user)
		return isp_err_set(err, ISR_EFORMAT, "linelog line without User-Name");
	if (!have_time)
		return isp_err_set(err, ISR_EFORMAT, "linelog line without a time");
	if (!out->result)
		return isp_err_set(err, ISR_EFORMAT,
				   "linelog line without result=Access-Accept|Access-Reject");
	return 1;
}

int aw_parse_radius_file(char *line, struct aw_clock *clk, struct aw_rec *out, struct isp_err *err)
{
	size_t n = strlen(line);
	size_t k = aw_parse_time(line, n, clk, &out->time);

	if (k == 24 && strncmp(line + 24, " : ", 3) == 0) {
		if (strncmp(line + 27, "Auth: ", 6) != 0)
			return 0; /* Info:, Error:, ... */
		return aw_parse_radius_msg(line + 33, out, err);
	}
	if (strstr(line, "User-Name="))
		return parse_linelog(line, clk, out, err);
	return isp_err_set(err, ISR_EFORMAT, "not a radius.log or linelog line");
}

/* "NAME[ADDR]" at p: sets the source from ADDR; returns the byte after ']' or NULL. */
static const char *client_addr(const char *p, struct aw_rec *out)
{
	const char *a = strchr(p, '['), *b;

	if (!a)
		return NULL;
	b = strchr(a, ']');
	if (!b || b - a > AW_SRC_MAX)
		return NULL;
	aw_set_source(out, a + 1, (size_t)(b - a - 1));
	return b + 1;
}

static void sasl_user(const char *msg, struct aw_rec *out)
{
	const char *u = strstr(msg, "sasl_username=");

	if (u) {
		u += 14;
		aw_copy(out->user, sizeof(out->user), u, span_until(u, ","));
	}
}

int aw_parse_postfix(const struct aw_syslog *h, struct aw_rec *out, struct isp_err *err)
{
	const char *msg = h->msg, *p;

	if (!strstr(h->prog, "smtpd"))
		return 0;
	out->service = AWS_SMTP;
	if (strncmp(msg, "warning: ", 9) == 0 && strstr(msg, " authentication failed")) {
		p = client_addr(msg + 9, out);
		if (!p || strncmp(p, ": SASL ", 7) != 0)
			return isp_err_set(err, ISR_EFORMAT,
					   "SASL failure without client[address]");
		out->result = AWR_FAIL;
		sasl_user(p, out);
		return 1;
	}
	p = strstr(msg, ": client=");
	if (p && strstr(p, "sasl_username=")) {
		p = client_addr(p + 9, out);
		if (!p)
			return isp_err_set(err, ISR_EFORMAT, "client= without [address]");
		out->result = AWR_SEND;
		sasl_user(p, out);
		return 1;
	}
	return 0;
}

/* The value of "key" in "key=<value>, " or "key=value, " after p; "" when absent. */
static void dv_field(const char *p, const char *key, char *dst, size_t size)
{
	const char *k = strstr(p, key);

	dst[0] = '\0';
	if (!k)
		return;
	k += strlen(key);
	if (*k == '<') {
		const char *e = strchr(k + 1, '>');

		if (e)
			aw_copy(dst, size, k + 1, (size_t)(e - k - 1));
		return;
	}
	aw_copy(dst, size, k, span_until(k, ", "));
}

int aw_parse_dovecot(const struct aw_syslog *h, struct aw_rec *out, struct isp_err *err)
{
	const char *body = h->msg, *p;
	char rip[AW_SRC_MAX];

	if (strstr(h->prog, "-login")) {
		out->service = aw_service_parse(h->prog);
	} else {
		p = strstr(body, "-login: ");
		if (!p || span_until(body, " :") < (size_t)(p - body))
			return 0; /* auth:, master:, lda: ... */
		out->service = aw_service_parse(body);
		body = p + 8;
	}
	if (strncmp(body, "Info: ", 6) == 0)
		body += 6;
	if (strncmp(body, "Login: ", 7) == 0) {
		out->result = AWR_OK;
	} else if ((p = strstr(body, "(auth failed, ")) != NULL) {
		out->result = AWR_FAIL;
		out->count = strtol(p + 14, NULL, 10);
		if (out->count < 1 || out->count > 1000)
			out->count = 1;
	} else {
		return 0;
	}
	dv_field(body, "user=", out->user, sizeof(out->user));
	dv_field(body, "rip=", rip, sizeof(rip));
	if (!rip[0])
		return isp_err_set(err, ISR_EFORMAT, "Dovecot login line without rip=");
	aw_set_source(out, rip, strlen(rip));
	return 1;
}
