/*
 * guard.c -- what crawl.c and recheck.c share (crawl_int.h): the set-up of an easy handle
 * that fetches hostile URLs -- http/https only, no redirect following, no signals, no
 * certificate checks -- and the destination check in its open-socket callback, which
 * sees every address libcurl is about to connect to (after the name lookup); and the
 * resolution of a link against its page.
 */
#include <curl/curl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "core/net/dest.h"
#include "crawl/crawl.h"
#include "crawl/crawl_int.h"

int crawl_resolve(const char *base, const char *ref, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL;
	int rc = ISR_EINVAL;

	if (!u)
		return ISR_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		goto out;
	if (strlen(s) < outsz) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
out:
	curl_free(s);
	curl_url_cleanup(u);
	return rc;
}

/* The destination check: every address libcurl is about to connect to. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct crawl_guard *g = ud;
	enum dest_verdict v;

	(void)purpose;
	if (g->proxied) /* the connection is to the profile's proxy (crawl.h) */
		return socket(a->family, a->socktype, a->protocol);
	v = dest_check(g->rules, &a->addr);
	if (v != DEST_OK) {
		g->verdict = (int)v;
		getnameinfo(&a->addr, a->addrlen, g->ip, sizeof(g->ip), NULL, 0, NI_NUMERICHOST);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

void crawl_guard_set(CURL *h, struct crawl_guard *g)
{
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
	/* certificates are not verified: a kit's self-signed or expired https site must
	 * still be seen (the crawler trusts nothing it fetches anyway) */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
}
