/*
 * run.c -- the `ispshield run` supervisor (see run.h).
 */
#include "core/base/log.h"
#include "run/run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "core/base/timefmt.h"

#define DELAY_MIN_MS 1000
#define DELAY_MAX_MS 60000
#define HEALTHY_MS   60000 /* a service that ran this long starts again at once */

enum kind { KEPT, PERIODIC };

/* What a service is; the table below. */
struct svc_def {
	const char *name;
	const char *args[3];  /* the subcommand */
	const char *sections; /* "[core][dns]": a change in these restarts it ("[list.*]": every
				 [list.NAME] section) */
	enum kind kind;
};

/* A service under supervision. */
struct svc {
	const char *name;
	const char *const *args;
	enum kind kind;
	int on;		 /* named in run.services */
	pid_t pid;	 /* 0 = not running */
	int64_t started; /* ms (monotonic) */
	int64_t due;	 /* ms: when to start (again) */
	int64_t delay;	 /* ms: the next restart delay */
	int runs;	 /* starts so far */
	int restart;	 /* we stopped it to start it again at once */
	char *fp;	 /* the text of its sections in the effective configuration */
};

/* name, the subcommand, the sections whose change restarts it ("[list.*]": every
 * [list.NAME] section), kind. After the first three: u.svc[3] and [5] are notify and
 * prune. */
static const struct svc_def services[] = {
	{ "dns", { "dns" }, "[core][dns][list.*][profile.*]", KEPT },
	{ "proxy", { "proxy" }, "[core][proxy][list.*][profile.*]", KEPT },
	{ "status", { "status" }, "[core][status]", KEPT },
	{ "notify", { "notify", "run" }, NULL, PERIODIC },
	{ "sync", { "lists", "sync" }, NULL, PERIODIC },
	{ "prune", { "store", "prune" }, NULL, PERIODIC },
	{ "rpz", { "rpz" }, "[core][lists][rpz][dns][list.*]", KEPT },
	{ "urlcheck", { "urlcheck" }, "[core][urlcheck][list.*]", KEPT },
	{ "pull", { "lists", "pull", "--watch" }, "[core][lists][pull][list.*]", KEPT },
};
#define NSVC (sizeof(services) / sizeof(services[0]))

struct sup {
	struct svc svc[NSVC];
	struct isp_config *cfg;
	config_reload_fn reload;
	void *ud;
	char exe[PATH_MAX];
	char conf[CONFIG_PATH_MAX + 32]; /* the effective configuration the children read */
	int stopping, killed, fatal;
	int64_t deadline; /* ms: SIGKILL what still runs after a stop */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOGS_NOTICE, "run", "%s", msg);
}

/* Which services run.services names: on[i] for services[i]. */
static int parse_services(const char *list, int on[NSVC], struct isp_err *err)
{
	const char *p = list;
	size_t i;

	memset(on, 0, NSVC * sizeof(on[0]));
	while (*p) {
		size_t n = strcspn(p, ", \t");

		if (n > 0) {
			for (i = 0; i < NSVC; i++)
				if (strlen(services[i].name) == n &&
				    strncmp(services[i].name, p, n) == 0)
					break;
			if (i == NSVC) {
				char known[128] = "";
				size_t k;

				for (k = 0; k < NSVC; k++)
					snprintf(known + strlen(known),
						 sizeof(known) - strlen(known), "%s%s",
						 k ? ", " : "", services[k].name);
				return isp_err_set(
					err, ISR_EINVAL,
					"run.services: unknown service '%.*s' (known: %s)", (int)n,
					p, known);
			}
			on[i] = 1;
		}
		p += n;
		p += strspn(p, ", \t");
	}
	return 0;
}

