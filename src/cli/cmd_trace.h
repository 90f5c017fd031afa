/*
 * cmd_trace.h -- the abuse desk's questions (cmd_trace.c): `events show` and
 * `notify show`, registered by cmd_events.c and cmd_notify.c.
 */
#ifndef ISP_CLI_CMD_TRACE_H
#define ISP_CLI_CMD_TRACE_H

#include "cli/cli.h"

int cmd_events_show(struct cli *c, int argc, char **argv);
int cmd_notify_show(struct cli *c, int argc, char **argv);

#endif
