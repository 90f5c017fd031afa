/*
 * page.c -- the status page: one HTML document rendered from the figures object (the
 * same one GET /api/status returns), with server-side inline SVG charts, so it needs no
 * script and no resource from anywhere. Every figure shown from the object is wrapped in
 * an element with data-fig="PATH" (PATH: the figure's place in the JSON, "blocks.total",
 * "funnel.0.received"), so a test can check the page against the API figure by figure.
 * Every text from the figures is HTML-escaped; e-mail addresses and message bodies are
 * not in the figures at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/strbuf.h"
#include "core/base/timefmt.h"
#include "status/status_int.h"

/* s, HTML-escaped (text and attribute values alike). */
static void sb_esc(struct strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_str(b, "&amp;"); break;
		case '<': strbuf_str(b, "&lt;"); break;
		case '>': strbuf_str(b, "&gt;"); break;
		case '"': strbuf_str(b, "&quot;"); break;
		case '\'': strbuf_str(b, "&#39;"); break;
		default: strbuf_add(b, s, 1);
		}
	}
}

/* The text of a figure as the page shows it: integers as such, reals with one decimal,
 * strings as they are, null and absent as "-". */
static void fig_text(struct strbuf *b, const json_t *v)
{
	if (json_is_integer(v))
		strbuf_fmt(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		strbuf_fmt(b, "%.1f", json_real_value(v));
	else if (json_is_string(v))
		sb_esc(b, json_string_value(v));
	else if (json_is_true(v))
		strbuf_str(b, "true");
	else if (json_is_false(v))
		strbuf_str(b, "false");
	else
		strbuf_str(b, "-");
}

/* <span data-fig="path">figure</span>: key of object o at path prefix.key. */
static void fig(struct strbuf *b, const char *prefix, const json_t *o, const char *key)
{
	strbuf_str(b, "<span data-fig=\"");
	sb_esc(b, prefix);
	strbuf_str(b, ".");
	sb_esc(b, key);
	strbuf_str(b, "\">");
	fig_text(b, json_object_get(o, key));
	strbuf_str(b, "</span>");
}

/* A unix time as "2026-11-23 12:00:00" (UTC), "-" for 0; with data-fig when path. */
static void time_cell(struct strbuf *b, const char *prefix, const json_t *o, const char *key)
{
	json_int_t t = json_integer_value(json_object_get(o, key));
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32] = "-";

	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_fmt(b, "<span data-fig-time=\"%s.%s\" title=\"%lld\">%s</span>", prefix, key,
		   (long long)t, buf);
}

/* A number of seconds in human units ("1 day", "5 min"), the seconds in its title; a
 * value that is no number (null: none yet) is shown as fig shows it. */
static void duration_cell(struct strbuf *b, const char *prefix, const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	char buf[TIME_FMT_DURATION_MAX];

	if (!json_is_integer(json_object_get(o, key))) {
		fig(b, prefix, o, key);
		return;
	}

	strbuf_fmt(b, "<span data-fig-duration=\"%s.%s\" title=\"%lld s\">%s</span>", prefix, key,
		   (long long)v, time_fmt_duration((long long)v, buf));
}

/* The text tpl (our own HTML, no '{' of its own) with each {key} replaced by the figure
 * fig(prefix, o, key), each {@key} by the time time_cell(prefix, o, key) and each {~key}
 * by the duration duration_cell(prefix, o, key). */
static void figs(struct strbuf *b, const char *prefix, const json_t *o, const char *tpl)
{
	const char *p = tpl, *open, *close;
	char key[64];

	while ((open = strchr(p, '{')) != NULL && (close = strchr(open, '}')) != NULL) {
		strbuf_add(b, p, (size_t)(open - p));
		snprintf(key, sizeof(key), "%.*s", (int)(close - open - 1), open + 1);
		if (key[0] == '@')
			time_cell(b, prefix, o, key + 1);
		else if (key[0] == '~')
			duration_cell(b, prefix, o, key + 1);
		else
			fig(b, prefix, o, key);
		p = close + 1;
	}
	strbuf_str(b, p);
}

/*
 * A table of the objects of array arr (figures PATH.i.KEY): one column per key, headed
 * by heads[k] (NULL-terminated lists of equal length). A key "@name" is a unix time
 * shown as a date, "~name" a number of seconds shown as a duration (null as "-").
 */
