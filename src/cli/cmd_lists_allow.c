/*
 * cmd_lists_allow.c -- `ispshield lists allow add|remove|show`: the operator's
 * allowlist, which wins over every list at the next compile. Arguments only: the rules
 * are core/lists/allowlist.h, the rows core/store/store_allow.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "cli/opts.h"
#include "core/lists/allowlist.h"
#include "core/net/url.h"
#include "core/store/store.h"

static const char allow_usage[] =
	"usage: ispshield lists allow add VALUE [--reason TEXT] [--expires DUR] [--by NAME]\n"
	"       ispshield lists allow remove VALUE\n"
	"       ispshield lists allow show [--json]\n"
	"\n"
	"The allowlist wins over every list and partner feed: from the next `lists compile`\n"
	"the DNS and proxy services never block an allowed value. VALUE is a domain\n"
	"(example.com exactly, or *.example.com for every name under it), a URL, or an IP\n"
	"address or prefix, validated as imports validate list values. An allowed *.suffix\n"
	"also wins over a list's more specific entry; an allowed prefix over every listed\n"
	"address or prefix inside it.\n";

static const char allow_tail[] =
	"Adding a value again replaces its reason, author and expiry. `lists export --format\n"
	"rpz` writes allowed values as CNAME rpz-passthru.\n";

/* --expires: a duration above zero (an allow that ends at once is a typo) */
static int parse_expires(void *ptr, const char *v, struct isp_err *err)
{
	int64_t d;

	if (config_parse_duration(v, &d) != 0 || d <= 0)
		return isp_err_set(err, ISR_EINVAL,
				   "--expires %s: not a duration (e.g. 90s, 2h, 7d)", v);
	*(int64_t *)ptr = d;
	return 0;
}

int cmd_lists_allow(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = allow_usage,
					       .heading = "",
					       .tail = allow_tail,
					       .min_args = 1,
					       .max_args = 2 };
	const char *reason = NULL, *by = NULL, *verb, *value;
	enum list_kind kind = LIST_KIND_NONE;
	int64_t expiry = 0;
	char norm[URL_MAX + 1];
	struct store *st;
	struct isp_err err;
	int json = 0, replaced = 0, rc, argi, add, remove;
	const struct opt opts[] = {
		OPT_S("reason", 'r', &reason, "TEXT",
		      "why (shown by `lists check` and `lists allow show`)"),
		OPT_FN_("expires", 'e', parse_expires, &expiry, "DUR",
			"the allow ends by itself after DUR (90s, 2h, 7d): rows past their "
			"expiry are left out of the next compile"),
		OPT_S("by", 'b', &by, "NAME", "who (default: the invoking user)"),
		OPT_FN_("kind", 'k', cli_parse_kind, &kind, "KIND",
			"treat VALUE as domain, url or ip (default: guess)"),
		OPT_F("json", 'j', &json, "show: {\"active\": [...], \"expired\": [...]}"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	verb = argv[argi];
	value = argv[argi + 1]; /* NULL after show: argv ends in NULL */
	add = strcmp(verb, "add") == 0;
	remove = strcmp(verb, "remove") == 0;
	if ((add || remove) != (argc - argi == 2) || (!add && !remove && strcmp(verb, "show") != 0))
		return opts_usage(&spec, opts);
	st = add ? cli_create_store(c) : cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	if (add) {
		rc = allow_add(st, value, kind, reason, by,
			       expiry ? (int64_t)time(NULL) + expiry : 0, norm, sizeof(norm),
			       &replaced, &err);
		if (rc == 0 && !c->quiet)
			fprintf(stderr,
				"%s %s on the allowlist; run `ispshield lists compile` to apply\n",
				norm, replaced ? "renewed" : "added");
	} else if (remove) {
		rc = allow_remove(st, value, kind, norm, sizeof(norm), &err);
		if (rc == 0 && !c->quiet)
			fprintf(stderr,
				"%s removed from the allowlist; run `ispshield lists compile`\n",
				norm);
	} else {
		rc = allow_show(st, (int64_t)time(NULL), json, stdout, &err);
	}
	if (rc == ISR_EINVAL && value) /* the value's own fault: name it */
		cli_fail("%s: %s", value, err.msg);
	else if (rc)
		cli_error(&err);
	store_close(st);
	if (rc == ISR_EINVAL || rc == ISR_ENOTFOUND)
		return EXIT_USAGE;
	return rc ? EXIT_FAIL : EXIT_OK;
}
