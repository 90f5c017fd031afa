/*
 * caps.c -- the survey keeps CAP_NET_RAW and nothing else (issue 15 item 8).
 *
 * `ispshield survey` is run by root or with capabilities an operator granted (sudo,
 * setcap, a unit). Its DNS probe needs one of them, CAP_NET_RAW, for its two raw sockets;
 * the HTTP and proxy probes need none. So before it parses a target or opens a socket,
 * the survey drops every other capability from its bounding, ambient, inheritable,
 * permitted and effective sets and sets no_new_privs, so that a bug in the code that reads
 * what hostile hosts answer cannot use root's file-system powers (CAP_DAC_OVERRIDE and the
 * like) or regain them through exec. Raw capget/capset system calls: libcap is not a
 * dependency for ten lines. Capabilities are per thread: this runs before any thread is
 * made. One exception: --serve-zone on a port below 1024 (53) also keeps
 * CAP_NET_BIND_SERVICE, which binding it needs.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "survey/survey.h"

int survey_keep_net_raw(int bind_low, int *kept, struct isp_err *err)
{
	uint32_t keep = 1u << CAP_NET_RAW | (bind_low ? 1u << CAP_NET_BIND_SERVICE : 0);
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	uint32_t old;
	int c;

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	*kept = 0;
	if (syscall(SYS_capget, &h, d) != 0)
		return isp_err_set(err, ISR_EIO, "capget: %s", strerror(errno));
	old = d[0].permitted;
	*kept = (old >> CAP_NET_RAW) & 1;
	/* the bounding set: dropping needs CAP_SETPCAP, which is only there to be dropped */
	for (c = 0; c < 64; c++) {
		if (c < 32 && (keep >> c & 1))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EPERM)
			return isp_err_set(err, ISR_EIO, "drop capability %d: %s", c,
					   strerror(errno));
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = keep & old;
	if (syscall(SYS_capset, &h, d) != 0)
		return isp_err_set(err, ISR_EIO, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return isp_err_set(err, ISR_EIO, "no_new_privs: %s", strerror(errno));
	return 0;
}
