/*
 * listing.c -- what `ispshield notify` shows of the notifier's work: the per-batch report,
 * the recent notices, and the returned (unmatched) rows of a source written back as CSV.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "notify/notify.h"

struct report_ctx {
	json_t *arr;
	FILE *out;
	int header_done;
};

static double rate(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}
static int report_row(void *ud, const struct store_batch_report *r)
{
	struct report_ctx *x = ud;
	char t[TIME_FMT_LOCAL_MAX];

	if (x->arr) {
		json_array_append_new(
			x->arr,
			json_pack("{s:I, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				  "s:I, "
				  "s:f}",
				  "batch", (json_int_t)r->batch.id, "source", r->batch.source,
				  "file", r->batch.file, "received_at",
				  (json_int_t)r->batch.received, "received",
				  (json_int_t)r->received, "rejected",
				  (json_int_t)r->batch.rejected, "matched", (json_int_t)r->matched,
				  "notified", (json_int_t)r->notified, "queued",
				  (json_int_t)r->queued, "repeat", (json_int_t)r->repeat, "skipped",
				  (json_int_t)r->skipped, "returned", (json_int_t)r->returned,
				  "pending", (json_int_t)r->pending, "handled_rate",
				  rate(r->notified, r->received)));
		return 0;
	}
	if (!x->header_done) {
		fprintf(x->out, "%-6s %-14s %-25s %9s %9s %9s %7s %8s %9s %8s %7s\n", "batch",
			"source", "received at", "received", "matched", "notified", "queued",
			"skipped", "returned", "pending", "handled");
		x->header_done = 1;
	}
	fprintf(x->out, "%-6lld %-14.14s %-25s %9ld %9ld %9ld %7ld %8ld %9ld %8ld %6.1f%%\n",
		(long long)r->batch.id, r->batch.source, time_fmt_local(r->batch.received, t),
		r->received, r->matched, r->notified, r->queued, r->skipped, r->returned,
		r->pending, rate(r->notified, r->received));
	return 0;
}

int notify_report(struct store *st, const char *source, int json, FILE *out, struct isp_err *err)
{
	struct report_ctx x = { NULL, out, 0 };
	int rc;

	if (json)
		x.arr = json_array();
	rc = store_each_batch_report(st, source, report_row, &x, err);
	if (rc) {
		json_decref(x.arr);
		return rc;
	}
	if (json) {
		json_dumpf(x.arr, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(x.arr);
	} else if (!x.header_done) {
		fprintf(out, "no batches%s%s\n", source ? " of source " : "", source ? source : "");
	}
	return 0;
}

struct returned_ctx {
	FILE *out;
	int64_t batch;
	long rows;
	int header_done;
	const char *header;
	const struct notify_xarf *xarf; /* NULL: CSV */
	const char *source;
	struct isp_err err; /* the X-ARF writer's failure */
};

/* The reason as one CSV field. */
static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s != '\r' && *s != '\n')
			fputc(*s, f);
	}
	fputc('"', f);
}

/* One returned row as an X-ARF mail appended to the mbox. */
static int returned_xarf(struct returned_ctx *x, const struct store_event *e)
{
	struct strbuf ev = { 0 }, desc = { 0 }, text = { 0 };
	struct xarf_event xe;
	char subject[256], t[TIME_FMT_UTC_MAX];
	int rc;

	strbuf_fmt(&ev, "%s\n", x->header ? x->header : "timestamp,ip");
	if (e->raw)
		strbuf_fmt(&ev, "%s\n", e->raw);
	else
		strbuf_fmt(&ev, "%s,%s\n", time_fmt_utc(e->time, t), e->ip);
	strbuf_fmt(&desc, "returned by %s: %s", x->xarf->me->org,
		   e->reason ? e->reason : "no subscriber");
	strbuf_fmt(&text,
		   "%s could not act on this report of %s: %s.\n\n"
		   "  address   %s\n  time      %s UTC\n  source    %s, batch %lld\n\n"
		   "The report in the X-ARF format and the row as received are attached.\n",
		   x->xarf->me->org, x->source, e->reason ? e->reason : "no subscriber", e->ip,
		   time_fmt_utc(e->time, t), x->source, (long long)e->batch_id);
	memset(&xe, 0, sizeof(xe));
	xe.time = e->time;
	xe.source = e->ip;
	xe.port = e->port;
	xe.cause = cause_parse(e->cause);
	xe.family = e->family;
	xe.reference = e->reference;
	xe.detail = e->detail;
	xe.description = desc.p;
	xe.tag = "status:returned";
	xe.ev_type = "text/csv";
	xe.ev_desc = "the row as received, with its header";
	xe.evidence = ev.p;
	snprintf(subject, sizeof(subject), "[X-ARF] returned: %s %s", x->source, e->ip);
	if (ev.oom || desc.oom || text.oom)
		rc = isp_err_set(&x->err, ISR_ENOMEM, "out of memory");
	else
		rc = xarf_mbox_event(x->out, x->xarf->me, x->xarf->to, subject, text.p,
				     x->xarf->now, &xe, &x->err);
	free(ev.p);
	free(desc.p);
	free(text.p);
	if (rc)
		return 1;
	x->rows++;
	return 0;
}

