/*
 * report.c -- `sites report` (sites.h): per source list, what became of its sites --
 * found, domestic, with a contact, notified, handled (offline after a notice), unchecked
 * (notified, but no `lists recheck` has looked at its URLs since) -- and the
 * median time from the first notice to offline, the figure URLhaus publishes for its
 * sites' uptime and the seed system's report table expects. The figures come from the
 * store (store_sites_report), which the status page reads too.
 */
#include <stdio.h>

#include "core/base/jsonout.h"
#include "core/store/store_sites.h"
#include "sites/sites.h"

static int print_row(void *ud, const struct store_sites_report_row *r)
{
	FILE *out = ud;
	char med[32] = "-";

	if (r->median_secs >= 0)
		snprintf(med, sizeof(med), "%lldd %lldh", (long long)(r->median_secs / 86400),
			 (long long)(r->median_secs % 86400 / 3600));
	fprintf(out, "%-24s %8lld %8lld %8lld %8lld %8lld %9lld  %s\n", r->list ? r->list : "",
		(long long)r->sites, (long long)r->domestic, (long long)r->with_contact,
		(long long)r->notified, (long long)r->handled, (long long)r->unchecked, med);
	return 0;
}

int sites_report(struct store *st, int json, FILE *out, struct isp_err *err)
{
	json_t *a = store_sites_report_json(st, err);
	int rc;

	if (!a)
		return err->code ? err->code : ISR_ESTORE;
	if (json) {
		rc = jsonout_dumpf(a, out, JSON_INDENT(2));
		if (rc)
			isp_err_set(err, rc, "writing the report failed");
		return rc;
	}
	if (json_array_size(a) == 0) {
		fprintf(out, "no sites found yet (run `ispshield sites find`)\n");
		json_decref(a);
		return 0;
	}
	json_decref(a);
	fprintf(out, "%-24s %8s %8s %8s %8s %8s %9s  %s\n", "list", "sites", "domestic", "contact",
		"notified", "handled", "unchecked", "median to offline");
	return store_sites_report(st, print_row, out, err);
}
