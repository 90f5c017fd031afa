/*
 * dn_int.h -- the analysis's internal structures, shared by analyze.c (counting),
 * output.c (JSON/CSV/text), report.c (HTML/SVG) and geo.c. Not for other components.
 *
 * Distinct counting. Every "distinct sources" figure is a count of distinct tuples:
 *   kind 0 (source, day, sensor)               sources per day and sensor (sensor 63 =
 *                                              any sensor: sources per day)
 *   kind 1 (source, day, sensor, proto, port)  TALOT2's 延べ発信元数
 *   kind 2 (source, day, proto, port)          sources per port and day
 *   kind 3 (source, proto, port)               ports per source
 * A tuple packs into 64 bits (source index 26 | day 12 | sensor 6 | kind 2 | proto 2 |
 * port 16), and a keyed bijective mix of those 64 bits is stored in one open-addressing
 * set: different tuples never share a key, so counting is exact while the set has room.
 * The set holds at most exact_max keys. Once full, a tuple that is not in it goes to a
 * HyperLogLog of its figure (allocated then), and the figure reads exact + estimate, with
 * "estimated" set in the output. Sources past max_sources are not tracked one by one;
 * their tuples go to the HyperLogLogs directly (hashed from their address with SipHash).
 *
 * Most tuples never reach the set: each source keeps, exactly, a bitmap of the days it
 * was seen (64 days from its first) and its first DN_INL ports with a bitmap of days
 * each, and with a single sensor kinds 0 and 1 are the "any sensor" ones. The set holds
 * what falls outside (a source's fifth and later ports, days past 64, per-sensor tuples
 * with several sensors), each tuple always on the same side, so counts stay exact.
 * Small caches (the sensors already counted today, the last port) spare lookups for
 * those too. The common packet costs one source-table probe and nothing else.
 *
 * Over the whole period (not summed over days, which counts a source once per day it
 * was seen: the 延べ figure): distinct sources per port are the kind 3 tuples of that
 * port -- counted when a source's inline port or kind 3 tuple is new, into the HLL of
 * the port when the set is full or the source untracked; distinct sources per sensor
 * are the sources whose sensor bit was set first (untracked sources: an HLL per
 * sensor). So these too are exact until a bound is passed.
 */
#ifndef ISP_DARKNET_DN_INT_H
#define ISP_DARKNET_DN_INT_H

#include <stdint.h>

#include "core/base/hll.h"
#include "darknet/darknet.h"

/* HyperLogLog with 2^12 one-byte registers (core/base/hll.h): standard error
 * 1.04 / sqrt(4096) = 1.6 %. Used only for what exceeds the exact-counting bound. */
#define HLL_P 12
#define HLL_M (1u << HLL_P)
struct hll {
	uint8_t reg[HLL_M];
};
static inline void hll_add(struct hll *h, uint64_t hash)
{
	hll_reg_add(h->reg, HLL_P, hash);
}
static inline double hll_count(const struct hll *h)
{
	return hll_reg_estimate(h->reg, NULL, HLL_P);
}

/* SipHash-1-3 (core/base/siphash.c's siphash13, same value) of a source address: 4 bytes for
 * family 4, else 16. Written out here so that the per-packet hash is inlined, rounds
 * included (the general function costs a call per round); the unit test checks it
 * against siphash13. */
#define DN_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define DN_SIPROUND(v0, v1, v2, v3)                                                                \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = DN_ROTL(v1, 13) ^ v0;                                                         \
		v0 = DN_ROTL(v0, 32);                                                              \
		v2 += v3;                                                                          \
		v3 = DN_ROTL(v3, 16) ^ v2;                                                         \
		v0 += v3;                                                                          \
		v3 = DN_ROTL(v3, 21) ^ v0;                                                         \
		v2 += v1;                                                                          \
		v1 = DN_ROTL(v1, 17) ^ v2;                                                         \
		v2 = DN_ROTL(v2, 32);                                                              \
	} while (0)
