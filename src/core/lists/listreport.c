/*
 * listreport.c -- the import progress line and summary, list statistics and import history as text
 * or JSON, see listreport.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/timefmt.h"
#include "core/lists/listreport.h"
#include "core/store/store_lists.h"

void listreport_progress(void *ud, long entries, long long bytes)
{
	const struct listreport_progress *p = ud;
	double secs = time_mono_s() - p->t0, rate;
	char tail[64] = "";

	rate = secs > 0 ? (double)entries / secs : 0;
	if (p->total > 0 && bytes > 0)
		snprintf(tail, sizeof(tail), "  %5.1f%%  ETA %.0f s",
			 100.0 * (double)bytes / (double)p->total,
			 secs * ((double)p->total / (double)bytes - 1.0));
	fprintf(stderr, "\r%ld entries  %.0f/s%s   ", entries, rate, tail);
	fflush(stderr);
}

void listreport_progress_start(struct listreport_progress *pg, const char *path)
{
	struct stat sb;

	pg->total = -1;
	if (strcmp(path, "-") != 0 && stat(path, &sb) == 0)
		pg->total = (long long)sb.st_size;
	pg->t0 = time_mono_s();
}

void listreport_compile(FILE *out, const char *path, const struct snap_build_stats *bs)
{
	fprintf(out,
		"%s: %ld lists, %ld entries, %ld keys (%ld merged), %llu bytes (%.1f bytes/key), "
		"%.2f s\n",
		path, bs->lists, bs->entries, bs->keys, bs->merged, (unsigned long long)bs->bytes,
		bs->keys ? (double)bs->bytes / (double)bs->keys : 0.0, bs->seconds);
}

void listreport_import(FILE *out, const char *file, const char *list,
		       const struct listimport_result *res)
{
	fprintf(out,
		"%s: list %s, source %s, format %s: %ld read, %ld accepted, %ld duplicate, "
		"%ld rejected; %ld added, %ld removed, %ld unchanged",
		file, list, res->source, listfmt_name(res->read.detected), res->read.lines,
		res->store.accepted, res->store.duplicates, res->read.rejected + res->bad_values,
		res->store.added, res->store.removed, res->store.unchanged);
	if (res->other_kind)
		fprintf(out,
			"; %ld entries of another kind skipped (import them into a list of "
			"that kind)",
			res->other_kind);
	fputc('\n', out);
}

struct stats_ctx {
	const struct snap *snap;
	json_t *arr;
	FILE *out;
};

static void snap_share(const struct snap *s, const char *name, uint32_t *keys, uint64_t *bytes)
{
	unsigned i;

	*keys = 0;
	*bytes = 0;
	for (i = 0; s && i < snap_nlists(s); i++) {
		struct snap_list_info li;

		snap_list(s, i, &li);
		if (strcmp(li.name, name) == 0) {
			*keys = li.keys;
			*bytes = li.bytes;
		}
	}
}

static int stats_row(void *ud, const struct store_list_stats *ls)
{
	struct stats_ctx *x = ud;
	char t[TIME_FMT_LOCAL_MAX];
	uint32_t keys;
	uint64_t bytes;

	snap_share(x->snap, ls->list.name, &keys, &bytes);
	if (x->arr) {
		json_array_append_new(
			x->arr,
			json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "list",
				  ls->list.name, "kind", list_kind_name(ls->list.kind), "entries",
				  (json_int_t)ls->entries, "distinct", (json_int_t)ls->distinct,
				  "expired", (json_int_t)ls->expired, "sources",
				  (json_int_t)ls->sources, "last_import",
				  (json_int_t)ls->last_import, "snapshot_keys", (json_int_t)keys,
				  "snapshot_bytes", (json_int_t)bytes, "online",
				  (json_int_t)ls->online, "offline", (json_int_t)ls->offline));
		return 0;
	}
	fprintf(x->out, "%-20s %-6s %10ld %10ld %8ld %7ld  %-25s %10u %12llu\n", ls->list.name,
		list_kind_name(ls->list.kind), ls->entries, ls->distinct, ls->expired, ls->sources,
		time_fmt_local(ls->last_import, t), keys, (unsigned long long)bytes);
	return 0;
}

int listreport_stats(struct store *st, const struct snap *snap, const char *snap_path, int json,
		     int64_t now, FILE *out, struct isp_err *err)
{
	struct stats_ctx x = { snap, NULL, out };
	int rc;

	if (json)
		x.arr = json_array();
	else
		fprintf(out, "%-20s %-6s %10s %10s %8s %7s  %-25s %10s %12s\n", "LIST", "KIND",
			"ENTRIES", "DISTINCT", "EXPIRED", "SOURCES", "LAST IMPORT", "SNAP KEYS",
			"SNAP BYTES");
	rc = store_each_list(st, now, stats_row, &x, err);
	if (json) {
		json_t *o =
			json_pack("{s:o, s:s, s:I, s:I}", "lists", x.arr, "snapshot", snap_path,
				  "snapshot_bytes", (json_int_t)(snap ? snap_bytes(snap) : 0),
				  "snapshot_created", (json_int_t)(snap ? snap_created(snap) : 0));

		json_dumpf(o, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(o);
	} else if (snap) {
		char t[TIME_FMT_LOCAL_MAX];

		fprintf(out, "snapshot %s: %u keys, %llu bytes, compiled %s\n", snap_path,
			snap_keys(snap), (unsigned long long)snap_bytes(snap),
			time_fmt_local((long long)snap_created(snap), t));
	} else {
		fprintf(out, "snapshot %s: none (run `ispshield lists compile`)\n", snap_path);
	}
	return rc;
}

struct history_ctx {
	json_t *arr;
	FILE *out;
};

static int history_row(void *ud, const struct store_import_info *in)
{
	struct history_ctx *x = ud;
	char t[TIME_FMT_LOCAL_MAX];

	if (x->arr) {
		json_array_append_new(
			x->arr,
			json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				  "s:I}",
				  "id", (json_int_t)in->id, "list", in->list, "source", in->source,
				  "file", in->file, "format", in->format, "started",
				  (json_int_t)in->started, "read", (json_int_t)in->read, "accepted",
				  (json_int_t)in->accepted, "duplicates",
				  (json_int_t)in->duplicates, "rejected", (json_int_t)in->rejected,
				  "added", (json_int_t)in->added, "removed",
				  (json_int_t)in->removed, "unchanged", (json_int_t)in->unchanged));
		return 0;
	}
	fprintf(x->out, "%6lld  %-25s  %-16s %-20s %-8s %9ld %9ld %7ld %7ld %7ld\n",
		(long long)in->id, time_fmt_local(in->started, t), in->list, in->source,
		in->format ? in->format : "-", in->accepted, in->added, in->removed, in->duplicates,
		in->rejected);
	return 0;
}

static int change_row(void *ud, const char *value, const char *change)
{
	struct history_ctx *x = ud;

	if (x->arr)
		json_array_append_new(x->arr,
				      json_pack("{s:s, s:s}", "value", value, "change", change));
	else
		fprintf(x->out, "%s\t%s\n", change, value);
	return 0;
}

int listreport_history(struct store *st, const char *list, int limit, long long changes, int json,
		       FILE *out, struct isp_err *err)
{
	struct history_ctx x = { NULL, out };
	int rc;

	if (json)
		x.arr = json_array();
	if (changes >= 0) {
		rc = store_each_change(st, changes, change_row, &x, err);
	} else {
		if (!json)
			fprintf(out, "%6s  %-25s  %-16s %-20s %-8s %9s %9s %7s %7s %7s\n", "ID",
				"STARTED", "LIST", "SOURCE", "FORMAT", "ACCEPTED", "ADDED",
				"REMOVED", "DUPS", "REJECTS");
		rc = store_each_import(st, list, limit, history_row, &x, err);
	}
	if (x.arr) {
		json_dumpf(x.arr, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(x.arr);
	}
	return rc;
}
