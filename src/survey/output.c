/*
 * output.c -- the findings: a growing array, and its CSV and JSON forms. The CSV starts
 * with the columns of Shadowserver's open-resolver (scan_dns) report where they apply
 * (timestamp, ip, protocol, port, hostname, tag, min_amplification, dns_version, asn,
 * geo, region, city: those we do not know are empty), so that tools reading that report
 * -- `ispshield events import` among them -- read ours; the survey's own columns follow.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/csv.h"
#include "survey/survey.h"

int survey_findings_add(struct survey_findings *fs, const struct survey_finding *f)
{
	if (fs->n == fs->cap) {
		size_t nc = fs->cap ? fs->cap * 2 : 64;
		struct survey_finding *nf = realloc(fs->f, nc * sizeof(*nf));

		if (!nf)
			return ISR_ENOMEM;
		fs->f = nf;
		fs->cap = nc;
	}
	fs->f[fs->n++] = *f;
	return 0;
}

void survey_findings_free(struct survey_findings *fs)
{
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static void ip4(uint32_t a, char *b, size_t n)
{
	if (!a)
		b[0] = '\0';
	else
		snprintf(b, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void utc(int64_t t, char b[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(b, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

static void flags_text(uint16_t f, char *b, size_t n)
{
	snprintf(b, n, "%s%s%s%s%s", f & 0x8000 ? "qr " : "", f & 0x0400 ? "aa " : "",
		 f & 0x0200 ? "tc " : "", f & 0x0100 ? "rd " : "", f & 0x0080 ? "ra " : "");
	if (*b)
		b[strlen(b) - 1] = '\0';
}

static int is_dns(const struct survey_finding *f)
{
	return f->proto == 17;
}

void survey_write_csv(const struct survey_findings *fs, FILE *out)
{
	size_t i;

	fputs("timestamp,ip,protocol,port,hostname,tag,min_amplification,dns_version,asn,geo,"
	      "region,city,rcode,flags,answer,edns_size,response_size,query_size,resolver,"
	      "vendor,model,firmware,vulnerable,advice,cause,detail\n",
	      out);
	for (i = 0; i < fs->n; i++) {
		const struct survey_finding *f = &fs->f[i];
		char t[32], ip[16], ans[16], via[16], fl[32], amp[16] = "", rc[8] = "", es[8] = "",
							      rs[8] = "", qs[8] = "";

		utc(f->time, t);
		ip4(f->addr, ip, sizeof(ip));
		ip4(is_dns(f) ? f->answer : 0, ans, sizeof(ans));
		ip4(f->via, via, sizeof(via));
		fl[0] = '\0';
		if (is_dns(f)) {
			flags_text(f->flags, fl, sizeof(fl));
			if (f->query_size)
				snprintf(amp, sizeof(amp), "%.2f",
					 (double)f->resp_size / f->query_size);
			snprintf(rc, sizeof(rc), "%d", f->rcode);
			snprintf(es, sizeof(es), "%u", f->edns_size);
			snprintf(rs, sizeof(rs), "%u", f->resp_size);
			snprintf(qs, sizeof(qs), "%u", f->query_size);
		}
		fprintf(out, "%s,%s,%s,%u,,", t, ip, f->proto == 17 ? "udp" : "tcp", f->port);
		csv_write_field(out, f->tag);
		fprintf(out, ",%s,,,,,,%s,%s,%s,%s,%s,%s,%s,", amp, rc, fl, ans, es, rs, qs, via);
		csv_write_field(out, f->vendor);
		fputc(',', out);
		csv_write_field(out, f->model);
		fputc(',', out);
		csv_write_field(out, f->firmware);
		fprintf(out, ",%s,", is_dns(f) ? "" : f->vulnerable ? "yes" : "no");
		csv_write_field(out, f->advice);
		fprintf(out, ",%s,", f->cause != CAUSE_NONE ? cause_name(f->cause) : "");
		csv_write_field(out, f->detail);
		fputc('\n', out);
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void survey_write_json(const struct survey_findings *fs, FILE *out)
{
	size_t i;

	fputs("[", out);
	for (i = 0; i < fs->n; i++) {
		const struct survey_finding *f = &fs->f[i];
		char t[32], ip[16], b[16], fl[32];

		utc(f->time, t);
		ip4(f->addr, ip, sizeof(ip));
		fprintf(out,
			"%s\n  {\"timestamp\": \"%s\", \"ip\": \"%s\", \"protocol\": \"%s\", "
			"\"port\": %u, \"tag\": ",
			i ? "," : "", t, ip, f->proto == 17 ? "udp" : "tcp", f->port);
		json_str(out, f->tag);
		fprintf(out, ", \"cause\": ");
		if (f->cause != CAUSE_NONE)
			json_str(out, cause_name(f->cause));
		else
			fputs("null", out);
		if (is_dns(f)) {
			flags_text(f->flags, fl, sizeof(fl));
			ip4(f->answer, b, sizeof(b));
			fprintf(out,
				", \"rcode\": %d, \"flags\": \"%s\", \"answer\": \"%s\", "
				"\"edns_size\": %u, \"response_size\": %u, \"query_size\": %u, "
				"\"min_amplification\": %.2f",
				f->rcode, fl, b, f->edns_size, f->resp_size, f->query_size,
				f->query_size ? (double)f->resp_size / f->query_size : 0.0);
			if (f->via) {
				ip4(f->via, b, sizeof(b));
				fprintf(out, ", \"resolver\": \"%s\"", b);
			}
		} else {
			fputs(", \"vendor\": ", out);
			json_str(out, f->vendor);
			fputs(", \"model\": ", out);
			json_str(out, f->model);
			fputs(", \"firmware\": ", out);
			json_str(out, f->firmware);
			fprintf(out, ", \"vulnerable\": %s, \"advice\": ",
				f->vulnerable ? "true" : "false");
			json_str(out, f->advice);
		}
		fputs(", \"detail\": ", out);
		json_str(out, f->detail);
		fputs("}", out);
	}
	fputs(fs->n ? "\n]\n" : "]\n", out);
}