static inline uint64_t dn_addr_hash(uint64_t k0, uint64_t k1, const uint8_t *a, int family)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, b;
	int i, j;

	if (family == 4) {
		b = (uint64_t)4 << 56 | (uint64_t)a[3] << 24 | (uint64_t)a[2] << 16 |
		    (uint64_t)a[1] << 8 | a[0];
	} else {
		for (i = 0; i < 16; i += 8) {
			m = 0;
			for (j = 8; j-- > 0;)
				m = m << 8 | a[i + j];
			v3 ^= m;
			DN_SIPROUND(v0, v1, v2, v3);
			v0 ^= m;
		}
		b = (uint64_t)16 << 56;
	}
	v3 ^= b;
	DN_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	DN_SIPROUND(v0, v1, v2, v3);
	DN_SIPROUND(v0, v1, v2, v3);
	DN_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#define DN_DAYS	  4096 /* days one analysis can span (12 bits of the tuple) */
#define DN_ALL	  63   /* the sensor index meaning "any sensor" */
#define DN_SAMPLE 6    /* ports kept per source for the evidence */
#define DN_INL	  4    /* ports per source counted inline */

/* One source (~192 bytes: 3 cache lines, which analyze.c prefetches). */
struct dn_src {
	uint8_t addr[16];
	uint8_t family, fp, own, nsample;
	uint16_t country; /* index into ctx->countries */
	uint16_t sample[DN_SAMPLE];
	uint8_t sample_proto[DN_SAMPLE];
	uint32_t first, last; /* seconds */
	uint64_t packets;
	uint32_t cls[DN_CLASS_N];
	uint32_t nports;
	uint64_t sensors; /* bit i: sensor i touched */
	/* exact per-source state that makes most packets cost no set lookup: days seen
	 * (bit i = day0 + i, for 64 days from the first) and the first DN_INL ports with
	 * their days; tuples outside these go to the set */
	uint32_t day0;
	uint64_t days;
	uint32_t ipk[DN_INL];
	uint64_t ipkdays[DN_INL];
	uint8_t nipk;
	/* caches (see the file comment) */
	uint32_t cday;	    /* day field + 1 of cday_mask; 0 = none */
	uint64_t cday_mask; /* sensors counted on that day */
	uint32_t cport;	    /* proto << 16 | port, + day field << 18 ... packed below */
	uint32_t cport_day; /* day field + 1; 0 = none */
	uint64_t cport_mask;
	/* backscatter: the open attack period */
	uint32_t bs_start, bs_last, bs_pkts;
	uint32_t nattacks;
};
_Static_assert(sizeof(struct dn_src) <= 192, "dn_src: analyze.c prefetches 3 cache lines");

struct dn_port {
	uint64_t packets;
	uint64_t sources; /* exact part */
};

struct dn_sday {
	uint64_t packets, sources, nobe; /* exact parts */
	struct hll *h_sources, *h_nobe;	 /* overflow estimates, NULL until needed */
};

/* Ports of a day in pages of 256 (protocol << 16 | port, split at the low 8 bits),
 * allocated when first used: a day costs memory for the ports it saw, not for all
 * 4 x 65536. */
#define DN_PAGES (DN_P_N * 256u)
struct dn_day {
	int64_t day; /* days since 1970-01-01 */
	uint64_t packets, sources, cls[DN_CLASS_N];
	struct hll *h_sources;
	struct dn_sday s[DN_MAX_SENSORS + 1];
	struct dn_port *ports[DN_PAGES]; /* [256] each, NULL until used */
	struct hll **h_ports[DN_PAGES];	 /* [256] each, NULL until needed */
};

/* The counters of port index i (proto << 16 | port) of day d; zeros when unseen. */
static inline struct dn_port dn_port_at(const struct dn_day *d, uint32_t i)
{
	struct dn_port z = { 0, 0 };

	return d->ports[i >> 8] ? d->ports[i >> 8][i & 255] : z;
}

struct dn_attack {
	uint32_t src; /* source index */
	uint32_t start, end, packets;
};

struct dn_campaign {
	int64_t day;
	uint8_t proto;
	uint16_t port;
	double sources, baseline;
};

/* A packet waiting in the prefetch pipeline (analyze.c): three stages of DN_STAGE
 * packets each (slot; entry and port counter; tuple set), then counting. */
#define DN_STAGE 8
#define DN_PIPE	 (3 * DN_STAGE)
struct dn_pend {
	struct dn_pkt p;
	int64_t ts;
	uint64_t hv;   /* SipHash of the source */
	int si;	       /* sensor index */
	uint32_t cand; /* source index + 1 the slot pointed to at the second stage; 0 none */
};

struct dn_country {
	char code[8];
};

