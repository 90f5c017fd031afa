/*
 * render.h -- a notice as an e-mail message, from templates.
 *
 * Templates are plain UTF-8 text with {{name}} placeholders: frame.LANG.txt is the
 * message (its first line "Subject: ..." is the subject) and CAUSE.LANG.txt is the
 * section for one cause (cause.h names). A folder given in notify.templates overrides
 * any of the built-in files (etc/notify in the source tree, built into the binary).
 *
 *   frame:   {{subscriber}} {{isp_name}} {{contact}} {{opt_out_info}} {{reference}}
 *            {{sections}} (the cause sections, each followed by a blank line)
 *   section: {{count}} {{first}} {{last}} {{events}} (one line per event, at most
 *            RENDER_MAX_LINES, then a line saying how many more)
 *
 * An unknown placeholder or a missing template is an error naming the file, so a typo in
 * an operator's template stops `notify run` before anything is sent.
 *
 * The message: From, To, Subject (RFC 2047 encoded when not ASCII), Date, Message-ID
 * derived from the notice's idempotency key and the store's id (the same notice always
 * has the same Message-ID, so a receiver can recognise a copy; two stores' notices never
 * share one), MIME-Version, Content-Type text/plain
 * UTF-8, and the body as 7bit when it is ASCII, else base64. Lines end in CRLF.
 */
#ifndef ISP_NOTIFY_RENDER_H
#define ISP_NOTIFY_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/events/cause.h"
#include "core/base/err.h"

#define RENDER_MAX_LINES 20

struct render_event {
	int64_t time;
	const char *ip;
	uint16_t port;
	const char *family; /* may be NULL or "" */
	const char *detail; /* may be NULL or "" */
};

struct render_section {
	enum cause cause;
	const struct render_event *ev; /* oldest first */
	size_t n;
};

struct render_ctx {
	const char *templates; /* override folder, "" = built-in only */
	const char *isp_name, *contact, *opt_out_info, *from;
	const char *opt_out_info_ja; /* the Japanese notices' (NULL or "": opt_out_info) */
};

struct render_notice {
	const char *language; /* "ja" or "en" (anything else: "ja") */
	const char *subscriber, *email;
	const char *key; /* idempotency key: Message-ID and reference */
	int64_t date;	 /* unix seconds */
	const struct render_section *sec;
	size_t nsec;
	/* the store's id (store_instance_id): the Message-ID is <KEY.STORE_ID@DOMAIN-OF-FROM>,
	 * unique across stores; NULL: <KEY@DOMAIN>. The reference shown is KEY alone. */
	const char *store_id;
};

/* A {{name}} of a template and its value (NULL: empty). */
struct render_var {
	const char *name;
	const char *value;
};

/*
 * The one message builder: template name (e.g. "frame.ja.txt", "sites-notice.en.txt";
 * override folder first, then built in) expanded with vars[0..nvars), its first line the
 * Subject, as a message to email with the headers described above (key and store_id make
 * the Message-ID). *out malloc'd and NUL-terminated, *len its length. Other components'
 * notices (sites) come through here, so that every message is built one way.
 */
int render_mail(const struct render_ctx *c, const char *name, const struct render_var *vars,
		size_t nvars, const char *email, const char *key, const char *store_id,
		int64_t date, char **out, size_t *len, struct isp_err *err);

/* Render the whole message into a malloc'd buffer (*out, *len; NUL-terminated). */
int render_notice(const struct render_ctx *c, const struct render_notice *n, char **out,
		  size_t *len, struct isp_err *err);

#endif
