/*
 * config_named.c -- the named sections of the configuration (config.h): [list.NAME], the
 * per-list policy, and [profile.NAME], the lists a subscriber's profile applies; their
 * keys are not in config.c's key table (a section per list), so they are parsed, looked
 * up and printed here. [crawl.profile.NAME] is the crawler's visitor profile (User-Agent,
 * Accept-Language, Referer, egress proxy), not a subscriber's: its own section name.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/service/config.h"
#include "core/service/config_int.h"

/* ---- [list.NAME] and [profile.NAME] ---- */

static const char *const action_names[] = { "", "nxdomain", "walled-garden", "refused",
					    "log-only" };

/* A list or profile name: what `lists` accepts (letters, digits, - _ .), 1..63 bytes. */
static int name_ok(const char *n)
{
	return str_is_name(n, strlen(n), CONFIG_NAME_MAX);
}

_Static_assert(offsetof(struct config_list, name) == 0 &&
		       offsetof(struct config_profile, name) == 0 &&
		       offsetof(struct config_crawl_profile, name) == 0,
	       "str_find_named: name first");

const struct config_list *config_list_policy(const struct isp_config *c, const char *name)
{
	return str_find_named(c->lists, (size_t)c->nlists, sizeof(c->lists[0]), name);
}

const char *config_list_display(const struct isp_config *c, const char *name, int ja)
{
	const struct config_list *l = config_list_policy(c, name);

	if (!l)
		return NULL;
	return l->display[ja != 0][0]	? l->display[ja != 0]
	       : l->display[ja == 0][0] ? l->display[ja == 0]
					: NULL;
}

const struct config_profile *config_profile(const struct isp_config *c, const char *name)
{
	return str_find_named(c->profiles, (size_t)c->nprofiles, sizeof(c->profiles[0]), name);
}

const struct config_crawl_profile *config_crawl_profile(const struct isp_config *c,
							const char *name)
{
	return str_find_named(c->crawl_profiles, (size_t)c->ncrawl_profiles,
			      sizeof(c->crawl_profiles[0]), name);
}

