/*
 * embedded.h -- files built into the binary (the notice templates of etc/notify), so
 * that a notice can be rendered with no installed data files at all. The table is
 * generated at build time by cmake/embed.cmake and ends with a NULL name.
 */
#ifndef ISP_NOTIFY_EMBEDDED_H
#define ISP_NOTIFY_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* file name without folder, e.g. "cc.ja.txt" */
	const char *data; /* contents, NUL-terminated */
	size_t len;	  /* bytes, without the NUL */
};

extern const struct embedded_file embedded_files[];

#endif
