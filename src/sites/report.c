/*
 * report.c -- `sites report` (sites.h): per source list, what became of its sites --
 * found, domestic, with a contact, notified, handled (offline after a notice) -- and the
 * median time from the first notice to offline, the figure URLhaus publishes for its
 * sites' uptime and the seed system's report table expects.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonout.h"
#include "core/store/store_sites.h"
#include "sites/sites.h"

struct row {
	char list[128];
	int64_t sites, domestic, with_contact, notified, handled;
	int64_t *secs;
	size_t nsecs, cap;
};

struct rows {
	struct row *r;
	size_t n, cap;
	int oom;
};

static int on_row(void *ud, const struct store_sites_report_row *x)
{
	struct rows *t = ud;
	struct row *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct row *nr = realloc(t->r, cap * sizeof(*nr));

		if (!nr) {
			t->oom = 1;
			return 1;
		}
		t->r = nr;
		t->cap = cap;
	}
	r = &t->r[t->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->list, sizeof(r->list), "%s", x->list ? x->list : "");
	r->sites = x->sites;
	r->domestic = x->domestic;
	r->with_contact = x->with_contact;
	r->notified = x->notified;
	r->handled = x->handled;
	return 0;
}

static int on_handled(void *ud, const char *list, int64_t secs)
{
	struct rows *t = ud;

	for (size_t i = 0; i < t->n; i++) {
		struct row *r = &t->r[i];

		if (strcmp(r->list, list ? list : "") != 0)
			continue;
		if (r->nsecs == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			int64_t *ns = realloc(r->secs, cap * sizeof(*ns));

			if (!ns) {
				t->oom = 1;
				return 1;
			}
			r->secs = ns;
			r->cap = cap;
		}
		r->secs[r->nsecs++] = secs; /* the store gives them in order */
	}
	return 0;
}

/* The median of r's sorted times, -1 when there is none. */
static int64_t median(const struct row *r)
{
	if (r->nsecs == 0)
		return -1;
	if (r->nsecs % 2)
		return r->secs[r->nsecs / 2];
	return (r->secs[r->nsecs / 2 - 1] + r->secs[r->nsecs / 2]) / 2;
}

int sites_report(struct store *st, int json, FILE *out, struct isp_err *err)
{
	struct rows t = { 0 };
	int rc;

	rc = store_sites_report(st, on_row, &t, err);
	if (rc == 0)
		rc = store_sites_handled(st, on_handled, &t, err);
	if (rc == 0 && t.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc == 0 && json) {
		json_t *a = json_array();

		for (size_t i = 0; i < t.n; i++) {
			const struct row *r = &t.r[i];
			int64_t m = median(r);

			json_array_append_new(
				a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "list", r->list,
					     "sites", (json_int_t)r->sites, "domestic",
					     (json_int_t)r->domestic, "with_contact",
					     (json_int_t)r->with_contact, "notified",
					     (json_int_t)r->notified, "handled",
					     (json_int_t)r->handled, "median_seconds_to_offline",
					     m < 0 ? json_null() : json_integer(m)));
		}
		rc = jsonout_dumpf(a, out, JSON_INDENT(2));
		if (rc)
			isp_err_set(err, rc, "writing the report failed");
	} else if (rc == 0) {
		if (t.n == 0)
			fprintf(out, "no sites found yet (run `ispshield sites find`)\n");
		else
			fprintf(out, "%-24s %8s %8s %8s %8s %8s  %s\n", "list", "sites", "domestic",
				"contact", "notified", "handled", "median to offline");
		for (size_t i = 0; i < t.n; i++) {
			const struct row *r = &t.r[i];
			int64_t m = median(r);
			char med[32] = "-";

			if (m >= 0)
				snprintf(med, sizeof(med), "%lldd %lldh", (long long)(m / 86400),
					 (long long)(m % 86400 / 3600));
			fprintf(out, "%-24s %8lld %8lld %8lld %8lld %8lld  %s\n", r->list,
				(long long)r->sites, (long long)r->domestic,
				(long long)r->with_contact, (long long)r->notified,
				(long long)r->handled, med);
		}
	}
	for (size_t i = 0; i < t.n; i++)
		free(t.r[i].secs);
	free(t.r);
	return rc;
}