static int returned_row(void *ud, const struct store_event *e)
{
	struct returned_ctx *x = ud;

	if (x->xarf)
		return returned_xarf(x, e);
	if (!x->header_done) {
		fprintf(x->out, "%s,reason\n", x->header ? x->header : "timestamp,ip");
		x->header_done = 1;
	}
	if (e->raw) {
		fputs(e->raw, x->out);
	} else {
		char t[24];

		fprintf(x->out, "%s,%s", time_fmt_utc(e->time, t), e->ip);
	}
	fputc(',', x->out);
	csv_field(x->out, e->reason);
	fputc('\n', x->out);
	x->rows++;
	return 0;
}

static int pick_header(void *ud, const struct store_batch_report *r)
{
	struct notify_returned_pick *p = ud;
	const char *h = r->batch.header ? r->batch.header : "";

	if (p->want && r->batch.id != p->want)
		return 0;
	if (r->returned == 0 && !p->want)
		return 0;
	if (p->found && strcmp(p->header, h) != 0)
		p->mixed = 1;
	if (!p->found)
		snprintf(p->header, sizeof(p->header), "%s", h);
	p->found = 1;
	return 0;
}

struct notice_ctx {
	json_t *arr;
	FILE *out;
	int max_attempts;
};

static int notice_row(void *ud, const struct store_notice *n)
{
	struct notice_ctx *x = ud;
	json_t *arr = x->arr;
	char a[TIME_FMT_LOCAL_MAX], b[TIME_FMT_LOCAL_MAX];
	/* a failed delivery with attempts left is retried at next_attempt: "retrying" */
	int retrying = n->state == NOTICE_FAILED && n->attempts < x->max_attempts;
	const char *state = retrying ? "retrying" : store_notice_state_name(n->state);

	if (arr) {
		json_array_append_new(
			arr,
			json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:I, s:o*, s:s?}",
				  "id", (json_int_t)n->id, "key", n->key, "subscriber",
				  n->subscriber, "email", n->email, "language", n->language,
				  "causes", n->causes, "created", (json_int_t)n->created, "state",
				  state, "attempts", n->attempts, "sent", (json_int_t)n->sent,
				  "next_attempt", retrying ? json_integer(n->next_attempt) : NULL,
				  "error", n->error));
		return 0;
	}
	fprintf(x->out, "%-20s %-25s %-24.24s %-8s %-24.24s %-25s %s\n", n->key,
		time_fmt_local(n->created, a), n->subscriber, state, n->causes,
		time_fmt_local(retrying ? n->next_attempt : n->sent, b), n->error ? n->error : "");
	return 0;
}

int notify_returned_header(struct store *st, const char *source, int64_t batch,
			   struct notify_returned_pick *p, struct isp_err *err)
{
	memset(p, 0, sizeof(*p));
	p->want = batch;
	return store_each_batch_report(st, source, pick_header, p, err);
}

int notify_write_returned(struct store *st, const char *source, int64_t batch, const char *header,
			  const struct notify_xarf *xarf, FILE *out, long *rows,
			  struct isp_err *err)
{
	struct returned_ctx x = { out, batch, 0, 0, header, xarf, source, { 0 } };
	int rc;

	isp_err_clear(&x.err);
	rc = store_each_event(st, source, batch, EV_RETURNED, returned_row, &x, err);
	if (x.err.code) {
		*err = x.err;
		rc = x.err.code;
	}
	*rows = x.rows;
	return rc;
}

int notify_notices(struct store *st, const char *subscriber, int limit, int max_attempts, int json,
		   FILE *out, struct isp_err *err)
{
	struct notice_ctx x = { NULL, out, max_attempts };
	int rc;

	if (json)
		x.arr = json_array();
	else
		fprintf(out, "%-20s %-25s %-24s %-8s %-24s %-25s %s\n", "notice", "created",
			"subscriber", "state", "causes", "sent / next try", "last error");
	rc = store_each_notice(st, subscriber, limit, notice_row, &x, err);
	if (rc) {
		json_decref(x.arr);
		return rc;
	}
	if (x.arr) {
		json_dumpf(x.arr, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(x.arr);
	}
	return 0;
}
