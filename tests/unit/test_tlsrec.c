/*
 * test_tlsrec.c -- unit tests for the TLS 1.3 record layer (src/dns/tlsrec.h).
 *
 * Known answers first: RFC 8448 section 3's application traffic secrets give its keys
 * and IVs, and its two application data records (the client's, number 0; the server's,
 * number 1) open and seal byte for byte. Then a table of records a client may not send,
 * each made with the peer's keys so that only the rule under test refuses it. Then a
 * real OpenSSL 3 client on a socketpair: the server's handshake is OpenSSL's, its
 * records are handed over (tlsrec_watch, tlsrec_take), and the client must read what we
 * seal and we what it writes, through its KeyUpdate (we answer with ours), for each of
 * the three suites and for a resumed session (which sends a different number of tickets:
 * the write sequence number must follow). A TLS 1.2 connection must not be taken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testdata.h"
#include "dns/tlsrec.h"

/* RFC 8448 section 3 (simple 1-RTT handshake) */
#define C_AP "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
#define S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
#define PLAIN_0_31                                                                                 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"         \
	"28292a2b2c2d2e2f3031"
#define CLIENT_REC                                                                                 \
	"1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b"           \
	"395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"
#define SERVER_REC                                                                                 \
	"17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6"           \
	"dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d"

static void rfc8448_keys(void **state)
{
	static const struct {
		const char *secret, *key, *iv;
	} v[] = {
		{ C_AP, "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9" },
		{ S_AP, "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984" },
	};
	uint8_t sec[32], key[16], iv[12], want[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		testdata_unhex(v[i].secret, sec, sizeof(sec));
		assert_int_equal(tlsrec_traffic_keys(0x1301, sec, key, iv), 0);
		testdata_unhex(v[i].key, want, sizeof(want));
		assert_memory_equal(key, want, 16);
		testdata_unhex(v[i].iv, want, 12);
		assert_memory_equal(iv, want, 12);
	}
	assert_int_equal(tlsrec_traffic_keys(0x1304, sec, key, iv), -1); /* CCM: not ours */
}

static void rfc8448_records(void **state)
{
	uint8_t cs[32], ss[32], plain[50], rec[128], want[128], *pt;
	size_t n, k, used, ptlen, taken;
	struct tlsrec t;
	long len;

	(void)state;
	testdata_unhex(C_AP, cs, sizeof(cs));
	testdata_unhex(S_AP, ss, sizeof(ss));
	testdata_unhex(PLAIN_0_31, plain, sizeof(plain));
	/* the server's side: it reads the client's record 0 and writes its record 1 (its
	 * record 0 was the session ticket) */
	assert_int_equal(tlsrec_init(&t, 0x1301, cs, ss, 32, 0, 1), 0);
	n = testdata_unhex(CLIENT_REC, rec, sizeof(rec));
	for (k = 0; k < n; k++) /* every prefix: not yet */
		assert_int_equal(tlsrec_open(&t, rec, k, &used, &pt, &ptlen), TLSREC_MORE);
	assert_int_equal(tlsrec_open(&t, rec, n, &used, &pt, &ptlen), TLSREC_DATA);
	assert_int_equal(used, n);
	assert_int_equal(ptlen, sizeof(plain));
	assert_memory_equal(pt, plain, sizeof(plain));
	assert_int_equal(t.rd.seq, 1);
	len = tlsrec_seal(&t, plain, sizeof(plain), rec, sizeof(rec), &taken);
	n = testdata_unhex(SERVER_REC, want, sizeof(want));
	assert_int_equal(taken, sizeof(plain));
	assert_int_equal(len, (long)n);
	assert_memory_equal(rec, want, n);
	tlsrec_clear(&t);
}

/* ---- records a client may not send ---- */

static const unsigned suite_ids[] = { 0x1301, 0x1302, 0x1303 };

/* t reads what peer seals (each one's write secret is the other's read secret) */
static void pair(unsigned suite, struct tlsrec *t, struct tlsrec *peer)
{
	uint8_t a[48], b[48];
	size_t len = suite == 0x1302 ? 48 : 32, i;

	for (i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7 + suite);
		b[i] = (uint8_t)(i * 13 + 1);
	}
	assert_int_equal(tlsrec_init(t, suite, a, b, len, 0, 0), 0);
	assert_int_equal(tlsrec_init(peer, suite, b, a, len, 0, 0), 0);
}

