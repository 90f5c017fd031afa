/*
 * output.c -- the figures as JSON (one object), CSV (one table after another) and a
 * short text summary. Figures that came partly from HyperLogLog are rounded and the
 * output says "estimated": true (the HyperLogLog part then has a relative standard error
 * of 1.04 / sqrt(2^HLL_P) = 1.6 %, given as "hll_standard_error"). Field names are the
 * same in JSON and CSV.
 *
 * Distinct sources come two ways: "sources" of a port or sensor over the whole period
 * (each source once), and "source_days", the sum of the per-day distinct counts (a source
 * seen on three days counts three times: the 延べ発信元数 of the Japanese reports).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/csv.h"
#include "core/base/jsonout.h"
#include "darknet/dn_int.h"

static unsigned long long est(double v)
{
	return (unsigned long long)llround(v);
}

/* A source's place in the listing: most packets first, then the lower index. The
 * packets are copied next to the index so that sorting reads no entry at random. */
struct rank {
	uint64_t packets;
	uint32_t idx;
};

/* 1 when x comes after y in the listing */
static int rank_after(const struct rank *x, const struct rank *y)
{
	return x->packets != y->packets ? x->packets < y->packets : x->idx > y->idx;
}

static int cmp_rank(const void *a, const void *b)
{
	return rank_after(a, b) ? 1 : -1; /* never equal: the indexes differ */
}

