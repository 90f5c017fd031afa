/*
 * xarf.h -- X-ARF v4 abuse reports out: the one renderer that `notify returned`, `relay
 * split` and `sites notify` share (`--format xarf` / `--out-format xarf`).
 *
 * The report is the JSON object of the X-ARF v4 specification (github.com/xarf/xarf-spec,
 * schemas/v4/xarf-core.json and the type schemas; a copy validates our output in
 * tests/data/xarf/): xarf_version, report_id, timestamp, reporter, sender,
 * source_identifier (+ source_port), category and type, evidence_source, evidence, tags,
 * description, and the fields the type requires. Each cause (cause.h) maps to one
 * category/type:
 *
 *   cc                 infrastructure/botnet     compromise_evidence, malware_family
 *   malware-site       content/malware           url (the listed URL; without one the
 *                                                event is a visit: reputation/
 *                                                threat_intelligence)
 *   open-resolver      vulnerability/open_service  service "dns"
 *   open-proxy         vulnerability/open_service  service "proxy"
 *   vulnerable-router  vulnerability/misconfiguration  service "router-admin"
 *   credential-abuse   connection/login_attack   protocol tcp, first_seen (needs the
 *                                                source port; without one:
 *                                                reputation/threat_intelligence)
 *   none               reputation/threat_intelligence  threat_type "unknown"
 *
 * The report id is a name-based UUID of what the report says (sha256_uuid), so the same
 * row always gives the same report (a resend is recognisable). One incident, one report,
 * as the specification asks.
 *
 * The mail (X-ARF v4 leaves the transport open; we follow RFC 6522 as ARF does):
 *   multipart/report; report-type=xarf
 *     1. the human-readable text (text/plain, UTF-8)
 *     2. application/json, attachment xarf.json: the report
 * with "X-XARF: PLAIN" in the header as earlier X-ARF versions mark such mail. The
 * boundary is derived from the content (a hash), so it cannot occur in it.
 * xarf_mail_wrap turns a message that notify/render.c made (sites notices) into that
 * form; xarf_mail builds one from scratch; xarf_mbox_add appends a message to an mbox
 * (mboxrd quoting), the form `notify returned` and `relay split` write.
 */
#ifndef ISP_CORE_XARF_H
#define ISP_CORE_XARF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/err.h"
#include "core/events/cause.h"

#define XARF_VERSION	     "4.0.0"
#define XARF_MAX_EVIDENCE    65536 /* bytes of evidence kept per report (the rest cut) */
#define XARF_MAX_DESCRIPTION 1000  /* the schema's maxLength */

/* Who reports (and sends): the operator, from notify.isp-name, notify.contact and the
 * domain of notify.from (xarf_party_from). */
struct xarf_party {
	const char *org;     /* organisation name */
	const char *contact; /* e-mail address */
	char domain[256];    /* the organisation's domain */
};

/* Fill p from the notify.* settings: org isp_name, contact, domain from after the '@' of
 * from (or of contact; "invalid" when neither has one). p keeps the two pointers. */
void xarf_party_from(struct xarf_party *p, const char *isp_name, const char *contact,
		     const char *from);

/* One incident as the callers know it. Strings may be NULL or "" (absent). */
struct xarf_event {
	int64_t time;		 /* when it happened (unix seconds) */
	int64_t first_seen;	 /* 0: time */
	int64_t last_seen;	 /* 0: time */
	const char *source;	 /* the address or domain the report is about (required) */
	uint16_t port;		 /* its source port, 0 unknown */
	enum cause cause;	 /* what it did */
	const char *url;	 /* content reports: the URL */
	const char *family;	 /* malware family */
	const char *reference;	 /* the sender's id or URL of the row */
	const char *detail;	 /* "key=value; ..." evidence */
	const char *description; /* human text (cut at XARF_MAX_DESCRIPTION) */
	const char *tag;	 /* one more tag "namespace:predicate" (e.g. "status:returned") */
	const char *ev_type;	 /* the evidence's MIME type (e.g. "text/csv") */
	const char *ev_desc;	 /* its description */
	const char *evidence;	 /* the evidence text (e.g. the CSV header and row); NULL none */
};

/*
 * The report of e by me (reporter and sender) as JSON text: *out malloc'd, NUL-terminated.
 * Returns 0, ISR_EINVAL (no source) or ISR_ENOMEM, with err set.
 */
int xarf_report(const struct xarf_party *me, const struct xarf_event *e, char **out,
		struct isp_err *err);

/*
 * Turn msg[0..len) (an RFC 5322 message with a single text part, CRLF line ends, as
 * render_mail makes) into the multipart/report above with json as the report part: the
 * header fields stay, its Content-Type and Content-Transfer-Encoding move to part 1.
 * *out malloc'd, *outlen its length. Returns 0, ISR_EFORMAT (no header/body split) or
 * ISR_ENOMEM, with err set.
 */
int xarf_mail_wrap(const char *msg, size_t len, const char *json, char **out, size_t *outlen,
		   struct isp_err *err);

/* A whole message. from_name may be NULL; to NULL: "undisclosed-recipients:;". */
struct xarf_mail {
	const char *from_name, *from, *to, *subject;
	const char *message_id; /* without <>; NULL: REPORT-ID@DOMAIN-OF-FROM */
	int64_t date;		/* unix seconds */
	const char *text;	/* the human-readable part */
};

/* The message m with the report json (of report id id, for the Message-ID). Same returns
 * as xarf_mail_wrap. */
int xarf_mail(const struct xarf_mail *m, const char *json, char **out, size_t *outlen,
	      struct isp_err *err);

/*
 * Append msg[0..len) to the mbox f (mboxrd: a "From " line with sender and date, lines
 * starting with ">*From " get one more '>', LF line ends, a blank line after). Returns 0
 * or ISR_EIO.
 */
int xarf_mbox_add(FILE *f, const char *sender, int64_t date, const char *msg, size_t len,
		  struct isp_err *err);

/*
 * The three steps in one, for the callers that write one mail per row (notify returned,
 * relay split): the report of e, a mail from me to `to` with subject and text, appended
 * to f. Returns 0 or an ISR code with err set.
 */
int xarf_mbox_event(FILE *f, const struct xarf_party *me, const char *to, const char *subject,
		    const char *text, int64_t now, const struct xarf_event *e, struct isp_err *err);

#endif
