/*
 * darknet.h -- darknet sensor analysis: packet captures of unused address space turned
 * into the figures NICT's and IPA's observation reports publish, and into the list of
 * infected hosts inside the ISP's own ranges.
 *
 * Three layers, each usable on its own:
 *   - the capture reader (capread.c): pcap and pcapng records from a file (plain:
 *     mapped; gzip: read into a large buffer) walked with bounds checks -- no libpcap
 *     on the hot path; live capture goes through libpcap (live.c);
 *   - the packet decoder (decode.c): one frame of a link type -> struct dn_pkt (addresses,
 *     ports, TCP flags, IP ID, sequence number), classification and fingerprints;
 *   - the analysis (analyze.c): per-source table (SipHash, bounded), one set of distinct
 *     tuples (exact up to a bound, HyperLogLog beyond), per-day/sensor/port/country
 *     figures, backscatter attack periods, campaigns; output (output.c) and the HTML/SVG
 *     report (report.c).
 * Nothing allocates per packet in steady state: tables grow by doubling, bounded by the
 * number of sources and distinct tuples, never by the number of packets.
 *
 * Ownership: struct dn_ctx owns everything it allocates; dn_free releases it. Strings
 * passed in (file names, paths) are copied unless said otherwise.
 */
#ifndef ISP_DARKNET_DARKNET_H
#define ISP_DARKNET_DARKNET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/net/ip.h"

/* Link types (pcap LINKTYPE_ values) the decoder understands. */
enum {
	DN_LINK_NULL = 0,     /* BSD loopback: 4-byte address family, host order */
	DN_LINK_ETHERNET = 1, /* Ethernet II, 802.1Q / 802.1ad tags */
	DN_LINK_RAW = 101,    /* raw IPv4 or IPv6 (also DLT 12 and 14 on some systems) */
	DN_LINK_LOOP = 108,   /* OpenBSD loopback: 4-byte family, network order */
	DN_LINK_SLL = 113,    /* Linux cooked capture v1 */
	DN_LINK_IPV4 = 228,   /* raw IPv4 */
	DN_LINK_IPV6 = 229,   /* raw IPv6 */
	DN_LINK_SLL2 = 276,   /* Linux cooked capture v2 */
};

/* Why a frame could not be analysed (dn_decode's result). */
enum dn_bad {
	DN_OK = 0,
	DN_BAD_LINK,	  /* unknown link type */
	DN_BAD_SHORT,	  /* frame too short for its link or IP header */
	DN_BAD_NOTIP,	  /* not IPv4 or IPv6 (ARP, ...): counted, not an error */
	DN_BAD_IPHDR,	  /* IP header with a bad version, header or total length */
	DN_BAD_FRAGMENT,  /* a non-first fragment: no transport header to read */
	DN_BAD_TRANSPORT, /* transport header cut off */
	DN_BAD_N
};
const char *dn_bad_name(enum dn_bad b);

/* Packet classes (Moore et al. backscatter; scans; everything else). */
enum dn_class { DN_SCAN = 0, DN_BACKSCATTER, DN_OTHER, DN_CLASS_N };
const char *dn_class_name(enum dn_class c);

/* Fingerprints of scanning tools (bit flags; a source collects every one it showed). */
enum {
	DN_FP_MIRAI = 1,   /* TCP SYN whose sequence number equals the destination IPv4 */
	DN_FP_ZMAP = 2,	   /* IPv4 ID 54321 */
	DN_FP_MASSCAN = 4, /* IPv4 ID == (dst ^ dport ^ seq) & 0xffff */
};

/* Transport protocol index used in figures. */
enum dn_proto { DN_P_TCP = 0, DN_P_UDP, DN_P_ICMP, DN_P_OTHER, DN_P_N };
const char *dn_proto_name(enum dn_proto p);

