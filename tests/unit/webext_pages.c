/*
 * webext_pages.c -- writes the browser extension's warning page templates
 * (clients/webext/pages/warning-{en,ja}{,-nolist}.html) with the proxy's own renderer
 * (src/proxy/page.c page_warning), placeholders in place of the values: the extension
 * shows the same bilingual page as the proxy, and ctest unit.webext_pages fails when the
 * committed templates and the proxy's text drift apart (regenerate: webext_pages DIR).
 *
 * Placeholders the extension fills (HTML-escaped): {{url}} {{list}} {{category}}
 * {{reference}} {{isp_name}} {{contact}} {{continue_url}}. The -nolist variants carry the
 * proxy's own words for a list without a display name.
 */
#include <stdio.h>
#include <string.h>

#include "proxy/page.h"

static int write_page(const char *dir, const char *name, int ja, const char *list)
{
	static char buf[65536];
	struct page_info pi;
	char path[4096];
	size_t n;
	FILE *f;

	memset(&pi, 0, sizeof(pi));
	pi.ja = ja;
	pi.url = "{{url}}";
	pi.list = list;
	pi.reference = "{{reference}}";
	pi.category = "{{category}}";
	pi.continue_url = "{{continue_url}}";
	pi.isp = "{{isp_name}}";
	pi.contact = "{{contact}}";
	n = page_warning(&pi, buf, sizeof(buf));
	if (n == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: webext_pages DIR\n");
		return 2;
	}
	return write_page(argv[1], "warning-en.html", 0, "{{list}}") |
	       write_page(argv[1], "warning-ja.html", 1, "{{list}}") |
	       write_page(argv[1], "warning-en-nolist.html", 0, NULL) |
	       write_page(argv[1], "warning-ja-nolist.html", 1, NULL);
}
