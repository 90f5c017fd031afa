/*
 * opts.c -- see opts.h. getopt_long does the scanning (so its messages and argument
 * permutation are those of every other GNU tool); this file builds its tables from the
 * command's struct opt entries, stores the values and writes the help.
 */
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"

enum {
	OPTS_MAX = 64,	  /* entries of one table */
	OPTS_LONG = 256,  /* getopt value of entry i without a letter: OPTS_LONG + i */
	HELP_WIDTH = 80,  /* columns of the help */
	HELP_COLMAX = 30, /* the option column is at most this wide, */
};

static int parse_int(const struct opt *e, const char *v, int64_t *out, struct isp_err *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end || errno || n < 0)
		return isp_err_set(err, ISR_EINVAL, "--%s: '%s' is not a whole number >= 0",
				   e->name, v);
	*out = (int64_t)n;
	return 0;
}

/* Append v to the comma-separated list *acc (malloc'd). */
static int list_add(char **acc, const char *v, struct isp_err *err)
{
	size_t have = *acc ? strlen(*acc) : 0, n = strlen(v);
	char *p = realloc(*acc, have + n + 3);

	if (!p)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	snprintf(p + have, n + 3, "%s%s", have ? ", " : "", v);
	*acc = p;
	return 0;
}

static int apply(const struct opt *e, const char *v, struct isp_config *cfg, char **acc,
		 struct isp_err *err)
{
	switch (e->kind) {
	case OPT_FLAG: *(int *)e->ptr = 1; return 0;
	case OPT_STR:
	case OPT_STR_REQ: *(const char **)e->ptr = v; return 0;
	case OPT_INT: return parse_int(e, v, e->ptr, err);
	case OPT_DURATION:
		if (config_parse_duration(v, e->ptr) != 0)
			return isp_err_set(err, ISR_EINVAL,
					   "--%s: '%s' is not a duration (e.g. 300, 30m, 12h, 7d)",
					   e->name, v);
		return 0;
	case OPT_TIME:
		if (time_parse_local(v, strlen(v), e->ptr) != 0)
			return isp_err_set(
				err, ISR_EINVAL,
				"'%s': not a time (ISO 8601 such as 2026-11-22T10:45:00Z "
				"or '2026-11-22 19:45' in core.timezone, or unix seconds)",
				v);
		return 0;
	case OPT_KEY: return config_set(cfg, e->key, v, err);
	case OPT_KEY_LIST: return list_add(acc, v, err);
	case OPT_FN: return e->fn(e->ptr, v, err);
	case OPT_KEYS: break; /* expanded before (expand) */
	}
	return isp_err_set(err, ISR_EINVAL, "--%s: bad option table", e->name);
}

/* The table o with each OPT_KEYS entry replaced by an entry per key it names, into
 * out[OPTS_MAX + 1] (ended by OPT_END). Returns the number of entries, or -1 when there
 * are more than OPTS_MAX or optkeys.c has no flag for a key (the command's mistake). */
static int expand(const struct opt *o, struct opt *out)
{
	int n = 0;

	for (; o->name; o++) {
		const char *p = o->key;

		if (o->kind != OPT_KEYS) {
			if (n == OPTS_MAX)
				return -1;
			out[n++] = *o;
			continue;
		}
		for (p += strspn(p, " "); *p; p += strspn(p, " ")) {
			size_t len = strcspn(p, " ");
			const struct opt_keyflag *f = opt_keyflag(p, len);

			if (!f) /* the command's mistake: say which key */
				fprintf(stderr,
					"ispshield: OPT_KEYS names %.*s, which optkeys.c has "
					"no flag for\n",
					(int)len, p);
			if (!f || n == OPTS_MAX)
				return -1;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].name = strchr(f->key, '.') + 1;
			out[n].kind = f->list ? OPT_KEY_LIST : OPT_KEY;
			out[n].key = f->key;
			out[n++].arg = f->arg;
			p += len;
		}
	}
	memset(&out[n], 0, sizeof(out[n]));
	return n;
}

static void print_err(const struct isp_err *err)
{
	char buf[ISP_ERR_MSG + 512];

	fprintf(stderr, "ispshield: %s\n", isp_err_str(err, buf, sizeof(buf)));
}