struct bad {
	const char *name;
	uint8_t ct;	 /* inner content type */
	const char *hex; /* inner content */
	size_t pad;	 /* zeros after the type */
	int mangle;	 /* 0, 1: flip a ciphertext bit, 2: outer type 22, 3: length 16 */
	int rc;		 /* what tlsrec_open must say */
};

static const struct bad bads[] = {
	{ "data", 23, "68656c6c6f", 0, 0, TLSREC_DATA },
	{ "data, padded", 23, "68656c6c6f", 300, 0, TLSREC_DATA },
	{ "empty data", 23, "", 0, 0, TLSREC_DATA },
	{ "KeyUpdate not requested", 22, "1800000100", 0, 0, TLSREC_DATA },
	{ "KeyUpdate requested", 22, "1800000101", 0, 0, TLSREC_DATA },
	{ "close_notify", 21, "0100", 0, 0, TLSREC_CLOSED },
	{ "user_canceled, passed over", 21, "015a", 0, 0, TLSREC_DATA },
	{ "a tampered record", 23, "68656c6c6f", 0, 1, TLSREC_EMAC },
	{ "a handshake record outside TLS 1.3's disguise", 23, "68656c6c6f", 0, 2, TLSREC_EPROTO },
	{ "a record too short for its tag", 23, "", 0, 3, TLSREC_EPROTO },
	{ "a fatal alert", 21, "0228", 0, 0, TLSREC_EPROTO },
	{ "a NewSessionTicket from the client", 22, "04000005000000000000", 0, 0, TLSREC_EPROTO },
	{ "KeyUpdate with request 2", 22, "1800000102", 0, 0, TLSREC_EPROTO },
	{ "KeyUpdate with data after it", 22, "18000001000b", 0, 0, TLSREC_EPROTO },
	{ "half a KeyUpdate", 22, "180000", 0, 0, TLSREC_EPROTO },
	{ "an empty handshake record", 22, "", 0, 0, TLSREC_EPROTO },
	{ "change_cipher_spec inside", 20, "01", 0, 0, TLSREC_EPROTO },
	{ "an unknown content type", 99, "00", 0, 0, TLSREC_EPROTO },
	{ "only zeros: no content type", 0, "", 40, 0, TLSREC_EPROTO },
};

static void refusals(void **state)
{
	static uint8_t in[TLSREC_MAX_PLAIN + 2], rec[TLSREC_MAX_RECORD + 64];
	size_t i, k;

	(void)state;
	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
			const struct bad *b = &bads[i];
			struct tlsrec t, peer;
			size_t n = testdata_unhex(b->hex, in, sizeof(in)), used = 0, ptlen = 99;
			uint8_t *pt = NULL;
			long len;
			int rc;

			pair(suite_ids[k], &t, &peer);
			len = tlsrec_seal_record(&peer, b->ct, in, n, b->pad, rec);
			assert_true(len > 0);
			if (b->mangle == 1)
				rec[TLSREC_HDR + 1] ^= 0x20;
			if (b->mangle == 2)
				rec[0] = 22;
			if (b->mangle == 3) {
				rec[3] = 0;
				rec[4] = TLSREC_TAG;
				len = TLSREC_HDR + TLSREC_TAG;
			}
			rc = tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen);
			if (rc != b->rc)
				fail_msg("%s (suite %04x): %d, not %d", b->name, suite_ids[k], rc,
					 b->rc);
			if (rc == TLSREC_DATA) {
				assert_int_equal(used, (size_t)len);
				assert_int_equal(ptlen, b->ct == 23 ? n : 0);
				if (n > 0 && b->ct == 23)
					assert_memory_equal(pt, in, n);
			}
			if (strcmp(b->name, "KeyUpdate requested") == 0)
				assert_int_equal(t.update_owed, 1);
			tlsrec_clear(&t);
			tlsrec_clear(&peer);
		}
	}
}

