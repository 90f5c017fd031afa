/*
 * codec.c -- what goes over the wire: Rice-Golomb coding of sorted prefix lists and of
 * the differences between two versions, the parsers of the two request parameters, and
 * the JSON answers.
 *
 * Why Rice coding: 1 M random 32-bit prefixes are 4 MB raw and 5.3 MB as base64 in
 * JSON; their sorted differences (mean 2^32 / n) coded with k near log2 of the mean take
 * ~k + 2 bits each, ~2.3 MB as base64, and a 1 % difference ~45 kB. It is what Safe
 * Browsing v4 sends, and a decoder is 30 lines of JavaScript (clients/webext/rice.js).
 * The parsers take hostile input (the request's query string): bounded, no allocation,
 * the offset of what they refuse; fuzzed by fuzz/fuzz_urlcheck.c.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jsonout.h"
#include "core/base/strbuf.h"
#include "urlcheck/urlcheck.h"

struct bits {
	uint8_t *b;
	size_t cap, nbits;
};

static int put_bit(struct bits *w, unsigned bit)
{
	if (w->nbits / 8 >= w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 256;
		uint8_t *nb = realloc(w->b, nc);

		if (!nb)
			return ISR_ENOMEM;
		memset(nb + w->cap, 0, nc - w->cap);
		w->b = nb;
		w->cap = nc;
	}
	if (bit)
		w->b[w->nbits / 8] |= (uint8_t)(1u << (w->nbits % 8));
	w->nbits++;
	return 0;
}

int uc_rice_encode(const uint32_t *v, size_t n, struct uc_rice *out)
{
	struct bits w = { NULL, 0, 0 };
	uint64_t mean;
	size_t i;
	unsigned k = 0, j;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
		return 0;
	out->first = v[0];
	mean = n > 1 ? ((uint64_t)v[n - 1] - v[0]) / (n - 1) : 0;
	/* the best k for geometric differences is near log2(mean * ln 2) */
	while (k < 31 && ((uint64_t)1 << (k + 1)) <= mean * 69 / 100)
		k++;
	out->k = k;
	for (i = 1; i < n; i++) {
		uint32_t d = v[i] - v[i - 1];
		uint32_t q = d >> k;

		for (j = 0; j < q; j++)
			if (put_bit(&w, 1))
				goto oom;
		if (put_bit(&w, 0))
			goto oom;
		for (j = 0; j < k; j++)
			if (put_bit(&w, (d >> j) & 1))
				goto oom;
	}
	out->data = w.b;
	out->len = (w.nbits + 7) / 8;
	return 0;
oom:
	free(w.b);
	return ISR_ENOMEM;
}

int uc_rice_decode(const struct uc_rice *r, uint32_t *out, size_t max, size_t *n)
{
	size_t pos = 0, total = r->len * 8, i;
	uint64_t cur = r->first;

	*n = 0;
	if (r->n == 0)
		return 0;
	if (r->n > max || r->k > 31)
		return ISR_EFORMAT;
	out[0] = r->first;
	for (i = 1; i < r->n; i++) {
		uint64_t q = 0, d = 0;
		unsigned j;

		for (;;) {
			if (pos >= total)
				return ISR_EFORMAT;
			if (!((r->data[pos / 8] >> (pos % 8)) & 1))
				break;
			pos++;
			if (++q > UINT32_MAX)
				return ISR_EFORMAT;
		}
		pos++;
		for (j = 0; j < r->k; j++, pos++) {
			if (pos >= total)
				return ISR_EFORMAT;
			d |= (uint64_t)((r->data[pos / 8] >> (pos % 8)) & 1) << j;
		}
		cur += q << r->k | d;
		if (cur > UINT32_MAX)
			return ISR_EFORMAT;
		out[i] = (uint32_t)cur;
	}
	*n = r->n;
	return 0;
}

