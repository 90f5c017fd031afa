/*
 * test_sites.c -- unit tests for the parsers of src/sites: delegated-extended statistics
 * (ranges of one country, lookups at the edges, bad records reported with their line),
 * security.txt (mailto contacts, Expires, signed files), RDAP abuse entities (nested,
 * placeholders skipped), bootstrap lookups, JPRS WHOIS (both layouts), the e-mail check,
 * the crawl evidence read from chains.jsonl (what is kept, what is passed over, the later
 * record winning) and how it is rendered in a notice and in the X-ARF evidence.
 * Table-driven where the cases are data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "sites/sites.h"
#include "sites/sites_int.h"

struct rejects {
	int n;
	long line[16];
	long long off[16];
	char msg[16][ISP_ERR_MSG];
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct rejects *r = ud;

	if (r->n < 16) {
		r->line[r->n] = e->line;
		r->off[r->n] = e->offset;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", e->msg);
	}
	r->n++;
}

static struct sockaddr_storage addr(const char *s)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, s, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, s, &a->sin_addr), 1);
	}
	return ss;
}

static const char deleg[] = "2|apnic|20261201|5|19830613|20261130|+1000\n"
			    "apnic|*|ipv4|*|3|summary\n"
			    "# a comment\n"
			    "apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92E1062\n"
			    "apnic|CN|ipv4|1.0.32.0|8192|20110412|allocated\n"
			    "apnic|JP|ipv4|203.0.113.0|100|20110412|assigned\n" /* not 2^n */
			    "apnic|JP|ipv6|2001:db8::|32|20110412|allocated\n"
			    "apnic|JP|asn|173|1|20020801|allocated\n"
			    "apnic|JP|ipv4|1.0.64.0\n"				/* 6: short */
			    "apnic|JP|ipv4|300.0.0.0|256|20110412|allocated\n"	/* 7: bad */
			    "apnic|JP|ipv6|2001:db8::1|32|20110412|allocated\n" /* 8: host bits */
			    "apnic|JP|ipv4|255.255.255.0|512|2011|allocated\n"	/* 9: past end */
			    "apnic|JP|ipx|1.2.3.4|1|2011|allocated\n";		/* 10: type */

static void test_delegated(void **state)
{
	static const struct {
		const char *a;
		int in;
	} probe[] = {
		{ "1.0.16.0", 1 },	   { "1.0.31.255", 1 },	  { "1.0.32.0", 0 },
		{ "1.0.15.255", 0 },	   { "203.0.113.99", 1 }, { "203.0.113.100", 0 },
		{ "2001:db8:ffff::1", 1 }, { "2001:db9::", 0 },	  { "::ffff:1.0.16.1", 1 },
		{ "0.0.0.0", 0 },
	};
	struct sites_delegated *d;
	struct rejects r = { 0 };
	struct isp_err err;

	(void)state;
	assert_int_equal(sites_delegated_parse(deleg, sizeof(deleg) - 1, "d.txt", "jp", on_reject,
					       &r, &d, &err),
			 0);
	assert_int_equal(sites_delegated_count(d), 4); /* CN's range is kept too */
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		struct sockaddr_storage ss = addr(probe[i].a);

		if (sites_delegated_contains(d, (struct sockaddr *)&ss) != probe[i].in)
			fail_msg("%s: want %d", probe[i].a, probe[i].in);
	}
	{
		struct sockaddr_storage cn = addr("1.0.32.1"), none = addr("192.0.2.1");

		assert_true(sites_delegated_covers(d, (struct sockaddr *)&cn));
		assert_false(sites_delegated_contains(d, (struct sockaddr *)&cn));
		assert_false(sites_delegated_covers(d, (struct sockaddr *)&none));
	}
	assert_int_equal(r.n, 5);
	assert_int_equal(r.line[0], 9);
	assert_int_equal(r.line[1], 10);
	assert_int_equal(r.line[2], 11);
	assert_int_equal(r.line[3], 12);
	assert_int_equal(r.line[4], 13);
	sites_delegated_free(d);
}

