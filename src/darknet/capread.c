/*
 * capread.c -- pcap and pcapng files, plain or gzip-compressed, mapped (a plain regular
 * file) or read into one large buffer (gzip, pipes), and walked record by record with
 * every length checked. libpcap is not used here: pcap_next_ex costs a call, a copy and
 * a header conversion per packet, which caps the analysis well below the reading rate
 * of the disk; this reader hands out pointers into its mapping or buffer instead. A
 * mapped file that another process truncates while it is read raises SIGBUS. Bad input is reported with the file and the record
 * number and reading goes on where the format allows it: a record whose captured length
 * exceeds the snap length is skipped; a length no capture can have (> 256 KiB), a
 * corrupt pcapng block or a gzip error ends the file (there is no way to find the next
 * record); a record cut off by the end of the file is the last one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "darknet/darknet.h"

#define BUF_SIZE  (8u << 20)
#define MAX_REC	  (256u << 10) /* libpcap's MAXIMUM_SNAPLEN */
#define MAX_BLOCK (BUF_SIZE / 2)

static const char *const fbad_names[DN_F_N] = {
	"bad file header",	    "truncated record",	 "captured length past snap length",
	"impossible record length", "unknown link type", "gzip stream corrupt",
};

const char *dn_fbad_name(enum dn_fbad b)
{
	return (unsigned)b < DN_F_N ? fbad_names[b] : "?";
}

struct src {
	int fd, gz, eof, zerr;
	z_stream z;
	uint8_t *in; /* compressed input (gzip only) */
	uint8_t *buf;
	size_t start, end;
	uint8_t *map;	 /* a plain file mapped whole (buf == map), or NULL */
	size_t mapsize;	 /* its length */
	size_t released; /* bytes before this were given back (MADV_DONTNEED) */
};

#define MAP_RELEASE (8u << 20) /* consumed bytes given back in steps of this */

/* Read more bytes into s->buf at s->end. */
static void fill(struct src *s)
{
	while (!s->eof && s->end < BUF_SIZE) {
		if (!s->gz) {
			ssize_t r = read(s->fd, s->buf + s->end, BUF_SIZE - s->end);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				s->eof = 1;
				break;
			}
			s->end += (size_t)r;
			continue;
		}
		if (s->z.avail_in == 0) {
			ssize_t r = read(s->fd, s->in, BUF_SIZE / 4);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				s->eof = 1;
				break;
			}
			s->z.next_in = s->in;
			s->z.avail_in = (uInt)r;
		}
		s->z.next_out = s->buf + s->end;
		s->z.avail_out = (uInt)(BUF_SIZE - s->end);
		int zr = inflate(&s->z, Z_NO_FLUSH);

		s->end = BUF_SIZE - s->z.avail_out;
		if (zr == Z_STREAM_END) {
			/* another gzip member may follow (cat a.gz b.gz) */
			if (inflateReset(&s->z) != Z_OK) {
				s->eof = 1;
				s->zerr = 1;
			}
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			s->eof = 1;
			s->zerr = 1;
		}
		if (s->end - s->start > MAX_BLOCK + 64)
			break; /* enough for any record; keep the loop short */
	}
}

/* Make `need` bytes available at s->buf + s->start; returns how many are (< need only
 * at the end of the input). */
static size_t avail(struct src *s, size_t need)
{
	if (s->map) {
		/* records are consumed: their pages leave our RSS (the page cache keeps
		 * them), so memory stays that of one read buffer */
		if (s->start - s->released >= MAP_RELEASE) {
			size_t upto = s->start & ~(size_t)(MAP_RELEASE - 1);

			(void)madvise(s->map + s->released, upto - s->released, MADV_DONTNEED);
			s->released = upto;
		}
		return s->end - s->start;
	}
	if (s->end - s->start >= need)
		return s->end - s->start;
	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	while (s->end < need && !s->eof)
		fill(s);
	return s->end - s->start;
}

