/*
 * xarf.c -- X-ARF v4 reports and their mail (xarf.h). The JSON is built with jansson
 * (strings through jsonout_str: any bytes from a partner's row become valid UTF-8); the
 * mail reuses core/base/mime for encoding, so it is written the way the notices are.
 */
#include "core/events/xarf.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonout.h"
#include "core/base/mime.h"
#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/base/timefmt.h"

void xarf_party_from(struct xarf_party *p, const char *isp_name, const char *contact,
		     const char *from)
{
	const char *at = from ? strchr(from, '@') : NULL;
	size_t i;

	if (!at && contact)
		at = strchr(contact, '@');
	p->org = isp_name && isp_name[0] ? isp_name : "ispshield";
	p->contact = contact && contact[0] ? contact : (from ? from : "");
	snprintf(p->domain, sizeof(p->domain), "%s", at && at[1] ? at + 1 : "invalid");
	for (i = 0; p->domain[i]; i++)
		if (p->domain[i] == '>' || isspace((unsigned char)p->domain[i]))
			p->domain[i] = '\0';
}

static int has(const char *s)
{
	return s && s[0];
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static const char *iso(int64_t t, char out[TIME_FMT_UTC_MAX])
{
	char b[TIME_FMT_UTC_MAX];

	time_fmt_utc((long long)t, b);
	b[10] = 'T';
	snprintf(out, TIME_FMT_UTC_MAX, "%.19sZ", b);
	return out;
}

/* A tag "ns:pred" of the schema's form ([a-z0-9][a-z0-9_+-]*) from any text: lower case,
 * other bytes '-'; NULL when nothing is left. */
static json_t *tag(const char *ns, const char *pred)
{
	char t[128];
	size_t k, i;

	k = (size_t)snprintf(t, sizeof(t), "%s:", ns);
	for (i = 0; pred[i] && k < sizeof(t) - 1; i++) {
		int c = tolower((unsigned char)pred[i]);

		t[k++] = (char)(isalnum(c) || ((c == '_' || c == '+' || c == '-') && i) ? c : '-');
	}
	t[k] = '\0';
	if (!isalnum((unsigned char)t[strlen(ns) + 1]))
		return NULL;
	return json_string(t);
}

static json_t *party(const struct xarf_party *p)
{
	return json_pack("{s:o, s:o, s:o}", "org", jsonout_str(p->org), "contact",
			 jsonout_str(p->contact), "domain", jsonout_str(p->domain));
}

/* The category, type and type-specific fields of e into o. */
static void classify(json_t *o, const struct xarf_event *e, const char *first)
{
	const char *cat = "reputation", *type = "threat_intelligence", *service = NULL;
	const char *threat = "unknown";

	switch (e->cause) {
	case CAUSE_CC: {
		struct strbuf b = { 0 };

		cat = "infrastructure";
		type = "botnet";
		strbuf_str(&b, "contacted a command-and-control server");
		if (has(e->detail))
			strbuf_fmt(&b, " (%s)", e->detail);
		json_object_set_new(o, "compromise_evidence", jsonout_str(b.p ? b.p : ""));
		free(b.p);
		if (has(e->family))
			json_object_set_new(o, "malware_family", jsonout_str(e->family));
		break;
	}
	case CAUSE_MALWARE_SITE:
		if (has(e->url)) {
			cat = "content";
			type = "malware";
			json_object_set_new(o, "url", jsonout_str(e->url));
			if (has(e->family))
				json_object_set_new(o, "malware_family", jsonout_str(e->family));
		} else {
			threat = "malware-site-visit";
		}
		break;
	case CAUSE_OPEN_RESOLVER:
		cat = "vulnerability";
		type = "open_service";
		service = "dns";
		break;
	case CAUSE_OPEN_PROXY:
		cat = "vulnerability";
		type = "open_service";
		service = "proxy";
		break;
	case CAUSE_VULNERABLE_ROUTER:
		cat = "vulnerability";
		type = "misconfiguration";
		service = "router-admin";
		break;
	case CAUSE_CREDENTIAL:
		if (e->port) {
			cat = "connection";
			type = "login_attack";
			json_object_set_new(o, "protocol", json_string("tcp"));
			json_object_set_new(o, "first_seen", json_string(first));
		} else {
			threat = "credential-abuse";
		}
		break;
	default: break;
	}
	json_object_set_new(o, "category", json_string(cat));
	json_object_set_new(o, "type", json_string(type));
	if (service)
		json_object_set_new(o, "service", json_string(service));
	if (strcmp(cat, "reputation") == 0)
		json_object_set_new(o, "threat_type", json_string(threat));
}

/* The report id: a name-based UUID of what the report says. */
static void report_id(const struct xarf_party *me, const struct xarf_event *e,
		      char out[SHA256_UUID_MAX])
{
	const char *parts[] = { me->domain, e->source, e->url, e->reference, e->tag, e->evidence };
	struct sha256 c;
	uint8_t h[SHA256_LEN];
	char num[64];
	size_t i;

	sha256_init(&c);
	sha256_update(&c, "ispshield xarf\n", 15);
	snprintf(num, sizeof(num), "%lld %d %u\n", (long long)e->time, (int)e->cause,
		 (unsigned)e->port);
	sha256_update(&c, num, strlen(num));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		sha256_update(&c, parts[i] ? parts[i] : "", parts[i] ? strlen(parts[i]) + 1 : 1);
	sha256_final(&c, h);
	sha256_uuid(h, out);
}

static json_t *evidence(const struct xarf_event *e)
{
	struct strbuf b64 = { 0 };
	struct sha256 c;
	uint8_t h[SHA256_LEN];
	char hex[8 + 2 * SHA256_LEN];
	size_t n = strlen(e->evidence);
	json_t *item;

	if (n > XARF_MAX_EVIDENCE)
		n = XARF_MAX_EVIDENCE;
	mime_base64(&b64, (const unsigned char *)e->evidence, n, 0);
	sha256_init(&c);
	sha256_update(&c, e->evidence, n);
	sha256_final(&c, h);
	snprintf(hex, sizeof(hex), "sha256:");
	sha256_hex(h, hex + 7);
	item = json_pack("{s:s, s:o, s:s, s:s, s:I}", "content_type",
			 has(e->ev_type) ? e->ev_type : "text/plain", "description",
			 jsonout_str(has(e->ev_desc) ? e->ev_desc : "the report as received"),
			 "payload", b64.p ? b64.p : "", "hash", hex, "size", (json_int_t)n);
	if (b64.oom) {
		json_decref(item);
		item = NULL;
	}
	free(b64.p);
	return item;
}

int xarf_report(const struct xarf_party *me, const struct xarf_event *e, char **out,
		struct isp_err *err)
{
	char id[SHA256_UUID_MAX], t[TIME_FMT_UTC_MAX], first[TIME_FMT_UTC_MAX],
		last[TIME_FMT_UTC_MAX];
	json_t *o, *tags;

	*out = NULL;
	if (!has(e->source))
		return isp_err_set(err, ISR_EINVAL, "X-ARF: a report needs a source");
	report_id(me, e, id);
	iso(e->first_seen ? e->first_seen : e->time, first);
	iso(e->last_seen ? e->last_seen : e->time, last);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s}", "xarf_version", XARF_VERSION,
		      "report_id", id, "timestamp", iso(e->time, t), "reporter", party(me),
		      "sender", party(me), "source_identifier", jsonout_str(e->source),
		      "evidence_source", "threat_intelligence");
	if (!o)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (e->port)
		json_object_set_new(o, "source_port", json_integer(e->port));
	classify(o, e, first);
	if (e->first_seen || e->last_seen) {
		json_object_set_new(o, "first_seen", json_string(first));
		json_object_set_new(o, "last_seen", json_string(last));
	}
	if (has(e->description)) {
		size_t n = strlen(e->description);

		json_object_set_new(o, "description",
				    jsonout_strn(e->description, n > XARF_MAX_DESCRIPTION
									 ? XARF_MAX_DESCRIPTION
									 : n));
	}
	tags = json_array();
	json_array_append_new(tags, json_pack("s", "tool:ispshield"));
	if (has(e->family))
		json_array_append_new(tags, tag("malware", e->family));
	if (has(e->tag)) {
		const char *colon = strchr(e->tag, ':');
		char ns[64];

		snprintf(ns, sizeof(ns), "%.*s", colon ? (int)(colon - e->tag) : 0, e->tag);
		if (colon && ns[0])
			json_array_append_new(tags, tag(ns, colon + 1));
	}
	json_object_set_new(o, "tags", tags);
	if (has(e->reference))
		json_object_set_new(o, "reference", jsonout_str(e->reference));
	if (has(e->evidence))
		json_object_set_new(o, "evidence", json_pack("[o]", evidence(e)));
	*out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!*out)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	return 0;
}

