/*
 * figures.c -- from counters to figures: reading files in time order with progress,
 * finishing (open attack periods, campaigns), and the helpers output.c and report.c
 * share (estimates, sorting, top ports, countries, formatting).
 *
 * A campaign (dn_finish) is a (protocol, port) whose distinct sources on a day reach
 * campaign_factor times its baseline -- the mean of its distinct sources over up to
 * campaign_days earlier days in the capture (days without traffic to the port count as
 * 0) -- and at least campaign_min sources. The first day has no baseline and flags
 * nothing.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/timefmt.h"
#include "darknet/dn_int.h"

double dn_day_sources(const struct dn_day *d)
{
	return (double)d->sources + (d->h_sources ? hll_count(d->h_sources) : 0);
}

double dn_sday_sources(const struct dn_sday *s)
{
	return (double)s->sources + (s->h_sources ? hll_count(s->h_sources) : 0);
}

double dn_sday_nobe(const struct dn_sday *s)
{
	return (double)s->nobe + (s->h_nobe ? hll_count(s->h_nobe) : 0);
}

double dn_port_sources(const struct dn_day *d, uint32_t i)
{
	const struct hll *h = d->h_ports[i >> 8] ? d->h_ports[i >> 8][i & 255] : NULL;

	return (double)dn_port_at(d, i).sources + (h ? hll_count(h) : 0);
}

double dn_period_port_sources(const struct dn_ctx *c, uint32_t i)
{
	const struct hll *h = c->h_pports[i >> 8] ? c->h_pports[i >> 8][i & 255] : NULL;
	uint64_t n = c->pports[i >> 8] ? c->pports[i >> 8][i & 255] : 0;

	return (double)n + (h ? hll_count(h) : 0);
}

double dn_period_sensor_sources(const struct dn_ctx *c, int si)
{
	return (double)c->psens[si] + (c->h_psens[si] ? hll_count(c->h_psens[si]) : 0);
}

double dn_port_source_days(const struct dn_day *const *days, int nd, uint32_t i)
{
	double v = 0;
	int k;

	for (k = 0; k < nd; k++)
		v += dn_port_sources(days[k], i);
	return v;
}

void dn_sensor_total(const struct dn_ctx *c, const struct dn_day *const *days, int nd, int si,
		     struct dn_sensor_total *t)
{
	int k;

	ip_format_prefix(&c->o.sensors[si], t->sensor);
	t->packets = 0;
	t->source_days = t->source_ports = 0;
	for (k = 0; k < nd; k++) {
		t->packets += days[k]->s[si].packets;
		t->source_days += dn_sday_sources(&days[k]->s[si]);
		t->source_ports += dn_sday_nobe(&days[k]->s[si]);
	}
	t->sources = dn_period_sensor_sources(c, si);
}

void dn_fmt_addr(const uint8_t *addr, int family, char buf[48])
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, 48))
		snprintf(buf, 48, "?");
}

void dn_fmt_day(int64_t day, char buf[16])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 16, "%Y-%m-%d", &tm);
}

void dn_fmt_time(int64_t t, char buf[24])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t >= 0 && t < 253402300800LL) { /* 1970 to 9999: by hand, strftime is slow */
		/* civil date from days (H. Hinnant's days_from_civil, inverted) */
		int64_t z = t / 86400 + 719468, sec = t % 86400;
		int64_t era = z / 146097, doe = z - era * 146097;
		int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
		int64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);

		int v[6] = {
			(int)y,		(int)m, (int)d, (int)(sec / 3600), (int)(sec / 60 % 60),
			(int)(sec % 60)
		};
		static const char sep[6] = { '-', '-', 'T', ':', ':', 'Z' };
		char *o = buf;
		int i;

		for (i = 0; i < 6; i++) {
			if (i == 0) {
				*o++ = (char)('0' + v[0] / 1000);
				*o++ = (char)('0' + v[0] / 100 % 10);
			}
			*o++ = (char)('0' + v[i] / 10 % 10);
			*o++ = (char)('0' + v[i] % 10);
			*o++ = sep[i];
		}
		*o = '\0';
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum dn_class dn_src_class(const struct dn_src *s)
{
	if (s->cls[DN_BACKSCATTER] > s->cls[DN_SCAN] && s->cls[DN_BACKSCATTER] >= s->cls[DN_OTHER])
		return DN_BACKSCATTER;
	if (s->cls[DN_SCAN] >= s->cls[DN_OTHER])
		return DN_SCAN;
	return DN_OTHER;
}