/* Keep the n first (a min-heap whose root is the last kept) of what passes. */
static void heap_down(struct rank *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		struct rank t;

		if (l < n && rank_after(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && rank_after(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Source indexes, most packets first; *n = how many to list. Caller frees. With a
 * listing limit only that many are kept (a heap) and sorted, not all the sources. */
static uint32_t *sorted_sources(const struct dn_ctx *c, uint32_t *n)
{
	uint32_t want = c->nsrc, i, k = 0;
	struct rank *r;
	uint32_t *ix;

	*n = 0;
	if (c->o.list_sources && want > c->o.list_sources)
		want = (uint32_t)c->o.list_sources;
	r = malloc(sizeof(*r) * ((size_t)want + 1));
	ix = malloc(sizeof(*ix) * ((size_t)want + 1));
	if (!r || !ix) {
		free(r);
		free(ix);
		return NULL;
	}
	for (i = 0; i < c->nsrc; i++) {
		struct rank x = { c->src[i].packets, i };

		if (k < want) {
			r[k++] = x;
			if (k == want) /* heapify: the root becomes the last kept */
				for (uint32_t j = want / 2; j-- > 0;)
					heap_down(r, want, j);
		} else if (want && rank_after(&r[0], &x)) {
			r[0] = x;
			heap_down(r, want, 0);
		}
	}
	qsort(r, k, sizeof(*r), cmp_rank);
	for (i = 0; i < k; i++)
		ix[i] = r[i].idx;
	free(r);
	*n = k;
	return ix;
}

static void fps(const struct dn_src *s, char *buf, size_t size, const char *sep)
{
	size_t off = 0;

	buf[0] = '\0';
	if (s->fp & DN_FP_MIRAI)
		off += (size_t)snprintf(buf + off, size - off, "%smirai", off ? sep : "");
	if (s->fp & DN_FP_ZMAP)
		off += (size_t)snprintf(buf + off, size - off, "%szmap", off ? sep : "");
	if (s->fp & DN_FP_MASSCAN)
		snprintf(buf + off, size - off, "%smasscan", off ? sep : "");
}

static void sample_ports(const struct dn_src *s, char *buf, size_t size)
{
	size_t off = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < s->nsample && off < size; k++)
		off += (size_t)snprintf(buf + off, size - off, "%s%u/%s", k ? " " : "",
					s->sample[k], dn_proto_name(s->sample_proto[k]));
}

static int popcount64(uint64_t v)
{
	return __builtin_popcountll(v);
}

/* A count as a JSON integer (the counts stay far below 2^63). */
static json_t *num(unsigned long long v)
{
	return json_integer((json_int_t)v);
}

static json_t *prefix_str(const struct ip_prefix *p)
{
	char pb[IP_PREFIX_STRLEN];

	ip_format_prefix(p, pb);
	return json_string(pb);
}

/* The figures of the whole capture, without the source listing. */
static json_t *json_head(const struct dn_ctx *c, const struct dn_day *const *days, int nd,
			 const struct dn_totals *t)
{
	json_t *o = json_object(), *a, *b;
	uint32_t top[64], i;
	struct dn_cstat cs[512];
	char b1[48], b2[24], b3[24];
	int k, s, j, n;

	a = json_array();
	for (k = 0; k < c->nfiles; k++)
		json_array_append_new(a, jsonout_str(c->files[k]));
	json_object_set_new(o, "files", a);
	json_object_set_new(o, "records", num(c->records));
	json_object_set_new(o, "packets", num(c->analysed));
	json_object_set_new(o, "outside_sensors", num(c->outside));
	json_object_set_new(o, "bad_timestamps", num(c->badtime));
	b = json_object();
	for (k = 1; k < DN_BAD_N; k++)
		json_object_set_new(b, dn_bad_name(k), num(c->bad[k]));
	json_object_set_new(o, "bad", b);
	b = json_object();
	for (k = 0; k < DN_F_N; k++)
		json_object_set_new(b, dn_fbad_name(k), num(c->fbad[k]));
	json_object_set_new(o, "file_problems", b);
	json_object_set_new(o, "estimated", json_boolean(c->estimated));
	json_object_set_new(o, "hll_standard_error", jsonout_real(1.04 / sqrt((double)HLL_M), 4));
	json_object_set_new(o, "exact_max", num(c->o.exact_max));
	json_object_set_new(o, "tuples", num(c->setn));
	json_object_set_new(o, "sources", num(t->sources));
	json_object_set_new(o, "untracked_sources", num(t->untracked_sources));
	json_object_set_new(o, "untracked_packets", num(c->untracked_pkts));
	a = json_array();
	for (s = 0; s < c->o.nsensors; s++)
		json_array_append_new(a, prefix_str(&c->o.sensors[s]));
	json_object_set_new(o, "sensors", a);
	a = json_array();
	for (k = 0; k < nd; k++) {
		const struct dn_day *d = days[k];
		json_t *ss = json_array();

		for (s = 0; s < c->o.nsensors; s++) {
			if (!d->s[s].packets)
				continue;
			json_array_append_new(ss, json_pack("{s:o, s:o, s:o, s:o}", "sensor",
							    prefix_str(&c->o.sensors[s]), "packets",
							    num(d->s[s].packets), "sources",
							    num(est(dn_sday_sources(&d->s[s]))),
							    "source_ports",
							    num(est(dn_sday_nobe(&d->s[s])))));
		}
		dn_fmt_day(d->day, b2);
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "day", b2,
						   "packets", num(d->packets), "sources",
						   num(est(dn_day_sources(d))), "scan",
						   num(d->cls[0]), "backscatter", num(d->cls[1]),
						   "other", num(d->cls[2]), "sensors", ss));
	}
	json_object_set_new(o, "days", a);
	/* the whole period per sensor: distinct sources, and the sums over days */
	a = json_array();
	for (s = 0; s < c->o.nsensors; s++) {
		struct dn_sensor_total sens;

		dn_sensor_total(c, days, nd, s, &sens);
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:o}", "sensor",
						   sens.sensor, "packets", num(sens.packets),
						   "sources", num(est(sens.sources)), "source_days",
						   num(est(sens.source_days)), "source_ports",
						   num(est(sens.source_ports))));
	}
	json_object_set_new(o, "sensor_totals", a);
	b = json_object();
	a = json_array();
	n = dn_top_ports(days, nd, c->o.top, top);
	for (j = 0; j < n; j++) {
		uint64_t pk = 0;

		for (k = 0; k < nd; k++)
			pk += dn_port_at(days[k], top[j]).packets;
		json_array_append_new(
			a,
			json_pack("{s:s, s:i, s:o, s:o, s:o}", "proto", dn_proto_name(top[j] >> 16),
				  "port", (int)(top[j] & 0xffff), "packets", num(pk), "sources",
				  num(est(dn_period_port_sources(c, top[j]))), "source_days",
				  num(est(dn_port_source_days(days, nd, top[j])))));
	}
	json_object_set_new(b, "top", a);
	a = json_array();
	for (k = 0; k < nd; k++) {
		json_t *tp = json_array();

		n = dn_top_ports(&days[k], 1, c->o.top, top);
		for (j = 0; j < n; j++) {
			uint64_t pk = dn_port_at(days[k], top[j]).packets;
			json_t *p = json_pack("{s:s, s:i, s:o, s:o}", "proto",
					      dn_proto_name(top[j] >> 16), "port",
					      (int)(top[j] & 0xffff), "packets", num(pk), "sources",
					      num(est(dn_port_sources(days[k], top[j]))));

			if (k > 0) {
				uint64_t pp = dn_port_at(days[k - 1], top[j]).packets;

				json_object_set_new(p, "prev_packets", num(pp));
				json_object_set_new(p, "prev_sources",
						    num(est(dn_port_sources(days[k - 1], top[j]))));
				json_object_set_new(
					p, "change_packets",
					pp ? jsonout_real(((double)pk - (double)pp) / (double)pp, 4)
					   : json_null());
			}
			json_array_append_new(tp, p);
		}
		dn_fmt_day(days[k]->day, b2);
		json_array_append_new(a, json_pack("{s:s, s:o}", "day", b2, "top", tp));
	}
	json_object_set_new(b, "days", a);
	json_object_set_new(o, "ports", b);
	a = json_array();
	n = dn_country_stats(c, cs, c->o.top > 0 ? c->o.top : 512);
	for (j = 0; j < n; j++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "country",
						   jsonout_str(c->countries[cs[j].country].code),
						   "packets", num(cs[j].packets), "sources",
						   num(cs[j].sources)));
	json_object_set_new(o, "countries", a);
	a = json_array();
	for (i = 0; i < c->ncamp; i++) {
		dn_fmt_day(c->camp[i].day, b2);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:o, s:o}", "day", b2, "proto",
						   dn_proto_name(c->camp[i].proto), "port",
						   (int)c->camp[i].port, "sources",
						   num(est(c->camp[i].sources)), "baseline",
						   jsonout_real(c->camp[i].baseline, 2)));
	}
	json_object_set_new(o, "campaigns", a);
	a = json_array();
	for (i = 0; i < c->natt; i++) {
		const struct dn_attack *at = &c->att[i];

		dn_fmt_addr(c->src[at->src].addr, c->src[at->src].family, b1);
		dn_fmt_time(at->start, b2);
		dn_fmt_time(at->end, b3);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "victim", b1, "start",
						   b2, "end", b3, "packets", num(at->packets)));
	}
	json_object_set_new(o, "attacks", a);
	json_object_set_new(o, "own_sources", num(t->own_sources));
	return o;
}