struct dn_ctx {
	struct dn_opts o;
	uint64_t k0, k1; /* SipHash key of the source table */
	uint64_t m0, m1; /* key of the tuple mix */
	/* sources */
	struct dn_src *src;
	uint32_t nsrc, capsrc;
	uint64_t *slot; /* hash tag << 32 | index + 1 */
	uint32_t slotmask;
	struct hll *h_untracked; /* sources past max_sources */
	uint64_t untracked_pkts;
	/* the tuple set */
	uint64_t *set;
	uint64_t setmask, setn;
	int set_zero, set_full;
	/* the whole period: distinct sources per port index (exact part; pages of 256 like
	 * a day's ports, allocated when first used) and per sensor, with their HLLs */
	uint64_t *pports[DN_PAGES];
	struct hll **h_pports[DN_PAGES];
	uint64_t psens[DN_MAX_SENSORS];
	struct hll *h_psens[DN_MAX_SENSORS];
	/* days */
	int64_t base; /* day of field 0; set by the first packet */
	int have_base;
	struct dn_day *days[DN_DAYS];
	/* counts */
	struct dn_pend pend[DN_PIPE];
	unsigned phead, pn;
	uint64_t records, analysed, outside, badtime, bad[DN_BAD_N], fbad[DN_F_N];
	int reported[DN_BAD_N];
	int estimated;
	/* backscatter */
	struct dn_attack *att;
	uint32_t natt, capatt;
	/* campaigns (dn_finish) */
	struct dn_campaign *camp;
	uint32_t ncamp;
	/* countries */
	struct dn_country countries[512];
	int ncountries;
	void *mmdb; /* MMDB_s *, NULL without a database */
	/* files, for the output */
	char **files;
	int nfiles;
	FILE *log;
	int finished;
};

/* analyze.c: count the packets still in the pipeline (dn_finish does). */
void dn_flush(struct dn_ctx *c);
/* analyze.c: end the source's open backscatter period (recorded if it is an attack). */
void dn_attack_close(struct dn_ctx *c, uint32_t idx, struct dn_src *s);

/* geo.c: open/close the database, look up a source's country index. */
int dn_geo_open(struct dn_ctx *c, const char *path, struct isp_err *err);
void dn_geo_close(struct dn_ctx *c);
uint16_t dn_geo_lookup(struct dn_ctx *c, const uint8_t *addr, int family);

/* Helpers shared by output.c and report.c. */
double dn_day_sources(const struct dn_day *d);
double dn_sday_sources(const struct dn_sday *s);
double dn_sday_nobe(const struct dn_sday *s);
double dn_port_sources(const struct dn_day *d, uint32_t i);
/* Distinct sources over the whole period: of port index i (proto << 16 | port; not
 * counting backscatter, as the per-day figure), and of sensor si. */
double dn_period_port_sources(const struct dn_ctx *c, uint32_t i);
double dn_period_sensor_sources(const struct dn_ctx *c, int si);
/* Sum over days of port i's distinct sources per day (the 延べ figure). */
double dn_port_source_days(const struct dn_day *const *days, int nd, uint32_t i);
/* Sensor si over the whole period, as every output shows it: its prefix, packets,
 * distinct sources, and the sums over days of distinct sources and (source, port) pairs. */
struct dn_sensor_total {
	char sensor[IP_PREFIX_STRLEN];
	uint64_t packets;
	double sources, source_days, source_ports;
};
void dn_sensor_total(const struct dn_ctx *c, const struct dn_day *const *days, int nd, int si,
		     struct dn_sensor_total *t);
void dn_fmt_addr(const uint8_t *addr, int family, char buf[48]);
void dn_fmt_day(int64_t day, char buf[16]);
void dn_fmt_time(int64_t t, char buf[24]);
enum dn_class dn_src_class(const struct dn_src *s);
const char *dn_src_family(const struct dn_src *s);
/* Days present, in order: fills out[] (at most DN_DAYS) and returns how many. */
int dn_days_sorted(const struct dn_ctx *c, const struct dn_day **out);

/* Top n (proto, port) by packets over days[0..nd): fills idx[] (proto << 16 | port) and
 * returns how many. */
int dn_top_ports(const struct dn_day *const *days, int nd, int n, uint32_t *idx);

/* Countries: packets and tracked sources per country index, sorted by packets. */
struct dn_cstat {
	int country;
	uint64_t packets, sources;
};
int dn_country_stats(const struct dn_ctx *c, struct dn_cstat *out, int max);

#endif
