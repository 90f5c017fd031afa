/*
 * report.c -- the report a person reads: DIR/index.html, one self-contained page (inline
 * SVG charts, inline CSS, no script, nothing fetched), the same charts as DIR/NAME.svg
 * files, and the figures as DIR/darknet.json and DIR/darknet.csv. Charts are drawn here
 * as plain SVG: bars for packets and sources per day, lines for the top ports over the
 * days, horizontal bars for countries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "darknet/dn_int.h"

#define W  720
#define H  260
#define ML 70 /* left margin for the axis labels */
#define MB 40

static const char *const colours[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
				       "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" };

static void xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static double nice_max(double v)
{
	double p = 1;

	if (v <= 0)
		return 1;
	while (p * 10 <= v)
		p *= 10;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void svg_open(FILE *f, const char *title, double ymax)
{
	int i;

	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
		W, H, W, H);
	fprintf(f, "<title>");
	xml(f, title);
	fprintf(f, "</title>\n<text x=\"%d\" y=\"14\" font-size=\"13\">", ML);
	xml(f, title);
	fprintf(f, "</text>\n");
	for (i = 0; i <= 4; i++) {
		double y = H - MB - (H - MB - 24) * i / 4.0;

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			ML, y, W - 10, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", ML - 4,
			y + 4, ymax * i / 4);
	}
}

/* Vertical bars: one per label. */
static void svg_bars(FILE *f, const char *title, char (*labels)[16], const double *v, int n)
{
	double ymax = 0, bw;
	int i;

	for (i = 0; i < n; i++)
		if (v[i] > ymax)
			ymax = v[i];
	ymax = nice_max(ymax);
	svg_open(f, title, ymax);
	bw = n ? (double)(W - 10 - ML) / n : 0;
	for (i = 0; i < n; i++) {
		double h = (H - MB - 24) * v[i] / ymax;

		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			"<title>%s: %.0f</title></rect>\n",
			ML + i * bw + bw * 0.1, H - MB - h, bw * 0.8, h, colours[0], labels[i],
			v[i]);
		if (n <= 16 || i % (n / 8 + 1) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				ML + i * bw + bw / 2, H - MB + 14, labels[i] + 5);
	}
	fprintf(f, "</svg>\n");
}

/* Lines: ns series of n points each (v[s * n + i]). */
static void svg_lines(FILE *f, const char *title, char (*labels)[16], const double *v, int n,
		      char (*names)[24], int ns)
{
	double ymax = 0, dx;
	int i, s;

	for (i = 0; i < n * ns; i++)
		if (v[i] > ymax)
			ymax = v[i];
	ymax = nice_max(ymax);
	svg_open(f, title, ymax);
	dx = n > 1 ? (double)(W - 10 - ML) / (n - 1) : 0;
	for (s = 0; s < ns; s++) {
		fprintf(f, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
			colours[s % 8]);
		for (i = 0; i < n; i++)
			fprintf(f, "%.1f,%.1f ", ML + i * dx + (n == 1 ? (W - 10 - ML) / 2.0 : 0),
				H - MB - (H - MB - 24) * v[s * n + i] / ymax);
		fprintf(f, "\"><title>%s</title></polyline>\n", names[s]);
		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>\n",
			ML + 10 + s * 100, H - 14, colours[s % 8], ML + 24 + s * 100, H - 5,
			names[s]);
	}
	for (i = 0; i < n; i++)
		if (n <= 16 || i % (n / 8 + 1) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				ML + i * dx + (n == 1 ? (W - 10 - ML) / 2.0 : 0), H - MB + 14,
				labels[i] + 5);
	fprintf(f, "</svg>\n");
}