/* 1 when the header line at h (up to its name's ':') is named name (case ignored). */
static int header_is(const char *h, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && h[k] == ':' && str_eq_nocase(h, k, name);
}

int xarf_mail_wrap(const char *msg, size_t len, const char *json, char **out, size_t *outlen,
		   struct isp_err *err)
{
	struct strbuf top = { 0 }, part = { 0 }, m = { 0 };
	const char *body = NULL, *p = msg, *end = msg + len;
	char boundary[64];
	uint8_t h[SHA256_LEN];
	struct sha256 c;
	int to_part = 0;

	*out = NULL;
	*outlen = 0;
	for (const char *q = msg; q + 3 < end; q++)
		if (q[0] == '\r' && q[1] == '\n' && q[2] == '\r' && q[3] == '\n') {
			body = q + 4;
			break;
		}
	if (!body)
		return isp_err_set(err, ISR_EFORMAT, "X-ARF: the message has no header/body split");
	/* header fields (with their folded lines): Content-* to part 1, the rest stays */
	while (p < body - 2) {
		const char *nl = memchr(p, '\n', (size_t)(body - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(body - p);

		if (*p != ' ' && *p != '\t')
			to_part = header_is(p, n, "Content-Type") ||
				  header_is(p, n, "Content-Transfer-Encoding") ||
				  header_is(p, n, "Content-Disposition");
		if (!header_is(p, n, "MIME-Version"))
			strbuf_add(to_part ? &part : &top, p, n);
		p += n;
	}
	sha256_init(&c);
	sha256_update(&c, msg, len);
	sha256_update(&c, json, strlen(json));
	sha256_final(&c, h);
	snprintf(boundary, sizeof(boundary), "=_xarf_%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]);
	strbuf_add(&m, top.p ? top.p : "", top.len);
	strbuf_fmt(&m,
		   "X-XARF: PLAIN\r\nMIME-Version: 1.0\r\n"
		   "Content-Type: multipart/report; report-type=xarf;\r\n boundary=\"%s\"\r\n\r\n"
		   "This is an abuse report in the X-ARF format (multipart/report).\r\n"
		   "\r\n--%s\r\n",
		   boundary, boundary);
	if (part.len)
		strbuf_add(&m, part.p, part.len);
	else
		strbuf_str(&m, "Content-Type: text/plain; charset=UTF-8\r\n");
	strbuf_str(&m, "\r\n");
	strbuf_add(&m, body, (size_t)(end - body));
	strbuf_fmt(&m,
		   "\r\n--%s\r\nContent-Type: application/json; charset=UTF-8\r\n"
		   "Content-Disposition: attachment; filename=\"xarf.json\"\r\n",
		   boundary);
	mime_body(&m, json, strlen(json));
	strbuf_fmt(&m, "\r\n--%s--\r\n", boundary);
	free(top.p);
	free(part.p);
	if (m.oom || top.oom || part.oom) {
		free(m.p);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	*out = m.p;
	*outlen = m.len;
	return 0;
}

int xarf_mail(const struct xarf_mail *x, const char *json, char **out, size_t *outlen,
	      struct isp_err *err)
{
	struct strbuf m = { 0 };
	char date[64], id[SHA256_UUID_MAX];
	const char *at = strchr(x->from, '@');
	time_t tt = (time_t)x->date;
	struct tm tm;
	uint8_t h[SHA256_LEN];
	struct sha256 c;
	int rc;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (has(x->from_name)) {
		strbuf_str(&m, "From: ");
		mime_header_value(&m, x->from_name);
		strbuf_fmt(&m, " <%s>\r\n", x->from);
	} else {
		strbuf_fmt(&m, "From: <%s>\r\n", x->from);
	}
	if (has(x->to))
		strbuf_fmt(&m, "To: <%s>\r\n", x->to);
	else
		strbuf_str(&m, "To: undisclosed-recipients:;\r\n");
	strbuf_str(&m, "Subject: ");
	mime_header_value(&m, x->subject ? x->subject : "abuse report");
	sha256_init(&c);
	sha256_update(&c, json, strlen(json));
	sha256_final(&c, h);
	strbuf_fmt(&m, "\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n", date,
		   has(x->message_id) ? x->message_id : sha256_uuid(h, id),
		   at && at[1] ? at + 1 : "ispshield.invalid");
	strbuf_str(&m, "Content-Type: text/plain; charset=UTF-8\r\n");
	mime_body(&m, x->text ? x->text : "", x->text ? strlen(x->text) : 0);
	if (m.oom) {
		free(m.p);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	rc = xarf_mail_wrap(m.p, m.len, json, out, outlen, err);
	free(m.p);
	return rc;
}

int xarf_mbox_add(FILE *f, const char *sender, int64_t date, const char *msg, size_t len,
		  struct isp_err *err)
{
	time_t tt = (time_t)date;
	char d[64];
	struct tm tm;
	size_t i = 0;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(d, sizeof(d), "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(f, "From %s %s\n", has(sender) ? sender : "MAILER-DAEMON", d);
	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (msg + i)) : len - i, k = 0;

		while (k < n && msg[i + k] == '>')
			k++;
		if (n - k >= 5 && memcmp(msg + i + k, "From ", 5) == 0)
			fputc('>', f);
		fwrite(msg + i, 1, n && msg[i + n - 1] == '\r' ? n - 1 : n, f);
		fputc('\n', f);
		i += n + 1;
	}
	fputc('\n', f);
	if (ferror(f))
		return isp_err_set(err, ISR_EIO, "mbox: write failed");
	return 0;
}

int xarf_mbox_event(FILE *f, const struct xarf_party *me, const char *to, const char *subject,
		    const char *text, int64_t now, const struct xarf_event *e, struct isp_err *err)
{
	struct xarf_mail m = { me->org, me->contact, to, subject, NULL, now, text };
	char *json = NULL, *msg = NULL;
	size_t len = 0;
	int rc;

	rc = xarf_report(me, e, &json, err);
	if (rc == 0)
		rc = xarf_mail(&m, json, &msg, &len, err);
	if (rc == 0)
		rc = xarf_mbox_add(f, me->contact, now, msg, len, err);
	free(json);
	free(msg);
	return rc;
}
