/*
 * trace.c -- what an abuse desk asks of the store (issue 25): "why was this blocked, for
 * whom, and what became of it?" (`events show`) and "what did we tell this subscriber?"
 * (`notify show REF`), as text for a person or JSON for a script.
 *
 * Read only. A notice's message is shown as the subscriber got it: its headers, its
 * Subject decoded (RFC 2047, UTF-8 B-words as render.c writes them) and its body decoded
 * from base64 when it was sent so (Japanese notices are).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "core/net/ip.h"
#include "core/sessions/optout.h"
#include "core/sessions/sessions.h"
#include "notify/notify.h"

/* ---- base64 (RFC 4648 section 4), the one encoding render.c writes ---- */

/* Decode the base64 of in[0..n) into out (at least n * 3 / 4 + 1 bytes), skipping line
 * breaks and padding; other characters end the text. Returns the length written. */
static size_t b64_decode(const char *in, size_t n, char *out)
{
	unsigned v = 0;
	int bits = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int d = b64_value((unsigned char)in[i], 0);

		if (d < 0) {
			if (in[i] == '\r' || in[i] == '\n' || in[i] == '=')
				continue;
			break;
		}
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)((v >> bits) & 0xFF);
		}
	}
	out[k] = '\0';
	return k;
}

/* The message with its base64 body (and =?UTF-8?B?...?= subject words) decoded, as one
 * malloc'd string; NULL when out of memory. */
