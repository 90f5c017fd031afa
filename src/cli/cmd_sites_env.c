/*
 * cmd_sites_env.c -- the sites component's look-ups and mail wired to the rest
 * (cmd_sites.h): the stub resolver of sites.resolver (proxy/dnsstub.h), the destination
 * rules (core/net/dest.h, sites.allow-destinations), rendering and delivery (notify/).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_sites.h"
#include "core/net/netaddr.h"
#include "core/store/store.h"
#include "proxy/dnsstub.h"

/* sites.resolver: the DNS server asked instead of the system's resolver */
static int env_stub(void *ud, const char *host, uint16_t port, struct sockaddr_storage *out,
		    int max)
{
	struct env_ud *u = ud;
	socklen_t lens[16];

	return pxdns_lookup((struct sockaddr *)&u->resolver, u->resolverlen, host, port,
			    (int)u->cfg->sites_timeout * 1000, out, lens, max > 16 ? 16 : max);
}

static int env_resolve(void *ud, const char *host, uint16_t port, struct sockaddr_storage *out,
		       int max)
{
	struct env_ud *u = ud;

	return sites_resolve(host, port, out, max > 16 ? 16 : max,
			     u->use_resolver ? env_stub : NULL, u);
}

static const char *env_refuse(void *ud, const struct sockaddr *sa)
{
	struct env_ud *u = ud;
	enum dest_verdict v = dest_check(&u->rules, sa);

	return v == DEST_OK ? NULL : dest_why(v);
}

static int env_render(void *ud, const char *name, const char *lang, const char *const *vars,
		      size_t nvars, const char *rcpt, const char *key, const char *store_id,
		      int64_t date, char **out, size_t *len, struct isp_err *err)
{
	struct env_ud *u = ud;
	struct render_var v[16];
	char file[96];

	if (nvars > 16)
		return isp_err_set(err, ISR_ELIMIT, "template %s: too many placeholders", name);
	for (size_t i = 0; i < nvars; i++) {
		v[i].name = vars[2 * i];
		v[i].value = vars[2 * i + 1];
	}
	snprintf(file, sizeof(file), "%s.%s.txt", name, lang);
	return render_mail(&u->rc, file, v, nvars, rcpt, key, store_id, date, out, len, err);
}

static int env_send(void *ud, const char *key, const char *rcpt, const char *msg, size_t len,
		    struct isp_err *err)
{
	struct env_ud *u = ud;

	return deliver_send(u->d, key, rcpt, msg, len, err);
}

/* Fill env and u from the configuration. 0 or an ISR code. */
static int env_open(struct sites_env *env, struct env_ud *u, const struct isp_config *cfg,
		    struct isp_err *err)
{
	int rc;

	memset(u, 0, sizeof(*u));
	memset(env, 0, sizeof(*env));
	u->cfg = cfg;
	if (cfg->sites_resolver[0]) {
		rc = net_parse_addr(cfg->sites_resolver, strlen(cfg->sites_resolver), 53,
				    &u->resolver, &u->resolverlen);
		if (rc)
			return isp_err_set(err, ISR_EINVAL,
					   "sites.resolver '%s': expected ADDR:PORT",
					   cfg->sites_resolver);
		u->use_resolver = 1;
	}
	rc = dest_init(&u->rules, "sites", cfg->sites_allow_destinations, "", "443", NULL, 0, err);
	if (rc)
		return rc;
	u->rc.templates = cfg->notify_templates;
	u->rc.isp_name = cfg->notify_isp_name;
	u->rc.contact = cfg->notify_contact;
	u->rc.opt_out_info = cfg->notify_opt_out_info;
	u->rc.from = cfg->notify_from;
	env->ud = u;
	env->resolve = env_resolve;
	env->refuse = env_refuse;
	env->render = env_render;
	env->send = env_send;
	env->log = stderr;
	return 0;
}

/*
 * What find and notify begin with: parse the options, create (or open) the store, wire
 * env and u from the configuration. Returns -1 when the command goes on with *st, else
 * the exit status (after --help, a usage error, a store or configuration error).
 */
int sites_open(struct cli *c, const struct opts_spec *spec, const struct opt *opts, int argc,
	       char **argv, struct store **st, struct sites_env *env, struct env_ud *u)
{
	struct isp_err err;
	int rc, argi;

	isp_err_clear(&err);
	memset(u, 0, sizeof(*u));
	if ((rc = opts_parse(spec, opts, &c->cfg, argc, argv, &argi)) >= 0)
		return rc;
	rc = env_open(env, u, &c->cfg, &err); /* a bad key fails before a store is made */
	if (rc) {
		dest_free(&u->rules);
		cli_error(&err);
		return EXIT_USAGE;
	}
	*st = cli_create_store(c);
	if (!*st) {
		dest_free(&u->rules);
		return EXIT_FAIL;
	}
	return -1;
}

int sites_close(struct store *st, struct env_ud *u, int rc, struct isp_err *err)
{
	if (u->d)
		deliver_close(u->d);
	u->d = NULL;
	dest_free(&u->rules);
	return cli_store_done(st, rc, err);
}
