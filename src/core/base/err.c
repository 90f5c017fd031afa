/*
 * err.c -- formatting of struct isp_err. See err.h.
 */
#include "core/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void isp_err_clear(struct isp_err *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->offset = -1;
}

__attribute__((format(printf, 3, 0))) static void vset(struct isp_err *e, int code, const char *fmt,
						       va_list ap)
{
	char msg[sizeof(e->msg)];

	/* Through a copy: callers may pass e->msg itself as an argument (to re-locate an
	 * error at FILE:LINE), and vsnprintf must not read what it writes. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	e->code = code;
	memcpy(e->msg, msg, sizeof(msg));
}

int isp_err_set(struct isp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int isp_err_at(struct isp_err *e, int code, const char *file, long line, long long offset,
	       const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->file = file;
	e->line = line;
	e->offset = offset;
	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void isp_vreject(isp_reject_fn fn, void *ud, const char *file, long line, long long offset,
		 const char *fmt, va_list ap)
{
	struct isp_err e;

	if (!fn)
		return;
	isp_err_clear(&e);
	e.file = file;
	e.line = line;
	e.offset = offset;
	vset(&e, ISR_EFORMAT, fmt, ap);
	fn(ud, &e);
}

char *isp_err_str(const struct isp_err *e, char *buf, size_t size)
{
	if (!e || size == 0) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	if (e->file && e->line > 0)
		snprintf(buf, size, "%s:%ld: %s", e->file, e->line, e->msg);
	else if (e->file && e->offset >= 0)
		snprintf(buf, size, "%s: offset %lld: %s", e->file, e->offset, e->msg);
	else if (e->file)
		snprintf(buf, size, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, size, "%s", e->msg[0] ? e->msg : isr_name(e->code));
	return buf;
}

const char *isr_name(int code)
{
	switch (code) {
	case ISR_OK: return "ok";
	case ISR_EINVAL: return "invalid input";
	case ISR_ENOMEM: return "out of memory";
	case ISR_EIO: return "I/O error";
	case ISR_EFORMAT: return "bad format";
	case ISR_ENOTFOUND: return "not found";
	case ISR_ECORRUPT: return "corrupt data";
	case ISR_ESTORE: return "store error";
	case ISR_ELIMIT: return "limit exceeded";
	case ISR_EEXIST: return "exists already";
	}
	return "unknown error";
}
