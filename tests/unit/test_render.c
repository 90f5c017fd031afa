/*
 * test_render.c -- notices from templates (notify/render.h): headers, encodings, the
 * built-in templates in both languages, override folders, template errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify/render.h"

static const struct render_ctx ctx = { "",
				       "Example ISP",
				       "abuse@isp.example",
				       "reply with the word STOP",
				       "abuse@isp.example",
				       "このメールに「配信停止」とご返信ください" };

static const struct render_event cc_ev[] = {
	{ 1795344300, "198.51.100.23", 49152, "GameOverZeus", "" },
	{ 1795344600, "198.51.100.23", 0, "", "name evil.example (name)" },
};
static const struct render_event or_ev[] = {
	{ 1795344900, "198.51.100.23", 53, "openresolver", "dns_version=dnsmasq-2.45" },
};

/* Decode the base64 body (after the blank line) into out. */
static size_t body_of(const char *msg, char *out, size_t size)
{
	const char *p = strstr(msg, "\r\n\r\n");
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;

	assert_non_null(p);
	if (!strstr(msg, "Content-Transfer-Encoding: base64")) {
		snprintf(out, size, "%s", p + 4);
		return strlen(out);
	}
	for (p += 4; *p && n + 1 < size; p++) {
		const char *tab =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *q = *p ? strchr(tab, *p) : NULL;

		if (!q)
			continue;
		v = (v << 6) | (unsigned)(q - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xFF);
		}
	}
	out[n] = '\0';
	return n;
}

static char *render(const struct render_ctx *c, const char *lang, int nsec, int *rc)
{
	const struct render_section secs[] = {
		{ CAUSE_CC, cc_ev, 2 },
		{ CAUSE_OPEN_RESOLVER, or_ev, 1 },
	};
	const struct render_notice n = {
		lang,	    "sub0001", "taro@example.jp", "ispshield-n42",
		1795345000, secs,      (size_t)nsec,	  "3f9a2c4d5e6f7a8b"
	};
	struct isp_err err;
	char *msg = NULL;
	size_t len = 0;

	isp_err_clear(&err);
	*rc = render_notice(c, &n, &msg, &len, &err);
	if (*rc == 0)
		assert_int_equal(strlen(msg), len);
	return msg;
}

static void test_japanese(void **state)
{
	char body[16384];
	int rc;
	char *msg = render(&ctx, "ja", 2, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msg, "To: <taro@example.jp>\r\n"));
	assert_non_null(strstr(msg, "Subject: =?UTF-8?B?"));
	assert_non_null(
		strstr(msg, "Message-ID: <ispshield-n42.3f9a2c4d5e6f7a8b@isp.example>\r\n"));
	assert_non_null(strstr(msg, "Date: Sun, 22 Nov 2026 10:56:40 +0000\r\n"));
	assert_non_null(strstr(msg, "Content-Transfer-Encoding: base64"));
	body_of(msg, body, sizeof(body));
	assert_non_null(strstr(body, "sub0001 様"));
	assert_non_null(strstr(body, "C&Cサーバ"));
	assert_non_null(strstr(body, "オープンリゾルバ"));
	/* times in Japan Standard Time for a Japanese notice, the zone named */
	assert_non_null(strstr(body, "2件、最初 2026-11-22 19:45:00、最後 2026-11-22 19:50:00、"
				     "時刻は日本時間"));
	assert_non_null(
		strstr(body, "  - 2026-11-22 19:45:00  198.51.100.23 port 49152  GameOverZeus"));
	assert_non_null(strstr(body, "このメールに「配信停止」とご返信ください"));
	assert_null(strstr(body, "STOP"));
	assert_null(strstr(body, "UTC"));
	/* no English sentence in the Japanese notice: a line of ASCII only is an event line,
	 * the ISP's name, or a line of addresses and references */
	for (char *line = body, *end; *line; line = end + (*end != '\0')) {
		int words = 0, ascii = 1;
		const char *p;

		end = line + strcspn(line, "\r\n");
		for (p = line; p < end; p++)
			if ((unsigned char)*p >= 0x80)
				ascii = 0;
		for (p = line; p < end; p++)
			if ((p == line || p[-1] == ' ') &&
			    ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				words++;
		if (ascii && words >= 3 && strncmp(line, "  - ", 4) != 0)
			fail_msg("an English line in the Japanese notice: %.*s", (int)(end - line),
				 line);
		if (*end == '\r' && end[1] == '\n')
			end++;
	}
	assert_non_null(strstr(body, "(dns_version=dnsmasq-2.45)"));
	assert_non_null(strstr(body, "ispshield-n42"));
	assert_non_null(strstr(body, "\r\n")); /* CRLF line ends */
	free(msg);
}