/* The effective configuration as `ispshield config` prints it (malloc'd). */
static char *config_text(const struct isp_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	config_print(cfg, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The text of the sections named in `sections` ("[core][dns]"), concatenated. */
static char *sections_text(const char *text, const char *sections)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *s = sections;

	if (!f)
		return NULL;
	while (s && *s == '[') {
		const char *end = strchr(s, ']');
		char head[64];
		const char *at, *next;

		if (!end || (size_t)(end - s) + 3 > sizeof(head))
			break;
		if (end - s > 3 && memcmp(end - 2, ".*", 2) == 0) {
			/* "[list.*]": every section whose name starts so ([list.NAME]) */
			snprintf(head, sizeof(head), "\n%.*s", (int)(end - s - 1), s);
			for (at = strstr(text, head); at; at = strstr(next ? next : "", head)) {
				next = strstr(at + 2, "\n[");
				fprintf(f, "%.*s", next ? (int)(next - at) : (int)strlen(at), at);
				if (!next)
					break;
			}
			s = end + 1;
			continue;
		}
		snprintf(head, sizeof(head), "%.*s\n", (int)(end - s + 1), s);
		at = strstr(text, head);
		if (at) {
			next = strstr(at + 1, "\n[");
			fprintf(f, "%.*s", next ? (int)(next - at) : (int)strlen(at), at);
		}
		s = end + 1;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Write the effective configuration for the children; set each service's fingerprint
 * into fps (malloc'd strings). */
static int write_config(struct sup *u, const struct isp_config *cfg, char *fps[NSVC],
			struct isp_err *err)
{
	char *text = config_text(cfg);
	size_t i;
	int rc;

	if (!text)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = fs_write_atomic(u->conf, text, strlen(text), 0600, err);
	for (i = 0; rc == 0 && i < NSVC; i++)
		fps[i] = services[i].sections ? sections_text(text, services[i].sections)
					      : strdup("");
	free(text);
	return rc;
}

static void describe(const struct sup *u, const struct svc *s)
{
	const struct isp_config *c = u->cfg;

	if (strcmp(s->name, "dns") == 0)
		say("dns (pid %d) answers on %s (UDP and TCP), upstream %s%s%s", (int)s->pid,
		    c->dns_listen, c->dns_upstream, c->dns_metrics[0] ? ", metrics on " : "",
		    c->dns_metrics);
	else if (strcmp(s->name, "proxy") == 0)
		say("proxy (pid %d) listens on %s%s%s", (int)s->pid, c->proxy_listen,
		    c->proxy_metrics[0] ? ", metrics on " : "", c->proxy_metrics);
	else if (strcmp(s->name, "rpz") == 0)
		say("rpz (pid %d) serves %s on %s", (int)s->pid, c->rpz_zone, c->rpz_listen);
	else if (strcmp(s->name, "urlcheck") == 0)
		say("urlcheck (pid %d) serves prefixes on %s://%s/v1/", (int)s->pid,
		    c->urlcheck_tls_cert[0] ? "https" : "http", c->urlcheck_listen);
	else if (strcmp(s->name, "status") == 0)
		say("status page (pid %d) on http://%s/ (JSON: /api/status)", (int)s->pid,
		    c->status_listen);
	else
		say("%s (pid %d) started", s->name, (int)s->pid);
}

/* A periodic service's interval in ms. */
static int64_t interval_ms(const struct sup *u, const struct svc *s)
{
	if (strcmp(s->name, "notify") == 0)
		return 1000 * u->cfg->run_notify_interval;
	if (strcmp(s->name, "prune") == 0)
		return 1000 * u->cfg->run_prune_interval;
	return 1000 * u->cfg->run_sync_interval;
}

/* When a service that has just been turned on is first due: prune a while after (its
 * work is daily, and a restart loop must not prune at each start), the others at once. */
static int64_t first_due(const struct sup *u, const struct svc *s, int64_t now)
{
	return strcmp(s->name, "prune") == 0 ? now + 1000 * u->cfg->run_prune_delay : now;
}

static void start(struct sup *u, struct svc *s, int64_t now)
{
	const char *argv[8];
	sigset_t none;
	pid_t parent = getpid(), pid;
	int n = 0, i;

	argv[n++] = "ispshield";
	argv[n++] = "-c";
	argv[n++] = u->conf;
	for (i = 0; i < 3 && s->args[i]; i++)
		argv[n++] = s->args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		say("%s: cannot start: %s; trying again in 1 s", s->name, strerror(errno));
		s->due = now + DELAY_MIN_MS;
		return;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* die with the supervisor, even when it is SIGKILLed */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		execv(u->exe, (char *const *)argv);
		log_msg(LOGS_ERROR, "run", "%s: cannot run %s: %s", s->name, u->exe,
			strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	s->started = now;
	s->runs++;
	if (s->kind == PERIODIC)
		s->due = now + interval_ms(u, s);
	if (s->kind == KEPT && s->runs == 1)
		describe(u, s);
	else if (s->kind == KEPT)
		say("%s started again (pid %d)", s->name, (int)pid);
}

static void stop_all(struct sup *u, int64_t now)
{
	size_t i;

	if (u->stopping)
		return;
	u->stopping = 1;
	u->deadline = now + 1000 * u->cfg->run_stop_timeout;
	for (i = 0; i < NSVC; i++)
		if (u->svc[i].pid > 0)
			kill(u->svc[i].pid, SIGTERM);
}

static void exited(struct sup *u, struct svc *s, int status, int64_t now)
{
	char how[48];
	int64_t ran = now - s->started;

	s->pid = 0;
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (u->stopping) {
		say("%s stopped (%s)", s->name, how);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2 && s->runs == 1) {
		say("%s refused its configuration (%s, see above); stopping everything", s->name,
		    how);
		u->fatal = 1;
		stop_all(u, now);
		return;
	}
	if (s->kind == PERIODIC) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			say("%s ended with %s; next run in %lld s", s->name, how,
			    (long long)((s->due - now) / 1000));
		return;
	}
	if (s->restart || !s->on) {
		s->restart = 0;
		s->due = now;
		s->delay = DELAY_MIN_MS;
		return;
	}
	if (ran >= HEALTHY_MS)
		s->delay = DELAY_MIN_MS;
	say("%s exited (%s) after %lld s; starting it again in %lld s", s->name, how,
	    (long long)(ran / 1000), (long long)(s->delay / 1000));
	s->due = now + s->delay;
	s->delay = s->delay * 2 > DELAY_MAX_MS ? DELAY_MAX_MS : s->delay * 2;
}

static void reap(struct sup *u, int64_t now)
{
	pid_t pid;
	int status;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < NSVC; i++)
			if (u->svc[i].pid == pid)
				exited(u, &u->svc[i], status, now);
}

static void reload(struct sup *u, int64_t now)
{
	struct isp_config *cfg = malloc(sizeof(*cfg));
	struct isp_err err;
	char *fps[NSVC] = { 0 };
	int on[NSVC];
	size_t i;

	isp_err_clear(&err);
	if (!cfg) {
		say("SIGHUP: out of memory; still running the old configuration");
		return;
	}
	if (u->reload(u->ud, cfg, &err) != 0 || parse_services(cfg->run_services, on, &err) != 0 ||
	    write_config(u, cfg, fps, &err) != 0) {
		char buf[ISP_ERR_MSG + 512];

		say("SIGHUP: configuration not reloaded, still running the old one: %s",
		    isp_err_str(&err, buf, sizeof(buf)));
		free(cfg);
		for (i = 0; i < NSVC; i++)
			free(fps[i]);
		return;
	}
	memcpy(u->cfg, cfg, sizeof(*cfg));
	free(cfg);
	for (i = 0; i < NSVC; i++) {
		struct svc *s = &u->svc[i];
		int changed = !s->fp || !fps[i] || strcmp(s->fp, fps[i]) != 0;

		free(s->fp);
		s->fp = fps[i];
		if (s->on && !on[i])
			say("%s is no longer in run.services; stopping it", s->name);
		else if (!s->on && on[i])
			s->due = first_due(u, s, now);
		s->on = on[i];
		if (s->pid <= 0)
			continue;
		if (!s->on)
			kill(s->pid, SIGTERM);
		else if (s->kind == KEPT && changed) {
			say("%s: its configuration changed; restarting it", s->name);
			s->restart = 1;
			kill(s->pid, SIGTERM);
		} else if (s->kind == KEPT)
			kill(s->pid, SIGHUP);
	}
	say("SIGHUP: configuration reloaded");
}

/* sync has nothing to do without a feed, rpz without a zone, urlcheck without an
 * address, pull without a [list.NAME] pull key: each is started only when one is set. */
static int configured(const struct isp_config *cfg, const struct svc *s)
{
	int i;

	if (strcmp(s->name, "rpz") == 0)
		return cfg->rpz_zone[0] != '\0';
	if (strcmp(s->name, "urlcheck") == 0)
		return cfg->urlcheck_listen[0] != '\0';
	if (strcmp(s->name, "pull") == 0) {
		for (i = 0; i < cfg->nlists; i++)
			if (cfg->lists[i].pull[0])
				return 1;
		return 0;
	}
	return strcmp(s->name, "sync") != 0 || cfg->sync_url[0] != '\0';
}

/* Start what is due; the milliseconds until the next thing is due (-1: nothing). */
static int64_t tick(struct sup *u, int64_t now)
{
	int64_t next = -1;
	size_t i;

	for (i = 0; i < NSVC; i++) {
		struct svc *s = &u->svc[i];

		if (u->stopping || !s->on || s->pid > 0 || !configured(u->cfg, s))
			continue;
		if (now >= s->due)
			start(u, s, now);
		if (s->pid <= 0 && (next < 0 || s->due - now < next))
			next = s->due - now;
	}
	for (i = 0; i < NSVC; i++) {
		const struct svc *s = &u->svc[i];

		if (!u->stopping && s->on && s->kind == PERIODIC && s->pid > 0 &&
		    (next < 0 || s->due - now < next))
			next = s->due > now ? s->due - now : 0;
	}
	if (u->stopping)
		next = u->deadline > now ? u->deadline - now : 0;
	return next;
}

static int running(const struct sup *u)
{
	size_t i;

	for (i = 0; i < NSVC; i++)
		if (u->svc[i].pid > 0)
			return 1;
	return 0;
}

static void run_dir(const struct isp_config *cfg, char out[CONFIG_PATH_MAX])
{
	const char *rd = getenv("RUNTIME_DIRECTORY"); /* systemd's RuntimeDirectory= */
	char *slash;

	if (rd && *rd) {
		snprintf(out, CONFIG_PATH_MAX, "%s", rd);
		slash = strchr(out, ':'); /* several folders: the first */
		if (slash)
			*slash = '\0';
		return;
	}
	config_snapshot_path(cfg, out);
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(out, CONFIG_PATH_MAX, ".");
}

static int loop(struct sup *u, int sfd)
{
	for (;;) {
		int64_t now = time_mono_ms(), wait = tick(u, now);
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		if (u->stopping && !running(u))
			return 0;
		if (u->stopping && !u->killed && now >= u->deadline) {
			size_t i;

			for (i = 0; i < NSVC; i++)
				if (u->svc[i].pid > 0) {
					say("%s did not stop within %lld s; killing it",
					    u->svc[i].name, (long long)u->cfg->run_stop_timeout);
					kill(u->svc[i].pid, SIGKILL);
				}
			u->killed = 1;
			wait = -1;
		}
		if (poll(&pfd, 1, wait < 0 ? -1 : (int)(wait > INT_MAX ? INT_MAX : wait)) < 0 &&
		    errno != EINTR)
			return -1;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			now = time_mono_ms();
			if (si.ssi_signo == SIGCHLD)
				reap(u, now);
			else if (si.ssi_signo == SIGHUP && !u->stopping)
				reload(u, now);
			else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				if (!u->stopping)
					say("stopping (signal %u)", si.ssi_signo);
				stop_all(u, now);
			}
		}
		reap(u, time_mono_ms());
	}
}

int run_main(const struct isp_config *cfg, config_reload_fn reload_fn, void *ud,
	     struct isp_err *err)
{
	struct sup u;
	char dir[CONFIG_PATH_MAX];
	char *fps[NSVC] = { 0 };
	int on[NSVC], rc, sfd;
	sigset_t set, old;
	ssize_t n;
	size_t i;

	memset(&u, 0, sizeof(u));
	u.reload = reload_fn;
	u.ud = ud;
	if ((rc = parse_services(cfg->run_services, on, err)) != 0)
		return rc;
	n = readlink("/proc/self/exe", u.exe, sizeof(u.exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(u.exe) - 1)
		return isp_err_set(err, ISR_EIO, "cannot find my own binary: %s", strerror(errno));
	u.exe[n] = '\0';
	u.cfg = malloc(sizeof(*u.cfg));
	if (!u.cfg)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	memcpy(u.cfg, cfg, sizeof(*cfg));
	run_dir(cfg, dir);
	snprintf(u.conf, sizeof(u.conf), "%s/ispshield-run.conf", dir);
	if ((rc = fs_mkdir_p(dir, 0755, err)) != 0 || (rc = write_config(&u, cfg, fps, err)) != 0)
		goto out;
	for (i = 0; i < NSVC; i++) {
		u.svc[i].name = services[i].name;
		u.svc[i].args = services[i].args;
		u.svc[i].kind = services[i].kind;
		u.svc[i].on = on[i];
		u.svc[i].fp = fps[i];
		u.svc[i].delay = DELAY_MIN_MS;
		u.svc[i].due = first_due(&u, &u.svc[i], time_mono_ms());
		fps[i] = NULL;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		rc = isp_err_set(err, ISR_EIO, "signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	say("pid %d, store %s, configuration for the services in %s", (int)getpid(), cfg->store,
	    u.conf);
	if (u.svc[3].on) {
		if (cfg->notify_maildir[0] || cfg->notify_smtp[0])
			say("notify runs every %lld s, delivering to %s",
			    (long long)cfg->run_notify_interval,
			    cfg->notify_maildir[0] ? cfg->notify_maildir : cfg->notify_smtp);
		else
			say("notify runs every %lld s; notify.smtp and notify.maildir are empty, "
			    "so "
			    "notices are stored, not delivered",
			    (long long)cfg->run_notify_interval);
	}
	if (u.svc[5].on)
		say("store prune runs every %lld s, first in %lld s (retention %lld s, addresses "
		    "masked after %lld s)",
		    (long long)cfg->run_prune_interval, (long long)cfg->run_prune_delay,
		    (long long)cfg->core_retention, (long long)cfg->core_mask_after);
	if (loop(&u, sfd) != 0)
		rc = isp_err_set(err, ISR_EIO, "poll: %s", strerror(errno));
	else if (u.fatal)
		rc = isp_err_set(err, ISR_EINVAL, "a service refused its configuration");
	else
		say("stopped");
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	for (i = 0; i < NSVC; i++) {
		free(u.svc[i].fp);
		free(fps[i]);
	}
	free(u.cfg);
	return rc;
}