static void table(struct strbuf *b, const char *path, const json_t *arr, const char *const *heads,
		  const char *const *keys)
{
	size_t i, k;

	strbuf_str(b, "<table><tr>");
	for (k = 0; heads[k]; k++) {
		strbuf_str(b, "<th>");
		sb_esc(b, heads[k]);
		strbuf_str(b, "</th>");
	}
	strbuf_str(b, "</tr>");
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		char p[160];

		snprintf(p, sizeof(p), "%s.%zu", path, i);
		strbuf_str(b, "<tr>");
		for (k = 0; keys[k]; k++) {
			strbuf_str(b, "<td>");
			if (keys[k][0] == '@')
				time_cell(b, p, o, keys[k] + 1);
			else if (keys[k][0] == '~')
				duration_cell(b, p, o, keys[k] + 1);
			else
				fig(b, p, o, keys[k]);
			strbuf_str(b, "</td>");
		}
		strbuf_str(b, "</tr>");
	}
	strbuf_str(b, "</table>");
}

/* Unix seconds t as "11-23 12:00" (UTC) into out. */
static void utc(double t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 24, "%m-%d %H:%M", &tm))
		snprintf(out, 24, "-");
}

static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c",
				       "#9467bd", "#ff7f0e", "#8c564b" };

/* One line chart: n series (values[i][k], NAN = gap) over xs[k], with a legend. */
static void svg_lines(struct strbuf *b, const char *id, const double *xs, int npts,
		      const double *const *values, const char *const *names, int nseries,
		      const char *unit)
{
	const double w = 640, h = 160, l = 48, r = 8, t = 8, bot = 22;
	double xmin = 0, xmax = 1, ymax = 0;
	int i, k;

	for (k = 0; k < npts; k++) {
		if (k == 0 || xs[k] < xmin)
			xmin = xs[k];
		if (k == 0 || xs[k] > xmax)
			xmax = xs[k];
		for (i = 0; i < nseries; i++)
			if (!isnan(values[i][k]) && values[i][k] > ymax)
				ymax = values[i][k];
	}
	if (xmax <= xmin)
		xmax = xmin + 1;
	if (ymax <= 0)
		ymax = 1;
	strbuf_fmt(b,
		   "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
		   "height=\"%.0f\" role=\"img\">",
		   id, w, h, w, h);
	strbuf_fmt(b,
		   "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
		   "stroke=\"#ccc\"/>",
		   l, t, w - l - r, h - t - bot);
	strbuf_fmt(b,
		   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">%.1f</text>",
		   l - 4, t + 8, ymax);
	strbuf_fmt(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">0</text>",
		   l - 4, h - bot);
	strbuf_fmt(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\">",
		   (l + w - r) / 2, h - 6);
	sb_esc(b, unit);
	strbuf_str(b, "</text>");
	if (npts > 0) { /* the time axis: first and last point (UTC) */
		char t0[24], t1[24];

		utc(xmin, t0);
		utc(xmax, t1);
		strbuf_fmt(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">%s</text>", l, h - 6,
			   t0);
		strbuf_fmt(b,
			   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" "
			   "text-anchor=\"end\">%s UTC</text>",
			   w - r, h - 6, t1);
	}
	for (i = 0; i < nseries; i++) {
		int open = 0;

		for (k = 0; k < npts; k++) {
			double x = l + (xs[k] - xmin) / (xmax - xmin) * (w - l - r);
			double y = h - bot - values[i][k] / ymax * (h - t - bot);

			if (isnan(values[i][k])) {
				if (open)
					strbuf_str(b, "\"/>");
				open = 0;
				continue;
			}
			if (!open)
				strbuf_fmt(
					b,
					"<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" "
					"points=\"",
					colours[i % 6]);
			strbuf_fmt(b, "%.1f,%.1f ", x, y);
			if (npts == 1) /* a single point: a short flat line */
				strbuf_fmt(b, "%.1f,%.1f ", x + 4, y);
			open = 1;
			if (npts <= 48) { /* few points: mark each (after the line is closed) */
				strbuf_fmt(
					b,
					"\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
					"fill=\"%s\"/><polyline fill=\"none\" stroke-width=\"2\" "
					"stroke=\"%s\" points=\"%.1f,%.1f ",
					x, y, colours[i % 6], colours[i % 6], x, y);
			}
		}
		if (open)
			strbuf_str(b, "\"/>");
		strbuf_fmt(b,
			   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"%s\" "
			   "text-anchor=\"end\">",
			   w - r - 4, t + 14 + 13 * i, colours[i % 6]);
		sb_esc(b, names[i]);
		strbuf_str(b, "</text>");
	}
	strbuf_str(b, "</svg>");
}