/* The bounds: 2^14 bytes of plaintext open, 2^14 + 1 do not; 2^14 + 256 bytes of
 * ciphertext (padding) open, a length over it is refused from its header alone. */
static void bounds(void **state)
{
	static uint8_t in[TLSREC_MAX_PLAIN + 1], rec[TLSREC_MAX_RECORD + 64];
	struct tlsrec t, peer;
	size_t used, ptlen;
	uint8_t *pt;
	long len;

	(void)state;
	memset(in, 'x', sizeof(in));
	pair(0x1301, &t, &peer);
	len = tlsrec_seal_record(&peer, 23, in, TLSREC_MAX_PLAIN, 0, rec);
	assert_int_equal(tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen), TLSREC_DATA);
	assert_int_equal(ptlen, TLSREC_MAX_PLAIN);
	/* padding counts: an inner plaintext of 2^14 + 1 opens, one byte more does not */
	len = tlsrec_seal_record(&peer, 23, in, 100, TLSREC_MAX_PLAIN - 100, rec);
	assert_int_equal(tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen), TLSREC_DATA);
	assert_int_equal(ptlen, 100);
	len = tlsrec_seal_record(&peer, 23, in, 100, TLSREC_MAX_PLAIN - 100 + 1, rec);
	assert_int_equal(tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen), TLSREC_EOVERFLOW);
	tlsrec_clear(&t);
	tlsrec_clear(&peer);
	pair(0x1301, &t, &peer);
	len = tlsrec_seal_record(&peer, 23, in, TLSREC_MAX_PLAIN + 1, 0, rec);
	assert_int_equal(tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen), TLSREC_EOVERFLOW);
	tlsrec_clear(&t);
	tlsrec_clear(&peer);
	pair(0x1301, &t, &peer); /* the largest record on the wire, all padding: refused */
	len = tlsrec_seal_record(&peer, 23, in, 100, TLSREC_MAX_CIPHER - 100 - 1 - TLSREC_TAG, rec);
	assert_int_equal(len, TLSREC_MAX_RECORD);
	assert_int_equal(tlsrec_open(&t, rec, (size_t)len, &used, &pt, &ptlen), TLSREC_EOVERFLOW);
	tlsrec_clear(&t);
	tlsrec_clear(&peer);
	pair(0x1301, &t, &peer);
	rec[0] = 23;
	rec[1] = rec[2] = 3;
	rec[3] = (TLSREC_MAX_CIPHER + 1) >> 8;
	rec[4] = (TLSREC_MAX_CIPHER + 1) & 0xff;
	assert_int_equal(tlsrec_open(&t, rec, TLSREC_HDR, &used, &pt, &ptlen), TLSREC_EOVERFLOW);
	assert_int_equal(tlsrec_seal_record(&peer, 23, in, 10, TLSREC_MAX_CIPHER, rec), -1);
	tlsrec_clear(&t);
	tlsrec_clear(&peer);
}

/* Sealing splits at 2^14, stops where out is full, and puts a KeyUpdate first when one
 * is owed or the key has been used TLSREC_KEY_LIMIT times; the peer reads it all. */
