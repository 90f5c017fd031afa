/*
 * fuzz_tlsrec.c -- libFuzzer target for the reading side of the TLS 1.3 record layer
 * (src/dns/tlsrec.h): what a client can send once OpenSSL's handshake is over.
 *
 * The input is a script. Its first byte picks the suite (of three) and its last byte the
 * size of the pieces the stream arrives in (1 to 256 bytes). Between them, chunks of
 * [op][length, 2 bytes][bytes]: op 0 puts the bytes into the stream raw (forged records,
 * torn headers); op 255 seals them as data after a KeyUpdate (the client's key changes,
 * as a real client's would) into a buffer whose size the length's low bits give (what
 * does not fit is left out: tlsrec_seal must stay inside it and seal whole records); any other op seals them as one record of content type
 * (op - 1) % 32 followed by ((op - 1) / 32) * 31 zeros of padding, with the client's key,
 * so that the fuzzer reaches what lies behind the tag: content types, alerts, handshake
 * messages, padding, bounds.
 *
 * The stream is read as tls.c reads it, a piece at a time, and again whole. Each result
 * must be one tlsrec.h documents; a record taken must lie within the bytes given and its
 * plaintext within the record, at most 2^14; TLSREC_MORE only while the record is not all
 * there; nothing is opened after an error or close_notify; and both readings must give
 * the same plaintext and end the same way. Any disagreement aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/tlsrec.h"

#include "fuzz_check.h"

#define STREAM_MAX (4 * TLSREC_MAX_RECORD)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned suites[] = { 0x1301, 0x1302, 0x1303 };

static void keys(unsigned suite, struct tlsrec *client, struct tlsrec *server)
{
	uint8_t a[48], b[48];
	size_t len = suite == 0x1302 ? 48 : 32, i;

	for (i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(0x5a ^ i);
		b[i] = (uint8_t)(0xa5 + i);
	}
	CHECK(tlsrec_init(client, suite, a, b, len, 0, 0) == 0);
	CHECK(tlsrec_init(server, suite, b, a, len, 0, 0) == 0);
}

/* Read stream[0..n) with t, in pieces of step bytes; the plaintext into pt (its length
 * in *ptn); returns how it ended: TLSREC_MORE (all read), TLSREC_CLOSED or an error. */
static int read_all(struct tlsrec *t, uint8_t *stream, size_t n, size_t step, uint8_t *pt,
		    size_t *ptn)
{
	size_t off = 0, avail = 0;

	*ptn = 0;
	for (;;) {
		uint8_t *p = NULL;
		size_t used = 0, plen = 0, left = avail - off;
		int rc = tlsrec_open(t, stream + off, left, &used, &p, &plen);

		CHECK(rc == TLSREC_MORE || rc == TLSREC_DATA || rc == TLSREC_CLOSED ||
		      rc == TLSREC_EPROTO || rc == TLSREC_EOVERFLOW || rc == TLSREC_EMAC);
		if (rc == TLSREC_MORE) {
			CHECK(left < TLSREC_HDR ||
			      left < TLSREC_HDR + ((size_t)stream[off + 3] << 8 | stream[off + 4]));
			if (avail == n)
				return TLSREC_MORE; /* the stream ends inside a record */
			avail = avail + step < n ? avail + step : n;
			continue;
		}
		if (rc < 0)
			return rc;
		CHECK(used >= TLSREC_HDR + 1 + TLSREC_TAG && used <= left);
		CHECK(used <= TLSREC_MAX_RECORD);
		if (rc == TLSREC_CLOSED)
			return rc;
		CHECK(plen <= TLSREC_MAX_PLAIN);
		CHECK(plen == 0 || (p >= stream + off + TLSREC_HDR &&
				    p + plen <= stream + off + used - TLSREC_TAG - 1));
		memcpy(pt + *ptn, p, plen);
		*ptn += plen;
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t stream[STREAM_MAX], copy[STREAM_MAX], pt1[STREAM_MAX], pt2[STREAM_MAX];
	struct tlsrec client, t1, t2;
	size_t i = 1, n = 0, step, n1, n2;
	unsigned suite;
	int r1, r2;

	if (size < 2)
		return 0;
	suite = suites[data[0] % 3];
	step = (size_t)data[size - 1] + 1;
	{
		struct tlsrec other;

		keys(suite, &other, &t2); /* a second reader with the same keys */
		tlsrec_clear(&other);
	}
	keys(suite, &client, &t1);
	while (i + 3 <= size - 1) {
		uint8_t op = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
		long w;

		i += 3;
		if (len > size - 1 - i)
			len = size - 1 - i;
		if (op == 0) {
			if (n + len > STREAM_MAX)
				break;
			memcpy(stream + n, data + i, len);
			n += len;
		} else if (op == 255) {
			/* sealed into a buffer of exactly cap bytes (ASan sees a byte past it),
			 * cap from the length's low bits: often too small for all of it */
			size_t taken, cap = TLSREC_OVERHEAD + (len & 0x0fff) * 3;
			uint8_t *out;

			if (cap > STREAM_MAX - n)
				cap = STREAM_MAX - n;
			out = malloc(cap > 0 ? cap : 1);
			if (!out)
				break;
			client.update_owed = 1;
			w = tlsrec_seal(&client, data + i, len, out, cap, &taken);
			CHECK(w >= 0 && (size_t)w <= cap && taken <= len);
			CHECK(taken == len ||
			      (size_t)w + TLSREC_OVERHEAD + TLSREC_KU_RECORD > cap ||
			      taken % TLSREC_MAX_PLAIN == 0);
			memcpy(stream + n, out, (size_t)w);
			free(out);
			n += (size_t)w;
		} else {
			size_t pad = (size_t)((op - 1) / 32) * 31;

			if (len > TLSREC_MAX_PLAIN + 1 ||
			    n + len + pad + TLSREC_OVERHEAD > STREAM_MAX)
				break;
			w = tlsrec_seal_record(&client, (uint8_t)((op - 1) % 32), data + i, len,
					       pad, stream + n);
			CHECK(w > 0);
			n += (size_t)w;
		}
		i += len;
	}
	memcpy(copy, stream, n); /* opened in place: each reading has its own bytes */
	r1 = read_all(&t1, stream, n, step, pt1, &n1);
	r2 = read_all(&t2, copy, n, n > 0 ? n : 1, pt2, &n2);
	CHECK(r1 == r2);
	CHECK(n1 == n2 && memcmp(pt1, pt2, n1) == 0);
	tlsrec_clear(&client);
	tlsrec_clear(&t1);
	tlsrec_clear(&t2);
	return 0;
}
