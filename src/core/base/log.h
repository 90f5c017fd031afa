/*
 * log.h -- the services' log lines (dns, proxy, status, run, the event writer): one event
 * per line, each with a time, a severity and the component, in the format core.log names:
 *
 *   stderr         2026-12-07T03:46:52.123Z warning dns: store unreachable (...)
 *   json           {"time": "...", "severity": "warning", "component": "dns",
 *                   "message": "...", "pid": 123}   one object per line (jansson), for
 *                   Vector, Fluent Bit, or journald's MESSAGE
 *   syslog         RFC 5424 datagrams to core.syslog-socket (default /dev/log):
 *                   <PRI>1 TIME HOST ispshield PID COMPONENT [ispshield@32473
 *                   component="dns"] message      facility daemon
 *   journald-json  the journal's native protocol (the fields journalctl -o json shows):
 *                   MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, ISPSHIELD_COMPONENT, to
 *                   core.journal-socket (default /run/systemd/journal/socket)
 *
 * Lines go out whole in one write() or send(), so that the threads' lines never mix.
 * A message is cut at LOG_MSG_MAX bytes. When the socket of syslog or journald-json
 * cannot be reached, the line goes to stderr in the stderr format instead (a log is
 * never lost silently). Interactive progress lines of commands are not log lines and
 * stay on stderr.
 */
#ifndef ISP_CORE_BASE_LOG_H
#define ISP_CORE_BASE_LOG_H

#include "core/base/err.h"

#define LOG_MSG_MAX 2048

enum log_severity { LOGS_ERROR = 3, LOGS_WARNING = 4, LOGS_NOTICE = 5, LOGS_INFO = 6 };

/* Choose the format ("stderr", "json", "syslog", "journald-json") and, for the sockets,
 * their paths (NULL or "" = the defaults). ISR_EINVAL for an unknown format. Call before
 * threads start; the default before any call is stderr. */
int log_setup(const char *format, const char *syslog_socket, const char *journal_socket,
	      struct isp_err *err);

/* One line of severity sev from component ("dns", "proxy", ...). */
void log_msg(enum log_severity sev, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
