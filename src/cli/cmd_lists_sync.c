/*
 * cmd_lists_sync.c -- `ispshield lists keygen | sign | publish | sync`: signed list
 * feeds (src/sync/sync.h). Argument parsing and messages only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/cmd_lists.h"
#include "sync/sync.h"
#include "core/store/store.h"

static const char keygen_usage[] =
	"usage: ispshield lists keygen --public FILE --secret FILE\n"
	"\n"
	"Make an Ed25519 key pair for signing list feeds. The secret key file is created\n"
	"with mode 0600 and must not exist; keep it on the publishing host only. Give the\n"
	"public key file to the subscribers (sync.public-key).\n";

static const char keygen_tail[] =
	"Exit status: 0 made, 2 usage, 4 failed (a file exists or cannot be written).\n";

int cmd_lists_keygen(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = keygen_usage, .tail = keygen_tail };
	const char *pub = NULL, *sec = NULL;
	struct isp_err err;
	int rc, argi;
	const struct opt opts[] = {
		OPT_SR("public", 'p', &pub, "FILE", "the public key file to make"),
		OPT_SR("secret", 's', &sec, "FILE", "the secret key file to make (mode 0600)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	isp_err_clear(&err);
	if (sync_keygen(pub, sec, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "public key %s, secret key %s (mode 0600)\n", pub, sec);
	return EXIT_OK;
}

static const char sign_usage[] =
	"usage: ispshield lists sign --key SECRETFILE FILE...\n"
	"\n"
	"Write a detached Ed25519 signature of each FILE to FILE.sig (128 hex digits).\n"
	"`lists publish` signs a feed's manifest this way.\n";

static const char sign_tail[] =
	"Exit status: 0 all signed, 2 usage, 4 a file could not be signed.\n";

int cmd_lists_sign(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = sign_usage, .tail = sign_tail, .min_args = 1, .max_args = -1
	};
	uint8_t sk[SYNC_SK_LEN];
	const char *key = NULL;
	struct isp_err err;
	int i, rc, argi;
	const struct opt opts[] = {
		OPT_SR("key", 'k', &key, "SECRETFILE", "the secret key (lists keygen)"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = EXIT_OK;
	isp_err_clear(&err);
	if (sync_key_read(key, 1, sk, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	for (i = argi; i < argc; i++) {
		isp_err_clear(&err);
		if (sync_sign_file(sk, argv[i], &err) != 0) {
			cli_error(&err);
			rc = EXIT_FAIL;
		} else if (!c->quiet) {
			fprintf(stderr, "%s.sig\n", argv[i]);
		}
	}
	memset(sk, 0, sizeof(sk));
	return rc;
}

static const char publish_usage[] =
	"usage: ispshield lists publish --key SECRETFILE [OPTIONS] DIR NAME:KIND[:FORMAT]=FILE...\n"
	"\n"
	"Write the signed file tree of a list feed into DIR, for any web server to serve:\n"
	"each FILE as NAME-SEQUENCE.list, the manifest `index` (name, kind, format, file,\n"
	"size, SHA-256 of every list, and the sequence number) and its signature\n"
	"`index.sig`. Subscribers run `ispshield lists sync URL-OF-DIR`. KIND: domain, url,\n"
	"ip; FORMAT: plain, hosts, rpz, urlhaus, feodo, csv, stix, misp (default: detected).\n"
	"Every FILE is read first: one rejected line refuses the publication (subscribers\n"
	"import a synced list whole or not at all).\n";

static const char publish_tail[] =
	"Exit status: 0 published, 2 usage, 4 failed (DIR unchanged, or only new .list\n"
	"files added).\n";

static int parse_seq(void *ptr, const char *v, struct isp_err *err)
{
	char *end;
	uint64_t n = strtoull(v, &end, 10);

	if (*end || !*v || n == 0)
		return isp_err_set(err, ISR_EINVAL, "--sequence %s: expected a number above 0", v);
	*(uint64_t *)ptr = n;
	return 0;
}

int cmd_lists_publish(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = {
		.usage = publish_usage, .tail = publish_tail, .min_args = 2, .max_args = -1
	};
	struct sync_publish_item items[MANIFEST_MAX_LISTS];
	const char *key = NULL, *feed = "ispshield", *dir;
	uint64_t seq = 0;
	uint8_t sk[SYNC_SK_LEN];
	struct manifest *m;
	struct isp_err err;
	int i, rc, argi;
	size_t n = 0;
	const struct opt opts[] = {
		OPT_SR("key", 'k', &key, "FILE", "the secret key (lists keygen)"),
		OPT_S("feed", 'f', &feed, "NAME",
		      "the feed's name; subscribers' entries get source sync:NAME (default: "
		      "ispshield)"),
		OPT_FN_("sequence", 'n', parse_seq, &seq, "N",
			"the publication's number (default: the current unix time, or the "
			"previous one + 1); must exceed the previous one"),
		OPT_END,
	};

	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	dir = argv[argi++];
	if (argc - argi > MANIFEST_MAX_LISTS) {
		cli_fail("at most %d lists per feed", MANIFEST_MAX_LISTS);
		return EXIT_USAGE;
	}
	for (i = argi; i < argc; i++) {
		isp_err_clear(&err);
		rc = sync_publish_item_parse(argv[i], &items[n++], cli_reject, &err);
		if (rc) {
			cli_error(&err);
			return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
		}
	}
	isp_err_clear(&err);
	if (sync_key_read(key, 1, sk, &err) != 0) {
		cli_error(&err);
		return EXIT_FAIL;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		cli_fail("out of memory");
		return EXIT_FAIL;
	}
	rc = sync_publish(dir, feed, seq, sk, items, n, m, &err);
	memset(sk, 0, sizeof(sk));
	if (rc) {
		cli_error(&err);
		free(m);
		return rc == ISR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!c->quiet)
		fprintf(stderr, "%s: feed %s, sequence %" PRIu64 ", %zu list(s)\n", dir, m->feed,
			m->sequence, m->nlists);
	free(m);
	return EXIT_OK;
}

static const char sync_usage[] =
	"usage: ispshield lists sync [--public KEYFILE] [--json] [--allow-shrink] [URL]\n"
	"\n"
	"Fetch a signed list feed (published with `lists publish`) from URL (http, https,\n"
	"file; default sync.url): the manifest URL/index with If-None-Match and\n"
	"If-Modified-Since (304: nothing to do), its signature URL/index.sig, verified\n"
	"before anything is read, then each list file, checked against the manifest's size\n"
	"and SHA-256. The lists are imported (source sync:FEED) and the snapshot compiled\n"
	"in one transaction; the DNS service and the proxy pick the new snapshot up on their\n"
	"own. A bad signature, an older sequence than the last one imported (replay), a\n"
	"failed or truncated download, a list with a rejected line, an empty list, or one\n"
	"that would lose more than lists.max-shrink percent of its entries changes nothing.\n"
	"Each attempt is recorded in sync-state.json beside the snapshot.\n"
	"\n"
	"A URL taxii2+https://HOST/API-ROOT/collections/ID/ is a TAXII 2.1 collection\n"
	"instead (no key; TLS and sync.taxii-auth-file): the objects added since the last\n"
	"sync (added_after, paged by next), merged into a local copy beside the snapshot,\n"
	"whose STIX indicators go to the lists sync.taxii-list-domain, -url and -ip.\n";

static const char sync_tail[] =
	"Exit status: 0 synced or not modified, 2 usage or configuration, 4 failed (nothing\n"
	"changed; the reason is printed and recorded in sync-state.json).\n";

int cmd_lists_sync(struct cli *c, int argc, char **argv)
{
	static const struct opts_spec spec = { .usage = sync_usage,
					       .tail = sync_tail,
					       .max_args = 1 };
	const char *url = c->cfg.sync_url, *pub = c->cfg.sync_public_key;
	char snap[CONFIG_PATH_MAX];
	uint8_t pk[SYNC_PK_LEN];
	struct sync_state *s;
	struct sync_opts o;
	struct store *st;
	struct isp_err err;
	enum sync_result res;
	size_t i;
	long total = 0;
	int json = 0, rc, argi, taxii;
	const struct opt opts[] = {
		OPT_KS("public", 'p', "sync.public-key", "FILE"),
		OPT_F("json", 'j', &json,
		      "print the attempt's state object (as in sync-state.json) on stdout, "
		      "whatever the outcome"),
		OPT_F("allow-shrink", 0, &o.allow_shrink,
		      "import empty and shrinking lists (the publisher meant it)"),
		OPT_END,
	};

	memset(&o, 0, sizeof(o));
	if ((rc = opts_parse(&spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	if (argi < argc)
		url = argv[argi];
	if (!*url) {
		cli_fail("no URL: give one or set sync.url");
		return opts_usage(&spec, opts);
	}
	taxii = sync_is_taxii(url);
	isp_err_clear(&err);
	if (!taxii && !*pub) {
		cli_fail("no public key: give --public or set sync.public-key");
		return EXIT_USAGE;
	}
	if (!taxii && sync_key_read(pub, 0, pk, &err) != 0) {
		cli_error(&err);
		return EXIT_USAGE;
	}
	sync_opts_config(&o, &c->cfg, snap);
	o.url = url;
	o.public_key = taxii ? NULL : pk;
	o.on_reject = cli_reject;
	st = cli_create_store(c);
	if (!st)
		return EXIT_FAIL;
	s = malloc(sizeof(*s));
	if (!s) {
		store_close(st);
		cli_fail("out of memory");
		return EXIT_FAIL;
	}
	res = sync_run(st, &o, s, &err);
	store_close(st);
	if (json) {
		struct isp_err perr;

		isp_err_clear(&perr);
		if (sync_state_print(s, stdout, &perr) != 0)
			cli_error(&perr);
	}
	if (res != SYNC_OK && res != SYNC_NOT_MODIFIED) {
		cli_fail("%s: %s: %s; nothing changed", url, sync_result_name(res), s->error);
		free(s);
		return EXIT_FAIL;
	}
	if (err.code)
		cli_error(&err); /* the state file could not be written */
	for (i = 0; i < s->nlists; i++)
		total += s->lists[i].entries;
	if (!c->quiet && taxii)
		fprintf(stderr, "%s: %s, added up to %s, %zu list(s), %ld entries\n", url,
			sync_result_name(res), s->added_last[0] ? s->added_last : "(nothing yet)",
			s->nlists, total);
	else if (!c->quiet)
		fprintf(stderr, "%s: %s, sequence %" PRIu64 ", %zu list(s), %ld entries\n", url,
			sync_result_name(res), s->sequence, s->nlists, total);
	free(s);
	return EXIT_OK;
}