/* A plain regular file is mapped whole instead of read: read() copies every byte once
 * more (7 % of a run). Returns 1 when mapped. */
static int map_file(struct src *s)
{
	struct stat st;
	void *p;

	if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX / 2)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (p == MAP_FAILED)
		return 0;
	(void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	s->map = p;
	s->mapsize = (size_t)st.st_size;
	s->buf = p;
	s->end = s->mapsize;
	s->eof = 1;
	return 1;
}

static int src_open(struct src *s, const char *path, struct isp_err *err)
{
	uint8_t m[2];
	ssize_t r;

	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
		return ISR_EIO;
	}
	(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = pread(s->fd, m, 2, 0);
	if (!(r == 2 && m[0] == 0x1f && m[1] == 0x8b) && map_file(s))
		return 0;
	s->buf = malloc(BUF_SIZE);
	if (!s->buf) {
		close(s->fd);
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		return ISR_ENOMEM;
	}
	r = pread(s->fd, m, 2, 0);
	if (r == 2 && m[0] == 0x1f && m[1] == 0x8b) {
		s->gz = 1;
		s->in = malloc(BUF_SIZE / 4);
		if (!s->in || inflateInit2(&s->z, 15 + 32) != Z_OK) {
			free(s->in);
			free(s->buf);
			close(s->fd);
			isp_err_set(err, ISR_ENOMEM, "out of memory");
			return ISR_ENOMEM;
		}
	}
	return 0;
}

static void src_close(struct src *s)
{
	if (s->map) {
		munmap(s->map, s->mapsize);
		close(s->fd);
		return;
	}
	if (s->gz) {
		inflateEnd(&s->z);
		free(s->in);
	}
	free(s->buf);
	close(s->fd);
}

static uint32_t get32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static int link_known(int link)
{
	struct dn_pkt p;

	return dn_decode(link, NULL, 0, &p) != DN_BAD_LINK;
}

static void bad(const struct dn_read_cb *cb, const char *path, long long recno, enum dn_fbad k,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void bad(const struct dn_read_cb *cb, const char *path, long long recno, enum dn_fbad k,
		const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cb->bad)
		cb->bad(cb->ud, path, recno, k, msg);
}

static int read_pcap(struct src *s, const char *path, const struct dn_read_cb *cb)
{
	const uint8_t *h = s->buf + s->start;
	uint32_t magic;
	int swap, nano, link;
	uint32_t snap;
	long long recno = 0;
	struct dn_rec r;

	memcpy(&magic, h, 4);
	swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	(void)nano; /* only whole seconds are used */
	if (get16(h + 4, swap) != 2) {
		bad(cb, path, 0, DN_F_HEADER, "pcap version %d.x (2.4 expected)",
		    get16(h + 4, swap));
		return ISR_EFORMAT;
	}
	snap = get32(h + 16, swap);
	if (snap == 0 || snap > MAX_REC)
		snap = MAX_REC;
	link = (int)(get32(h + 20, swap) & 0x0fffffff);
	if (!link_known(link))
		bad(cb, path, 0, DN_F_LINK, "link type %d: records counted, not analysed", link);
	s->start += 24;
	r.link = link;
	for (;;) {
		size_t a = avail(s, 16);
		const uint8_t *p = s->buf + s->start;
		uint32_t caplen;

		if (a == 0)
			break;
		recno++;
		if (a < 16) {
			bad(cb, path, recno, DN_F_TRUNCATED,
			    "record header cut off after %lld bytes", (long long)a);
			break;
		}
		caplen = get32(p + 8, swap);
		if (caplen > MAX_REC) {
			bad(cb, path, recno, DN_F_RECORD,
			    "captured length %u: not a record; rest of the file skipped", caplen);
			break;
		}
		a = avail(s, 16 + (size_t)caplen);
		p = s->buf + s->start;
		if (a < 16 + (size_t)caplen) {
			bad(cb, path, recno, DN_F_TRUNCATED, "record needs %lld bytes past the end",
			    (long long)(16 + caplen - a));
			break;
		}
		s->start += 16 + (size_t)caplen;
		if (caplen > snap) {
			bad(cb, path, recno, DN_F_CAPLEN, "captured length %u past the snap length",
			    caplen);
			continue;
		}
		r.ts = (int64_t)get32(p, swap);
		r.caplen = caplen;
		r.origlen = get32(p + 12, swap);
		r.data = p + 16;
		r.recno = recno;
		if (cb->rec(cb->ud, &r))
			break;
	}
	return 0;
}