static char *message_text(const char *msg, size_t len)
{
	const char *body = NULL, *p;
	char *out = malloc(len * 2 + 1), *o;
	int b64 = 0;

	if (!out)
		return NULL;
	for (p = msg; p < msg + len; p++)
		if (p + 3 < msg + len && memcmp(p, "\r\n\r\n", 4) == 0) {
			body = p + 4;
			break;
		}
	if (!body)
		body = msg + len;
	o = out;
	for (p = msg; p < body;) { /* the header lines, each decoded word by word */
		const char *w = memmem(p, (size_t)(body - p), "=?UTF-8?B?", 10);

		if (w) {
			const char *e = memmem(w + 10, (size_t)(body - w - 10), "?=", 2);

			if (e) {
				memcpy(o, p, (size_t)(w - p));
				o += w - p;
				o += b64_decode(w + 10, (size_t)(e - w - 10), o);
				p = e + 2;
				/* folding white space between two encoded words is not text */
				w = p;
				while (w < body &&
				       (*w == '\r' || *w == '\n' || *w == ' ' || *w == '\t'))
					w++;
				if (body - w >= 10 && memcmp(w, "=?UTF-8?B?", 10) == 0)
					p = w;
				continue;
			}
		}
		memcpy(o, p, (size_t)(body - p));
		o += body - p;
		break;
	}
	*o = '\0';
	b64 = strstr(out, "Content-Transfer-Encoding: base64") != NULL;
	if (b64)
		o += b64_decode(body, (size_t)(msg + len - body), o);
	else {
		memcpy(o, body, (size_t)(msg + len - body));
		o += msg + len - body;
	}
	*o = '\0';
	/* CRLF -> LF for the terminal */
	for (p = o = out; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*o++ = *p;
	*o = '\0';
	return out;
}

/* ---- events ---- */

struct ev_ctx {
	json_t *arr;
	FILE *out;
	long n;
};

static json_t *event_json(const struct store_event *e)
{
	return json_pack("{s:I, s:s?, s:I, s:s?, s:i, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:o*}",
			 "id", (json_int_t)e->id, "source", e->source, "time", (json_int_t)e->time,
			 "ip", e->ip, "port", (int)e->port, "cause", e->cause, "detail", e->detail,
			 "reference", e->reference, "state", store_event_state_name(e->state),
			 "subscriber", e->subscriber, "reason", e->reason, "notice_id",
			 e->notice_id ? json_integer(e->notice_id) : NULL);
}

static void event_line(FILE *out, const struct store_event *e)
{
	char t[TIME_FMT_LOCAL_MAX], what[48];

	if (e->notice_id)
		snprintf(what, sizeof(what), "%s (notice %lld)", store_event_state_name(e->state),
			 (long long)e->notice_id);
	else if (e->reason && *e->reason)
		snprintf(what, sizeof(what), "%s (%s)", store_event_state_name(e->state),
			 e->reason);
	else
		snprintf(what, sizeof(what), "%s", store_event_state_name(e->state));
	fprintf(out, "%-25s %-10.10s %-16.16s %-39s %-16.16s %-36s %s\n",
		time_fmt_local(e->time, t), e->source ? e->source : "", e->cause ? e->cause : "",
		e->ip ? e->ip : "", e->subscriber ? e->subscriber : "-", what,
		e->detail ? e->detail : "");
}

static int event_row(void *ud, const struct store_event *e)
{
	struct ev_ctx *x = ud;

	x->n++;
	if (x->arr)
		return json_array_append_new(x->arr, event_json(e)) ? ISR_ENOMEM : 0;
	event_line(x->out, e);
	return 0;
}

static void events_header(FILE *out)
{
	fprintf(out, "%-25s %-10s %-16s %-39s %-16s %-36s %s\n", "time", "source", "cause",
		"address", "subscriber", "what became of it", "detail");
}

int notify_events_show(struct store *st, const struct store_event_filter *f, int json, FILE *out,
		       struct isp_err *err)
{
	struct ev_ctx x = { json ? json_array() : NULL, out, 0 };
	int rc;

	if (json && !x.arr)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (!json)
		events_header(out);
	rc = store_each_event_where(st, f, event_row, &x, err);
	if (rc == ISR_ENOMEM && !err->msg[0])
		isp_err_set(err, rc, "out of memory");
	if (rc == 0 && json) {
		json_dumpf(x.arr, out, JSON_INDENT(2));
		fputc('\n', out);
	} else if (rc == 0 && x.n == 0) {
		fprintf(out, "no events\n");
	}
	json_decref(x.arr);
	return rc;
}

/* ---- one notice ---- */

struct show_ctx {
	int max_attempts, found;
	int64_t id;
	json_t *obj; /* json: the notice */
	FILE *out;
	char *text; /* the message, decoded */
	struct store_notice n;
	char key[64], subscriber[256], email[256], causes[256], error[256];
	char language[8];
};

static int got_notice(void *ud, const struct store_notice *n)
{
	struct show_ctx *x = ud;

	x->found = 1;
	x->n = *n;
	snprintf(x->key, sizeof(x->key), "%s", n->key ? n->key : "");
	snprintf(x->subscriber, sizeof(x->subscriber), "%s", n->subscriber ? n->subscriber : "");
	snprintf(x->email, sizeof(x->email), "%s", n->email ? n->email : "");
	snprintf(x->causes, sizeof(x->causes), "%s", n->causes ? n->causes : "");
	snprintf(x->error, sizeof(x->error), "%s", n->error ? n->error : "");
	snprintf(x->language, sizeof(x->language), "%s", n->language ? n->language : "");
	x->text = n->message ? message_text(n->message, n->message_len) : NULL;
	return n->message && !x->text ? ISR_ENOMEM : 0;
}

int notify_show(struct store *st, const char *ref, int max_attempts, int json, FILE *out,
		struct isp_err *err)
{
	struct show_ctx x;
	struct ev_ctx ev = { NULL, out, 0 };
	const char *state;
	int retrying, rc;
	char a[TIME_FMT_LOCAL_MAX], b[TIME_FMT_LOCAL_MAX];

	memset(&x, 0, sizeof(x));
	rc = store_notice_get(st, ref, got_notice, &x, err);
	if (rc == ISR_ENOMEM && !err->msg[0])
		isp_err_set(err, rc, "out of memory");
	if (rc)
		goto out;
	if (!x.found) {
		rc = isp_err_set(err, ISR_ENOTFOUND,
				 "no notice %s (give its reference, ispshield-nN, or its id)", ref);
		goto out;
	}
	retrying = x.n.state == NOTICE_FAILED && x.n.attempts < max_attempts;
	state = retrying ? "retrying" : store_notice_state_name(x.n.state);
	if (json) {
		ev.arr = json_array();
		rc = ev.arr ? store_each_notice_event(st, x.n.id, event_row, &ev, err) : ISR_ENOMEM;
		if (rc)
			goto out;
		x.obj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:o*, s:o*, s:s?, "
				  "s:O, s:s?}",
				  "id", (json_int_t)x.n.id, "key", x.key, "subscriber",
				  x.subscriber, "email", x.email, "language", x.language, "causes",
				  x.causes, "created", (json_int_t)x.n.created, "state", state,
				  "attempts", x.n.attempts, "sent",
				  x.n.sent ? json_integer(x.n.sent) : NULL, "next_attempt",
				  retrying ? json_integer(x.n.next_attempt) : NULL, "error",
				  x.error[0] ? x.error : NULL, "events", ev.arr, "message", x.text);
		if (!x.obj) {
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			goto out;
		}
		json_dumpf(x.obj, out, JSON_INDENT(2));
		fputc('\n', out);
		goto out;
	}
	fprintf(out, "notice      %s (id %lld)\n", x.key, (long long)x.n.id);
	fprintf(out, "to          %s <%s>, in %s\n", x.subscriber, x.email, x.language);
	fprintf(out, "causes      %s\n", x.causes);
	fprintf(out, "created     %s\n", time_fmt_local(x.n.created, a));
	fprintf(out, "state       %s after %d attempt%s", state, x.n.attempts,
		x.n.attempts == 1 ? "" : "s");
	if (x.n.state == NOTICE_SENT)
		fprintf(out, ", sent %s", time_fmt_local(x.n.sent, b));
	else if (retrying)
		fprintf(out, ", next attempt %s", time_fmt_local(x.n.next_attempt, b));
	fputc('\n', out);
	if (x.error[0])
		fprintf(out, "last error  %s\n", x.error);
	fprintf(out, "\nevents (told in this notice, or repeats that pointed to it):\n");
	events_header(out);
	rc = store_each_notice_event(st, x.n.id, event_row, &ev, err);
	if (rc)
		goto out;
	fprintf(out, "\nmessage:\n%s\n", x.text ? x.text : "(none)");
out:
	json_decref(x.obj);
	json_decref(ev.arr);
	free(x.text);
	return rc;
}