static void test_english_ascii(void **state)
{
	char body[16384];
	int rc;
	char *msg = render(&ctx, "en", 1, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msg, "Subject: [Example ISP] Security notice"));
	assert_non_null(strstr(msg, "Content-Transfer-Encoding: 7bit"));
	body_of(msg, body, sizeof(body));
	assert_non_null(strstr(body, "Dear customer (sub0001)"));
	assert_non_null(strstr(body, "(2 times, first 2026-11-22 10:45:00"));
	assert_null(strstr(body, "open resolver"));
	assert_non_null(strstr(body, "reply with the word STOP"));
	assert_null(strstr(body, "{{"));
	/* no bare LF anywhere */
	for (const char *p = msg; (p = strchr(p, '\n')) != NULL; p++)
		assert_int_equal(p[-1], '\r');
	free(msg);
}

/* One event: "1 time", not "1 times"; the ISP's name never after "a" ("a Example ISP") */
static void test_english_counts(void **state)
{
	char body[16384];
	int rc;
	char *msg = render(&ctx, "en", 2, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	body_of(msg, body, sizeof(body));
	assert_non_null(strstr(body, "(2 times, first"));
	assert_non_null(strstr(body, "(1 time, first"));
	/* a DNS block's detail: the name alone, not the store's "name ... (name)" */
	assert_non_null(strstr(body, "  (evil.example)"));
	assert_null(strstr(body, "(name)"));
	assert_null(strstr(body, "name evil.example"));
	assert_null(strstr(body, "(1 times"));
	assert_non_null(strstr(body, "a customer of Example ISP"));
	assert_null(strstr(body, "a Example"));
	free(msg);
}

static void test_many_events_cut(void **state)
{
	struct render_event ev[30];
	struct render_section s = { CAUSE_CC, ev, 30 };
	struct render_notice n = { "en", "s", "a@b.example", "k1", 0, &s, 1, NULL };
	struct isp_err err;
	char *msg = NULL, body[32768];
	size_t len, i;

	(void)state;
	for (i = 0; i < 30; i++)
		ev[i] = (struct render_event){ 1795344300 + (int64_t)i, "192.0.2.1", 0, NULL,
					       NULL };
	assert_int_equal(render_notice(&ctx, &n, &msg, &len, &err), 0);
	body_of(msg, body, sizeof(body));
	assert_non_null(strstr(body, "... and 10 more"));
	assert_non_null(strstr(body, "(30 times"));
	free(msg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_override_folder(void **state)
{
	char dir[] = "/tmp/ispshield-render-XXXXXX", path[256], body[16384];
	struct render_ctx c = ctx;
	char *msg;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	c.templates = dir;
	snprintf(path, sizeof(path), "%s/frame.en.txt", dir);
	write_file(path, "Subject: Custom {{isp_name}}\nHello {{subscriber}}\n{{sections}}Bye\n");
	msg = render(&c, "en", 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msg, "Subject: Custom Example ISP\r\n"));
	body_of(msg, body, sizeof(body));
	assert_non_null(strstr(body, "Hello sub0001\r\n"));
	assert_non_null(strstr(body, "C&C")); /* cc.en.txt still built in */
	free(msg);

	/* a typo in a placeholder stops rendering with the template's name */
	write_file(path, "Subject: x\n{{subscribr}}\n");
	msg = render(&c, "en", 1, &rc);
	assert_int_equal(rc, ISR_EFORMAT);
	assert_null(msg);
	write_file(path, "no subject line\n{{sections}}");
	msg = render(&c, "en", 1, &rc);
	assert_int_equal(rc, ISR_EFORMAT);
	write_file(path, "Subject: x\n{{sections");
	msg = render(&c, "en", 1, &rc);
	assert_int_equal(rc, ISR_EFORMAT);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_japanese),	cmocka_unit_test(test_english_ascii),
		cmocka_unit_test(test_english_counts),	cmocka_unit_test(test_many_events_cut),
		cmocka_unit_test(test_override_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