static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void traffic(struct strbuf *b, const json_t *tr)
{
	const json_t *series = json_object_get(tr, "series"), *tg = json_object_get(tr, "targets");
	static const char *const svc[2] = { "dns", "proxy" };
	static const char *const rate[2] = { "qps", "rps" };
	size_t i, n = json_array_size(series);
	double *xs = calloc(n + 1, sizeof(double)), *v[4];
	int k;

	strbuf_str(b, "<section id=\"traffic\"><h2>Traffic</h2><table><tr><th>service</th>"
		      "<th>state</th><th>per second</th><th>block rate %</th><th>total</th>"
		      "<th>blocked total</th></tr>");
	for (k = 0; k < 2; k++) {
		const json_t *s = json_object_get(tr, svc[k]);
		char p[96];

		snprintf(p, sizeof(p), "traffic.%s", svc[k]);
		strbuf_fmt(b, "<tr><td>%s</td><td>", svc[k]);
		fig(b, p, s, "state");
		strbuf_str(b, "</td><td>");
		fig(b, p, s, rate[k]);
		strbuf_str(b, "</td><td>");
		fig(b, p, s, "block_rate");
		strbuf_str(b, "</td><td>");
		fig(b, p, s, k ? "requests_total" : "queries_total");
		strbuf_str(b, "</td><td>");
		fig(b, p, s, "blocked_total");
		strbuf_str(b, "</td></tr>");
	}
	strbuf_str(b, "</table>");
	table(b, "traffic.targets", tg,
	      (const char *const[]){ "endpoint", "service", "state", "error", NULL },
	      (const char *const[]){ "addr", "service", "state", "error", NULL });
	for (k = 0; k < 4; k++)
		v[k] = calloc(n + 1, sizeof(double));
	if (xs && v[0] && v[1] && v[2] && v[3]) {
		static const char *const keys[4] = { "dns_qps", "proxy_rps", "dns_block_rate",
						     "proxy_block_rate" };
		const double *rates[2] = { v[0], v[1] }, *blocks[2] = { v[2], v[3] };
		static const char *const rn[2] = { "DNS queries/s", "proxy requests/s" };
		static const char *const bn[2] = { "DNS blocked %", "proxy blocked %" };

		for (i = 0; i < n; i++) {
			const json_t *p = json_array_get(series, i);

			xs[i] = num(json_object_get(p, "t"));
			for (k = 0; k < 4; k++)
				v[k][i] = num(json_object_get(p, keys[k]));
		}
		strbuf_fmt(b, "<p>Last %zu samples.</p>", n);
		svg_lines(b, "chart-rate", xs, (int)n, rates, rn, 2, "per second");
		svg_lines(b, "chart-block-rate", xs, (int)n, blocks, bn, 2, "% blocked");
	}
	for (k = 0; k < 4; k++)
		free(v[k]);
	free(xs);
	strbuf_str(b, "</section>");
}

static void top_table(struct strbuf *b, const char *path, const json_t *arr, const char *what)
{
	size_t i;
	double max = 1;

	for (i = 0; i < json_array_size(arr); i++) {
		double c = num(json_object_get(json_array_get(arr, i), "count"));

		if (c > max)
			max = c;
	}
	strbuf_fmt(b, "<table class=\"top\" id=\"%s\"><tr><th>%s</th><th>blocks</th><th></th></tr>",
		   path, what);
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		char p[96];

		snprintf(p, sizeof(p), "%s.%zu", path, i);
		strbuf_str(b, "<tr><td>");
		fig(b, p, e, "key");
		strbuf_str(b, "</td><td>");
		fig(b, p, e, "count");
		strbuf_fmt(b,
			   "</td><td><svg width=\"200\" height=\"12\"><rect width=\"%.0f\" "
			   "height=\"12\" fill=\"#d62728\"/></svg></td></tr>",
			   200.0 * num(json_object_get(e, "count")) / max);
	}
	strbuf_str(b, "</table>");
}