static void test_emails(void **state)
{
	static const struct {
		const char *in;
		int want;
	} v[] = {
		{ "abuse@example.jp", 1 },
		{ "mailto:Sec@Example.CO.JP", 1 },
		{ "  web@example.jp  ", 1 },
		{ "abuse@example.jp", 0 }, /* again */
		{ "no-at-sign", -1 },
		{ "a@b", -1 },
		{ "@example.jp", -1 },
		{ "x@y.jp\r\nBcc: z@w", -1 },
		{ "x y@example.jp", -1 },
		{ "<x@example.jp>", -1 },
		{ "Please query the RDAP service of the Registrar of Record", -1 },
		{ "abc@withheldforprivacy.com", -1 },
		{ "owner@domainsbyproxy.com", -1 },
		{ "REDACTED@registrar.example", -1 },
	};
	struct sites_emails e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (sites_emails_add(&e, v[i].in, strlen(v[i].in)) != v[i].want)
			fail_msg("'%s': want %d", v[i].in, v[i].want);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.v[1], "Sec@example.co.jp");
}

static void test_sectxt(void **state)
{
	static const char plain[] = "# security.txt\n"
				    "Contact: mailto:security@shop.example.jp\n"
				    "Contact: https://shop.example.jp/contact\n"
				    "Contact: mailto:cert@shop.example.jp?subject=hi\n"
				    "Expires: 2027-03-31T15:00:00.000Z\n"
				    "Preferred-Languages: ja, en\n"
				    "this is not a field\n"
				    "Contact: mailto:\"bad\"@x\n";
	static const char signed_[] = "-----BEGIN PGP SIGNED MESSAGE-----\n"
				      "Hash: SHA256\n"
				      "\n"
				      "Contact: mailto:psirt@example.co.jp\n"
				      "- Expires: 2027-01-01T00:00:00Z\n"
				      "-----BEGIN PGP SIGNATURE-----\n"
				      "iQIzBAEBCAAdFiEE...\n"
				      "-----END PGP SIGNATURE-----\n";
	struct sites_emails e = { 0 };
	struct rejects r = { 0 };
	int64_t exp;

	(void)state;
	assert_int_equal(sites_sectxt_parse(plain, sizeof(plain) - 1, "s", on_reject, &r, &e, &exp),
			 2);
	assert_string_equal(e.v[0], "security@shop.example.jp");
	assert_string_equal(e.v[1], "cert@shop.example.jp");
	assert_int_equal(exp, 1806505200);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.line[0], 7);
	assert_int_equal(r.line[1], 8);
	memset(&e, 0, sizeof(e));
	r.n = 0;
	assert_int_equal(
		sites_sectxt_parse(signed_, sizeof(signed_) - 1, "s", on_reject, &r, &e, &exp), 1);
	assert_string_equal(e.v[0], "psirt@example.co.jp");
	assert_int_equal(exp, 1798761600);
	assert_int_equal(r.n, 0);
}

