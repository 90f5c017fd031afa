/*
 * jsonscan.h -- a streaming pass over a JSON document that hands chosen values to the
 * caller one at a time, each parsed by jansson, each with its line and offset.
 *
 * Threat-intel exchange files are JSON documents whose interesting part is one long
 * array: a STIX 2.1 bundle's "objects", a MISP event's "Attribute". Loading the whole
 * document as one jansson tree costs memory in proportion to the file (a 1 M-indicator
 * bundle is hundreds of megabytes) and loses where each element was. This scanner walks
 * the document's structure byte by byte instead -- strings, brackets, separators, keys
 * -- keeping only the path from the root to where it is (keys and array indexes). At the
 * start of every value it asks the caller, through want(), whether that value is one it
 * wants; a wanted value's bytes are copied (at most value_max of them) and parsed with
 * json_loadb on their own, so memory is O(value_max + depth) whatever the document.
 *
 * The structure outside wanted values is checked only as far as walking it needs
 * (balanced brackets, terminated strings, ':' and ',' in their places); a wanted value
 * is checked fully by jansson. A wanted value that jansson rejects or that is longer
 * than value_max is handed to on_value with json NULL and the reason, and the scan goes
 * on after it: one bad element of a million does not lose the others. A break in the
 * structure itself (a missing bracket, the document cut short) ends the scan with
 * ISR_EFORMAT and the line and offset of the byte where it broke.
 *
 * Several documents one after the other (JSON lines, concatenated exports) are read in
 * turn; each starts again at the root path. A UTF-8 byte-order mark at the start is
 * skipped.
 *
 * Bounds: nesting deeper than JS_DEPTH_MAX is a structural error (the walk recurses, one
 * frame per level); keys are kept up to JS_KEY_MAX bytes (longer keys are kept cut and
 * marked, and match no name the caller looks for).
 */
#ifndef ISP_CORE_JSONSCAN_H
#define ISP_CORE_JSONSCAN_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/base/linereader.h"

#define JS_DEPTH_MAX 128
#define JS_KEY_MAX   63

/* One step of the path: a member of an object (key) or an element of an array. */
struct js_step {
	int is_index;		  /* 1: array element `index`; 0: object member `key` */
	long index;		  /* 0-based */
	char key[JS_KEY_MAX + 1]; /* raw bytes between the quotes (escapes not decoded) */
	int key_cut;		  /* 1 when the key was longer than JS_KEY_MAX */
};

/* Where the scan is: step[0] is the root value's member or element, ... */
struct js_path {
	int depth; /* steps in use; 0 = a top-level value */
	struct js_step step[JS_DEPTH_MAX];
};

/* 1 when step i of p is the object member named key (exact, case-sensitive). */
int js_path_key(const struct js_path *p, int i, const char *key);

/* Called at the start of each value (path p): 1 to have it copied and parsed, else 0.
 * Values inside a wanted value are not asked about. */
typedef int (*js_want_fn)(void *ud, const struct js_path *p);

/*
 * Called with each wanted value: json (owned by the scanner, freed after the call;
 * json_incref to keep it) or NULL with bad saying why (too long, invalid JSON); line
 * (1-based) and off (bytes) of its first byte. A non-zero return stops the scan, which
 * returns that value.
 */
typedef int (*js_value_fn)(void *ud, const struct js_path *p, json_t *json, const char *bad,
			   long line, long long off);

struct js_stats {
	long lines;	 /* lines in the bytes read */
	long documents;	 /* top-level values read */
	long long bytes; /* bytes read */
};

/*
 * Scan the rest of lr (which must not have been read with lr_next) to its end. value_max
 * (>= 64) bounds a wanted value's size. Returns 0 at the end of the input, the
 * callback's non-zero value, ISR_EFORMAT with err->line/offset at a structural error,
 * ISR_ENOMEM or ISR_EIO. st may be NULL; it is filled in whatever the result.
 */
int js_scan(struct lr *lr, size_t value_max, js_want_fn want, js_value_fn on_value, void *ud,
	    struct js_stats *st, struct isp_err *err);

/*
 * A reader's own parse of a wanted value, tried before jansson's: called with the value's
 * bytes buf[0..len) (only when within value_max). Set *handled to 1 when it took the
 * value (on_value is then not called), leave it 0 to have jansson parse it as usual. A
 * non-zero return stops the scan, which returns that value. For a fast path over the
 * common shape of an element that falls back to jansson for everything else.
 */
typedef int (*js_raw_fn)(void *ud, const struct js_path *p, const char *buf, size_t len, long line,
			 long long off, int *handled);

/* js_scan with a raw hook (NULL: js_scan). */
int js_scan_ex(struct lr *lr, size_t value_max, js_want_fn want, js_raw_fn raw,
	       js_value_fn on_value, void *ud, struct js_stats *st, struct isp_err *err);

#endif