/* Blocks per bucket of the (up to 5) top keys: series rows {t, key, count}. */
static void blocks_chart(struct strbuf *b, const char *id, const json_t *series, const json_t *top)
{
	size_t i, n = json_array_size(series), nb = 0;
	int nl = (int)json_array_size(top), k;
	double *xs = calloc(n + 1, sizeof(double)), *vals[5] = { NULL };
	const char *names[5];

	if (nl > 5)
		nl = 5;
	for (k = 0; k < nl; k++) {
		names[k] =
			json_string_value(json_object_get(json_array_get(top, (size_t)k), "key"));
		vals[k] = calloc(n + 1, sizeof(double));
		if (!names[k])
			names[k] = "";
	}
	if (!xs || nl == 0 || !vals[nl - 1])
		goto out;
	/* rows come bucket by bucket: one x per distinct bucket */
	for (i = 0; i < n; i++) {
		const json_t *r = json_array_get(series, i);
		double t = num(json_object_get(r, "t"));
		const char *l = json_string_value(json_object_get(r, "key"));

		if (nb == 0 || xs[nb - 1] != t)
			xs[nb++] = t;
		for (k = 0; k < nl; k++)
			if (l && strcmp(l, names[k]) == 0)
				vals[k][nb - 1] += num(json_object_get(r, "count"));
	}
	svg_lines(b, id, xs, (int)nb, (const double *const *)vals, names, nl, "blocks per bucket");
out:
	for (k = 0; k < nl; k++)
		free(vals[k]);
	free(xs);
}

static void blocks(struct strbuf *b, const json_t *bl)
{
	strbuf_str(b, "<section id=\"blocks\"><h2>Blocked</h2>");
	if (!json_is_object(bl)) {
		strbuf_str(b, "<p>store unavailable</p></section>");
		return;
	}
	figs(b, "blocks", bl,
	     "<p>Block events: {total} in all, {in_window} in the last {~window} (state "
	     "{state}).</p><div class=\"cols\"><div>");
	top_table(b, "blocks.top_names", json_object_get(bl, "top_names"), "name");
	strbuf_str(b, "</div><div>");
	top_table(b, "blocks.top_lists", json_object_get(bl, "top_lists"), "list");
	strbuf_str(b, "</div></div>");
	figs(b, "blocks", bl, "<p>Blocks per {~bucket} of the top lists and the top names:</p>");
	blocks_chart(b, "chart-blocks-lists", json_object_get(bl, "series"),
		     json_object_get(bl, "top_lists"));
	blocks_chart(b, "chart-blocks-names", json_object_get(bl, "name_series"),
		     json_object_get(bl, "top_names"));
	strbuf_str(b, "</section>");
}

static void funnel(struct strbuf *b, const json_t *fu)
{
	static const char *const heads[] = { "source",	  "batches",  "received", "matched",
					     "notified",  "returned", "skipped",  "pending",
					     "handled %", NULL };
	static const char *const keys[] = { "source",	    "batches",	"received", "matched",
					    "notified",	    "returned", "skipped",  "pending",
					    "handled_rate", NULL };

	strbuf_str(b, "<section id=\"funnel\"><h2>Notification funnel</h2>");
	table(b, "funnel", fu, heads, keys);
	strbuf_str(b, "</section>");
}

/* `sites report`'s figures: per source list, what became of its listed sites */
static void sites(struct strbuf *b, const json_t *si)
{
	static const char *const heads[] = { "list",	  "sites",
					     "domestic",  "contact",
					     "notified",  "handled",
					     "unchecked", "median notice to offline",
					     NULL };
	static const char *const keys[] = { "list",	 "sites",
					    "domestic",	 "with_contact",
					    "notified",	 "handled",
					    "unchecked", "~median_seconds_to_offline",
					    NULL };

	strbuf_str(b, "<section id=\"sites\"><h2>Listed sites told (sites report)</h2>");
	table(b, "sites", si, heads, keys);
	strbuf_str(b, "</section>");
}

static void notices(struct strbuf *b, const json_t *no)
{
	static const char *const heads[] = { "reference", "subscriber", "causes", "created (UTC)",
					     "state",	  "attempts",	NULL };
	static const char *const keys[] = { "key",   "subscriber", "causes", "@created",
					    "state", "attempts",   NULL };

	strbuf_str(b, "<section id=\"notices\"><h2>Recent notices</h2>");
	table(b, "notices", no, heads, keys);
	strbuf_str(b, "</section>");
}

static void darknet(struct strbuf *b, const json_t *d)
{
	static const char *const tot[] = { "records", "packets", "sources", "outside_sensors" };
	const json_t *ports = json_object_get(d, "top_ports");
	int i;

	if (!json_is_object(d))
		return; /* not configured */
	figs(b, "darknet", d,
	     "<section id=\"darknet\"><h2>Darknet</h2><p>Report {path}: {state} {error}</p>"
	     "<table><tr>");
	for (i = 0; i < 4; i++)
		strbuf_fmt(b, "<th>%s</th>", tot[i]);
	strbuf_str(b, "</tr><tr>");
	for (i = 0; i < 4; i++) {
		strbuf_str(b, "<td>");
		fig(b, "darknet", d, tot[i]);
		strbuf_str(b, "</td>");
	}
	strbuf_str(b, "</tr></table>");
	table(b, "darknet.top_ports", ports,
	      (const char *const[]){ "proto", "port", "packets", "source-days", NULL },
	      (const char *const[]){ "proto", "port", "packets", "source_days", NULL });
	strbuf_str(b, "</section>");
}