static void seal_and_update(void **state)
{
	static uint8_t in[40000], out[50000], back[40000];
	struct tlsrec t, peer;
	size_t i, k, taken, got, off, used, ptlen;
	uint8_t *pt;
	long len;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 31);
	for (k = 0; k < 3; k++) {
		/* owed: a KeyUpdate first, then 16384, 16384, 7232; at the limit: 16384, a
		 * KeyUpdate, 16384, 7232 */
		for (int limit = 0; limit < 2; limit++) {
			pair(suite_ids[k], &t, &peer);
			peer.update_owed = !limit;
			peer.wr.seq = t.rd.seq = limit ? TLSREC_KEY_LIMIT - 1 : 0;
			len = tlsrec_seal(&peer, in, sizeof(in), out, sizeof(out), &taken);
			assert_int_equal(taken, sizeof(in));
			assert_int_equal(len, TLSREC_KU_RECORD + 3 * TLSREC_OVERHEAD + sizeof(in));
			for (off = 0, got = 0; off < (size_t)len; off += used) {
				assert_int_equal(tlsrec_open(&t, out + off, (size_t)len - off,
							     &used, &pt, &ptlen),
						 TLSREC_DATA);
				memcpy(back + got, pt, ptlen);
				got += ptlen;
			}
			assert_int_equal(got, sizeof(in));
			assert_memory_equal(back, in, sizeof(in));
			assert_int_equal(t.rd.seq, limit ? 2 : 3); /* numbered from the update */
			assert_int_equal(peer.update_owed, 0);
			if (!limit) {
				tlsrec_clear(&t);
				tlsrec_clear(&peer);
			}
		}
		/* a full buffer: as much as fits, whole records */
		len = tlsrec_seal(&peer, in, sizeof(in), out, 20000, &taken);
		assert_int_equal(taken, 20000 - 2 * TLSREC_OVERHEAD);
		assert_int_equal(len, 20000);
		len = tlsrec_seal(&peer, in, sizeof(in), out, TLSREC_OVERHEAD, &taken);
		assert_int_equal(taken, 0);
		assert_int_equal(len, 0);
		t.rd.seq = peer.wr.seq; /* those two records were not opened */
		tlsrec_idle(&t); /* contexts go, the keys stay: the next record still opens */
		tlsrec_idle(&peer);
		len = tlsrec_seal(&peer, in, 10, out, sizeof(out), &taken);
		assert_int_equal(tlsrec_open(&t, out, (size_t)len, &used, &pt, &ptlen),
				 TLSREC_DATA);
		assert_int_equal(ptlen, 10);
		tlsrec_clear(&t);
		tlsrec_clear(&peer);
	}
}

/* ---- a real OpenSSL client ---- */

static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	assert_non_null(ctx);
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"t", 1);
	assert_int_equal(tlsrec_setup_ctx(ctx), 0);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

/* Read the next record the client wrote, from fd, and open it with t. */
static int next_record(int fd, struct tlsrec *t, uint8_t *buf, size_t *have, uint8_t *out,
		       size_t *outlen)
{
	for (int spins = 0; spins < 100000; spins++) {
		size_t used, ptlen;
		uint8_t *pt;
		int rc = tlsrec_open(t, buf, *have, &used, &pt, &ptlen);
		ssize_t k;

		if (rc != TLSREC_MORE) {
			if (rc == TLSREC_DATA) {
				memcpy(out, pt, ptlen);
				*outlen = ptlen;
			}
			memmove(buf, buf + used, *have - used);
			*have -= used;
			return rc;
		}
		k = read(fd, buf + *have, TLSREC_MAX_RECORD - *have);
		if (k > 0)
			*have += (size_t)k;
	}
	fail_msg("no record from the client");
	return -99;
}

