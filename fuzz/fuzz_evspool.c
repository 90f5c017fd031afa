/*
 * fuzz_evspool.c -- libFuzzer target for the block-event spool reader (core/events/evspool.h).
 *
 * The input is a whole spool file (header and records), put in a memory file and opened
 * with evspool_open like a spool left by a previous run; then read to the end in batches
 * of a size taken from the first byte, consuming each batch as the writer does after a
 * store commit. Checks: every event's strings are within their bounds and terminated,
 * every rejection carries an offset inside the file, reading always moves forward and
 * ends, and the spool is empty (truncated to its header) afterwards. Seeds:
 * fuzz/corpus/evspool/ (spools written by evspool_append, one torn, one with a bad
 * checksum).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/events/evspool.h"
#include "fuzz_file.h"
#include "core/store/store_blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t size;
	long rejects;
	size_t sum;
};

static void on_reject(void *ud, const struct isp_err *e)
{
	struct seen *s = ud;

	s->rejects++;
	if (e->offset < 0 || (size_t)e->offset > s->size || e->msg[0] == '\0')
		abort();
	s->sum += strlen(e->msg);
}

static struct evspool_event out[EVSPOOL_BATCH];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evspool *sp = NULL;
	struct isp_err err;
	struct seen s = { size, 0, 0 };
	char path[64];
	size_t batch, n, k;
	uint64_t next, from;
	int fd, rounds = 0;

	if (size < 1)
		return 0;
	batch = (size_t)data[0] % 64 + 1;
	fd = fuzz_file(data, size, path);
	if (fd < 0)
		return 0;
	isp_err_clear(&err);
	if (evspool_open(path, 1 << 20, on_reject, &s, &sp, &err) != 0) {
		close(fd);
		return 0;
	}
	do {
		from = sp->done;
		if (evspool_read(sp, out, batch, &n, &next, &err) != 0)
			abort();
		if (n > batch || next < from || (evspool_pending(sp) && next <= from))
			abort();
		for (k = 0; k < n; k++) {
			const struct store_block_event *e = &out[k].ev;

			if (strlen(e->client) > EVSPOOL_CLIENT_MAX ||
			    strlen(e->qname) > EVSPOOL_NAME_MAX ||
			    strlen(e->list) > EVSPOOL_LIST_MAX ||
			    strlen(e->entry) > EVSPOOL_NAME_MAX ||
			    strlen(e->reason) > EVSPOOL_REASON_MAX)
				abort();
			s.sum += (size_t)e->time_ms + e->port + e->qtype;
		}
		if (evspool_consume(sp, next, &err) != 0)
			abort();
		if (++rounds > 1 << 20)
			abort(); /* the reader must always move on */
	} while (n > 0 || evspool_pending(sp));
	if (evspool_pending(sp))
		abort();
	evspool_close(sp);
	close(fd);
	return 0;
}
