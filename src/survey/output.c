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

#include "core/base/binwrite.h"
#include "core/base/csv.h"
#include "core/base/jsonout.h"
#include "survey/survey.h"

int survey_findings_add(struct survey_findings *fs, const struct survey_finding *f)
{
	if (mem_grow_from((void **)&fs->f, &fs->cap, fs->n + 1, sizeof(*fs->f), 64))
		return ISR_ENOMEM;
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

/* One finding as a JSON object (the same names as the CSV columns). */
static json_t *finding_json(const struct survey_finding *f)
{
	char t[32], ip[16], b[16], fl[32];
	json_t *o;

	utc(f->time, t);
	ip4(f->addr, ip, sizeof(ip));
	o = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o}", "timestamp", t, "ip", ip, "protocol",
		      f->proto == 17 ? "udp" : "tcp", "port", (int)f->port, "tag",
		      jsonout_str(f->tag), "cause",
		      f->cause != CAUSE_NONE ? json_string(cause_name(f->cause)) : json_null());
	if (!o)
		return NULL;
	if (is_dns(f)) {
		flags_text(f->flags, fl, sizeof(fl));
		ip4(f->answer, b, sizeof(b));
		json_object_set_new(o, "rcode", json_integer(f->rcode));
		json_object_set_new(o, "flags", json_string(fl));
		json_object_set_new(o, "answer", json_string(b));
		json_object_set_new(o, "edns_size", json_integer(f->edns_size));
		json_object_set_new(o, "response_size", json_integer(f->resp_size));
		json_object_set_new(o, "query_size", json_integer(f->query_size));
		json_object_set_new(
			o, "min_amplification",
			jsonout_real(f->query_size ? (double)f->resp_size / f->query_size : 0.0,
				     2));
		if (f->via) {
			ip4(f->via, b, sizeof(b));
			json_object_set_new(o, "resolver", json_string(b));
		}
	} else {
		json_object_set_new(o, "vendor", jsonout_str(f->vendor));
		json_object_set_new(o, "model", jsonout_str(f->model));
		json_object_set_new(o, "firmware", jsonout_str(f->firmware));
		json_object_set_new(o, "vulnerable", json_boolean(f->vulnerable));
		json_object_set_new(o, "advice", jsonout_str(f->advice));
	}
	json_object_set_new(o, "detail", jsonout_str(f->detail));
	return o;
}

/* A JSON array, one finding per line, written one finding at a time. */
int survey_write_json(const struct survey_findings *fs, FILE *out)
{
	struct jsonout_seq q;
	size_t i;

	jsonout_seq_open(&q, out, NULL, NULL, JSON_INDENT(2));
	for (i = 0; i < fs->n; i++)
		jsonout_seq_add(&q, finding_json(&fs->f[i]));
	return jsonout_seq_close(&q);
}