/* Horizontal bars with names. */
static void svg_hbars(FILE *f, const char *title, char (*names)[16], const double *v, int n)
{
	double xmax = 0;
	int i;

	for (i = 0; i < n; i++)
		if (v[i] > xmax)
			xmax = v[i];
	xmax = nice_max(xmax);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
		W, 30 + n * 20, W, 30 + n * 20);
	fprintf(f, "<title>%s</title>\n<text x=\"%d\" y=\"14\" font-size=\"13\">%s</text>\n", title,
		ML, title);
	for (i = 0; i < n; i++) {
		double w = (W - ML - 90) * v[i] / xmax;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", ML - 4, 38 + i * 20);
		xml(f, names[i]);
		fprintf(f,
			"</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" "
			"fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.0f</text>\n",
			ML, 27 + i * 20, w, colours[2], ML + w + 4, 38 + i * 20, v[i]);
	}
	fprintf(f, "</svg>\n");
}

struct chart {
	const char *file;
	char *svg;
	size_t len;
};

static int put_file(const char *dir, const char *name, const char *data, size_t len,
		    struct isp_err *err)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	fwrite(data, 1, len, f);
	if (fclose(f) != 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* DIR/name holding what write puts out for c. */
static int put_written(const char *dir, const char *name, const struct dn_ctx *c,
		       void (*write)(const struct dn_ctx *c, FILE *f), struct isp_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	write(c, f);
	if (fclose(f) != 0) {
		free(buf);
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	}
	rc = put_file(dir, name, buf, len, err);
	free(buf);
	return rc;
}

int dn_write_report(const struct dn_ctx *c, const char *dir, struct isp_err *err)
{
	static const struct dn_day *days[DN_DAYS];
	static char labels[DN_DAYS][16];
	static double v[DN_DAYS * 5];
	struct chart ch[4] = { { "packets.svg", NULL, 0 },
			       { "sources.svg", NULL, 0 },
			       { "ports.svg", NULL, 0 },
			       { "countries.svg", NULL, 0 } };
	struct dn_cstat cs[512];
	char cnames[20][16], pnames[5][24];
	uint32_t top[5], top_all[64];
	int nd, k, j, n, rc = 0;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return isp_err_set(err, ISR_EIO, "%s: %s", dir, strerror(errno));
	nd = dn_days_sorted(c, days);
	for (k = 0; k < nd; k++)
		dn_fmt_day(days[k]->day, labels[k]);
	/* packets per day */
	f = open_memstream(&ch[0].svg, &ch[0].len);
	if (!f)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	for (k = 0; k < nd; k++)
		v[k] = (double)days[k]->packets;
	svg_bars(f, "Packets per day", labels, v, nd);
	fclose(f);
	/* sources per day */
	f = open_memstream(&ch[1].svg, &ch[1].len);
	if (!f)
		goto oom;
	for (k = 0; k < nd; k++)
		v[k] = dn_day_sources(days[k]);
	svg_bars(f, "Distinct sources per day", labels, v, nd);
	fclose(f);
	/* top ports over time */
	f = open_memstream(&ch[2].svg, &ch[2].len);
	if (!f)
		goto oom;
	n = dn_top_ports(days, nd, 5, top);
	for (j = 0; j < n; j++) {
		snprintf(pnames[j], sizeof(pnames[j]), "%u/%s", top[j] & 0xffff,
			 dn_proto_name(top[j] >> 16));
		for (k = 0; k < nd; k++)
			v[j * nd + k] = (double)dn_port_at(days[k], top[j]).packets;
	}
	svg_lines(f, "Top ports: packets per day", labels, v, nd, pnames, n);
	fclose(f);
	/* countries */
	f = open_memstream(&ch[3].svg, &ch[3].len);
	if (!f)
		goto oom;
	n = dn_country_stats(c, cs, 20);
	for (j = 0; j < n; j++) {
		snprintf(cnames[j], sizeof(cnames[j]), "%s", c->countries[cs[j].country].code);
		v[j] = (double)cs[j].packets;
	}
	svg_hbars(f, "Packets by source country", cnames, v, n);
	fclose(f);
	for (j = 0; j < 4 && !rc; j++)
		rc = put_file(dir, ch[j].file, ch[j].svg, ch[j].len, err);
	if (rc)
		goto out;
	/* the figures */
	rc = put_written(dir, "darknet.json", c, dn_write_json, err);
	if (!rc)
		rc = put_written(dir, "darknet.csv", c, dn_write_csv, err);
	if (rc)
		goto out;
	/* the page */
	f = open_memstream(&buf, &len);
	if (!f)
		goto oom;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<title>ispshield darknet report</title>\n<style>body{font-family:sans-serif;"
		   "max-width:60em;margin:1em auto}pre{background:#f4f4f4;padding:.5em}"
		   "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
		   "text-align:right}</style></head><body>\n<h1>Darknet sensor report</h1>\n<pre>");
	{
		char *tb = NULL;
		size_t tl = 0;
		FILE *t = open_memstream(&tb, &tl);

		if (t) {
			dn_write_text(c, t);
			fclose(t);
			xml(f, tb);
			free(tb);
		}
	}
	fprintf(f, "</pre>\n");
	for (j = 0; j < 4; j++)
		fprintf(f, "<figure>%s</figure>\n", ch[j].svg);
	/* the whole period: each source once, and the per-day counts summed (延べ) */
	fprintf(f, "<h2>Ports over the period</h2>\n<table><tr><th>port</th><th>packets</th>"
		   "<th>distinct sources</th><th>sources summed over days (延べ)</th></tr>\n");
	n = dn_top_ports(days, nd, c->o.top, top_all);
	for (j = 0; j < n; j++) {
		uint64_t pk = 0;

		for (k = 0; k < nd; k++)
			pk += dn_port_at(days[k], top_all[j]).packets;
		fprintf(f, "<tr><td>%u/%s</td><td>%llu</td><td>%.0f</td><td>%.0f</td></tr>\n",
			top_all[j] & 0xffff, dn_proto_name(top_all[j] >> 16),
			(unsigned long long)pk, dn_period_port_sources(c, top_all[j]),
			dn_port_source_days(days, nd, top_all[j]));
	}
	fprintf(f, "</table>\n<h2>Sensors over the period</h2>\n<table><tr><th>sensor</th>"
		   "<th>packets</th><th>distinct sources</th><th>sources summed over days</th>"
		   "<th>(source, port) summed over days (延べ)</th></tr>\n");
	for (j = 0; j < c->o.nsensors; j++) {
		struct dn_sensor_total sens;

		dn_sensor_total(c, days, nd, j, &sens);
		fprintf(f,
			"<tr><td>%s</td><td>%llu</td><td>%.0f</td><td>%.0f</td><td>%.0f</td></tr>"
			"\n",
			sens.sensor, (unsigned long long)sens.packets, sens.sources,
			sens.source_days, sens.source_ports);
	}
	if (c->estimated)
		fprintf(f, "</table>\n<p>Some figures are estimated (HyperLogLog, relative "
			   "standard error 1.6 %% of the estimated part).</p>\n");
	else
		fprintf(f, "</table>\n");
	fprintf(f, "<h2>Campaigns</h2>\n<table><tr><th>day</th><th>port</th><th>sources</th>"
		   "<th>baseline</th></tr>\n");
	for (j = 0; j < (int)c->ncamp; j++) {
		char d[16];

		dn_fmt_day(c->camp[j].day, d);
		fprintf(f, "<tr><td>%s</td><td>%u/%s</td><td>%.0f</td><td>%.1f</td></tr>\n", d,
			c->camp[j].port, dn_proto_name(c->camp[j].proto), c->camp[j].sources,
			c->camp[j].baseline);
	}
	fprintf(f, "</table>\n<p>Figures: darknet.json, darknet.csv. Charts: packets.svg, "
		   "sources.svg, ports.svg, countries.svg.</p>\n</body></html>\n");
	fclose(f);
	rc = put_file(dir, "index.html", buf, len, err);
	goto out;
oom:
	rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
out:
	free(buf);
	for (j = 0; j < 4; j++)
		free(ch[j].svg);
	return rc;
}
