/*
 * config_int.h -- what config.c, the config_keys*.c tables and config_named.c share (not for other
 * files).
 */
#ifndef ISP_CORE_SERVICE_CONFIG_INT_H
#define ISP_CORE_SERVICE_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "core/service/config.h"

enum ktype { K_STR, K_DURATION, K_FORMAT, K_DOMAIN, K_INT, K_CHOICE };

/* One key of the table: value parsed by type into the bytes [off, off + size) of struct
 * isp_config; def is applied by config_defaults. */
struct config_key {
	const char *section, *name;
	enum ktype type;
	size_t off, size;
	const char *def;
	const char *help;
};
/* The key table, in parts, one file per idea (config_keys.c lists them, in the order
 * `ispshield config` prints them): part i is config_parts[i]->keys[0 .. n). */
struct config_part {
	const struct config_key *keys;
	size_t n;
};
extern const struct config_part config_part_base, config_part_dns, config_part_web,
	config_part_find, config_part_crawl;
extern const struct config_part *const config_parts[];
extern const size_t config_nparts;

/* Every key k of the table, part by part (pp: a const struct config_part *const *). */
#define CONFIG_EACH_KEY(pp, k)                                                                     \
	for ((pp) = config_parts; (pp) < config_parts + config_nparts; (pp)++)                     \
		for ((k) = (*(pp))->keys; (k) < (*(pp))->keys + (*(pp))->n; (k)++)

/* For the key tables: where a key's value goes in struct isp_config, and its size. */
#define F(field) offsetof(struct isp_config, field), sizeof(((struct isp_config *)0)->field)

/* Set key `name` of section "list.NAME" or "profile.NAME" (created on first use):
 * 0, or ISR_EINVAL naming the section and key. */
int config_set_named(struct isp_config *c, const char *section, const char *name, const char *value,
		     struct isp_err *err);
/* The [list.*] and [profile.*] sections of c, as config_print writes the rest. */
void config_named_print(const struct isp_config *c, FILE *out);

#endif
