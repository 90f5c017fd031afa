/*
 * listreport.h -- what `lists import`, `lists stats` and `lists history` print: the
 * import progress line and summary, the per-list statistics (store counts and each
 * list's share of the snapshot) and the import history, as text tables or JSON
 * (jansson). The caller parses the arguments and opens the store and snapshot; times
 * are shown as every command shows them to people (time_fmt_local, core/base/timefmt.h).
 */
#ifndef ISP_CORE_LISTREPORT_H
#define ISP_CORE_LISTREPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/lists/listimport.h"
#include "core/lists/snapshot.h"
#include "core/store/store.h"

/* The state of the import progress line of one file. */
struct listreport_progress {
	long long total; /* file size, -1 when unknown (a pipe) */
	double t0;	 /* time_mono_s() at the start */
};

/* Start the progress of reading path ("-" = standard input): its size if it has one. */
void listreport_progress_start(struct listreport_progress *pg, const char *path);

/*
 * A listimport progress callback (ud: struct listreport_progress): rewrites one status
 * line on stderr with the entry count, the rate and, when the size is known, the
 * percentage and the ETA.
 */
void listreport_progress(void *ud, long entries, long long bytes);

/*
 * Print the summary line of one imported file to out: "FILE: list LIST, source S,
 * format F: N read, ... unchanged", and the count of entries of another kind skipped.
 */
void listreport_import(FILE *out, const char *file, const char *list,
		       const struct listimport_result *res);

/* Print the summary line of a compiled snapshot to out: "PATH: N lists, N entries, N keys
 * (N merged), N bytes (N bytes/key), N s". */
void listreport_compile(FILE *out, const char *path, const struct snap_build_stats *bs);

/*
 * Print the statistics of every list of st at time now to out: a table (header, one row
 * per list, and a line on the snapshot) or, with json, one object {lists, snapshot,
 * snapshot_bytes, snapshot_created}. snap may be NULL (no snapshot at snap_path); a
 * list's snapshot share is then 0. Returns 0, or store_each_list's error with err set
 * (what was gathered is printed anyway).
 */
int listreport_stats(struct store *st, const struct snap *snap, const char *snap_path, int json,
		     int64_t now, FILE *out, struct isp_err *err);

/*
 * Print the import history to out: with changes >= 0, the values import changes added
 * and removed ("CHANGE\tVALUE" lines); otherwise the last limit imports of list (NULL:
 * every list), newest first, as a table. With json, a JSON array instead. Returns 0 or
 * the store's error with err set (what was gathered is printed anyway).
 */
int listreport_history(struct store *st, const char *list, int limit, long long changes, int json,
		       FILE *out, struct isp_err *err);

#endif
