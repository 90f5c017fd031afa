/*
 * render.c -- notices from templates (render.h).
 *
 * Everything is built in one growable buffer: the body first (frame with the sections
 * substituted in), then the headers around it. Templates come from the override folder
 * when it has the file, else from the table built into the binary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/mime.h"
#include "core/base/strbuf.h"
#include "notify/embedded.h"
#include "notify/render.h"
#include "core/store/store.h"

#define TEMPLATE_MAX ((size_t)256 * 1024)

/* A template: from the override folder if it has the file, else built in. */
struct tmpl {
	char name[64];
	char *owned; /* read from the folder */
	const char *text;
};

static int tmpl_load(const char *folder, const char *name, struct tmpl *t, struct isp_err *err)
{
	const struct embedded_file *e;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (folder && *folder) {
		char path[4200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", folder, name);
		f = fopen(path, "rb");
		if (f) {
			size_t n;

			t->owned = malloc(TEMPLATE_MAX + 1);
			if (!t->owned) {
				fclose(f);
				return isp_err_set(err, ISR_ENOMEM, "out of memory");
			}
			n = fread(t->owned, 1, TEMPLATE_MAX + 1, f);
			fclose(f);
			if (n > TEMPLATE_MAX) {
				free(t->owned);
				t->owned = NULL;
				return isp_err_set(err, ISR_ELIMIT,
						   "%s: template larger than %zu bytes", path,
						   TEMPLATE_MAX);
			}
			t->owned[n] = '\0';
			t->text = t->owned;
			return 0;
		}
		if (errno != ENOENT)
			return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	}
	for (e = embedded_files; e->name; e++) {
		if (strcmp(e->name, name) == 0) {
			t->text = e->data;
			return 0;
		}
	}
	return isp_err_set(err, ISR_ENOTFOUND, "no template %s (built in or in '%s')", name,
			   folder ? folder : "");
}

/* Append text with {{name}} replaced by vars; an unknown name is an error. */
static int expand(struct strbuf *b, const struct tmpl *t, const char *text,
		  const struct render_var *vars, size_t nvars, struct isp_err *err)
{
	const char *p = text, *open, *close;
	size_t i;

	while ((open = strstr(p, "{{")) != NULL) {
		strbuf_add(b, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close)
			return isp_err_set(err, ISR_EFORMAT, "template %s: '{{' without '}}'",
					   t->name);
		for (i = 0; i < nvars; i++) {
			if (strlen(vars[i].name) == (size_t)(close - open - 2) &&
			    memcmp(vars[i].name, open + 2, (size_t)(close - open - 2)) == 0)
				break;
		}
		if (i == nvars)
			return isp_err_set(err, ISR_EFORMAT,
					   "template %s: unknown placeholder {{%.*s}}", t->name,
					   (int)(close - open - 2 > 40 ? 40 : close - open - 2),
					   open + 2);
		strbuf_str(b, vars[i].value ? vars[i].value : "");
		p = close + 2;
	}
	strbuf_str(b, p);
	return 0;
}

/* Unix time t for a notice in lang: UTC for English, Japan Standard Time (UTC+9, no
 * daylight saving) for Japanese; the templates name the zone. */
static const char *when(const char *lang, int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t + (strcmp(lang, "ja") == 0 ? 9 * 3600 : 0);

	if (!gmtime_r(&tt, &tm))
		snprintf(out, 32, "%lld", (long long)t);
	else
		strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

/* An event's detail as a subscriber reads it. The details of ingested blocks are the
 * store's words ("name NAME (REASON)", "url URL"; store_ingest_block_events): the
 * subscriber reads the name or the URL alone, not our internal reason words. Other
 * details (a partner's evidence) as they are. */
static void subscriber_detail(struct strbuf *b, const char *d)
{
	size_t n;

	if (strncmp(d, "name ", 5) == 0) {
		d += 5;
		n = strcspn(d, " ");
	} else if (strncmp(d, "url ", 4) == 0) {
		d += 4;
		n = strlen(d);
	} else {
		n = strlen(d);
	}
	strbuf_fmt(b, "  (%.*s)", (int)n, d);
}

static int render_section(const struct render_ctx *c, const char *lang,
			  const struct render_section *s, struct strbuf *body, struct isp_err *err)
{
	struct strbuf lines = { 0 };
	char name[64], count[32], times[40], first[32], last[32];
	struct tmpl t;
	size_t i;
	int rc;

	for (i = 0; i < s->n && i < RENDER_MAX_LINES; i++) {
		const struct render_event *e = &s->ev[i];
		char at[32];

		strbuf_fmt(&lines, "  - %s  %s", when(lang, e->time, at), e->ip);
		if (e->port)
			strbuf_fmt(&lines, " port %u", (unsigned)e->port);
		if (e->family && *e->family)
			strbuf_fmt(&lines, "  %s", e->family);
		if (e->detail && *e->detail)
			subscriber_detail(&lines, e->detail);
		strbuf_str(&lines, "\n");
	}
	if (s->n > RENDER_MAX_LINES)
		strbuf_fmt(&lines,
			   strcmp(lang, "en") == 0 ? "  ... and %zu more\n" : "  ほか %zu 件\n",
			   s->n - RENDER_MAX_LINES);
	if (lines.len && lines.p[lines.len - 1] == '\n')
		lines.p[--lines.len] = '\0';
	snprintf(count, sizeof(count), "%zu", s->n);
	/* English counts the events in words that agree with the number ("1 time") */
	snprintf(times, sizeof(times), "%zu time%s", s->n, s->n == 1 ? "" : "s");
	when(lang, s->n ? s->ev[0].time : 0, first);
	when(lang, s->n ? s->ev[s->n - 1].time : 0, last);
	snprintf(name, sizeof(name), "%s.%s.txt", cause_name(s->cause) ? cause_name(s->cause) : "?",
		 lang);
	rc = tmpl_load(c->templates, name, &t, err);
	if (rc == 0) {
		const struct render_var vars[] = {
			{ "count", count },
			{ "times", times },
			{ "first", first },
			{ "last", last },
			{ "events", lines.p ? lines.p : "" },
		};

		rc = expand(body, &t, t.text, vars, sizeof(vars) / sizeof(vars[0]), err);
		if (rc == 0 && (body->len == 0 || body->p[body->len - 1] != '\n'))
			strbuf_str(body, "\n");
		strbuf_str(body, "\n");
	}
	free(t.owned);
	free(lines.p);
	if (rc == 0 && (lines.oom || body->oom))
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	return rc;
}

int render_mail(const struct render_ctx *c, const char *name, const struct render_var *vars,
		size_t nvars, const char *email, const char *key, const char *store_id,
		int64_t date_, char **out, size_t *len, struct isp_err *err)
{
	struct strbuf body = { 0 }, msg = { 0 };
	char date[64], *subject, *nl;
	struct tmpl frame;
	struct tm tm;
	time_t tt = (time_t)date_;
	int rc;

	*out = NULL;
	*len = 0;
	rc = tmpl_load(c->templates, name, &frame, err);
	if (rc == 0)
		rc = expand(&body, &frame, frame.text, vars, nvars, err);
	if (rc)
		goto out;
	if (!body.p || strncmp(body.p, "Subject:", 8) != 0 || !strchr(body.p, '\n')) {
		isp_err_set(err, ISR_EFORMAT, "template %s: the first line must be 'Subject: ...'",
			    frame.name);
		rc = ISR_EFORMAT;
		goto out;
	}
	subject = body.p + 8;
	while (*subject == ' ')
		subject++;
	nl = strchr(subject, '\n');
	*nl = '\0';
	if (nl > subject && nl[-1] == '\r')
		nl[-1] = '\0';

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strbuf_str(&msg, "From: ");
	mime_header_value(&msg, c->isp_name);
	strbuf_fmt(&msg, " <%s>\r\nTo: <%s>\r\nSubject: ", c->from, email);
	mime_header_value(&msg, subject);
	strbuf_fmt(&msg, "\r\nDate: %s\r\nMessage-ID: <%s%s%s@%s>\r\n", date, key,
		   store_id ? "." : "", store_id ? store_id : "",
		   strchr(c->from, '@') ? strchr(c->from, '@') + 1 : "ispshield.invalid");
	strbuf_fmt(&msg,
		   "X-Ispshield-Reference: %s\r\nMIME-Version: 1.0\r\n"
		   "Content-Type: text/plain; charset=UTF-8\r\n",
		   key);
	mime_body(&msg, nl + 1, strlen(nl + 1));
	if (msg.oom) {
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
		goto out;
	}
	*out = msg.p;
	*len = msg.len;
	msg.p = NULL;
out:
	free(frame.owned);
	free(body.p);
	free(msg.p);
	return rc;
}

int render_notice(const struct render_ctx *c, const struct render_notice *n, char **out,
		  size_t *len, struct isp_err *err)
{
	const char *lang = n->language && strcmp(n->language, "en") == 0 ? "en" : "ja";
	struct strbuf sections = { 0 };
	char name[32];
	size_t i;
	int rc = 0;

	*out = NULL;
	*len = 0;
	for (i = 0; i < n->nsec && rc == 0; i++)
		rc = render_section(c, lang, &n->sec[i], &sections, err);
	if (rc == 0 && sections.oom)
		rc = isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc == 0) {
		const struct render_var vars[] = {
			{ "subscriber", n->subscriber },
			{ "isp_name", c->isp_name },
			{ "contact", c->contact },
			{ "opt_out_info",
			  strcmp(lang, "ja") == 0 && c->opt_out_info_ja && c->opt_out_info_ja[0]
				  ? c->opt_out_info_ja
				  : c->opt_out_info },
			{ "reference", n->key },
			{ "sections", sections.p ? sections.p : "" },
		};

		snprintf(name, sizeof(name), "frame.%s.txt", lang);
		rc = render_mail(c, name, vars, sizeof(vars) / sizeof(vars[0]), n->email, n->key,
				 n->store_id, n->date, out, len, err);
	}
	free(sections.p);
	return rc;
}