/* ---- one subscriber: sessions, consent history, notices ---- */

struct sess_ctx {
	const char *user;
	int64_t since;
	json_t *arr;
	FILE *out;
	long n;
};

static int sess_row(void *ud, const struct sess_hit *h)
{
	struct sess_ctx *x = ud;
	char addr[IP_PREFIX_STRLEN], a[TIME_FMT_LOCAL_MAX], b[TIME_FMT_LOCAL_MAX];

	if (!h->user || strcmp(h->user, x->user) != 0 || (h->end && h->end <= x->since))
		return 0;
	x->n++;
	ip_format_prefix(&h->addr, addr);
	if (x->arr)
		return json_array_append_new(
			       x->arr,
			       json_pack("{s:s, s:I, s:o*, s:b, s:s?, s:s?, s:i, s:i}", "address",
					 addr, "start", (json_int_t)h->start, "end",
					 h->end ? json_integer(h->end) : NULL, "open", h->open,
					 "session_id", h->session_id, "nas", h->nas, "port_lo",
					 (int)h->port_lo, "port_hi", (int)h->port_hi))
			       ? ISR_ENOMEM
			       : 0;
	fprintf(x->out, "  %-43s %s .. %s%s", addr, time_fmt_local(h->start, a),
		h->end ? time_fmt_local(h->end, b) : "now", h->open ? " (open)" : "");
	if (h->port_lo || h->port_hi)
		fprintf(x->out, " ports %u-%u", (unsigned)h->port_lo, (unsigned)h->port_hi);
	fputc('\n', x->out);
	return 0;
}

int notify_subscriber_show(struct store *st, const struct store_subscriber *s,
			   const char *sessions_path, int64_t since, int max_attempts, int json,
			   FILE *out, struct isp_err *err)
{
	struct sess_ctx sx = { s->id, since, NULL, out, 0 };
	struct sessdb *db = NULL;
	char t[TIME_FMT_LOCAL_MAX];
	int rc = 0;

	if (sessdb_open(sessions_path, &db, err) != 0) {
		db = NULL; /* no index yet: no sessions to show */
		isp_err_clear(err);
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:[], s:[]}", "id",
				      s->id, "email", s->email, "language", s->language, "consent",
				      (json_int_t)s->consent, "opt_out_filtering",
				      (json_int_t)s->opt_out_filtering, "opt_out_notices",
				      (json_int_t)s->opt_out_notices, "profile", s->profile,
				      "sessions", "notices");
		char *text = NULL;
		size_t len = 0;
		FILE *mem;

		if (!o) {
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
			goto out;
		}
		sx.arr = json_object_get(o, "sessions");
		if (db && sessdb_each(db, sess_row, &sx) != 0)
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		/* the notices as notify notices --json writes them */
		mem = rc == 0 ? open_memstream(&text, &len) : NULL;
		if (rc == 0 && !mem)
			rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		if (mem) {
			rc = notify_notices(st, s->id, 20, max_attempts, 1, mem, err);
			fclose(mem);
		}
		if (rc == 0) {
			json_t *n = json_loads(text, 0, NULL);

			if (n)
				json_object_set_new(o, "notices", n);
			json_dumpf(o, out, JSON_INDENT(2));
			fputc('\n', out);
		}
		free(text);
		json_decref(o);
		goto out;
	}
	rc = optout_subscriber_print(out, s, 0);
	if (rc)
		goto out;
	fprintf(out, "\nsessions since %s:\n", time_fmt_local(since, t));
	if (db && sessdb_each(db, sess_row, &sx) != 0)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc == 0 && sx.n == 0)
		fprintf(out, "  none%s\n", db ? "" : " (no sessions index)");
	if (rc == 0) {
		fprintf(out, "\nconsent and opt-out history:\n");
		rc = optout_history_write(out, st, s->id, 0, 0, err);
	}
	if (rc == 0) {
		fprintf(out, "\nnotices:\n");
		rc = notify_notices(st, s->id, 20, max_attempts, 0, out, err);
	}
out:
	sessdb_close(db);
	return rc;
}