/* The client's SSL_read, its socket non-blocking: until it has bytes (or fails). */
static int client_read(SSL *c, char *buf, int n)
{
	for (int spins = 0; spins < 100000; spins++) {
		int r = SSL_read(c, buf, n);

		if (r > 0 || SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
			return r;
	}
	return -1;
}

/* One connection: handshake, hand-over (or not, want_take 0), data both ways, a
 * KeyUpdate from the client. Returns the client's session for a resumption. */
static SSL_SESSION *one(SSL_CTX *sctx, const char *suites, int maxver, int mfl, SSL_SESSION *resume,
			int want_take)
{
	static uint8_t buf[TLSREC_MAX_RECORD], out[TLSREC_MAX_RECORD], sealed[4096];
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	struct tlsrec t;
	SSL *s, *c;
	int sv[2], done_c = 0, done_s = 0, i;
	size_t have = 0, outlen = 0, taken;
	char rbuf[64];
	SSL_SESSION *sess;
	long len;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (suites)
		SSL_CTX_set_ciphersuites(cctx, suites);
	if (maxver)
		SSL_CTX_set_max_proto_version(cctx, maxver);
	if (mfl) /* RFC 6066: records of at most 512 bytes */
		SSL_CTX_set_tlsext_max_fragment_length(cctx, TLSEXT_max_fragment_length_512);
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	SSL_set_fd(c, sv[0]);
	SSL_set_fd(s, sv[1]);
	if (resume)
		SSL_set_session(c, resume);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	assert_int_equal(tlsrec_watch(s, &t), 0);
	for (i = 0; i < 1000 && !(done_c && done_s); i++) {
		if (!done_c) {
			done_c = SSL_do_handshake(c) == 1;
			/* the client writes before the server has read its Finished: the record
			 * waits in the socket, the first one we open (read number 0) */
			if (done_c && want_take)
				assert_int_equal(SSL_write(c, "first", 5), 5);
		}
		if (!done_s)
			done_s = SSL_do_handshake(s) == 1;
	}
	assert_true(done_c && done_s);
	if (!want_take) {
		assert_int_equal(tlsrec_take(s, &t), -1);
		SSL_free(s);
		SSL_free(c);
		SSL_CTX_free(cctx);
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	assert_int_equal(tlsrec_take(s, &t), 0);
	SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(s);
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_DATA);
	assert_int_equal(outlen, 5);
	assert_memory_equal(out, "first", 5);
	/* the client writes, we open */
	assert_int_equal(SSL_write(c, "hello", 5), 5);
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_DATA);
	assert_int_equal(outlen, 5);
	assert_memory_equal(out, "hello", 5);
	/* we seal, the client reads (after its session tickets: the sequence number) */
	len = tlsrec_seal(&t, (const uint8_t *)"world", 5, sealed, sizeof(sealed), &taken);
	assert_int_equal(write(sv[1], sealed, (size_t)len), len);
	assert_int_equal(client_read(c, rbuf, sizeof(rbuf)), 5);
	assert_memory_equal(rbuf, "world", 5);
	sess = SSL_get1_session(c);
	assert_int_equal(SSL_session_reused(c), resume != NULL);
	/* the client updates its key and asks for ours */
	assert_int_equal(SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED), 1);
	assert_int_equal(SSL_write(c, "again", 5), 5);
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_DATA);
	assert_int_equal(outlen, 0); /* the KeyUpdate */
	assert_int_equal(t.update_owed, 1);
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_DATA);
	assert_memory_equal(out, "again", 5);
	len = tlsrec_seal(&t, (const uint8_t *)"reply", 5, sealed, sizeof(sealed), &taken);
	assert_int_equal(len, TLSREC_KU_RECORD + TLSREC_OVERHEAD + 5);
	assert_int_equal(write(sv[1], sealed, (size_t)len), len);
	assert_int_equal(client_read(c, rbuf, sizeof(rbuf)), 5);
	assert_memory_equal(rbuf, "reply", 5);
	assert_int_equal(SSL_write(c, "last", 4), 4); /* and the client goes on writing */
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_DATA);
	assert_memory_equal(out, "last", 4);
	SSL_shutdown(c); /* close_notify */
	assert_int_equal(next_record(sv[1], &t, buf, &have, out, &outlen), TLSREC_CLOSED);
	tlsrec_clear(&t);
	SSL_free(c);
	SSL_CTX_free(cctx);
	close(sv[0]);
	close(sv[1]);
	return sess;
}

static void openssl_client(void **state)
{
	static const char *suites[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
					"TLS_CHACHA20_POLY1305_SHA256" };
	SSL_CTX *sctx = server_ctx();
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		SSL_SESSION *sess = one(sctx, suites[k], 0, 0, NULL, 1), *again;

		assert_non_null(sess);
		again = one(sctx, suites[k], 0, 0, sess, 1); /* resumed: one ticket, not two */
		SSL_SESSION_free(sess);
		SSL_SESSION_free(again);
	}
	assert_null(one(sctx, NULL, TLS1_2_VERSION, 0, NULL, 0)); /* stays with OpenSSL */
	assert_null(one(sctx, NULL, 0, 1, NULL, 0)); /* 512-byte records agreed: the same */
	SSL_CTX_free(sctx);
	ERR_clear_error();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc8448_keys),	   cmocka_unit_test(rfc8448_records),
		cmocka_unit_test(refusals),	   cmocka_unit_test(bounds),
		cmocka_unit_test(seal_and_update), cmocka_unit_test(openssl_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
