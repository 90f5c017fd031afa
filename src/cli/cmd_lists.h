/*
 * cmd_lists.h -- the `lists` subcommands that live in their own files.
 */
#ifndef ISP_CLI_CMD_LISTS_H
#define ISP_CLI_CMD_LISTS_H

#include "cli/cli.h"

/* OPT_FN of --kind: *(enum list_kind *)ptr = domain, url or ip (cmd_lists.c) */
int cli_parse_kind(void *ptr, const char *v, struct isp_err *err);

/* Import path into list l of st as `lists import` does (cmd_lists_import.c: progress, the report on
 * stderr); io is filled in by the caller (format, source, expiry, guard). Returns
 * EXIT_OK, EXIT_PARTIAL (lines rejected or skipped) or EXIT_FAIL (printed). */
struct listimport_opts;
struct store_list;
int cli_import_file(struct cli *c, struct store *st, const struct store_list *l, const char *path,
		    struct listimport_opts *io);

/* cmd_lists_import.c, cmd_lists_check.c, cmd_lists_export.c, cmd_lists_recheck.c (liveness
 * of listed URLs), cmd_lists_allow.c (the allowlist), cmd_lists_sync.c (signed list feeds),
 * cmd_lists_pull.c (RPZ zones by zone transfer) */
cli_cmd_fn cmd_lists_import, cmd_lists_check, cmd_lists_export, cmd_lists_recheck, cmd_lists_allow,
	cmd_lists_keygen, cmd_lists_sign, cmd_lists_publish, cmd_lists_sync, cmd_lists_pull;

#endif