void uc_rice_free(struct uc_rice *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

int uc_diff(const uint32_t *old, size_t nold, const uint32_t *nw, size_t nnew, uint32_t **add,
	    size_t *nadd, uint32_t **rem, size_t *nrem)
{
	size_t i = 0, j = 0;

	*nadd = *nrem = 0;
	*add = malloc((nnew ? nnew : 1) * sizeof(uint32_t));
	*rem = malloc((nold ? nold : 1) * sizeof(uint32_t));
	if (!*add || !*rem) {
		free(*add);
		free(*rem);
		*add = *rem = NULL;
		return ISR_ENOMEM;
	}
	while (i < nold || j < nnew) {
		if (j >= nnew || (i < nold && old[i] < nw[j])) {
			(*rem)[(*nrem)++] = (uint32_t)i++;
		} else if (i >= nold || nw[j] < old[i]) {
			(*add)[(*nadd)++] = nw[j++];
		} else {
			i++;
			j++;
		}
	}
	return 0;
}

int uc_parse_prefixes(const char *s, size_t len, uint32_t *out, size_t *n, struct isp_err *err)
{
	size_t i = 0;

	*n = 0;
	if (len > UC_QUERY_MAX)
		return isp_err_at(err, ISR_ELIMIT, NULL, 0, UC_QUERY_MAX, "more than %d prefixes",
				  UC_PREFIXES_MAX);
	if (len == 0)
		return isp_err_at(err, ISR_EINVAL, NULL, 0, 0, "no prefix");
	for (;;) {
		uint32_t v = 0;
		size_t j;

		if (*n == UC_PREFIXES_MAX)
			return isp_err_at(err, ISR_ELIMIT, NULL, 0, (long)i,
					  "more than %d prefixes", UC_PREFIXES_MAX);
		for (j = 0; j < 8; j++) {
			int h = i + j < len ? hex_value(s[i + j]) : -1;

			if (h < 0)
				return isp_err_at(err, ISR_EINVAL, NULL, 0, (long)(i + j),
						  "a prefix is 8 hexadecimal digits");
			v = v << 4 | (uint32_t)h;
		}
		out[(*n)++] = v;
		i += 8;
		if (i == len)
			return 0;
		if (s[i] != ',')
			return isp_err_at(err, ISR_EINVAL, NULL, 0, (long)i,
					  "prefixes are separated by ','");
		i++;
	}
}

int uc_parse_version(const char *s, size_t len, uint64_t *v, struct isp_err *err)
{
	size_t i;

	*v = 0;
	if (len == 0 || len > 20)
		return isp_err_at(err, ISR_EINVAL, NULL, 0, 0, "a version is 1 to 20 digits");
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9')
			return isp_err_at(err, ISR_EINVAL, NULL, 0, (long)i,
					  "a version is decimal digits");
		if (*v > (UINT64_MAX - d) / 10)
			return isp_err_at(err, ISR_EINVAL, NULL, 0, (long)i,
					  "a version is below 2^64");
		*v = *v * 10 + d;
	}
	if (*v == 0)
		return isp_err_at(err, ISR_EINVAL, NULL, 0, 0, "versions start at 1");
	return 0;
}

/* ---- JSON ---- */

static json_t *rice_json(const uint32_t *v, size_t n)
{
	struct uc_rice r;
	json_t *o;
	char *b64;
	size_t b64len;

	if (uc_rice_encode(v, n, &r) != 0)
		return NULL;
	b64len = sodium_base64_ENCODED_LEN(r.len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	if (!b64) {
		uc_rice_free(&r);
		return NULL;
	}
	sodium_bin2base64(b64, b64len, r.data ? r.data : (const uint8_t *)"", r.len,
			  sodium_base64_VARIANT_ORIGINAL);
	o = json_pack("{s:I,s:i,s:I,s:s}", "first", (json_int_t)r.first, "k", (int)r.k, "n",
		      (json_int_t)r.n, "data", b64);
	free(b64);
	uc_rice_free(&r);
	return o;
}

/* b[0..n) as lower-case hex into out (2n + 1 bytes). */
static void hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

static char *dump(json_t *o, size_t *len)
{
	char *s;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s)
		*len = strlen(s);
	return s;
}

