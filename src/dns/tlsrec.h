/*
 * tlsrec.h -- the TLS 1.3 record layer (RFC 8446 section 5) of an established DoT or DoH
 * connection, taken over from OpenSSL once its handshake is done.
 *
 * Why: an idle OpenSSL 3.0 connection keeps about 14 KB (its SSL object, two cipher
 * contexts, a copy of the certificate and the session), and phones keep their Private
 * DNS connection open for hours: ten thousand of them were 140 MB of OpenSSL state
 * (bench/dns/idle.sh, bench/tlsprobe/). After a TLS 1.3 handshake all a connection
 * needs is, per direction, a traffic secret, the key and IV derived from it and a
 * sequence number: about 250 bytes (struct tlsrec). OpenSSL still does all of the
 * handshake (certificates, key exchange, resumption tickets, ALPN) and every TLS 1.2
 * connection; this file only seals and opens the application data records that follow
 * a TLS 1.3 handshake, with OpenSSL's own AEAD ciphers (EVP), as the kernel's kTLS does.
 *
 * How the state is handed over (tlsrec_watch, tlsrec_take): OpenSSL gives the traffic
 * secrets to its key log callback (CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0)
 * and every record it writes to its message callback (SSL3_RT_HEADER); the records it
 * writes after the server's application secret is installed (its session tickets) are
 * the write sequence number. It reads no record beyond the client's Finished (read
 * ahead is off, SSL_has_pending is checked), so the read sequence number is 0. The
 * secrets never leave memory and are wiped when the connection ends.
 *
 * What a record may hold after the handshake: application data (type 23), an alert
 * (close_notify ends the stream, user_canceled is passed over; any other alert is fatal)
 * or a KeyUpdate (the read key is updated; when the client requests it, ours is updated
 * and a KeyUpdate sent before the next data, RFC 8446 section 4.6.3). Anything else -- a
 * NewSessionTicket, a CertificateRequest, a handshake message split across records, a
 * record over 2^14 + 256 bytes, an inner plaintext (content, type, padding) over 2^14 +
 * 1, a record whose tag does not verify -- is fatal (the caller closes the connection).
 * Not taken over, so OpenSSL's throughout: TLS 1.2, a connection that agreed a smaller
 * record size (RFC 6066 max_fragment_length), one whose records the kernel seals (kTLS). Our write key is updated after TLSREC_KEY_LIMIT
 * records (AES-GCM's limit is 2^24.5, section 5.5). Cipher suites: TLS_AES_128_GCM_SHA256,
 * TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; another (none exists in OpenSSL
 * 3.0's defaults) stays with OpenSSL.
 *
 * Memory: struct tlsrec is the whole state of an idle connection; the two cipher
 * contexts (about 1 KB each) exist only while the connection is busy (tlsrec_idle frees
 * them, the next record makes them again from the key). Nothing here allocates another
 * byte, reads a socket or keeps a pointer to a caller's buffer.
 */
#ifndef ISP_DNS_TLSREC_H
#define ISP_DNS_TLSREC_H

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#define TLSREC_HDR	  5			   /* type, legacy version, length */
#define TLSREC_TAG	  16			   /* every suite's AEAD tag */
#define TLSREC_MAX_PLAIN  16384			   /* 2^14: a record's plaintext */
#define TLSREC_MAX_CIPHER (TLSREC_MAX_PLAIN + 256) /* 2^14 + 256: its ciphertext */
#define TLSREC_MAX_RECORD (TLSREC_HDR + TLSREC_MAX_CIPHER)
#define TLSREC_OVERHEAD	  (TLSREC_HDR + 1 + TLSREC_TAG) /* what sealing adds to a record */
#define TLSREC_KU_RECORD  (TLSREC_OVERHEAD + 5)		/* a sealed KeyUpdate */
#define TLSREC_MAX_SECRET 48				/* SHA-384 */
#define TLSREC_KEY_LIMIT  ((uint64_t)1 << 23)		/* records under one write key */

/* tlsrec_open's results */
enum {
	TLSREC_MORE = 0,       /* no whole record yet: read more */
	TLSREC_DATA = 1,       /* a record was taken: its application data (maybe none) */
	TLSREC_CLOSED = 2,     /* close_notify: the client has finished */
	TLSREC_EPROTO = -1,    /* a record or message that may not come here, or a fatal alert */
	TLSREC_EOVERFLOW = -2, /* a record or plaintext over its bound */
	TLSREC_EMAC = -3,      /* the tag did not verify (or a sequence number ran out) */
	TLSREC_ECRYPTO = -4,   /* OpenSSL failed (no memory) */
};