/* One entry of the source listing. */
static json_t *json_source(const struct dn_ctx *c, const struct dn_src *sr)
{
	json_t *fp = json_array();
	char b1[48], b2[24], b3[24], pb[128];

	if (sr->fp & DN_FP_MIRAI)
		json_array_append_new(fp, json_string("mirai"));
	if (sr->fp & DN_FP_ZMAP)
		json_array_append_new(fp, json_string("zmap"));
	if (sr->fp & DN_FP_MASSCAN)
		json_array_append_new(fp, json_string("masscan"));
	dn_fmt_addr(sr->addr, sr->family, b1);
	dn_fmt_time(sr->first, b2);
	dn_fmt_time(sr->last, b3);
	sample_ports(sr, pb, sizeof(pb));
	return json_pack("{s:s, s:o, s:o, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, "
			 "s:b}",
			 "ip", b1, "packets", num(sr->packets), "ports", num(sr->nports), "sensors",
			 popcount64(sr->sensors), "first", b2, "last", b3, "class",
			 dn_class_name(dn_src_class(sr)), "scan", num(sr->cls[0]), "backscatter",
			 num(sr->cls[1]), "other", num(sr->cls[2]), "attacks", num(sr->nattacks),
			 "fingerprints", fp, "sample_ports", pb, "country",
			 jsonout_str(c->countries[sr->country].code), "own", sr->own);
}

/* One object; the source listing is its last member, written one source at a time (a
 * listing of all the sources can be millions long). */
