/*
 * fetch.c -- one bounded, conditional GET through libcurl, see sync_int.h.
 *
 * The body is counted and hashed as it arrives; the write callback stops the transfer
 * as soon as it passes max_bytes (not CURLOPT_MAXFILESIZE: libcurl applies that to a
 * redirect's own page too), so a hostile or broken server cannot make us store more than
 * that. Redirects from an https URL are followed to https only.
 * libcurl itself reports a body shorter than its Content-Length (CURLE_PARTIAL_FILE).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync/sync_int.h"

struct sink {
	const struct fetch_req *req;
	struct fetch_res *res;
	struct sha256 sha;
	size_t cap;
	int over;
	int io_error;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (s->res->len + n > s->req->max_bytes) {
		s->over = 1;
		return 0;
	}
	sha256_update(&s->sha, p, n);
	if (s->req->out) {
		if (fwrite(p, 1, n, s->req->out) != n) {
			s->io_error = 1;
			return 0;
		}
	} else {
		if (s->res->len + n + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			char *b;

			while (cap < s->res->len + n + 1)
				cap *= 2;
			b = realloc(s->res->body, cap);
			if (!b) {
				s->io_error = 1;
				return 0;
			}
			s->res->body = b;
			s->cap = cap;
		}
		memcpy(s->res->body + s->res->len, p, n);
		s->res->body[s->res->len + n] = '\0';
	}
	s->res->len += n;
	return n;
}

/* Copy a header's value (trimmed) into dst when line is "name: value". */
static void header_value(const char *line, size_t n, const char *name, char *dst, size_t size)
{
	size_t k = strlen(name), e;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	e = n;
	while (e && (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' '))
		e--;
	if (e >= size)
		return; /* too long to replay: leave it out */
	memcpy(dst, line, e);
	dst[e] = '\0';
}

struct hdr_sink {
	const struct fetch_req *req;
	struct fetch_res *res;
};

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct hdr_sink *h = ud;
	struct fetch_res *r = h->res;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (after a redirect) */
		r->etag[0] = '\0';
		r->last_modified[0] = '\0';
		r->captured[0] = '\0';
	}
	header_value(p, n, "ETag", r->etag, sizeof(r->etag));
	header_value(p, n, "Last-Modified", r->last_modified, sizeof(r->last_modified));
	if (h->req->capture)
		header_value(p, n, h->req->capture, r->captured, sizeof(r->captured));
	return n;
}

int fetch_url(const struct fetch_req *req, struct fetch_res *res, struct isp_err *err)
{
	struct curl_slist *hdr = NULL;
	char line[1024], ebuf[CURL_ERROR_SIZE] = "";
	struct hdr_sink hs = { req, res };
	struct sink s;
	CURLcode cc;
	CURL *h;
	int rc = 0, https;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.req = req;
	s.res = res;
	sha256_init(&s.sha);
	h = curl_easy_init();
	if (!h)
		return isp_err_set(err, ISR_ENOMEM, "cannot start libcurl");
	if (req->etag && *req->etag) {
		snprintf(line, sizeof(line), "If-None-Match: %s", req->etag);
		hdr = curl_slist_append(hdr, line);
	}
	if (req->last_modified && *req->last_modified) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", req->last_modified);
		hdr = curl_slist_append(hdr, line);
	}
	if (req->accept) {
		snprintf(line, sizeof(line), "Accept: %s", req->accept);
		hdr = curl_slist_append(hdr, line);
	}
	if (req->authorization) {
		snprintf(line, sizeof(line), "Authorization: %s", req->authorization);
		hdr = curl_slist_append(hdr, line);
		memset(line, 0, sizeof(line));
	}
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	/* an https feed is followed to https only: a redirect to http would hand the
	 * download (and what a subscriber fetches, when) to anyone on the path */
	https = strncasecmp(req->url, "https://", 8) == 0;
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
			 https ? CURLPROTO_HTTPS : CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	/* peer and host verification are libcurl's defaults; never turned off */
	if (req->ca_file && *req->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout > 0 ? req->timeout : 60L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	/* no CURLOPT_MAXFILESIZE: libcurl applies it to a redirect's own response too, so a
	 * list file smaller than the 302 page could not be fetched through a redirect;
	 * on_body enforces max_bytes on what is actually received */
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ispshield/" ISP_VERSION " (lists sync)");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &hs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	/* no compression: the sizes and hashes checked are those of the files as served */
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	if (s.over || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = isp_err_set(err, ISR_ELIMIT, "%s: larger than %llu bytes (sync.max-bytes)",
				 req->url, (unsigned long long)req->max_bytes);
	} else if (s.io_error) {
		rc = isp_err_set(err, ISR_EIO, "%s: cannot store the download", req->url);
	} else if (cc != CURLE_OK) {
		rc = isp_err_set(err, ISR_EIO, "%s: %s", req->url,
				 ebuf[0] ? ebuf : curl_easy_strerror(cc));
	} else if (res->status == 304) {
		res->not_modified = 1;
	} else if (res->status != 200 && res->status != 0) {
		rc = isp_err_set(err, ISR_EIO, "%s: HTTP status %ld", req->url, res->status);
	}
	if (rc == 0 && !res->not_modified) {
		sha256_final(&s.sha, res->sha256);
		if (!req->out && !res->body) {
			res->body = calloc(1, 1);
			if (!res->body)
				rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		}
	}
	if (rc || res->not_modified) {
		free(res->body);
		res->body = NULL;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return rc;
}

void fetch_req_init(struct fetch_req *q, const struct sync_opts *o, const char *url,
		    uint64_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->url = url;
	q->max_bytes = max_bytes;
	q->timeout = o->timeout;
	q->ca_file = o->ca_file;
}