/* One decoded packet. Addresses in network byte order; IPv4 in the first 4 bytes. */
struct dn_pkt {
	uint8_t family;	   /* 4 or 6 */
	uint8_t proto;	   /* enum dn_proto */
	uint8_t ipproto;   /* the IP protocol number */
	uint8_t tcp_flags; /* TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, ...) */
	uint8_t icmp_type; /* ICMP / ICMPv6 type */
	uint8_t icmp_code;
	uint8_t klass;	/* enum dn_class */
	uint8_t fp;	/* DN_FP_* of this packet */
	uint16_t sport; /* TCP/UDP source port; 0 otherwise */
	uint16_t dport; /* TCP/UDP destination port; ICMP: the type */
	uint16_t ipid;	/* IPv4 identification; 0 for IPv6 */
	uint32_t seq;	/* TCP sequence number */
	uint32_t iplen; /* IP total length as the header says */
	uint8_t src[16];
	uint8_t dst[16];
};

/*
 * Decode one frame data[0..len) of link type `link` into *p (classified, with
 * fingerprints). Reads nothing outside data[0..len). Returns DN_OK or why not.
 */
enum dn_bad dn_decode(int link, const uint8_t *data, size_t len, struct dn_pkt *p);

/* ---- the capture reader ---- */

/* Problems the reader meets in a file: each reported (file, record number) and counted. */
enum dn_fbad {
	DN_F_HEADER = 0, /* corrupted or unknown file header: the file is skipped */
	DN_F_TRUNCATED,	 /* the last record runs past the end of the file */
	DN_F_CAPLEN,	 /* captured length past the snap length (record skipped) */
	DN_F_RECORD,	 /* record length impossible (> 256 KiB): the rest of the file is lost */
	DN_F_LINK,	 /* unknown link type (its records are counted, not analysed) */
	DN_F_GZIP,	 /* gzip stream corrupt */
	DN_F_N
};
const char *dn_fbad_name(enum dn_fbad b);

/* One record handed to the analysis. */
struct dn_rec {
	int64_t ts;	     /* seconds since the epoch */
	int link;	     /* link type */
	const uint8_t *data; /* captured bytes; valid only during the callback */
	uint32_t caplen, origlen;
	long long recno; /* 1-based record number in its file */
};

/* Called for each record (return non-zero to stop) and for each problem (msg says what;
 * recno 0 = the file as a whole). */
struct dn_read_cb {
	int (*rec)(void *ud, const struct dn_rec *r);
	void (*bad)(void *ud, const char *file, long long recno, enum dn_fbad kind,
		    const char *msg);
	void *ud;
};

/*
 * Read the capture at path (pcap in any byte order and time resolution, pcapng, either
 * gzip-compressed) and call cb->rec for every record in file order. Problems go to
 * cb->bad and the rest of the file is read where that is possible. Returns 0, ISR_EIO
 * when the file cannot be opened or read, or ISR_EFORMAT when it is no capture at all
 * (also reported through cb->bad as DN_F_HEADER).
 */
int dn_read_file(const char *path, const struct dn_read_cb *cb, struct isp_err *err);

/* Timestamp (seconds) of the first record of path, for ordering files; -1 if none. */
int64_t dn_file_first_ts(const char *path);

/*
 * Capture live from interface `ifname` through libpcap (promiscuous, snap length 256)
 * until *stop becomes non-zero, `seconds` pass (0 = no limit) or `count` packets were
 * seen (0 = no limit), calling cb->rec for each. `sensors` (comma-separated prefixes, as
 * darknet.sensor; NULL or "" = every packet) becomes a kernel filter, so that only
 * packets to the sensor are copied to us and counted. Once the capture runs, one line
 * "darknet: capturing on IF" goes to `log` (NULL = none). Returns 0 or ISR_EIO (ISR_EINVAL
 * for a filter libpcap refuses) with err set.
 */
int dn_live(const char *ifname, const char *sensors, int seconds, long long count,
	    volatile int *stop, const struct dn_read_cb *cb, FILE *log, struct isp_err *err);

/* ---- the analysis ---- */

#define DN_MAX_SENSORS 63

