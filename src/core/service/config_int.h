/*
 * config_int.h -- what config.c, config_keys.c and config_named.c share (not for other
 * files).
 */
#ifndef ISP_CORE_SERVICE_CONFIG_INT_H
#define ISP_CORE_SERVICE_CONFIG_INT_H

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
/* The table (config_keys.c), in the order `ispshield config` prints it. */
extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* Set key `name` of section "list.NAME" or "profile.NAME" (created on first use):
 * 0, or ISR_EINVAL naming the section and key. */
int config_set_named(struct isp_config *c, const char *section, const char *name, const char *value,
		     struct isp_err *err);
/* The [list.*] and [profile.*] sections of c, as config_print writes the rest. */
void config_named_print(const struct isp_config *c, FILE *out);

#endif