static void lists(struct strbuf *b, const json_t *li)
{
	const json_t *st = json_object_get(li, "store"), *sn = json_object_get(li, "snapshot");
	const json_t *sy = json_object_get(li, "sync"), *syncs = json_object_get(sy, "syncs");
	size_t i, k;

	strbuf_str(b, "<section id=\"lists\"><h2>Lists</h2>");
	table(b, "lists.store", st,
	      (const char *const[]){ "list", "kind", "entries", "distinct", "sources",
				     "last import (UTC)", "online", "offline", NULL },
	      (const char *const[]){ "name", "kind", "entries", "distinct", "sources",
				     "@last_import", "online", "offline", NULL });
	figs(b, "lists.snapshot", sn, "<h3>Snapshot</h3><p>{path}: {state}");
	if (json_object_get(sn, "serial")) {
		figs(b, "lists.snapshot", sn,
		     ", serial {serial}, created {@created}, keys {keys}</p>");
		table(b, "lists.snapshot.lists", json_object_get(sn, "lists"),
		      (const char *const[]){ "list", "kind", "keys", NULL },
		      (const char *const[]){ "name", "kind", "keys", NULL });
	} else {
		figs(b, "lists.snapshot", sn, " {error}</p>");
	}
	figs(b, "lists.sync", sy,
	     "<h3>List sync</h3><p>{path}: {state} "
	     "{error}</p><table><tr><th>URL</th><th>result</th><th>error</th><th>last attempt</th>"
	     "<th>last success</th><th>sequence</th><th>lists</th></tr>");
	for (i = 0; i < json_array_size(syncs); i++) {
		const json_t *s = json_array_get(syncs, i), *sl = json_object_get(s, "lists");
		char p[96];

		snprintf(p, sizeof(p), "lists.sync.syncs.%zu", i);
		figs(b, p, s,
		     "<tr><td>{url}</td><td>{result}</td><td>{error}</td><td>{@last_attempt}"
		     "</td><td>{@last_success}</td><td>{sequence}</td><td>");
		for (k = 0; k < json_array_size(sl); k++) {
			const json_t *l = json_array_get(sl, k);
			char q[160];

			snprintf(q, sizeof(q), "%s.lists.%zu", p, k);
			figs(b, q, l, "{name} ({entries}) ");
		}
		strbuf_str(b, "</td></tr>");
	}
	strbuf_str(b, "</table></section>");
}

char *st_page(const json_t *f, size_t *len)
{
	struct strbuf b = { NULL, 0, 0, 0 };
	const json_t *store = json_object_get(f, "store");
	json_int_t interval =
		json_integer_value(json_object_get(json_object_get(f, "traffic"), "interval"));

	strbuf_str(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<title>ispshield status</title><link rel=\"icon\" href=\"data:,\"><style>"
		       "body{font:14px sans-serif;margin:1em 2em;color:#222}"
		       "table{border-collapse:collapse;margin:.5em 0}"
		       "td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}"
		       "th{background:#f0f0f0}.cols{display:flex;gap:2em}"
		       "section{margin-bottom:1.5em}h2{border-bottom:2px solid #1f77b4}"
		       "</style>");
	/* the page reloads itself (no script): every minute, or every interval if longer */
	strbuf_fmt(&b, "<meta http-equiv=\"refresh\" content=\"%lld\">",
		   (long long)(interval < 60 ? 60 : interval));
	strbuf_str(&b, "</head><body><h1>ispshield status</h1><p>Figures of ");
	time_cell(&b, "", f, "generated");
	strbuf_str(&b, " (UTC; <span data-fig=\".generated\">");
	fig_text(&b, json_object_get(f, "generated"));
	strbuf_str(&b, "</span>), version ");
	fig(&b, "", f, "version");
	figs(&b, "store", store,
	     "; store {state} {error}. The same figures: <a href=\"/api/status\">/api/status</a>."
	     "</p>");
	traffic(&b, json_object_get(f, "traffic"));
	blocks(&b, json_object_get(f, "blocks"));
	funnel(&b, json_object_get(f, "funnel"));
	sites(&b, json_object_get(f, "sites"));
	notices(&b, json_object_get(f, "notices"));
	darknet(&b, json_object_get(f, "darknet"));
	lists(&b, json_object_get(f, "lists"));
	strbuf_str(&b, "</body></html>\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