void dn_write_json(const struct dn_ctx *c, FILE *f)
{
	const struct dn_day *days[DN_DAYS];
	int nd = dn_days_sorted(c, days);
	struct jsonout_seq q;
	struct dn_totals t;
	uint32_t *ix, nix, i;

	dn_totals(c, &t);
	jsonout_seq_open(&q, f, json_head(c, days, nd, &t), "source_list", JSON_INDENT(1));
	ix = sorted_sources(c, &nix);
	for (i = 0; ix && i < nix; i++)
		jsonout_seq_add(&q, json_source(c, &c->src[ix[i]]));
	free(ix);
	jsonout_seq_close(&q);
}

void dn_write_csv(const struct dn_ctx *c, FILE *f)
{
	const struct dn_day *days[DN_DAYS];
	int nd = dn_days_sorted(c, days), k, s, j, n;
	uint32_t top[64], *ix, nix, i;
	struct dn_cstat cs[512];
	char b1[48], b2[24], b3[24];

	fprintf(f,
		"# table days\nday,sensor,packets,sources,source_ports,scan,backscatter,other\n");
	for (k = 0; k < nd; k++) {
		const struct dn_day *d = days[k];

		dn_fmt_day(d->day, b2);
		fprintf(f, "%s,all,%llu,%llu,,%llu,%llu,%llu\n", b2, (unsigned long long)d->packets,
			est(dn_day_sources(d)), (unsigned long long)d->cls[0],
			(unsigned long long)d->cls[1], (unsigned long long)d->cls[2]);
		for (s = 0; s < c->o.nsensors; s++) {
			char pb[IP_PREFIX_STRLEN];

			if (!d->s[s].packets)
				continue;
			ip_format_prefix(&c->o.sensors[s], pb);
			fprintf(f, "%s,%s,%llu,%llu,%llu,,,\n", b2, pb,
				(unsigned long long)d->s[s].packets, est(dn_sday_sources(&d->s[s])),
				est(dn_sday_nobe(&d->s[s])));
		}
	}
	fprintf(f, "\n# table ports\nday,rank,proto,port,packets,sources,prev_packets,"
		   "prev_sources\n");
	for (k = 0; k < nd; k++) {
		n = dn_top_ports(&days[k], 1, c->o.top, top);
		dn_fmt_day(days[k]->day, b2);
		for (j = 0; j < n; j++) {
			fprintf(f, "%s,%d,%s,%u,%llu,%llu,", b2, j + 1, dn_proto_name(top[j] >> 16),
				top[j] & 0xffff,
				(unsigned long long)dn_port_at(days[k], top[j]).packets,
				est(dn_port_sources(days[k], top[j])));
			if (k > 0)
				fprintf(f, "%llu,%llu\n",
					(unsigned long long)dn_port_at(days[k - 1], top[j]).packets,
					est(dn_port_sources(days[k - 1], top[j])));
			else
				fprintf(f, ",\n");
		}
	}
	/* the whole period: distinct sources, and the sums of the per-day figures */
	fprintf(f, "\n# table port_totals\nrank,proto,port,packets,sources,source_days\n");
	n = dn_top_ports(days, nd, c->o.top, top);
	for (j = 0; j < n; j++) {
		uint64_t pk = 0;

		for (k = 0; k < nd; k++)
			pk += dn_port_at(days[k], top[j]).packets;
		fprintf(f, "%d,%s,%u,%llu,%llu,%llu\n", j + 1, dn_proto_name(top[j] >> 16),
			top[j] & 0xffff, (unsigned long long)pk,
			est(dn_period_port_sources(c, top[j])),
			est(dn_port_source_days(days, nd, top[j])));
	}
	fprintf(f, "\n# table sensor_totals\nsensor,packets,sources,source_days,source_ports\n");
	for (s = 0; s < c->o.nsensors; s++) {
		struct dn_sensor_total sens;

		dn_sensor_total(c, days, nd, s, &sens);
		fprintf(f, "%s,%llu,%llu,%llu,%llu\n", sens.sensor,
			(unsigned long long)sens.packets, est(sens.sources), est(sens.source_days),
			est(sens.source_ports));
	}
	fprintf(f, "\n# table countries\ncountry,packets,sources\n");
	n = dn_country_stats(c, cs, 512);
	for (j = 0; j < n; j++) {
		csv_write_field(f, c->countries[cs[j].country].code);
		fprintf(f, ",%llu,%llu\n", (unsigned long long)cs[j].packets,
			(unsigned long long)cs[j].sources);
	}
	fprintf(f, "\n# table campaigns\nday,proto,port,sources,baseline\n");
	for (i = 0; i < c->ncamp; i++) {
		dn_fmt_day(c->camp[i].day, b2);
		fprintf(f, "%s,%s,%u,%llu,%.2f\n", b2, dn_proto_name(c->camp[i].proto),
			c->camp[i].port, est(c->camp[i].sources), c->camp[i].baseline);
	}
	fprintf(f, "\n# table attacks\nvictim,start,end,packets\n");
	for (i = 0; i < c->natt; i++) {
		const struct dn_attack *a = &c->att[i];

		dn_fmt_addr(c->src[a->src].addr, c->src[a->src].family, b1);
		dn_fmt_time(a->start, b2);
		dn_fmt_time(a->end, b3);
		fprintf(f, "%s,%s,%s,%u\n", b1, b2, b3, a->packets);
	}
	fprintf(f, "\n# table sources\nip,packets,ports,sensors,first,last,class,scan,backscatter,"
		   "other,fingerprints,country,own\n");
	ix = sorted_sources(c, &nix);
	for (i = 0; ix && i < nix; i++) {
		const struct dn_src *sr = &c->src[ix[i]];
		char fb[64];

		dn_fmt_addr(sr->addr, sr->family, b1);
		dn_fmt_time(sr->first, b2);
		dn_fmt_time(sr->last, b3);
		fps(sr, fb, sizeof(fb), " ");
		fprintf(f, "%s,%llu,%u,%d,%s,%s,%s,%u,%u,%u,%s,", b1,
			(unsigned long long)sr->packets, sr->nports, popcount64(sr->sensors), b2,
			b3, dn_class_name(dn_src_class(sr)), sr->cls[0], sr->cls[1], sr->cls[2],
			fb);
		csv_write_field(f, c->countries[sr->country].code);
		fprintf(f, ",%d\n", sr->own);
	}
	free(ix);
}

