/*
 * log.c -- one log line per event in the format core.log names (log.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/base/log.h"

enum log_format { LOGF_STDERR, LOGF_JSON, LOGF_SYSLOG, LOGF_JOURNAL };

static enum log_format fmt_now = LOGF_STDERR;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int sock_fd = -1;

static const char *sev_name(enum log_severity s)
{
	switch (s) {
	case LOGS_ERROR: return "error";
	case LOGS_WARNING: return "warning";
	case LOGS_NOTICE: return "notice";
	default: return "info";
	}
}

int log_setup(const char *format, const char *syslog_socket, const char *journal_socket,
	      struct isp_err *err)
{
	static const char *const names[] = { "stderr", "json", "syslog", "journald-json" };
	const char *path = NULL;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(format && *format ? format : "stderr", names[i]) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return isp_err_set(err, ISR_EINVAL,
				   "core.log: '%s' is not stderr, json, syslog or journald-json",
				   format);
	fmt_now = (enum log_format)i;
	if (fmt_now == LOGF_SYSLOG)
		path = syslog_socket && *syslog_socket ? syslog_socket : "/dev/log";
	else if (fmt_now == LOGF_JOURNAL)
		path = journal_socket && *journal_socket ? journal_socket
							 : "/run/systemd/journal/socket";
	if (path && strlen(path) >= sizeof(sock_path))
		return isp_err_set(err, ISR_EINVAL, "log socket path too long: %s", path);
	snprintf(sock_path, sizeof(sock_path), "%s", path ? path : "");
	if (sock_fd >= 0)
		close(sock_fd);
	sock_fd = path ? socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
	return 0;
}

/* "2026-12-07T03:46:52.123Z" */
static void now_text(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char date[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!gmtime_r(&ts.tv_sec, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "-");
	snprintf(out, 32, "%s.%03dZ", date, (int)(ts.tv_nsec / 1000000));
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static int send_sock(const char *p, size_t n)
{
	struct sockaddr_un sa;

	if (sock_fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock_path, strlen(sock_path));
	return sendto(sock_fd, p, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)n
		       ? 0
		       : -1;
}

/* The line in the stderr format, to stderr. */
static void to_stderr(const char *when, enum log_severity sev, const char *comp, const char *msg)
{
	char line[LOG_MSG_MAX + 128];
	int n = snprintf(line, sizeof(line), "%s %s %s: %s\n", when, sev_name(sev), comp, msg);

	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_all(STDERR_FILENO, line, (size_t)n);
}

/* RFC 5424 escapes '"', '\\' and ']' in a PARAM-VALUE */
static void sd_value(char *out, size_t size, const char *v)
{
	size_t k = 0;

	for (; *v && k + 2 < size; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			out[k++] = '\\';
		out[k++] = *v;
	}
	out[k] = '\0';
}

void log_msg(enum log_severity sev, const char *comp, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX], when[32], line[LOG_MSG_MAX + 512];
	va_list ap;
	size_t i;
	int n = -1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i]; i++) /* one event, one line */
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	now_text(when);
	switch (fmt_now) {
	case LOGF_STDERR: to_stderr(when, sev, comp, msg); return;
	case LOGF_JSON: {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "time", when, "severity",
				      sev_name(sev), "component", comp, "message", msg, "pid",
				      (int)getpid());
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (s) {
			n = snprintf(line, sizeof(line), "%s\n", s);
			write_all(STDERR_FILENO, line,
				  n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
		} else {
			to_stderr(when, sev, comp, msg);
		}
		free(s);
		json_decref(o);
		return;
	}
	case LOGF_SYSLOG: {
		char host[256] = "-", sd[128];

		if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
			snprintf(host, sizeof(host), "-");
		sd_value(sd, sizeof(sd), comp);
		/* facility daemon (3): PRI = 3 * 8 + severity */
		n = snprintf(line, sizeof(line),
			     "<%d>1 %s %s ispshield %d %s [ispshield@32473 component=\"%s\"] %s",
			     24 + (int)sev, when, host, (int)getpid(), comp, sd, msg);
		break;
	}
	case LOGF_JOURNAL:
		n = snprintf(line, sizeof(line),
			     "MESSAGE=%s\nPRIORITY=%d\nSYSLOG_IDENTIFIER=ispshield\n"
			     "ISPSHIELD_COMPONENT=%s\n",
			     msg, (int)sev, comp);
		break;
	}
	if (n < 0 || n >= (int)sizeof(line) || send_sock(line, (size_t)n) != 0)
		to_stderr(when, sev, comp, msg);
}
