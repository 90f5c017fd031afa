/*
 * rules.c -- YARA rules over what the crawler downloads (crawl_int.h): the operator's and
 * the starter rules (data/yara/crawl.yar) compiled once per run with libyara; every body
 * is scanned in memory, and the names of the rules that match are a hop's evidence for
 * the "attack" role.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "core/base/err.h"
#include "crawl/crawl_int.h"

struct crawl_rules {
	YR_RULES *rules;
};

struct cerr {
	struct isp_err *err;
	int rc;
};

static void on_compile_error(int level, const char *file, int line, const YR_RULE *rule,
			     const char *msg, void *ud)
{
	struct cerr *c = ud;

	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR || c->rc)
		return;
	c->rc = isp_err_set(c->err, ISR_EINVAL, "crawl.rules: %s:%d: %s", file ? file : "?", line,
			    msg);
}

int crawl_rules_load(const char *files, struct crawl_rules **out, struct isp_err *err)
{
	struct crawl_rules *r = NULL;
	YR_COMPILER *comp = NULL;
	struct cerr ce = { err, 0 };
	char path[4096];
	const char *p = files;
	int rc = 0;

	*out = NULL;
	if (yr_initialize() != ERROR_SUCCESS)
		return isp_err_set(err, ISR_ENOMEM, "libyara: initialisation failed");
	if (yr_compiler_create(&comp) != ERROR_SUCCESS) {
		rc = isp_err_set(err, ISR_ENOMEM, "libyara: no compiler");
		goto out;
	}
	yr_compiler_set_callback(comp, on_compile_error, &ce);
	while (*p) {
		size_t n;
		FILE *f;

		while (*p == ',' || *p == ' ')
			p++;
		n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (!n)
			break;
		if (n >= sizeof(path)) {
			rc = isp_err_set(err, ISR_EINVAL, "crawl.rules: a path is too long");
			goto out;
		}
		memcpy(path, p, n);
		path[n] = '\0';
		p += n;
		f = fopen(path, "r");
		if (!f) {
			rc = isp_err_set(err, ISR_EIO, "crawl.rules: %s: %s", path,
					 strerror(errno));
			goto out;
		}
		if (yr_compiler_add_file(comp, f, NULL, path) != 0) {
			fclose(f);
			rc = ce.rc ? ce.rc
				   : isp_err_set(err, ISR_EINVAL,
						 "crawl.rules: %s: does not compile", path);
			goto out;
		}
		fclose(f);
	}
	r = calloc(1, sizeof(*r));
	if (!r || yr_compiler_get_rules(comp, &r->rules) != ERROR_SUCCESS) {
		rc = isp_err_set(err, ISR_ENOMEM, "libyara: out of memory");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	free(r);
	if (comp)
		yr_compiler_destroy(comp);
	if (rc)
		yr_finalize();
	return rc;
}

struct hits {
	char *names;
	size_t size, len;
	int n;
};

static int on_scan(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	struct hits *h = ud;
	const YR_RULE *rule = data;

	(void)ctx;
	if (msg != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	h->n++;
	if (h->len < h->size) {
		int w = snprintf(h->names + h->len, h->size - h->len, "%s%s", h->len ? "," : "",
				 rule->identifier);

		if (w > 0)
			h->len += (size_t)w;
	}
	return CALLBACK_CONTINUE;
}

int crawl_rules_scan(struct crawl_rules *r, const void *buf, size_t n, char *names, size_t namesz)
{
	struct hits h = { names, namesz, 0, 0 };

	if (namesz)
		names[0] = '\0';
	if (!r || !n)
		return 0;
	if (yr_rules_scan_mem(r->rules, buf, n, SCAN_FLAGS_FAST_MODE, on_scan, &h,
			      CRAWL_RULES_TIMEOUT) != ERROR_SUCCESS) {
		if (namesz)
			names[0] = '\0';
		return 0;
	}
	return h.n;
}

void crawl_rules_free(struct crawl_rules *r)
{
	if (!r)
		return;
	yr_rules_destroy(r->rules);
	free(r);
	yr_finalize();
}