static const char rdap_domain[] =
	"{\"objectClassName\":\"domain\",\"ldhName\":\"shop.example\",\"entities\":["
	"{\"objectClassName\":\"entity\",\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",["
	"[\"version\",{},\"text\",\"4.0\"],[\"email\",{},\"text\",\"Please query the RDAP "
	"service of the Registrar of Record\"]]]},"
	"{\"objectClassName\":\"entity\",\"roles\":[\"registrar\"],\"entities\":["
	"{\"objectClassName\":\"entity\",\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",["
	"[\"version\",{},\"text\",\"4.0\"],[\"fn\",{},\"text\",\"Abuse\"],"
	"[\"email\",{},\"text\",\"abuse@registrar.example\"]]]}]},"
	"{\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",{}]},"
	"{\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",[[\"email\",{},\"text\","
	"\"abuse@withheldforprivacy.com\"]]]}"
	"]}";

static void test_rdap(void **state)
{
	struct sites_emails e = { 0 };
	struct rejects r = { 0 };

	(void)state;
	assert_int_equal(
		sites_rdap_abuse(rdap_domain, sizeof(rdap_domain) - 1, "r", on_reject, &r, &e), 1);
	assert_string_equal(e.v[0], "abuse@registrar.example");
	assert_int_equal(r.n, 1); /* the vcardArray that is not [..., [...]] */
	r.n = 0;
	assert_int_equal(sites_rdap_abuse("{\"entities\": [1,", 16, "r", on_reject, &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_true(r.off[0] >= 15);
}

static void test_bootstrap(void **state)
{
	static const char dns[] = "{\"services\":[[[\"com\",\"net\"],[\"https://rdap.verisign."
				  "example/com/v1/\"]],[[\"example\"],[\"http://127.0.0.1:9/"
				  "x\",\"https://rdap.example/x\"]],[[\"bad\"],[\"ftp://x/\"]]]}";
	static const char v4[] = "{\"services\":[[[\"203.0.0.0/8\"],[\"https://rdap.apnic."
				 "example/\"]],[[\"203.0.113.0/24\"],[\"http://127.0.0.1:8/\"]],"
				 "[[\"2001:db8::/32\"],[\"http://x/\"]]]}";
	struct sites_bootstrap *b = sites_bootstrap_new();
	struct rejects r = { 0 };
	struct sockaddr_storage a1 = addr("203.0.113.5"), a2 = addr("203.1.0.1"),
				a3 = addr("198.51.100.1");
	struct isp_err err;

	(void)state;
	assert_int_equal(sites_bootstrap_add(b, "dns", dns, sizeof(dns) - 1, "dns.json", on_reject,
					     &r, &err),
			 3);
	assert_int_equal(sites_bootstrap_add(b, "ipv4", v4, sizeof(v4) - 1, "ipv4.json", on_reject,
					     &r, &err),
			 2);
	assert_int_equal(r.n, 2);
	assert_string_equal(sites_bootstrap_domain(b, "shop.example"), "https://rdap.example/x/");
	assert_string_equal(sites_bootstrap_domain(b, "a.b.COM"),
			    "https://rdap.verisign.example/com/v1/");
	assert_null(sites_bootstrap_domain(b, "notcom"));
	assert_null(sites_bootstrap_domain(b, "x.jp"));
	assert_string_equal(sites_bootstrap_addr(b, (struct sockaddr *)&a1), "http://127.0.0.1:8/");
	assert_string_equal(sites_bootstrap_addr(b, (struct sockaddr *)&a2),
			    "https://rdap.apnic.example/");
	assert_null(sites_bootstrap_addr(b, (struct sockaddr *)&a3));
	sites_bootstrap_free(b);
}

static void test_whoisjp(void **state)
{
	static const char general[] =
		"[ JPRS database provides information on network administration. Its use is    ]\n"
		"[ restricted to network administration purposes.                              ]\n"
		"\n"
		"Domain Information: [ドメイン情報]\n"
		"[Domain Name]                   SHOP-EXAMPLE.JP\n"
		"\n"
		"[登録者名]                      株式会社例\n"
		"[Name Server]                   ns1.shop-example.jp\n"
		"[状態]                          Active\n"
		"\n"
		"Contact Information: [公開連絡窓口]\n"
		"[名前]                          例 太郎\n"
		"[Email]                         hostmaster@shop-example.jp\n"
		"[Web Page                       \n"
		"[住所]                          東京都千代田区\n"
		"                                例ビル\n";
	static const char org[] = "Domain Information:\n"
				  "a. [ドメイン名]                 EXAMPLE.CO.JP\n"
				  "g. [組織名]                     例株式会社\n"
				  "m. [登録担当者]                 TE000JP\n"
				  "n. [技術連絡担当者]             TE001JP\n"
				  "n. [技術連絡担当者]             TE001JP\n"
				  "n. [技術連絡担当者]             TE 002\n";
	static const char handle[] = "Contact Information: [担当者情報]\n"
				     "a. [JPNICハンドル]             TE001JP\n"
				     "b. [氏名]                      例 花子\n"
				     "d. [電子メイル]                tech@example.co.jp\n";
	struct sites_whoisjp w;
	struct rejects r = { 0 };

	(void)state;
	sites_whoisjp_parse(general, sizeof(general) - 1, "w", on_reject, &r, &w);
	assert_true(w.found);
	assert_int_equal(w.emails.n, 1);
	assert_string_equal(w.emails.v[0], "hostmaster@shop-example.jp");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.line[0], 14);
	r.n = 0;
	sites_whoisjp_parse(org, sizeof(org) - 1, "w", on_reject, &r, &w);
	assert_true(w.found);
	assert_int_equal(w.emails.n, 0);
	assert_int_equal(w.nhandles, 2);
	assert_string_equal(w.handles[1], "TE001JP");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.line[0], 7);
	sites_whoisjp_parse(handle, sizeof(handle) - 1, "w", on_reject, &r, &w);
	assert_true(w.found);
	assert_string_equal(w.emails.v[0], "tech@example.co.jp");
	sites_whoisjp_parse("No match!!\n", 11, "w", on_reject, &r, &w);
	assert_false(w.found);
}

static const char postfix_dsn[] =
	"From: MAILER-DAEMON@mx.isp.example (Mail Delivery System)\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"4ABCD.1796612793/mx.isp.example\"\r\n"
	"\r\n"
	"--4ABCD.1796612793/mx.isp.example\r\n"
	"Content-Description: Notification\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"Final-Recipient: rfc822; not-in-the-report@x.jp\r\n"
	"Action: failed\r\n"
	"\r\n"
	"--4ABCD.1796612793/mx.isp.example\r\n"
	"Content-Description: Delivery report\r\n"
	"Content-Type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns; mx.isp.example\r\n"
	"X-Postfix-Queue-ID: 4ABCD\r\n"
	"Arrival-Date: Mon,  7 Dec 2026 10:00:01 +0900 (JST)\r\n"
	"\r\n"
	"Final-Recipient: rfc822; security@shop-a.jp\r\n"
	"Original-Recipient: rfc822;security@shop-a.jp\r\n"
	"Action: failed\r\n"
	"Status: 5.1.1\r\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <security@shop-a.jp>: Recipient address\r\n"
	"    rejected: User unknown\r\n"
	"\r\n"
	"Final-Recipient: rfc822; slow@shop-b.jp\r\n"
	"Action: delayed\r\n"
	"Status: 4.4.1\r\n"
	"\r\n"
	"Final-Recipient: x400; /C=JP/\r\n"
	"Action: failed\r\n"
	"\r\n"
	"Final-Recipient: RFC822; Gone@Shop-C.JP\r\n"
	"Action: failed\r\n"
	"--4ABCD.1796612793/mx.isp.example\r\n"
	"Content-Type: text/rfc822-headers\r\n"
	"\r\n"
	"Final-Recipient: rfc822; headers@x.jp\r\n"
	"Action: failed\r\n";

static void test_dsn(void **state)
{
	struct sites_emails e = { 0 };
	struct rejects r = { 0 };

	(void)state;
	assert_int_equal(
		sites_dsn_parse(postfix_dsn, sizeof(postfix_dsn) - 1, "dsn", on_reject, &r, &e), 2);
	assert_string_equal(e.v[0], "security@shop-a.jp");
	assert_string_equal(e.v[1], "Gone@shop-c.jp");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.line[0], 33);
	memset(&e, 0, sizeof(e));
	r.n = 0;
	assert_int_equal(sites_dsn_parse("Subject: hi\n\nhello\n", 19, "m", on_reject, &r, &e), 0);
	assert_int_equal(r.n, 1);
}

static const char chains[] =
	/* 1: a cloaked chain to a payload; its attack hop failed (not kept) */
	"{\"start\": \"http://a.example/entry\", \"depth\": 0, \"referer\": \"http://s.example/q\","
	" \"profile\": \"browser\", \"cloaked\": true, \"end\": \"done\", \"hops\": ["
	"{\"url\": \"http://a.example/entry\", \"kind\": \"start\", \"role\": \"entry\","
	" \"status\": 302, \"error\": null},"
	"{\"url\": \"http://a.example/kit.html\", \"kind\": \"http-3xx\", \"role\": \"hop\","
	" \"status\": 200, \"error\": null},"
	"{\"url\": \"http://a.example/x.exe\", \"kind\": \"meta-refresh\","
	" \"role\": \"distribution\", \"status\": 200, \"sha256\": \"ab12\","
	" \"file_type\": \"application/x-dosexec\", \"yara\": [\"r1\", \"r2\"], \"error\": null},"
	"{\"url\": \"http://a.example/y.js\", \"kind\": \"js-location\", \"role\": \"attack\","
	" \"status\": null, \"yara\": [\"r3\"], \"error\": \"timed out\"}]}\n"
	"not json\n"
	/* 3: the cloaking check's visitor: nothing kept */
	"{\"start\": \"http://b.example/\", \"profile\": \"bare\", \"hops\": [{\"url\":"
	" \"http://b.example/z.exe\", \"kind\": \"start\", \"role\": \"distribution\"}]}\n"
	"\r\n"
	"{\"hops\": []}\n"
	/* 6: the same payload (another spelling: one canonical URL) reached later from
	 * another start: this record wins */
	"{\"start\": \"http://c.example/\", \"profile\": \"browser\", \"hops\": ["
	"{\"url\": \"http://c.example/\", \"kind\": \"start\", \"role\": \"entry\", \"status\": "
	"200},"
	"{\"url\": \"HTTP://A.Example/x.exe#top\", \"kind\": \"js-location\","
	" \"role\": \"distribution\", \"status\": 200, \"sha256\": \"cd34\", \"yara\": []}]}\n";

static void test_crawl(void **state)
{
	struct sites_crawl *c = sites_crawl_new();
	struct rejects r = { 0 };
	struct strbuf b = { 0 };
	struct isp_err err;
	const char *ev;

	(void)state;
	assert_non_null(c);
	/* the first record alone: every field rendered */
	assert_int_equal(sites_crawl_add(c, chains, strlen(chains), "chains.jsonl", NULL, on_reject,
					 &r, &err),
			 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.line[0], 2);
	assert_int_equal(r.line[1], 5);
	assert_string_equal(r.msg[1], "not a chain record (start, hops)");
	sites_crawl_index(c);
	assert_int_equal(sites_crawl_count(c), 1);
	assert_null(sites_crawl_get(c, "http://a.example/y.js"));
	assert_null(sites_crawl_get(c, "http://b.example/z.exe"));
	ev = sites_crawl_get(c, "http://a.example/x.exe");
	assert_non_null(ev);
	assert_non_null(strstr(ev, "\"start\":\"http://c.example/\""));
	sites_crawl_free(c);

	c = sites_crawl_new();
	assert_int_equal(sites_crawl_add(c, chains, (size_t)(strchr(chains, '\n') - chains),
					 "chains.jsonl", NULL, NULL, NULL, &err),
			 0);
	sites_crawl_index(c);
	ev = sites_crawl_get(c, "http://a.example/x.exe");
	assert_non_null(ev);
	assert_int_equal(sites_crawl_render(&b, ev, 1), 0);
	assert_string_equal(b.p, "    reached by our crawler through\n"
				 "      1. hxxp://a[.]example/entry (start, 302)\n"
				 "      2. hxxp://a[.]example/kit.html (http-3xx, 200)\n"
				 "      3. hxxp://a[.]example/x.exe (meta-refresh, 200)\n"
				 "    cloaked: a client without a browser's User-Agent and Referer"
				 " was not served it\n"
				 "    to reproduce, request the first URL with\n"
				 "      User-Agent: (none)\n"
				 "      Referer: http://s.example/q\n"
				 "    SHA-256: ab12 (application/x-dosexec)\n"
				 "    rules: r1, r2\n");
	b.len = 0;
	assert_int_equal(sites_crawl_render(&b, ev, 0), 0);
	assert_string_equal(b.p,
			    "\tcrawl http://a.example/entry -> http://a.example/kit.html ->"
			    " http://a.example/x.exe\tUser-Agent: \tReferer: http://s.example/q"
			    "\tcloaked\tsha256 ab12\trules r1, r2");
	b.len = 0;
	assert_int_equal(sites_crawl_render(&b, "[1]", 1), -1);
	assert_int_equal(b.len, 0);
	free(b.p);
	sites_crawl_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delegated), cmocka_unit_test(test_emails),
		cmocka_unit_test(test_sectxt),	  cmocka_unit_test(test_rdap),
		cmocka_unit_test(test_bootstrap), cmocka_unit_test(test_whoisjp),
		cmocka_unit_test(test_dsn),	  cmocka_unit_test(test_crawl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
