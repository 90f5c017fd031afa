/*
 * httpsig.c -- stop and reload flags set by signals (httpsig.h).
 */
#include "core/service/httpsig.h"

#include <string.h>

volatile sig_atomic_t httpsig_stop, httpsig_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		httpsig_hup = 1;
	else
		httpsig_stop = 1;
}

void httpsig_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
