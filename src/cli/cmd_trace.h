/*
 * cmd_trace.h -- the abuse desk's daily commands (cmd_trace.c): `events show`,
 * `notify show`, `subscribers list` and `subscribers delete`, registered by
 * cmd_events.c, cmd_notify.c and cmd_subscribers.c.
 */
#ifndef ISP_CLI_CMD_TRACE_H
#define ISP_CLI_CMD_TRACE_H

#include "cli/cli.h"

int cmd_events_show(struct cli *c, int argc, char **argv);
int cmd_notify_show(struct cli *c, int argc, char **argv);
int cmd_subscribers_list(struct cli *c, int argc, char **argv);
int cmd_subscribers_delete(struct cli *c, int argc, char **argv);

#endif