/* A text key's value into dst[0..size): 0, or ISR_EINVAL when it does not fit. */
static int set_text(char *dst, size_t size, const char *section, const char *name,
		    const char *value, struct isp_err *err)
{
	if (strlen(value) >= size)
		return isp_err_set(err, ISR_EINVAL, "%s.%s: value longer than %zu characters",
				   section, name, size - 1);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* Set key `name` of [crawl.profile.NAME] p (section: its header, for messages). */
static int set_crawl_profile(struct config_crawl_profile *p, const char *section, const char *name,
			     const char *value, struct isp_err *err)
{
	static const struct {
		const char *key;
		size_t off, size, has;
	} keys[] = {
#define CP(k, f)                                                                                   \
	{ k, offsetof(struct config_crawl_profile, f),                                             \
	  sizeof(((struct config_crawl_profile *)0)->f),                                           \
	  offsetof(struct config_crawl_profile, has_##f) }
		CP("user-agent", user_agent),
		CP("accept-language", accept_language),
		CP("referer", referer),
		CP("proxy", proxy),
#undef CP
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(name, keys[i].key) != 0)
			continue;
		if (set_text((char *)p + keys[i].off, keys[i].size, section, name, value, err))
			return ISR_EINVAL;
		*(int *)((char *)p + keys[i].has) = 1;
		return 0;
	}
	return isp_err_set(
		err, ISR_EINVAL,
		"unknown key '%s' in section [%s] (user-agent, accept-language, referer, "
		"proxy)",
		name, section);
}

int config_profile_has_list(const struct config_profile *p, const char *name)
{
	const char *s = p->lists;
	size_t n = strlen(name);

	if (p->all)
		return 1;
	while (*s) {
		size_t len;

		while (*s == ' ' || *s == ',' || *s == '\t')
			s++;
		len = strcspn(s, " ,\t");
		if (len == n && strncmp(s, name, n) == 0)
			return 1;
		s += len;
	}
	return 0;
}

static int on_off(const char *v, int *out)
{
	if (strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* The element named n of arr[0..*count) (elem bytes each, the name first), else a new
 * zeroed one of that name appended (*fresh = 1); NULL with err set when max are there.
 * section: the header, for the message; n points into it, after its "KIND.". */
static void *named_get(void *arr, int *count, int max, size_t elem, const char *n,
		       const char *section, int *fresh, struct isp_err *err)
{
	char *e = (char *)str_find_named(arr, (size_t)*count, elem, n);

	*fresh = 0;
	if (e)
		return e;
	if (*count == max) {
		isp_err_set(err, ISR_EINVAL, "[%s]: more than %d [%.*s.*] sections", section, max,
			    (int)(n - section) - 1, section);
		return NULL;
	}
	e = (char *)arr + (size_t)(*count)++ * elem;
	memset(e, 0, elem);
	snprintf(e, CONFIG_NAME_MAX, "%s", n);
	*fresh = 1;
	return e;
}

/* Set key `name` of section "list.NAME", "profile.NAME" or "crawl.profile.NAME" (created
 * on first use). */
int config_set_named(struct isp_config *c, const char *section, const char *name, const char *value,
		     struct isp_err *err)
{
	int is_list = strncmp(section, "list.", 5) == 0;
	int is_crawl = strncmp(section, "crawl.profile.", 14) == 0;
	const char *n = section + (is_list ? 5 : is_crawl ? 14 : 8);
	size_t i;
	int fresh;

	if (!name_ok(n))
		return isp_err_set(err, ISR_EINVAL,
				   "[%s]: '%s' is not a list or profile name (letters, digits, "
				   "- _ ., at most %d)",
				   section, n, CONFIG_NAME_MAX - 1);
	if (is_crawl) {
		struct config_crawl_profile *p =
			named_get(c->crawl_profiles, &c->ncrawl_profiles, CONFIG_MAX_CRAWL_PROFILES,
				  sizeof(c->crawl_profiles[0]), n, section, &fresh, err);

		return p ? set_crawl_profile(p, section, name, value, err) : ISR_EINVAL;
	}
	if (is_list) {
		struct config_list *l = named_get(c->lists, &c->nlists, CONFIG_MAX_LISTS,
						  sizeof(c->lists[0]), n, section, &fresh, err);

		if (!l)
			return ISR_EINVAL; /* named_get set err: too many sections */
		if (fresh)
			l->events = l->notify = 1;
		if (strcmp(name, "action") == 0) {
			for (i = 1; i < sizeof(action_names) / sizeof(action_names[0]); i++)
				if (strcmp(value, action_names[i]) == 0) {
					l->action = (int)i;
					return 0;
				}
			return isp_err_set(err, ISR_EINVAL,
					   "%s.action: '%s': expected one of "
					   "nxdomain|walled-garden|refused|log-only",
					   section, value);
		}
		if (strcmp(name, "ede-text") == 0 || strcmp(name, "page") == 0 ||
		    strncmp(name, "display-name", 12) == 0) {
			int dn = strcmp(name, "display-name") == 0	? 0
				 : strcmp(name, "display-name-ja") == 0 ? 1
									: -1;
			char *dst = dn >= 0	     ? l->display[dn]
				    : name[0] == 'e' ? l->ede_text
						     : l->page;
			size_t size = dn >= 0	       ? sizeof(l->display[0])
				      : name[0] == 'e' ? sizeof(l->ede_text)
						       : sizeof(l->page);

			if (strncmp(name, "display-name", 12) == 0 && dn < 0)
				return isp_err_set(
					err, ISR_EINVAL,
					"unknown key '%s' in section [%s] (display-name, "
					"display-name-ja)",
					name, section);

			return set_text(dst, size, section, name, value, err);
		}
		if (strncmp(name, "pull", 4) == 0) {
			int t = strcmp(name, "pull-tsig") == 0, k = strcmp(name, "pull-kind") == 0;
			char *dst = t ? l->pull_tsig : k ? l->pull_kind : l->pull;
			size_t size = t	  ? sizeof(l->pull_tsig)
				      : k ? sizeof(l->pull_kind)
					  : sizeof(l->pull);

			if (!t && !k && strcmp(name, "pull") != 0)
				return isp_err_set(err, ISR_EINVAL,
						   "unknown key '%s' in section [%s] (pull, "
						   "pull-tsig, pull-kind)",
						   name, section);
			if (k && strcmp(value, "domain") != 0 && strcmp(value, "ip") != 0)
				return isp_err_set(err, ISR_EINVAL,
						   "%s.pull-kind: '%s': expected domain|ip",
						   section, value);
			if (!t && !k && (!strchr(value, ' ') || strchr(value, ' ') == value))
				return isp_err_set(err, ISR_EINVAL,
						   "%s.pull: '%s': expected HOST[:PORT] ZONE",
						   section, value);
			return set_text(dst, size, section, name, value, err);
		}
		if (strcmp(name, "events") == 0 || strcmp(name, "notify") == 0) {
			if (on_off(value, name[0] == 'e' ? &l->events : &l->notify) != 0)
				return isp_err_set(err, ISR_EINVAL, "%s.%s: '%s': expected on|off",
						   section, name, value);
			return 0;
		}
		return isp_err_set(err, ISR_EINVAL,
				   "unknown key '%s' in section [%s] (action, ede-text, page, "
				   "display-name, display-name-ja, events, notify, pull, "
				   "pull-tsig, pull-kind)",
				   name, section);
	}
	{
		struct config_profile *p;

		if (strcmp(n, "none") == 0)
			return isp_err_set(err, ISR_EINVAL,
					   "[%s]: the profile \"none\" is opt-out (nothing "
					   "filtered) and cannot be configured",
					   section);
		p = named_get(c->profiles, &c->nprofiles, CONFIG_MAX_PROFILES,
			      sizeof(c->profiles[0]), n, section, &fresh, err);
		if (!p)
			return ISR_EINVAL; /* named_get set err: too many sections */
		if (fresh)
			p->all = 1;
		if (strcmp(name, "lists") == 0) {
			if (strlen(value) >= sizeof(p->lists))
				return isp_err_set(err, ISR_EINVAL,
						   "%s.lists: value longer than %zu characters",
						   section, sizeof(p->lists) - 1);
			memcpy(p->lists, value, strlen(value) + 1);
			p->all = 0;
			return 0;
		}
		return isp_err_set(err, ISR_EINVAL, "unknown key '%s' in section [%s] (lists)",
				   name, section);
	}
}

void config_named_print(const struct isp_config *c, FILE *out)
{
	size_t i;

	for (i = 0; i < (size_t)c->nlists; i++) {
		const struct config_list *l = &c->lists[i];

		fprintf(out, "\n[list.%s]\n", l->name);
		if (l->action)
			fprintf(out, "action = %s\n", action_names[l->action]);
		if (l->ede_text[0])
			fprintf(out, "ede-text = %s\n", l->ede_text);
		if (l->display[0][0])
			fprintf(out, "display-name = %s\n", l->display[0]);
		if (l->display[1][0])
			fprintf(out, "display-name-ja = %s\n", l->display[1]);
		if (l->page[0])
			fprintf(out, "page = %s\n", l->page);
		fprintf(out, "events = %s\nnotify = %s\n", l->events ? "on" : "off",
			l->notify ? "on" : "off");
		if (l->pull[0])
			fprintf(out, "pull = %s\n", l->pull);
		if (l->pull_tsig[0])
			fprintf(out, "pull-tsig = %s\n", l->pull_tsig);
		if (l->pull_kind[0])
			fprintf(out, "pull-kind = %s\n", l->pull_kind);
	}
	for (i = 0; i < (size_t)c->nprofiles; i++) {
		const struct config_profile *p = &c->profiles[i];

		fprintf(out, "\n[profile.%s]\n", p->name);
		if (!p->all)
			fprintf(out, "lists = %s\n", p->lists);
	}
	for (i = 0; i < (size_t)c->ncrawl_profiles; i++) {
		const struct config_crawl_profile *p = &c->crawl_profiles[i];

		fprintf(out, "\n[crawl.profile.%s]\n", p->name);
		if (p->has_user_agent)
			fprintf(out, "user-agent = %s\n", p->user_agent);
		if (p->has_accept_language)
			fprintf(out, "accept-language = %s\n", p->accept_language);
		if (p->has_referer)
			fprintf(out, "referer = %s\n", p->referer);
		if (p->has_proxy)
			fprintf(out, "proxy = %s\n", p->proxy);
	}
}
