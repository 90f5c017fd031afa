/*
 * fuzz_rdap.c -- libFuzzer target for the RDAP answer and bootstrap parsers
 * (sites/sites.h: sites_rdap_abuse, sites_bootstrap_add and its lookups).
 *
 * The first byte picks the parser (an answer, or a dns / ipv4 / ipv6 bootstrap file),
 * the rest is the JSON. Every rejection must name the file and carry a message; addresses
 * kept pass the e-mail check again; a bootstrap URL found for a name or an address ends
 * in '/' and is http(s). Seeds: fuzz/corpus/rdap/.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_reject(void *ud, const struct isp_err *e)
{
	(void)ud;
	if (!e->file || e->msg[0] == '\0')
		abort();
}

static void url_ok(const char *u)
{
	size_t n;

	if (!u)
		return;
	n = strlen(u);
	if (n == 0 || u[n - 1] != '/' || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "dns", "ipv4", "ipv6" };
	struct isp_err err;

	if (size < 1)
		return 0;
	if (data[0] % 4 == 3) {
		struct sites_emails e, again;

		memset(&e, 0, sizeof(e));
		memset(&again, 0, sizeof(again));
		if (sites_rdap_abuse((const char *)data + 1, size - 1, "fuzz", on_reject, NULL,
				     &e) != e.n)
			abort();
		for (int i = 0; i < e.n; i++)
			if (sites_emails_add(&again, e.v[i], strlen(e.v[i])) != 1)
				abort();
	} else {
		struct sites_bootstrap *b = sites_bootstrap_new();
		struct sockaddr_in a4;
		struct sockaddr_in6 a6;

		if (!b)
			return 0;
		sites_bootstrap_add(b, kinds[data[0] % 4], (const char *)data + 1, size - 1, "fuzz",
				    on_reject, NULL, &err);
		url_ok(sites_bootstrap_domain(b, "www.example.com"));
		url_ok(sites_bootstrap_domain(b, "shop.example.co.jp"));
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_addr.s_addr = htonl(0xcb007105); /* 203.0.113.5 */
		url_ok(sites_bootstrap_addr(b, (struct sockaddr *)&a4));
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_addr.s6_addr[0] = 0x20;
		a6.sin6_addr.s6_addr[1] = 0x01;
		a6.sin6_addr.s6_addr[2] = 0x0d;
		a6.sin6_addr.s6_addr[3] = 0xb8;
		url_ok(sites_bootstrap_addr(b, (struct sockaddr *)&a6));
		sites_bootstrap_free(b);
	}
	return 0;
}
