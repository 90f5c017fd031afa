/*
 * cmd_sites.h -- what cmd_sites.c's commands share with cmd_sites_env.c, which wires the
 * sites component to the services it may not include itself: the proxy's stub resolver,
 * the destination rules, notify's rendering and delivery.
 */
#ifndef ISP_CLI_CMD_SITES_H
#define ISP_CLI_CMD_SITES_H

#include <sys/socket.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/net/dest.h"
#include "notify/deliver.h"
#include "notify/render.h"
#include "sites/sites.h"

/* What the sites_env callbacks of find and notify hold (cmd_sites_env.c). */
struct env_ud {
	const struct isp_config *cfg;
	struct sockaddr_storage resolver;
	socklen_t resolverlen;
	int use_resolver;
	struct dest_rules rules;
	struct render_ctx rc;
	struct deliver *d;
};

/*
 * What find and notify begin with: parse the options, create (or open) the store, wire
 * env and u from the configuration. Returns -1 when the command goes on with *st, else
 * the exit status (after --help, a usage error, a store or configuration error).
 */
int sites_open(struct cli *c, const struct opts_spec *spec, const struct opt *opts, int argc,
	       char **argv, struct store **st, struct sites_env *env, struct env_ud *u);
/* What they end with: close the delivery and the store, free u's rules; rc and err are the
 * command's result (cli_store_done). Returns the exit status. */
int sites_close(struct store *st, struct env_ud *u, int rc, struct isp_err *err);

#endif
