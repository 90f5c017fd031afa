/*
 * aw_int.h -- what the files of src/authwatch share (not for callers of authwatch.h):
 * the split syslog header and the per-program readers behind aw_parse_line.
 */
#ifndef ISP_AUTHWATCH_AW_INT_H
#define ISP_AUTHWATCH_AW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "authwatch/authwatch.h"

#define AW_LINE_MAX 8192 /* longer lines are refused by aw_parse_line */

/* A syslog line split in place: pointers into the caller's (modified) buffer. */
struct aw_syslog {
	int64_t time;
	char *host, *prog, *msg; /* prog without "[pid]"; msg after "prog[pid]: " */
};

/* Split line (NUL-terminated, modified) into *h. 0, or -1 when it has no header. */
int aw_syslog_split(char *line, struct aw_clock *clk, struct aw_syslog *h);

/* Copy s[0..n) into dst (size bytes, truncated, always NUL-terminated). */
void aw_copy(char *dst, size_t size, const char *s, size_t n);
/* Set r->source to s[0..n) and r->src when it is a host address. */
void aw_set_source(struct aw_rec *r, const char *s, size_t n);
/* "imap-login" -> AWS_IMAP, "smtp" -> AWS_SMTP, ... */
enum aw_service aw_service_parse(const char *s);

/* The readers (parse_fmt.c). Same return as aw_parse_line; line is NUL-terminated. */
int aw_parse_radius_file(char *line, struct aw_clock *clk, struct aw_rec *out, struct isp_err *err);
int aw_parse_radius_msg(const char *msg, struct aw_rec *out, struct isp_err *err);
int aw_parse_postfix(const struct aw_syslog *h, struct aw_rec *out, struct isp_err *err);
int aw_parse_dovecot(const struct aw_syslog *h, struct aw_rec *out, struct isp_err *err);

/* Format unix time t as "2026-11-22T10:40:31Z" (UTC) into buf (run.c). */
void aw_iso_time(int64_t t, char buf[32]);

#endif
