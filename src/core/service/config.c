/*
 * config.c -- see config.h. One table of keys (config_keys*.c) drives parsing, overriding
 * and printing.
 */
#include "core/service/config.h"
#include "core/service/config_int.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/lists/listfmt.h"
#include "core/store/store.h"

int config_parse_duration(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return ISR_EINVAL;
	switch (*end) {
	case '\0':
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = (int64_t)7 * 86400; break;
	default: return ISR_EINVAL;
	}
	if (*end && end[1])
		return ISR_EINVAL;
	if (v > INT64_MAX / mul)
		return ISR_EINVAL;
	*out = (int64_t)v * mul;
	return 0;
}

/* The allowed values of each K_CHOICE key, '|'-separated. */
static const struct {
	const char *key, *values;
} choices[] = {
	{ "dns.block-action", "nxdomain|walled-garden" },
	{ "core.events", "on|off" },
	{ "core.log", "stderr|json|syslog|journald-json" },
	{ "core.log-blocks", "each|summary|off" },
	{ "dns.upstream-0x20", "on|off" },
	{ "dns.canary", "on|off" },
	{ "dns.tls-records", "own|openssl" },
	{ "proxy.walled-garden", "on|off" },
	{ "sessions.format", "auto|detail|radcsv|dhcpd|kea" },
	{ "notify.smtp-tls", "none|try|require" },
	{ "sites.notice-format", "text|xarf" },
	{ "authwatch.own-networks-spray", "on|off" },
	{ "crawl.scripts", "on|off" },
};

