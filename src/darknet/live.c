/*
 * live.c -- live capture through libpcap: the one place libpcap is used. Packets arrive
 * at the rate of the interface, far below what the file reader handles, so the cost of
 * pcap_dispatch per batch does not matter here.
 */
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "darknet/darknet.h"

struct live {
	const struct dn_read_cb *cb;
	int link;
	long long n;
	int stop;
};

static void on_pkt(u_char *ud, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live *l = (struct live *)ud;
	struct dn_rec r;

	r.ts = (int64_t)h->ts.tv_sec;
	r.link = l->link;
	r.data = bytes;
	r.caplen = h->caplen;
	r.origlen = h->len;
	r.recno = ++l->n;
	if (l->cb->rec(l->cb->ud, &r))
		l->stop = 1;
}

/* The BPF expression for the sensor prefixes: "dst net A or dst net B ...", tagged
 * (VLAN) frames too. 0, or ISR_EINVAL when it does not fit. */
static int sensor_filter(const char *sensors, char *out, size_t size, struct isp_err *err)
{
	char nets[2048];
	size_t n = 0;
	const char *p = sensors;

	nets[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, ", \t");

		if (len > 0) {
			int w = snprintf(nets + n, sizeof(nets) - n, "%sdst net %.*s",
					 n ? " or " : "", (int)len, p);

			if (w < 0 || (size_t)w >= sizeof(nets) - n)
				return isp_err_set(err, ISR_EINVAL,
						   "darknet.sensor: too many prefixes");
			n += (size_t)w;
		}
		p += len;
		p += strspn(p, ", \t");
	}
	int w = snprintf(out, size, "(%s) or (vlan and (%s))", nets, nets);

	if (w < 0 || (size_t)w >= size)
		return isp_err_set(err, ISR_EINVAL, "darknet.sensor: too many prefixes");
	return 0;
}

int dn_live(const char *ifname, const char *sensors, int seconds, long long count,
	    volatile int *stop, const struct dn_read_cb *cb, FILE *log, struct isp_err *err)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	struct live l;
	time_t end = seconds > 0 ? time(NULL) + seconds : 0;

	eb[0] = '\0';
	p = pcap_create(ifname, eb);
	if (!p)
		return isp_err_set(err, ISR_EIO, "%s: %s", ifname, eb);
	pcap_set_snaplen(p, 256);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, 200);
	pcap_set_immediate_mode(p, 1);
	if (pcap_activate(p) < 0) {
		isp_err_set(err, ISR_EIO, "%s: %s", ifname, pcap_geterr(p));
		pcap_close(p);
		return ISR_EIO;
	}
	if (sensors && *sensors) {
		char expr[4200];
		struct bpf_program prog;

		if (sensor_filter(sensors, expr, sizeof(expr), err) != 0) {
			pcap_close(p);
			return ISR_EINVAL;
		}
		if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			isp_err_set(err, ISR_EINVAL, "%s: filter '%s': %s", ifname, expr,
				    pcap_geterr(p));
			pcap_close(p);
			return ISR_EINVAL;
		}
		int r = pcap_setfilter(p, &prog);

		pcap_freecode(&prog);
		if (r != 0) {
			isp_err_set(err, ISR_EIO, "%s: %s", ifname, pcap_geterr(p));
			pcap_close(p);
			return ISR_EIO;
		}
	}
	memset(&l, 0, sizeof(l));
	l.cb = cb;
	l.link = pcap_datalink(p);
	/* non-blocking, woken by poll with a timeout: in immediate mode libpcap may wait
	 * for a packet forever, and the duration and stop flag must be honoured */
	if (pcap_setnonblock(p, 1, eb) != 0) {
		isp_err_set(err, ISR_EIO, "%s: %s", ifname, eb);
		pcap_close(p);
		return ISR_EIO;
	}
	if (log) {
		fprintf(log, "darknet: capturing on %s\n", ifname);
		fflush(log);
	}
	while (!l.stop && !(stop && *stop) && !(count && l.n >= count) &&
	       !(end && time(NULL) >= end)) {
		struct pollfd pfd = { pcap_get_selectable_fd(p), POLLIN, 0 };

		if (pfd.fd >= 0 && poll(&pfd, 1, 200) <= 0)
			continue;
		int r = pcap_dispatch(p,
				      count ? (int)(count - l.n < 1000 ? count - l.n : 1000) : 1000,
				      on_pkt, (u_char *)&l);

		if (r < 0 && r != PCAP_ERROR_BREAK) {
			isp_err_set(err, ISR_EIO, "%s: %s", ifname, pcap_geterr(p));
			pcap_close(p);
			return ISR_EIO;
		}
	}
	pcap_close(p);
	return 0;
}