struct ngif {
	int link;
	uint32_t snap;
	uint64_t units; /* timestamp units per second */
};

static uint64_t tsresol(const uint8_t *o, size_t n, int swap)
{
	size_t off = 0;

	while (off + 4 <= n) {
		uint16_t code = get16(o + off, swap), len = get16(o + off + 2, swap);

		if (code == 0)
			break;
		if (off + 4 + len > n)
			break;
		if (code == 9 && len >= 1) {
			uint8_t v = o[off + 4];
			uint64_t u = 1;
			int i;

			if (v & 0x80)
				return (v & 0x7f) < 63 ? (uint64_t)1 << (v & 0x7f) : 1000000;
			if (v > 19)
				return 1000000;
			for (i = 0; i < v; i++)
				u *= 10;
			return u;
		}
		off += 4 + (((size_t)len + 3) & ~(size_t)3);
	}
	return 1000000;
}

static void read_pcapng(struct src *s, const char *path, const struct dn_read_cb *cb)
{
	struct ngif ifs[256];
	int nif = 0, swap = 0, seen_shb = 0;
	long long recno = 0;
	struct dn_rec r;

	for (;;) {
		size_t a = avail(s, 12);
		const uint8_t *b = s->buf + s->start;
		uint32_t type, len;

		if (a == 0)
			break;
		if (a < 12) {
			bad(cb, path, recno + 1, DN_F_TRUNCATED,
			    "block header cut off after %lld bytes", (long long)a);
			break;
		}
		memcpy(&type, b, 4);
		if (type == 0x0A0D0D0Au) {
			uint32_t bom;

			memcpy(&bom, b + 8, 4);
			if (bom == 0x1A2B3C4Du) {
				swap = 0;
			} else if (bom == 0x4D3C2B1Au) {
				swap = 1;
			} else {
				bad(cb, path, recno, DN_F_HEADER,
				    "pcapng section header: bad byte-order magic");
				break;
			}
			seen_shb = 1;
			nif = 0;
		} else if (!seen_shb) {
			bad(cb, path, 0, DN_F_HEADER, "no pcapng section header");
			break;
		}
		type = get32(b, swap);
		len = get32(b + 4, swap);
		if (len < 12 || (len & 3) || len > MAX_BLOCK) {
			bad(cb, path, recno + 1, DN_F_RECORD,
			    "block length %u: rest of the file skipped", len);
			break;
		}
		a = avail(s, len);
		b = s->buf + s->start;
		if (a < len) {
			bad(cb, path, recno + 1, DN_F_TRUNCATED,
			    "block needs %lld bytes past the end", (long long)(len - a));
			break;
		}
		if (get32(b + len - 4, swap) != len) {
			bad(cb, path, recno + 1, DN_F_RECORD,
			    "block lengths differ (%u): rest of the file skipped", len);
			break;
		}
		s->start += len;
		if (type == 1) { /* interface description */
			if (len < 20)
				continue;
			if (nif < 256) {
				ifs[nif].link = get16(b + 8, swap);
				ifs[nif].snap = get32(b + 12, swap);
				if (ifs[nif].snap == 0 || ifs[nif].snap > MAX_REC)
					ifs[nif].snap = MAX_REC;
				ifs[nif].units = tsresol(b + 16, len - 20, swap);
				if (!link_known(ifs[nif].link))
					bad(cb, path, 0, DN_F_LINK,
					    "link type %d: records counted, not analysed",
					    ifs[nif].link);
				nif++;
			}
			continue;
		}
		if (type != 6 && type != 3 && type != 2)
			continue;
		recno++;
		uint32_t ifid = 0, caplen, origlen, hdr;
		uint64_t ts = 0;

		if (type == 3) {
			/* 12 bytes of header and trailer plus the original length: a shorter
			 * block would make len - 16 wrap round to about 4 GiB */
			if (len < 16) {
				bad(cb, path, recno, DN_F_RECORD, "simple packet block of %u bytes",
				    len);
				continue;
			}
			hdr = 12;
			origlen = get32(b + 8, swap);
			caplen = len - 16;
			if (nif > 0 && caplen > ifs[0].snap)
				caplen = ifs[0].snap;
			if (caplen > origlen)
				caplen = origlen;
		} else {
			if (len < 32) {
				bad(cb, path, recno, DN_F_RECORD, "packet block of %u bytes", len);
				continue;
			}
			hdr = 28;
			ifid = type == 2 ? get16(b + 8, swap) : get32(b + 8, swap);
			ts = (uint64_t)get32(b + 12, swap) << 32 | get32(b + 16, swap);
			caplen = get32(b + 20, swap);
			origlen = get32(b + 24, swap);
			if (caplen > len - 32) {
				bad(cb, path, recno, DN_F_RECORD,
				    "captured length %u past its block", caplen);
				continue;
			}
		}
		if (ifid >= (uint32_t)nif) {
			bad(cb, path, recno, DN_F_RECORD, "interface %u not described", ifid);
			continue;
		}
		if (caplen > ifs[ifid].snap) {
			bad(cb, path, recno, DN_F_CAPLEN, "captured length %u past the snap length",
			    caplen);
			continue;
		}
		r.link = ifs[ifid].link;
		r.ts = (int64_t)(ts / ifs[ifid].units);
		r.caplen = caplen;
		r.origlen = origlen;
		r.data = b + hdr;
		r.recno = recno;
		if (cb->rec(cb->ud, &r))
			break;
	}
}