const char *dn_src_family(const struct dn_src *s)
{
	if (s->fp & DN_FP_MIRAI)
		return "mirai";
	if (s->fp & DN_FP_ZMAP)
		return "zmap";
	if (s->fp & DN_FP_MASSCAN)
		return "masscan";
	return dn_src_class(s) == DN_BACKSCATTER ? "backscatter" : "scan";
}

int dn_days_sorted(const struct dn_ctx *c, const struct dn_day **out)
{
	int i, n = 0;

	for (i = 0; i < DN_DAYS; i++)
		if (c->days[i])
			out[n++] = c->days[i];
	return n;
}

int dn_top_ports(const struct dn_day *const *days, int nd, int n, uint32_t *idx)
{
	uint64_t best[64];
	int have = 0, k, j;
	uint32_t i;

	if (n > 64)
		n = 64;
	if (n <= 0)
		return 0;
	for (i = 0; i < DN_P_N * 65536u; i++) {
		uint64_t v = 0;
		int any = 0;

		if ((i & 255) == 0) { /* skip pages no day has */
			for (k = 0; k < nd && !any; k++)
				any = days[k]->ports[i >> 8] != NULL;
			if (!any) {
				i += 255;
				continue;
			}
		}
		for (k = 0; k < nd; k++)
			v += dn_port_at(days[k], i).packets;
		if (!v || (have == n && v <= best[n - 1]))
			continue;
		j = have < n ? have++ : n - 1;
		while (j > 0 && best[j - 1] < v) {
			best[j] = best[j - 1];
			idx[j] = idx[j - 1];
			j--;
		}
		best[j] = v;
		idx[j] = i;
	}
	return have;
}

static int cmp_cstat(const void *a, const void *b)
{
	const struct dn_cstat *x = a, *y = b;

	return x->packets < y->packets ? 1 : x->packets > y->packets ? -1 : x->country - y->country;
}

int dn_country_stats(const struct dn_ctx *c, struct dn_cstat *out, int max)
{
	struct dn_cstat all[512];
	uint32_t i;
	int n = 0, k;

	memset(all, 0, sizeof(all));
	for (k = 0; k < c->ncountries; k++)
		all[k].country = k;
	for (i = 0; i < c->nsrc; i++) {
		all[c->src[i].country].packets += c->src[i].packets;
		all[c->src[i].country].sources++;
	}
	qsort(all, (size_t)c->ncountries, sizeof(all[0]), cmp_cstat);
	for (k = 0; k < c->ncountries && n < max; k++)
		if (all[k].packets)
			out[n++] = all[k];
	return n;
}

/* ---- reading ---- */

struct rd {
	struct dn_ctx *c;
	const char *file;
	int progress;
	uint64_t next;
	double t0; /* time_mono_s() at the start */
};

static int on_rec(void *ud, const struct dn_rec *r)
{
	struct rd *rd = ud;

	dn_add_record(rd->c, rd->file, r);
	if (rd->progress && rd->c->records >= rd->next) {
		double dt = time_mono_s() - rd->t0;

		fprintf(stderr, "\r%s: %llu packets, %.2f M/s, %u sources   ", rd->file,
			(unsigned long long)rd->c->records,
			dt > 0 ? (double)rd->c->records / dt / 1e6 : 0.0, rd->c->nsrc);
		rd->next = rd->c->records + 4000000;
	}
	return 0;
}

static void on_bad(void *ud, const char *file, long long recno, enum dn_fbad kind, const char *msg)
{
	struct rd *rd = ud;

	rd->c->fbad[kind]++;
	if (!rd->c->log)
		return;
	if (recno)
		fprintf(rd->c->log, "ispshield: %s: record %lld: %s\n", file, recno, msg);
	else
		fprintf(rd->c->log, "ispshield: %s: %s\n", file, msg);
}

static struct rd live_rd;

void dn_callbacks(struct dn_ctx *c, FILE *log, struct dn_read_cb *cb)
{
	c->log = log;
	memset(&live_rd, 0, sizeof(live_rd));
	live_rd.c = c;
	live_rd.file = "live";
	cb->rec = on_rec;
	cb->bad = on_bad;
	cb->ud = &live_rd;
}

struct fts {
	int64_t ts;
	int i;
};

static int cmp_fts(const void *a, const void *b)
{
	const struct fts *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->i - y->i;
}

int dn_analyse_files(struct dn_ctx *c, char **files, int nfiles, FILE *log, int progress,
		     struct isp_err *err)
{
	struct fts *order = calloc((size_t)nfiles + 1, sizeof(*order));
	struct rd rd;
	struct dn_read_cb cb = { on_rec, on_bad, &rd };
	int i, rc = 0;