int opts_parse(const struct opts_spec *s, const struct opt *table, struct isp_config *cfg, int argc,
	       char **argv, int *argi)
{
	struct option lo[OPTS_MAX + 2];
	struct opt o[OPTS_MAX + 1];
	char shorts[3 * OPTS_MAX + 2], *sp = shorts;
	char *acc[OPTS_MAX];
	int n = expand(table, o), i, ch, rc = -1, nargs;
	struct isp_err err;

	isp_err_clear(&err);
	if (n < 0) {
		fprintf(stderr, "ispshield: %s: more than %d options, or a key without a flag\n",
			argv[0], OPTS_MAX);
		return 2;
	}
	memset(lo, 0, sizeof(lo));
	memset(acc, 0, sizeof(acc));
	for (i = 0; i < n; i++) {
		lo[i].name = o[i].name;
		lo[i].has_arg = o[i].kind == OPT_FLAG ? no_argument : required_argument;
		lo[i].val = o[i].shortopt ? o[i].shortopt : OPTS_LONG + i;
		if (o[i].shortopt) {
			*sp++ = (char)o[i].shortopt;
			if (o[i].kind != OPT_FLAG)
				*sp++ = ':';
		}
	}
	lo[n].name = "help";
	lo[n].val = 'h';
	*sp++ = 'h';
	*sp = '\0';
	optind = 0; /* GNU: 0 re-initialises the scan */
	while (rc < 0 && (ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct opt *e = NULL;

		if (ch >= OPTS_LONG && ch < OPTS_LONG + n)
			e = &o[ch - OPTS_LONG];
		for (i = 0; !e && i < n; i++)
			if (o[i].shortopt == ch)
				e = &o[i];
		if (!e && ch == 'h') {
			opts_help(s, o, stdout);
			rc = 0;
		} else if (!e) {
			opts_help(s, o, stderr);
			rc = 2;
		} else if (apply(e, optarg, cfg, &acc[e - o], &err) != 0) {
			print_err(&err);
			rc = 2;
		}
	}
	/* the repeated flags of a list: the first use replaces the configured list */
	for (i = 0; rc < 0 && i < n; i++)
		if (acc[i] && config_set(cfg, o[i].key, acc[i], &err) != 0) {
			print_err(&err);
			rc = 2;
		}
	for (i = 0; i < n; i++)
		free(acc[i]);
	if (rc >= 0)
		return rc;
	nargs = argc - optind;
	if (nargs < s->min_args || (s->max_args >= 0 && nargs > s->max_args))
		return opts_usage(s, o);
	for (i = 0; i < n; i++)
		if (o[i].kind == OPT_STR_REQ && !*(const char **)o[i].ptr)
			return opts_usage(s, o);
	*argi = optind;
	return -1;
}

/* Write text from column col onwards, wrapped to HELP_WIDTH, continuing at col. */
static void put_wrapped(FILE *out, const char *t, int col)
{
	int room = HELP_WIDTH - col;

	if (room < 30)
		room = 30;
	for (;;) {
		int len = (int)strlen(t), cut = len;

		if (len > room) {
			for (cut = room; cut > 0 && t[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = room;
		}
		fprintf(out, "%.*s\n", cut, t);
		t += cut;
		while (*t == ' ')
			t++;
		if (!*t)
			break;
		fprintf(out, "%*s", col, "");
	}
}

/* "  -s, --source NAME" into buf; its length. */
static int left_column(const struct opt *e, int anyshort, char *buf, size_t size)
{
	char sh[8] = "";

	if (e->shortopt)
		snprintf(sh, sizeof(sh), "-%c, ", e->shortopt);
	else if (anyshort)
		snprintf(sh, sizeof(sh), "    ");
	return snprintf(buf, size, "  %s--%s%s%s", sh, e->name, e->arg ? " " : "",
			e->arg ? e->arg : "");
}

void opts_help(const struct opts_spec *s, const struct opt *table, FILE *out)
{
	struct opt o[OPTS_MAX + 1];
	int n = expand(table, o), i, anyshort = 0, col = 0;
	char left[128];

	fputs(s->usage, out);
	if (n < 0) /* opts_parse says so */
		n = 0;
	for (i = 0; i < n; i++)
		anyshort |= o[i].shortopt != 0;
	for (i = 0; i < n; i++) {
		int w = left_column(&o[i], anyshort, left, sizeof(left)) + 2;

		if (w > col && w <= HELP_COLMAX)
			col = w;
	}
	if (n && s->heading && !*s->heading)
		fputc('\n', out);
	else if (n && s->section)
		fprintf(out,
			"\nOptions (each overrides the [%s] key of the same name; see "
			"etc/ispshield.conf):\n",
			s->section);
	else if (n)
		fprintf(out, "\n%s\n", s->heading ? s->heading : "Options:");
	for (i = 0; i < n; i++) {
		const struct opt *e = &o[i];
		const char *h = e->help;
		char text[1024];
		int w = left_column(e, anyshort, left, sizeof(left));

		if (e->kind == OPT_KEY || e->kind == OPT_KEY_LIST) {
			const char *doc = config_key_help(e->key);

			snprintf(text, sizeof(text), "%s%s [%s]",
				 h     ? h
				 : doc ? doc
				       : "(no such key)",
				 e->kind == OPT_KEY_LIST ? "; repeatable" : "", e->key);
			h = text;
		}
		fputs(left, out);
		if (w + 2 > col)
			fprintf(out, "\n%*s", col, "");
		else
			fprintf(out, "%*s", col - w, "");
		put_wrapped(out, h ? h : "", col);
	}
	if (s->tail)
		fprintf(out, "\n%s", s->tail);
}

int opts_usage(const struct opts_spec *s, const struct opt *o)
{
	opts_help(s, o, stderr);
	return 2;
}