/* One direction: the traffic secret, its key and IV, the next record's number, and the
 * cipher context made from the key (NULL while the connection is idle). */
struct tlsrec_dir {
	uint8_t secret[TLSREC_MAX_SECRET];
	uint8_t key[32];
	uint8_t iv[12];
	uint64_t seq;
	EVP_CIPHER_CTX *ctx;
};

struct tlsrec {
	struct tlsrec_dir rd, wr; /* the client's records, ours */
	uint8_t suite;		  /* index in tlsrec.c's table */
	uint8_t update_owed;	  /* the client asked for our KeyUpdate: before the next data */
	/* while OpenSSL does the handshake (tlsrec_watch): which secrets were logged (1:
	 * the client's, 2: ours), and whether our records are being counted */
	uint8_t have, counting, slen; /* slen: the secrets' length */
};

/* Ready OpenSSL for hand-overs: the key log and message callbacks of ctx (replacing any
 * set before). 0, or -1 when OpenSSL refused (no memory). */
int tlsrec_setup_ctx(SSL_CTX *ctx);

/* Watch ssl's handshake into t (zeroed here), which must stay put until tlsrec_take or
 * SSL_free. 0, or -1 (no memory: ssl stays with OpenSSL). */
int tlsrec_watch(SSL *ssl, struct tlsrec *t);

/*
 * After ssl's handshake is done (SSL_do_handshake returned 1): when it was TLS 1.3 with
 * one of the three suites, both secrets were seen, and OpenSSL holds no record read or
 * to write, derive the keys into t and return 0: from now on the caller seals and opens
 * every record itself and may free ssl (after SSL_set_shutdown, so that its session stays
 * in the cache). Otherwise -1, with t wiped and ssl no longer watched: it stays with
 * OpenSSL (TLS 1.2).
 */
int tlsrec_take(SSL *ssl, struct tlsrec *t);

/* Set t up from the two secrets (len bytes each: the suite's hash length) and sequence
 * numbers, without OpenSSL's handshake: for tlsrec_take, tests and the fuzz target.
 * suite: 0x1301, 0x1302 or 0x1303. 0, or -1 (unknown suite, or OpenSSL failed). */
int tlsrec_init(struct tlsrec *t, unsigned suite, const uint8_t *rsecret, const uint8_t *wsecret,
		size_t len, uint64_t rseq, uint64_t wseq);

/*
 * Open the record at the start of p[0..n), in place. TLSREC_MORE when it is not all
 * there (nothing changed: call again with more bytes); TLSREC_DATA with *used (the
 * record's bytes, header included) and the plaintext *pt and *ptlen inside p (ptlen 0 for a
 * KeyUpdate or empty data); TLSREC_CLOSED with *used; or a negative TLSREC_E... code,
 * after which t must not open another record.
 */
int tlsrec_open(struct tlsrec *t, uint8_t *p, size_t n, size_t *used, uint8_t **pt, size_t *ptlen);

/*
 * Seal application data in[0..n) as records of at most TLSREC_MAX_PLAIN into
 * out[0..cap), each preceded by a KeyUpdate when one is owed or the write key has been
 * used TLSREC_KEY_LIMIT times. Seals as much as fits: *taken is how many bytes of in
 * went in (0 when cap cannot hold a record of one byte). Returns the bytes written to
 * out, or -1 (OpenSSL failed: the connection cannot go on).
 */
long tlsrec_seal(struct tlsrec *t, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
		 size_t *taken);

/* One record of content type ct (21 alert, 22 handshake, 23 data...) holding in[0..n)
 * and pad zeros, at out (room for n + pad + TLSREC_OVERHEAD): its length, or -1 (over
 * TLSREC_MAX_CIPHER, or OpenSSL failed). The service seals only through tlsrec_seal;
 * this is for tests and the fuzz target, which make what a client could send. */
long tlsrec_seal_record(struct tlsrec *t, uint8_t ct, const uint8_t *in, size_t n, size_t pad,
			uint8_t *out);

/* The connection went idle: free the cipher contexts (the next record makes them). */
void tlsrec_idle(struct tlsrec *t);

/* Free the contexts and wipe the secrets and keys. */
void tlsrec_clear(struct tlsrec *t);

/* RFC 8446 section 7.3's key and IV from a traffic secret (for tests: RFC 8448's
 * vectors). key: the suite's key length; iv: 12 bytes. 0, or -1 (unknown suite). */
int tlsrec_traffic_keys(unsigned suite, const uint8_t *secret, uint8_t *key, uint8_t *iv);

#endif
