/*
 * cmd_lists_allow.c -- `ispshield lists allow add|remove|show`: the operator's
 * allowlist, which wins over every list at the next compile. Arguments only: the rules
 * are core/lists/allowlist.h, the rows core/store/store_allow.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"
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
	"address or prefix inside it.\n"
	"\n"
	"  -r, --reason TEXT  why (shown by `lists check` and `lists allow show`)\n"
	"  -e, --expires DUR  the allow ends by itself after DUR (90s, 2h, 7d): rows past\n"
	"                     their expiry are left out of the next compile\n"
	"  -b, --by NAME      who (default: the invoking user)\n"
	"  -k, --kind KIND    treat VALUE as domain, url or ip (default: guess)\n"
	"  -j, --json         show: {\"active\": [...], \"expired\": [...]}\n"
	"\n"
	"Adding a value again replaces its reason, author and expiry. `lists export --format\n"
	"rpz` writes allowed values as CNAME rpz-passthru.\n";

int cmd_lists_allow(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ "by", required_argument, NULL, 'b' },
		{ "kind", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *by = NULL, *verb;
	enum list_kind kind = LIST_KIND_NONE;
	int64_t expiry = 0;
	char norm[URL_MAX + 1];
	struct store *st;
	struct isp_err err;
	int ch, json = 0, replaced = 0, rc;

	while ((ch = getopt_long(argc, argv, "r:e:b:k:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': reason = optarg; break;
		case 'b': by = optarg; break;
		case 'j': json = 1; break;
		case 'e':
			if (config_parse_duration(optarg, &expiry) != 0 || expiry <= 0) {
				cli_fail("--expires %s: not a duration (e.g. 90s, 2h, 7d)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			kind = list_kind_parse(optarg);
			if (kind == LIST_KIND_NONE) {
				cli_fail("--kind %s: expected domain, url or ip", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(allow_usage, stdout); return EXIT_OK;
		default: fputs(allow_usage, stderr); return EXIT_USAGE;
		}
	}
	verb = optind < argc ? argv[optind] : "";
	if (!((strcmp(verb, "show") == 0 && optind + 1 == argc) ||
	      ((strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) && optind + 2 == argc))) {
		fputs(allow_usage, stderr);
		return EXIT_USAGE;
	}
	st = strcmp(verb, "add") == 0 ? cli_create_store(c) : cli_open_store(c);
	if (!st)
		return EXIT_FAIL;
	isp_err_clear(&err);
	if (strcmp(verb, "add") == 0) {
		rc = allow_add(st, argv[optind + 1], kind, reason, by,
			       expiry ? (int64_t)time(NULL) + expiry : 0, norm, sizeof(norm),
			       &replaced, &err);
		if (rc == 0 && !c->quiet)
			fprintf(stderr,
				"%s %s on the allowlist; run `ispshield lists compile` to apply\n",
				norm, replaced ? "renewed" : "added");
	} else if (strcmp(verb, "remove") == 0) {
		rc = allow_remove(st, argv[optind + 1], kind, norm, sizeof(norm), &err);
		if (rc == 0 && !c->quiet)
			fprintf(stderr,
				"%s removed from the allowlist; run `ispshield lists compile`\n",
				norm);
	} else {
		rc = allow_show(st, (int64_t)time(NULL), json, stdout, &err);
	}
	if (rc == ISR_EINVAL) /* the value's own fault: name it */
		cli_fail("%s: %s", argv[optind + 1], err.msg);
	else if (rc)
		cli_error(&err);
	store_close(st);
	if (rc == ISR_EINVAL || rc == ISR_ENOTFOUND)
		return EXIT_USAGE;
	return rc ? EXIT_FAIL : EXIT_OK;
}