struct dn_opts {
	struct ip_prefix sensors[DN_MAX_SENSORS]; /* destination prefixes of the sensor */
	int nsensors;
	struct ip_prefix *own; /* the ISP's own ranges (copied) */
	int nown;
	uint64_t exact_max;	/* distinct tuples counted exactly; HyperLogLog beyond */
	uint64_t max_sources;	/* sources tracked one by one; counted (HLL) beyond */
	int top;		/* top N ports and countries */
	uint64_t list_sources;	/* sources listed in the output, most packets first; 0 = all */
	double campaign_factor; /* distinct sources >= factor x baseline flags a campaign */
	uint64_t campaign_min;	/* ... and at least this many sources */
	int campaign_days;	/* baseline: mean over up to this many previous days */
	int64_t attack_gap;	/* backscatter: a gap longer than this ends an attack */
	uint64_t attack_min_packets;
	int64_t attack_min_duration;
	const char *geoip; /* mmdb path or NULL/"" (country "unknown"); not copied */
};

struct dn_ctx;

/* Parse "PREFIX,PREFIX,..." (spaces allowed) into at most max prefixes. */
int dn_parse_prefixes(const char *s, struct ip_prefix *out, int max, int *n, struct isp_err *err);

/* New analysis context. Returns 0 and *out, or ISR_ENOMEM / ISR_EIO (mmdb) with err. */
int dn_new(const struct dn_opts *o, struct dn_ctx **out, struct isp_err *err);
void dn_free(struct dn_ctx *c);

/* Analyse one record (decode, count, classify). Bad frames are counted and the first
 * few reported through the read callbacks' bad(), with file and record number. */
void dn_add_record(struct dn_ctx *c, const char *file, const struct dn_rec *r);

/* Analyse files in order of their first timestamp. Problems are written to `log`
 * (stderr, NULL = nowhere) as "FILE: record N: reason". progress: a status line on
 * stderr. Returns 0, or the first error of a file that could not be read (the others
 * are still analysed). */
int dn_analyse_files(struct dn_ctx *c, char **files, int nfiles, FILE *log, int progress,
		     struct isp_err *err);
/* The read callbacks bound to c (for dn_live); log as above. */
void dn_callbacks(struct dn_ctx *c, FILE *log, struct dn_read_cb *cb);

/* Finish: close open attack periods, compute campaigns. Call once before output. */
void dn_finish(struct dn_ctx *c);

/* Totals for the caller's exit status and summaries. */
struct dn_totals {
	uint64_t records, packets, analysed, outside, bad[DN_BAD_N], fbad[DN_F_N];
	uint64_t sources, untracked_sources, own_sources, attacks, campaigns;
	int estimated; /* some figure came from HyperLogLog */
};
void dn_totals(const struct dn_ctx *c, struct dn_totals *t);

/* Write the figures as JSON, as CSV (tables one after another, each introduced by a
 * "# table NAME" line and its header), or as a short text summary. */
void dn_write_json(const struct dn_ctx *c, FILE *out);
void dn_write_csv(const struct dn_ctx *c, FILE *out);
void dn_write_text(const struct dn_ctx *c, FILE *out);

/* Write DIR/index.html (self-contained, inline SVG), DIR/NAME.svg and DIR/darknet.json;
 * the folder is created if missing. Returns 0 or ISR_EIO. */
int dn_write_report(const struct dn_ctx *c, const char *dir, struct isp_err *err);

/* One source inside --own, for the store. */
struct dn_own_host {
	char ip[48];
	int64_t first, last;
	uint64_t packets;
	char ports[96];	    /* "23/tcp,2323/tcp,..." (the first few) */
	const char *family; /* "mirai", "zmap", "masscan" or "scan" (static) */
};
/* Call fn for each source inside --own, in address order of the table. */
void dn_each_own(const struct dn_ctx *c, void (*fn)(void *ud, const struct dn_own_host *h),
		 void *ud);

#endif