int dn_read_file(const char *path, const struct dn_read_cb *cb, struct isp_err *err)
{
	struct src s;
	uint32_t magic;
	int rc = 0;

	rc = src_open(&s, path, err);
	if (rc)
		return rc;
	if (avail(&s, 24) < 24) {
		bad(cb, path, 0, DN_F_HEADER, "%lld bytes: too short for a capture",
		    (long long)(s.end - s.start));
		rc = isp_err_set(err, ISR_EFORMAT, "%s: not a capture file", path);
		goto out;
	}
	memcpy(&magic, s.buf + s.start, 4);
	if (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u || magic == 0xa1b23c4du ||
	    magic == 0x4d3cb2a1u) {
		if (read_pcap(&s, path, cb) != 0)
			rc = isp_err_set(err, ISR_EFORMAT, "%s: not a capture file", path);
	} else if (magic == 0x0A0D0D0Au) {
		read_pcapng(&s, path, cb);
	} else {
		bad(cb, path, 0, DN_F_HEADER, "magic 0x%08llx: neither pcap nor pcapng",
		    (long long)magic);
		rc = isp_err_set(err, ISR_EFORMAT, "%s: not a capture file", path);
	}
	if (s.zerr)
		bad(cb, path, 0, DN_F_GZIP, "gzip stream corrupt or cut off");
out:
	src_close(&s);
	return rc;
}

static int first_rec(void *ud, const struct dn_rec *r)
{
	*(int64_t *)ud = r->ts;
	return 1;
}

int64_t dn_file_first_ts(const char *path)
{
	int64_t ts = -1;
	struct dn_read_cb cb = { first_rec, NULL, &ts };

	if (dn_read_file(path, &cb, NULL) != 0)
		return -1;
	return ts;
}