/* Versions are 64-bit snapshot serials, beyond what a JSON number holds exactly in
 * JavaScript (2^53): they go as decimal strings. */
static json_t *version_json(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return json_string(b);
}

static json_t *head(const struct uc_table *t, int64_t min_wait)
{
	char sum[65];

	hex(t->sha256, 32, sum);
	return json_pack("{s:o,s:I,s:s,s:I}", "version", version_json(t->version), "count",
			 (json_int_t)t->np, "sha256", sum, "min_wait", (json_int_t)min_wait);
}

char *uc_json_full(const struct uc_table *t, int64_t min_wait, size_t *len)
{
	json_t *o = head(t, min_wait), *r = rice_json(t->prefixes, t->np);

	if (!o || !r || json_object_set_new(o, "prefixes", r) != 0) {
		json_decref(o);
		return NULL;
	}
	return dump(o, len);
}

char *uc_json_diff(const struct uc_table *t, uint64_t since, const uint32_t *old, size_t nold,
		   int64_t min_wait, size_t *len)
{
	uint32_t *add, *rem;
	size_t nadd, nrem;
	json_t *o, *a, *r;

	if (uc_diff(old, nold, t->prefixes, t->np, &add, &nadd, &rem, &nrem) != 0)
		return NULL;
	o = head(t, min_wait);
	a = rice_json(add, nadd);
	r = rice_json(rem, nrem);
	free(add);
	free(rem);
	if (!o || !a || !r || json_object_set_new(o, "since", version_json(since)) ||
	    json_object_set_new(o, "additions", a) || json_object_set_new(o, "removals", r)) {
		json_decref(o);
		return NULL;
	}
	return dump(o, len);
}

static json_t *match_json(unsigned m)
{
	json_t *a = json_array();

	if (m & UC_MATCH_URL)
		json_array_append_new(a, json_string("url"));
	if (m & UC_MATCH_HOST)
		json_array_append_new(a, json_string("host"));
	if (m & UC_MATCH_SUB)
		json_array_append_new(a, json_string("subdomains"));
	if (m & UC_MATCH_ALLOW)
		json_array_append_new(a, json_string("allow"));
	return a;
}

char *uc_json_fullhashes(const struct uc_table *t, const uint32_t *p, size_t n,
			 int64_t cache_seconds, size_t *len)
{
	json_t *o, *arr;
	size_t i, first, cnt, k, found = 0;
	char *none;

	/* the common answer (a prefix that collided by chance, one since removed) holds no
	 * text from anywhere: written without building a JSON value */
	for (i = 0; i < n && !found; i++)
		found = uc_table_find(t, p[i], &first);
	if (!found) {
		none = malloc(64);
		if (none)
			*len = (size_t)snprintf(none, 64, "{\"matches\":[],\"cache_seconds\":%lld}",
						(long long)cache_seconds);
		return none;
	}
	o = json_object();
	arr = json_array();
	if (!o || !arr) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		cnt = uc_table_find(t, p[i], &first);
		for (k = first; k < first + cnt; k++) {
			const struct uc_entry *e = &t->e[k];
			const struct uc_list *l = &t->lists[e->list];
			const char *meta[2];
			char h[65];

			uc_entry_meta(t, e, meta);
			hex(e->hash, 32, h);
			json_array_append_new(arr,
					      json_pack("{s:s,s:o,s:{s:o,s:o},s:o,s:o,s:o}", "hash",
							h, "list", jsonout_str(l->name), "display",
							"en", jsonout_str(l->display[0]), "ja",
							jsonout_str(l->display[1]), "match",
							match_json(e->match), "category",
							jsonout_str(meta[0]), "reference",
							jsonout_str(meta[1])));
		}
	}
	json_object_set_new(o, "matches", arr);
	json_object_set_new(o, "cache_seconds", json_integer((json_int_t)cache_seconds));
	return dump(o, len);
}
