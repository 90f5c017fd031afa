/*
 * suspend.c -- authwatch's suspend list read back from the store (authwatch.h, "suspend
 * list"): the rlm_files entries FreeRADIUS includes to reject each suspended account
 * (or one account a line), written atomically when it goes to a file, and the listing
 * of `authwatch suspended` as JSON or text columns.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authwatch/aw_int.h"
#include "core/service/config.h"
#include "core/base/fsutil.h"
#include "core/base/jsonout.h"
#include "core/base/timefmt.h"
#include "core/store/store.h"
#include "core/store/store_authwatch.h"

struct listw {
	FILE *out;
	int users;
	long n;
	json_t *arr;
};

static int write_one(void *ud, const struct store_suspension *s)
{
	struct listw *w = ud;
	char t[TIME_FMT_LOCAL_MAX];
	const char *p;

	w->n++;
	if (w->arr) {
		json_t *o = json_object();
		char a[32];

		json_object_set_new(o, "user", jsonout_str(s->user));
		json_object_set_new(o, "type", json_string(s->type));
		aw_iso_time(s->since, a);
		json_object_set_new(o, "since", json_string(a));
		if (s->released) {
			aw_iso_time(s->released, a);
			json_object_set_new(o, "released", json_string(a));
		}
		json_object_set_new(o, "reason", jsonout_str(s->reason));
		json_array_append_new(w->arr, o);
		return 0;
	}
	if (!w->users) {
		fprintf(w->out, "%s\n", s->user);
		return 0;
	}
	/* rlm_files: a quoted name; '"' and '\' escaped. The reason is a comment. */
	fprintf(w->out, "# %s: %s since %s\n", s->user, s->type, time_fmt_local(s->since, t));
	fputc('"', w->out);
	for (p = s->user; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', w->out);
		fputc((unsigned char)*p >= 0x20 ? *p : '?', w->out);
	}
	fprintf(w->out,
		"\"\tAuth-Type := Reject\n"
		"\tReply-Message := \"Account suspended (%s): please change your password\"\n\n",
		s->type);
	return 0;
}

int aw_suspend_list(struct store *st, const char *path, int users, long *n, struct isp_err *err)
{
	struct listw w;
	struct fs_atomic a;
	char t[TIME_FMT_LOCAL_MAX];
	int rc;

	memset(&w, 0, sizeof(w));
	w.users = users;
	w.out = stdout;
	if (path) {
		/* FreeRADIUS reads it (0644): the list names accounts, not subscribers' data */
		if (fs_atomic_open(&a, path, 0644, err) != 0)
			return ISR_EIO;
		w.out = a.f;
	}
	if (users)
		fprintf(w.out,
			"# ispshield authwatch suspend list, written %s.\n"
			"# Include it first in mods-config/files/authorize: each account is "
			"rejected.\n"
			"# Release one with `ispshield authwatch release USER`, then write this "
			"again.\n\n",
			time_fmt_local(time(NULL), t));
	isp_err_clear(err);
	rc = store_each_suspension(st, 0, write_one, &w, err);
	if (rc) {
		if (path)
			fs_atomic_abort(&a);
		return rc;
	}
	if (path && fs_atomic_commit(&a, err) != 0)
		return ISR_EIO;
	*n = w.n;
	return 0;
}

int aw_suspended(struct store *st, int all, int json, FILE *out, struct isp_err *err)
{
	struct listw w;
	size_t k;
	json_t *o;
	int rc;

	memset(&w, 0, sizeof(w));
	w.arr = json_array(); /* text output is the JSON's fields in columns */
	if (!w.arr)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	isp_err_clear(err);
	rc = store_each_suspension(st, all, write_one, &w, err);
	if (rc == 0 && json) {
		json_dumpf(w.arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
	} else if (rc == 0) {
		json_array_foreach(w.arr, k, o)
		{
			json_t *rel = json_object_get(o, "released");

			fprintf(out, "%s\t%s\tsince %s%s%s\t%s\n",
				json_string_value(json_object_get(o, "user")),
				json_string_value(json_object_get(o, "type")),
				json_string_value(json_object_get(o, "since")),
				rel ? ", released " : "", rel ? json_string_value(rel) : "",
				json_string_value(json_object_get(o, "reason")));
		}
	}
	json_decref(w.arr);
	return rc;
}
