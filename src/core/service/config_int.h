/*
 * config_int.h -- what config.c and config_named.c share (not for other files).
 */
#ifndef ISP_CORE_SERVICE_CONFIG_INT_H
#define ISP_CORE_SERVICE_CONFIG_INT_H

#include <stdio.h>

#include "core/service/config.h"

/* Set key `name` of section "list.NAME" or "profile.NAME" (created on first use):
 * 0, or ISR_EINVAL naming the section and key. */
int config_set_named(struct isp_config *c, const char *section, const char *name, const char *value,
		     struct isp_err *err);
/* The [list.*] and [profile.*] sections of c, as config_print writes the rest. */
void config_named_print(const struct isp_config *c, FILE *out);

#endif