static const char *key_choices(const struct config_key *k)
{
	char name[64];
	size_t i;

	snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
	for (i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
		if (strcmp(choices[i].key, name) == 0)
			return choices[i].values;
	return "";
}

static int choice_ok(const char *choices_of_key, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices_of_key;

	while (n && p) {
		if (strncmp(p, v, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
		p = strchr(p, '|');
		if (p)
			p++;
	}
	return 0;
}

static int set_key(struct isp_config *c, const struct config_key *k, const char *v,
		   struct isp_err *err)
{
	char *dst = (char *)c + k->off;
	int64_t d;

	switch (k->type) {
	case K_DURATION:
		if (config_parse_duration(v, &d) != 0)
			return isp_err_set(err, ISR_EINVAL,
					   "%s.%s: '%s' is not a duration (e.g. 300, 30m, 12h, 7d)",
					   k->section, k->name, v);
		memcpy(dst, &d, sizeof(d));
		return 0;
	case K_FORMAT:
		if (listfmt_parse_name(v) < 0)
			return isp_err_set(err, ISR_EINVAL, "%s.%s: unknown format '%s'",
					   k->section, k->name, v);
		break;
	case K_INT: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (end == v || *end || errno || n < 0)
			return isp_err_set(err, ISR_EINVAL,
					   "%s.%s: '%s' is not a whole number >= 0", k->section,
					   k->name, v);
		d = (int64_t)n;
		memcpy(dst, &d, sizeof(d));
		return 0;
	}
	case K_CHOICE:
		if (!choice_ok(key_choices(k), v))
			return isp_err_set(err, ISR_EINVAL, "%s.%s: '%s': expected one of %s",
					   k->section, k->name, v, key_choices(k));
		break;
	case K_DOMAIN:
		if (!*v || strlen(v) > 253)
			return isp_err_set(err, ISR_EINVAL, "%s.%s: '%s' is not a zone name",
					   k->section, k->name, v);
		break;
	case K_STR: break;
	}
	if (strlen(v) >= k->size)
		return isp_err_set(err, ISR_EINVAL, "%s.%s: value longer than %zu characters",
				   k->section, k->name, k->size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static const struct config_key *find_key(const char *section, const char *name)
{
	const struct config_part *const *pp;
	const struct config_key *k;

	CONFIG_EACH_KEY(pp, k)
	if (strcmp(k->section, section) == 0 && strcmp(k->name, name) == 0)
		return k;
	return NULL;
}

void config_defaults(struct isp_config *c)
{
	const struct config_part *const *pp;
	const struct config_key *k;

	memset(c, 0, sizeof(*c));
	CONFIG_EACH_KEY(pp, k)
	set_key(c, k, k->def, NULL);
}

/* Debian's libinih is built without INI_HANDLER_LINENO, so the handler gets no line
 * number: the reader below counts lines as inih pulls them, which is the line of the key
 * when the handler runs. */
struct load_ctx {
	struct isp_config *c;
	struct isp_err *err;
	const char *path;
	FILE *f;
	int line;
	int rc;
};

static char *read_line(char *buf, int size, void *stream)
{
	struct load_ctx *lc = stream;
	char *r = fgets(buf, size, lc->f);

	if (r)
		lc->line++;
	return r;
}

static int on_ini(void *ud, const char *section, const char *name, const char *value)
{
	struct load_ctx *lc = ud;
	int line = lc->line;
	const struct config_key *k;
	struct isp_err e;
	int rc;

	if (lc->rc)
		return 0;
	if (strncmp(section, "list.", 5) == 0 || strncmp(section, "profile.", 8) == 0 ||
	    strncmp(section, "crawl.profile.", 14) == 0) {
		isp_err_clear(&e);
		rc = config_set_named(lc->c, section, name, value, &e);
		if (rc)
			lc->rc = isp_err_at(lc->err, rc, lc->path, line, -1, "%s", e.msg);
		return 1;
	}
	k = find_key(section, name);
	if (!k) {
		lc->rc = isp_err_at(lc->err, ISR_EINVAL, lc->path, line, -1,
				    "unknown key '%s' in section [%s]", name, section);
		return 0;
	}
	isp_err_clear(&e);
	rc = set_key(lc->c, k, value, &e);
	if (rc)
		lc->rc = isp_err_at(lc->err, rc, lc->path, line, -1, "%s", e.msg);
	return 1;
}

int config_load(struct isp_config *c, const char *path, struct isp_err *err)
{
	struct load_ctx lc = { c, err, path, NULL, 0, 0 };
	int rc;

	lc.f = fopen(path, "r");
	if (!lc.f)
		return isp_err_set(err, ISR_EIO, "cannot read config file %s: %s", path,
				   strerror(errno));
	rc = ini_parse_stream(read_line, &lc, on_ini, &lc);
	fclose(lc.f);
	if (lc.rc)
		return lc.rc;
	if (rc > 0)
		return isp_err_at(err, ISR_EINVAL, path, rc, -1,
				  "syntax error (expected [section] or key = value)");
	return 0;
}

/* The key "section.key" names, or NULL (also for text without a dot). */
static const struct config_key *find_dotted(const char *section_key)
{
	char section[64];
	const char *dot = strchr(section_key, '.');

	if (!dot || (size_t)(dot - section_key) >= sizeof(section))
		return NULL;
	memcpy(section, section_key, (size_t)(dot - section_key));
	section[dot - section_key] = '\0';
	return find_key(section, dot + 1);
}

int config_set(struct isp_config *c, const char *section_key, const char *value,
	       struct isp_err *err)
{
	const char *dot = strchr(section_key, '.');
	const struct config_key *k;

	if (!dot)
		return isp_err_set(err, ISR_EINVAL, "'%s': expected SECTION.KEY=VALUE",
				   section_key);
	if (strncmp(section_key, "crawl.profile.", 14) == 0)
		dot = section_key + 13; /* crawl.profile.NAME.KEY */
	if ((dot - section_key == 4 && strncmp(section_key, "list", 4) == 0) ||
	    (dot - section_key == 7 && strncmp(section_key, "profile", 7) == 0) ||
	    (dot - section_key == 13 && strncmp(section_key, "crawl.profile", 13) == 0)) {
		/* list.NAME.KEY: the name may hold dots, the key never does */
		const char *kdot = strrchr(dot + 1, '.');
		char named[16 + CONFIG_NAME_MAX];

		if (!kdot || kdot == dot + 1 || (size_t)(kdot - section_key) >= sizeof(named))
			return isp_err_set(err, ISR_EINVAL, "'%s': expected %.*s.NAME.KEY=VALUE",
					   section_key, (int)(dot - section_key), section_key);
		memcpy(named, section_key, (size_t)(kdot - section_key));
		named[kdot - section_key] = '\0';
		return config_set_named(c, named, kdot + 1, value, err);
	}
	k = find_dotted(section_key);
	if (!k)
		return isp_err_set(err, ISR_EINVAL, "unknown config key '%s'", section_key);
	return set_key(c, k, value, err);
}

const char *config_key_help(const char *section_key)
{
	const struct config_key *k = find_dotted(section_key);

	return k ? k->help : NULL;
}

const char *config_value(const struct isp_config *c, const char *section_key)
{
	const struct config_key *k = find_dotted(section_key);

	if (!k || k->type == K_DURATION || k->type == K_INT)
		return NULL;
	return (const char *)c + k->off;
}

/* A key's help as "; " comment lines of at most ~90 columns: the INI reader takes lines
 * of up to 200 bytes, and `run` reads this output back. */
static void print_help(FILE *out, const char *h)
{
	while (*h) {
		size_t n = strlen(h), cut = n;

		if (n > 88) {
			for (cut = 88; cut > 0 && h[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = 88;
		}
		fprintf(out, "; %.*s\n", (int)cut, h);
		h += cut;
		while (*h == ' ')
			h++;
	}
}

void config_print(const struct isp_config *c, FILE *out)
{
	const struct config_part *const *pp;
	const struct config_key *k;
	const char *last = "";

	CONFIG_EACH_KEY(pp, k)
	{
		const char *p = (const char *)c + k->off;

		if (strcmp(last, k->section) != 0) {
			fprintf(out, "%s[%s]\n", last[0] ? "\n" : "", k->section);
			last = k->section;
		}
		print_help(out, k->help);
		if (k->type == K_DURATION || k->type == K_INT) {
			int64_t d;

			memcpy(&d, p, sizeof(d));
			fprintf(out, "%s = %lld\n", k->name, (long long)d);
		} else {
			fprintf(out, "%s = %s\n", k->name, p);
		}
	}
	config_named_print(c, out);
}

void config_each_key(void (*fn)(void *ud, const char *section, const char *key), void *ud)
{
	const struct config_part *const *pp;
	const struct config_key *k;

	CONFIG_EACH_KEY(pp, k)
	fn(ud, k->section, k->name);
}

/* `set` if given, else `name` in core.state-dir, else in the SQLite store file's folder
 * (a PostgreSQL store has no folder: then var, as the default store's). */
static void beside_store(const struct isp_config *c, const char *set, const char *name,
			 char out[CONFIG_PATH_MAX])
{
	const char *store = c->store, *slash;

	if (set[0]) {
		snprintf(out, CONFIG_PATH_MAX, "%s", set);
		return;
	}
	if (c->state_dir[0] || store_is_pg(store)) {
		/* (a path that does not fit is cut; opening it then fails with its name) */
		if (snprintf(out, CONFIG_PATH_MAX, "%s/%s", c->state_dir[0] ? c->state_dir : "var",
			     name) >= CONFIG_PATH_MAX)
			out[CONFIG_PATH_MAX - 1] = '\0';
		return;
	}
	if (strncmp(store, "sqlite:", 7) == 0)
		store += 7;
	slash = strrchr(store, '/');
	if (slash)
		snprintf(out, CONFIG_PATH_MAX, "%.*s/%s", (int)(slash - store), store, name);
	else
		snprintf(out, CONFIG_PATH_MAX, "%s", name);
}

int64_t config_list_expires(const struct isp_config *c, int64_t now)
{
	return c->lists_expiry ? now + c->lists_expiry : 0;
}

int config_list_max_shrink(const struct isp_config *c)
{
	return (int)(c->lists_max_shrink > 100 ? 100 : c->lists_max_shrink);
}

void config_snapshot_path(const struct isp_config *c, char out[CONFIG_PATH_MAX])
{
	beside_store(c, c->snapshot, "ispshield.snap", out);
}

void config_sessions_path(const struct isp_config *c, char out[CONFIG_PATH_MAX])
{
	beside_store(c, c->sessions, "sessions.idx", out);
}

void config_state_path(const struct isp_config *c, const char *name, char out[CONFIG_PATH_MAX])
{
	beside_store(c, "", name, out);
}

void config_spool_dir(const struct isp_config *c, char out[CONFIG_PATH_MAX])
{
	beside_store(c, c->spool, "spool", out);
}
