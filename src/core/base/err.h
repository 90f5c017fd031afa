/*
 * err.h -- the one status type of ispshield.
 *
 * Every function that can fail returns int: 0 (ISR_OK) on success or a negative
 * ISR_E... code. Details go into a struct isp_err that the caller passes (it may be
 * NULL when the caller does not want them): a message, and where known the file,
 * line and byte offset of the input that caused the failure, so that a rejected
 * line is reported as "FILE:LINE: reason" the way compilers do.
 */
#ifndef ISP_CORE_ERR_H
#define ISP_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum isr {
	ISR_OK = 0,
	ISR_EINVAL = -1,    /* bad argument or malformed input */
	ISR_ENOMEM = -2,    /* allocation failed */
	ISR_EIO = -3,	    /* read/write/open failed (errno text in the message) */
	ISR_EFORMAT = -4,   /* input is not in the expected format */
	ISR_ENOTFOUND = -5, /* no such list, entry, file */
	ISR_ECORRUPT = -6,  /* checksum or structure check failed */
	ISR_ESTORE = -7,    /* the store (SQLite/PostgreSQL) reported an error */
	ISR_ELIMIT = -8,    /* a size limit was exceeded (line too long, name too long) */
	ISR_EEXIST = -9,    /* exists already with other properties (list of another kind) */
};

#define ISP_ERR_MSG 512

struct isp_err {
	int code;	       /* the ISR_E... code, 0 when unset */
	char msg[ISP_ERR_MSG]; /* human-readable reason, no trailing newline */
	const char *file;      /* input file name or NULL; not owned, must outlive the error */
	long line;	       /* 1-based input line, 0 when not applicable */
	long long offset;      /* byte offset in the input, -1 when not applicable */
};

/* Clear *e (no-op for NULL). */
void isp_err_clear(struct isp_err *e);

/*
 * Set code and printf-style message in *e (no-op for NULL; file/line/offset are left as
 * they are). Returns code, so that `return isp_err_set(err, ISR_EINVAL, "...")` reads well.
 */
int isp_err_set(struct isp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like isp_err_set, and also records the input position. */
int isp_err_at(struct isp_err *e, int code, const char *file, long line, long long offset,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* What every input reader calls for one rejected line or record: the reader goes on. */
typedef void (*isp_reject_fn)(void *ud, const struct isp_err *e);

/* Build a rejection (ISR_EFORMAT) at file/line/offset from fmt and pass it to fn; nothing
 * when fn is NULL. */
void isp_vreject(isp_reject_fn fn, void *ud, const char *file, long line, long long offset,
		 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/*
 * Format *e as "FILE:LINE: msg", "FILE: offset N: msg" or "msg" into buf (always
 * NUL-terminated). Returns buf.
 */
char *isp_err_str(const struct isp_err *e, char *buf, size_t size);

/* Short static name of an ISR code ("invalid input", ...). */
const char *isr_name(int code);

#endif