	if (!order)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	c->log = log;
	c->files = calloc((size_t)nfiles + 1, sizeof(char *));
	for (i = 0; i < nfiles; i++) {
		order[i].ts = dn_file_first_ts(files[i]);
		order[i].i = i;
	}
	qsort(order, (size_t)nfiles, sizeof(*order), cmp_fts);
	memset(&rd, 0, sizeof(rd));
	rd.c = c;
	rd.progress = progress;
	rd.t0 = time_mono_s();
	for (i = 0; i < nfiles; i++) {
		struct isp_err e;
		const char *f = files[order[i].i];

		isp_err_clear(&e);
		if (c->files) {
			c->files[c->nfiles] = strdup(f);
			if (c->files[c->nfiles])
				c->nfiles++;
		}
		rd.file = f;
		if (dn_read_file(f, &cb, &e) != 0) {
			if (e.code == ISR_EIO && log)
				fprintf(log, "ispshield: %s\n", e.msg);
			if (!rc) {
				rc = e.code;
				if (err)
					*err = e;
			}
		}
	}
	if (progress)
		fputc('\n', stderr);
	free(order);
	return rc;
}

/* ---- finishing ---- */

static void campaigns(struct dn_ctx *c)
{
	const struct dn_day *days[DN_DAYS];
	int nd = dn_days_sorted(c, days), k, j;
	uint32_t i, cap = 0;

	for (k = 1; k < nd; k++) {
		int from = k - c->o.campaign_days > 0 ? k - c->o.campaign_days : 0;

		for (i = 0; i < DN_P_N * 65536u; i++) {
			double cur, base = 0;

			if (!days[k]->ports[i >> 8]) {
				i |= 255;
				continue;
			}
			if (days[k]->ports[i >> 8][i & 255].sources < c->o.campaign_min &&
			    !(days[k]->h_ports[i >> 8] && days[k]->h_ports[i >> 8][i & 255]))
				continue;
			cur = dn_port_sources(days[k], i);
			if (cur < (double)c->o.campaign_min)
				continue;
			for (j = from; j < k; j++)
				base += dn_port_sources(days[j], i);
			base /= (double)(k - from);
			if (cur < c->o.campaign_factor * (base < 1 ? 1 : base))
				continue;
			if (c->ncamp == cap) {
				uint32_t n = cap ? cap * 2 : 16;
				struct dn_campaign *nc = realloc(c->camp, sizeof(*nc) * n);

				if (!nc)
					return;
				c->camp = nc;
				cap = n;
			}
			c->camp[c->ncamp++] =
				(struct dn_campaign){ days[k]->day, (uint8_t)(i >> 16), (uint16_t)i,
						      cur, base };
		}
	}
}

void dn_finish(struct dn_ctx *c)
{
	uint32_t i;

	if (c->finished)
		return;
	c->finished = 1;
	dn_flush(c);
	for (i = 0; i < c->nsrc; i++)
		if (c->src[i].bs_pkts)
			dn_attack_close(c, i, &c->src[i]);
	campaigns(c);
}

void dn_totals(const struct dn_ctx *c, struct dn_totals *t)
{
	uint32_t i;

	memset(t, 0, sizeof(*t));
	t->records = c->records;
	t->packets = c->analysed;
	t->analysed = c->analysed;
	t->outside = c->outside;
	memcpy(t->bad, c->bad, sizeof(t->bad));
	memcpy(t->fbad, c->fbad, sizeof(t->fbad));
	t->sources = c->nsrc;
	t->untracked_sources = c->h_untracked ? (uint64_t)(hll_count(c->h_untracked) + 0.5) : 0;
	for (i = 0; i < c->nsrc; i++)
		t->own_sources += c->src[i].own;
	t->attacks = c->natt;
	t->campaigns = c->ncamp;
	t->estimated = c->estimated;
}

void dn_each_own(const struct dn_ctx *c, void (*fn)(void *ud, const struct dn_own_host *h),
		 void *ud)
{
	uint32_t i;
	int k;

	for (i = 0; i < c->nsrc; i++) {
		const struct dn_src *s = &c->src[i];
		struct dn_own_host h;
		size_t off = 0;

		if (!s->own)
			continue;
		memset(&h, 0, sizeof(h));
		dn_fmt_addr(s->addr, s->family, h.ip);
		h.first = s->first;
		h.last = s->last;
		h.packets = s->packets;
		for (k = 0; k < s->nsample && off < sizeof(h.ports) - 16; k++)
			off += (size_t)snprintf(h.ports + off, sizeof(h.ports) - off, "%s%u/%s",
						k ? "," : "", s->sample[k],
						dn_proto_name(s->sample_proto[k]));
		h.family = dn_src_family(s);
		fn(ud, &h);
	}
}