void dn_write_text(const struct dn_ctx *c, FILE *f)
{
	const struct dn_day *days[DN_DAYS];
	int nd = dn_days_sorted(c, days), k, n;
	uint32_t top[64];
	struct dn_totals t;
	char b2[24];

	dn_totals(c, &t);
	fprintf(f, "records %llu, analysed %llu, outside the sensor %llu, sources %llu%s\n",
		(unsigned long long)c->records, (unsigned long long)c->analysed,
		(unsigned long long)c->outside, (unsigned long long)t.sources,
		c->estimated ? " (some figures estimated)" : "");
	for (k = 0; k < nd; k++) {
		dn_fmt_day(days[k]->day, b2);
		fprintf(f,
			"%s  packets %llu  sources %llu  scan %llu  backscatter %llu  other %llu\n",
			b2, (unsigned long long)days[k]->packets, est(dn_day_sources(days[k])),
			(unsigned long long)days[k]->cls[0], (unsigned long long)days[k]->cls[1],
			(unsigned long long)days[k]->cls[2]);
	}
	for (k = 0; k < c->o.nsensors; k++) {
		struct dn_sensor_total sens;

		dn_sensor_total(c, days, nd, k, &sens);
		fprintf(f,
			"sensor %s  packets %llu  sources %llu over the period, %llu summed over "
			"days\n",
			sens.sensor, (unsigned long long)sens.packets, est(sens.sources),
			est(sens.source_days));
	}
	n = dn_top_ports(days, nd, c->o.top, top);
	fprintf(f, "top ports:");
	for (k = 0; k < n; k++)
		fprintf(f, " %u/%s", top[k] & 0xffff, dn_proto_name(top[k] >> 16));
	fputc('\n', f);
	for (k = 0; k < n; k++)
		fprintf(f, "port %u/%s  sources %llu over the period, %llu summed over days\n",
			top[k] & 0xffff, dn_proto_name(top[k] >> 16),
			est(dn_period_port_sources(c, top[k])),
			est(dn_port_source_days(days, nd, top[k])));
	fprintf(f, "campaigns %u, backscatter attacks %u, own-range sources %llu\n", c->ncamp,
		c->natt, (unsigned long long)t.own_sources);
}
