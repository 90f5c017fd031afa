/*
 * state.c -- sync-state.json, see sync.h. jansson reads and writes it; the whole file is
 * rewritten atomically on each update (it holds one small object per feed URL).
 *
 * Shape (read by the status page):
 *   {"syncs":[{"url":"...","last_attempt":UNIX,"last_success":UNIX,"result":"ok",
 *     "error":"","etag":"...","last_modified":"...","sequence":N,"created":UNIX,
 *     "key":"HEX","lists":[{"name":"c2","entries":123,"sha256":"..."}]}]}
 * "key" is the public key that verified the manifest imported ("" = none yet), "created"
 * that manifest's publication time (for sync.max-age on a 304). A TAXII source adds
 * "added_last" (the X-TAXII-Date-Added-Last its last page carried: the next added_after).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/fsutil.h"
#include "sync/sync.h"

#define STATE_MAX_BYTES ((size_t)4 << 20)

static const char *const result_names[] = {
	"ok",	 "not-modified", "bad-signature", "replayed", "download-failed", "import-failed",
	"stale",
};

const char *sync_result_name(enum sync_result r)
{
	if ((int)r < 0 || (size_t)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "unknown";
	return result_names[r];
}

static enum sync_result result_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (strcmp(s, result_names[i]) == 0)
			return (enum sync_result)i;
	return SYNC_DOWNLOAD_FAILED;
}

static void copy_str(char *dst, size_t size, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", v ? v : "");
}

void sync_state_path(const char *snap, char *out, size_t size)
{
	const char *slash = strrchr(snap, '/');

	if (slash)
		snprintf(out, size, "%.*s/sync-state.json", (int)(slash - snap), snap);
	else
		snprintf(out, size, "sync-state.json");
}

/* Load the file's array of syncs (a new empty one when the file is missing/unreadable). */
static json_t *load_syncs(const char *path, int *bad, struct isp_err *err)
{
	json_error_t je;
	json_t *root, *arr;
	char *text = NULL;
	size_t len;

	*bad = 0;
	if (fs_read_file(path, STATE_MAX_BYTES, &text, &len, NULL) != 0)
		return json_array();
	root = json_loadb(text, len, 0, &je);
	free(text);
	arr = root ? json_object_get(root, "syncs") : NULL;
	if (!json_is_array(arr)) {
		*bad = 1;
		isp_err_at(err, ISR_EFORMAT, path, je.line > 0 ? je.line : 0, -1,
			   "not a sync state file (%s); it will be replaced",
			   root ? "no \"syncs\" array" : je.text);
		json_decref(root);
		return json_array();
	}
	json_incref(arr);
	json_decref(root);
	return arr;
}

int sync_state_get(const char *path, const char *url, struct sync_state *s, struct isp_err *err)
{
	json_t *arr = NULL, *o, *lists, *l;
	size_t i, j;
	int bad;

	memset(s, 0, sizeof(*s));
	snprintf(s->url, sizeof(s->url), "%s", url);
	s->result = SYNC_NOT_MODIFIED;
	arr = load_syncs(path, &bad, err);
	json_array_foreach(arr, i, o)
	{
		const char *u = json_string_value(json_object_get(o, "url"));

		if (!u || strcmp(u, url) != 0)
			continue;
		s->last_attempt = (int64_t)json_integer_value(json_object_get(o, "last_attempt"));
		s->last_success = (int64_t)json_integer_value(json_object_get(o, "last_success"));
		s->result = result_parse(json_string_value(json_object_get(o, "result")));
		copy_str(s->error, sizeof(s->error), o, "error");
		copy_str(s->etag, sizeof(s->etag), o, "etag");
		copy_str(s->last_modified, sizeof(s->last_modified), o, "last_modified");
		s->sequence = (uint64_t)json_integer_value(json_object_get(o, "sequence"));
		s->created = (int64_t)json_integer_value(json_object_get(o, "created"));
		copy_str(s->key, sizeof(s->key), o, "key");
		copy_str(s->added_last, sizeof(s->added_last), o, "added_last");
		lists = json_object_get(o, "lists");
		json_array_foreach(lists, j, l)
		{
			struct sync_state_list *sl;

			if (s->nlists == MANIFEST_MAX_LISTS)
				break;
			sl = &s->lists[s->nlists++];
			copy_str(sl->name, sizeof(sl->name), l, "name");
			copy_str(sl->sha256, sizeof(sl->sha256), l, "sha256");
			sl->entries = (long)json_integer_value(json_object_get(l, "entries"));
		}
		break;
	}
	json_decref(arr);
	return bad ? ISR_EFORMAT : 0;
}

/* Printable ASCII copy of src (what a server sent may be anything; JSON wants UTF-8). */
static const char *ascii(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

static json_t *state_json(const struct sync_state *s)
{
	json_t *lists = json_array(), *o;
	char url[sizeof(s->url)], error[sizeof(s->error)], etag[sizeof(s->etag)];
	char lm[sizeof(s->last_modified)], key[sizeof(s->key)];
	size_t i;

	for (i = 0; i < s->nlists; i++)
		json_array_append_new(lists, json_pack("{s:s, s:I, s:s}", "name", s->lists[i].name,
						       "entries", (json_int_t)s->lists[i].entries,
						       "sha256", s->lists[i].sha256));
	o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o}", "url",
		      ascii(url, sizeof(url), s->url), "last_attempt", (json_int_t)s->last_attempt,
		      "last_success", (json_int_t)s->last_success, "result",
		      sync_result_name(s->result), "error", ascii(error, sizeof(error), s->error),
		      "etag", ascii(etag, sizeof(etag), s->etag), "last_modified",
		      ascii(lm, sizeof(lm), s->last_modified), "sequence", (json_int_t)s->sequence,
		      "created", (json_int_t)s->created, "key", ascii(key, sizeof(key), s->key),
		      "lists", lists);
	if (o && s->added_last[0]) {
		char al[sizeof(s->added_last)];

		json_object_set_new(o, "added_last",
				    json_string(ascii(al, sizeof(al), s->added_last)));
	}
	return o;
}

int sync_state_print(const struct sync_state *s, FILE *out, struct isp_err *err)
{
	json_t *o = state_json(s);
	int rc;

	if (!o)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = json_dumpf(o, out, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (rc != 0 || fputc('\n', out) == EOF)
		return isp_err_set(err, ISR_EIO, "cannot write the state");
	return 0;
}

int sync_state_put(const char *path, const struct sync_state *s, struct isp_err *err)
{
	json_t *arr, *o, *mine, *root;
	size_t i;
	char *text;
	int bad, rc, replaced = 0;

	arr = load_syncs(path, &bad, NULL);
	mine = state_json(s);
	if (!mine) {
		json_decref(arr);
		return isp_err_set(err, ISR_ENOMEM, "cannot build the sync state (bad UTF-8?)");
	}
	json_array_foreach(arr, i, o)
	{
		const char *u = json_string_value(json_object_get(o, "url"));

		if (u && strcmp(u, s->url) == 0) {
			json_array_set(arr, i, mine);
			replaced = 1;
			break;
		}
	}
	if (!replaced)
		json_array_append(arr, mine);
	json_decref(mine);
	root = json_pack("{s:o}", "syncs", arr);
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	json_decref(root);
	if (!text)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = fs_mkdir_parents(path, err);
	if (rc == 0)
		rc = fs_write_atomic(path, text, strlen(text), 0644, err);
	free(text);
	return rc;
}
