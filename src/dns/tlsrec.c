/*
 * tlsrec.c -- the TLS 1.3 record layer after OpenSSL's handshake (the design, bounds and
 * what is fatal are in tlsrec.h).
 *
 * Keys: HKDF-Expand-Label (RFC 8446 section 7.1) of at most one hash length is one HMAC
 * block, so each derivation is one HMAC call. Nonces: the IV with the 64-bit sequence
 * number XORed into its last 8 bytes (section 5.3). Additional data: the record header
 * (section 5.2). Every EVP cipher and digest is fetched once per process.
 */
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <string.h>

#include "dns/tlsrec.h"

enum { CT_ALERT = 21, CT_HANDSHAKE = 22, CT_DATA = 23 };
enum { HS_KEY_UPDATE = 24 };

static const struct suite {
	unsigned id;	    /* the TLS cipher suite's number */
	unsigned ssl_id;    /* OpenSSL's SSL_CIPHER_get_id */
	const char *cipher; /* EVP names */
	const char *md;
	uint8_t keylen, hashlen;
} suites[] = {
	{ 0x1301, 0x03001301, "AES-128-GCM", "SHA256", 16, 32 },
	{ 0x1302, 0x03001302, "AES-256-GCM", "SHA384", 32, 48 },
	{ 0x1303, 0x03001303, "ChaCha20-Poly1305", "SHA256", 32, 32 },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static EVP_CIPHER *ciphers[NSUITES]; /* NULL: that suite stays with OpenSSL */
static EVP_MD *mds[NSUITES];
static int ex_idx = -1;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	size_t i;

	for (i = 0; i < NSUITES; i++) {
		ciphers[i] = EVP_CIPHER_fetch(NULL, suites[i].cipher, NULL);
		mds[i] = EVP_MD_fetch(NULL, suites[i].md, NULL);
	}
	ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int suite_index(unsigned id)
{
	size_t i;

	pthread_once(&fetch_once, fetch_all);
	for (i = 0; i < NSUITES; i++)
		if (suites[i].id == id || suites[i].ssl_id == id)
			return ciphers[i] && mds[i] ? (int)i : -1;
	return -1;
}

/* HKDF-Expand-Label(secret, label, "", outlen) for outlen <= the hash's length */
static int expand_label(int si, const uint8_t *secret, const char *label, uint8_t *out,
			size_t outlen)
{
	uint8_t info[2 + 1 + 6 + 16 + 1 + 1], md[EVP_MAX_MD_SIZE];
	size_t ll = strlen(label), n = 0;
	unsigned mdlen = 0;

	if (ll > 16 || outlen > suites[si].hashlen)
		return -1;
	info[n++] = (uint8_t)(outlen >> 8);
	info[n++] = (uint8_t)outlen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* no context */
	info[n++] = 1; /* HKDF-Expand's first block counter */
	if (!HMAC(mds[si], secret, suites[si].hashlen, info, n, md, &mdlen) || mdlen < outlen)
		return -1;
	memcpy(out, md, outlen);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* RFC 8446 section 7.3: the key and IV of a traffic secret */
static int traffic_keys(int si, const uint8_t *secret, uint8_t *key, uint8_t *iv)
{
	if (expand_label(si, secret, "key", key, suites[si].keylen) != 0 ||
	    expand_label(si, secret, "iv", iv, 12) != 0)
		return -1;
	return 0;
}

static int dir_keys(int si, struct tlsrec_dir *d)
{
	d->seq = 0;
	if (traffic_keys(si, d->secret, d->key, d->iv) != 0)
		return -1;
	/* a context in use takes the new key in place (a KeyUpdate: no free and allocate) */
	if (d->ctx && EVP_CipherInit_ex(d->ctx, NULL, NULL, d->key, NULL, -1) != 1) {
		EVP_CIPHER_CTX_free(d->ctx);
		d->ctx = NULL;
		return -1;
	}
	return 0;
}

/* KeyUpdate: the next traffic secret (section 7.2), its key and IV, numbers from 0 */
static int dir_update(int si, struct tlsrec_dir *d)
{
	uint8_t next[TLSREC_MAX_SECRET];

	if (expand_label(si, d->secret, "traffic upd", next, suites[si].hashlen) != 0)
		return -1;
	memcpy(d->secret, next, suites[si].hashlen);
	OPENSSL_cleanse(next, sizeof(next));
	return dir_keys(si, d);
}

int tlsrec_traffic_keys(unsigned suite, const uint8_t *secret, uint8_t *key, uint8_t *iv)
{
	int si = suite_index(suite);

	return si < 0 ? -1 : traffic_keys(si, secret, key, iv);
}

int tlsrec_init(struct tlsrec *t, unsigned suite, const uint8_t *rsecret, const uint8_t *wsecret,
		size_t len, uint64_t rseq, uint64_t wseq)
{
	int si = suite_index(suite);

	memset(t, 0, sizeof(*t));
	if (si < 0 || len != suites[si].hashlen)
		return -1;
	t->suite = (uint8_t)si;
	memcpy(t->rd.secret, rsecret, len);
	memcpy(t->wr.secret, wsecret, len);
	if (dir_keys(si, &t->rd) != 0 || dir_keys(si, &t->wr) != 0) {
		tlsrec_clear(t);
		return -1;
	}
	t->rd.seq = rseq;
	t->wr.seq = wseq;
	return 0;
}

/* ---- the hand-over from OpenSSL ---- */

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1] && n < max) {
		int hi = OPENSSL_hexchar2int((unsigned char)s[0]);
		int lo = OPENSSL_hexchar2int((unsigned char)s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return s[0] ? -1 : (int)n;
}

/* "LABEL <client random> <secret>": the two application secrets, never written out */
static void keylog_cb(const SSL *ssl, const char *line)
{
	static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ",
			  server[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct tlsrec *t = SSL_get_ex_data(ssl, ex_idx);
	struct tlsrec_dir *d;
	const char *sp;
	int bit, n;

	if (!t)
		return;
	if (strncmp(line, client, sizeof(client) - 1) == 0) {
		d = &t->rd;
		bit = 1;
	} else if (strncmp(line, server, sizeof(server) - 1) == 0) {
		d = &t->wr;
		bit = 2;
	} else {
		return;
	}
	sp = strchr(line + sizeof(client) - 1, ' ');
	n = sp ? unhex(sp + 1, d->secret, sizeof(d->secret)) : -1;
	if ((n != 32 && n != 48) || (t->slen && t->slen != n)) {
		t->have = 0xff; /* not understood: no hand-over */
		return;
	}
	t->slen = (uint8_t)n;
	t->have |= (uint8_t)bit;
	if (bit == 2) { /* our application key is in use from the next record on */
		t->counting = 1;
		t->wr.seq = 0;
	}
}

/* every record OpenSSL writes; after our application key, one sequence number each */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	struct tlsrec *t;

	(void)version;
	(void)buf;
	(void)len;
	(void)arg;
	if (!write_p || content_type != SSL3_RT_HEADER)
		return;
	t = SSL_get_ex_data(ssl, ex_idx);
	if (t && t->counting)
		t->wr.seq++;
}

int tlsrec_setup_ctx(SSL_CTX *ctx)
{
	pthread_once(&fetch_once, fetch_all);
	if (ex_idx < 0)
		return -1;
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	SSL_CTX_set_msg_callback(ctx, msg_cb);
	return 0;
}

int tlsrec_watch(SSL *ssl, struct tlsrec *t)
{
	memset(t, 0, sizeof(*t));
	pthread_once(&fetch_once, fetch_all);
	if (ex_idx < 0 || SSL_set_ex_data(ssl, ex_idx, t) != 1)
		return -1;
	return 0;
}

int tlsrec_take(SSL *ssl, struct tlsrec *t)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	int si = c ? suite_index((unsigned)SSL_CIPHER_get_id(c)) : -1;
	struct tlsrec_dir rd = t->rd, wr = t->wr;
	int ok;

	(void)SSL_set_ex_data(ssl, ex_idx, NULL); /* nothing is counted from here on */
	SSL_set_msg_callback(ssl, NULL);
	ok = si >= 0 && SSL_version(ssl) == TLS1_3_VERSION && t->have == 3 && t->counting &&
	     t->slen == suites[si].hashlen && SSL_is_init_finished(ssl) && !SSL_has_pending(ssl) &&
	     SSL_want(ssl) == SSL_NOTHING;
	/* records smaller than 2^14 agreed (RFC 6066 max_fragment_length), or records the
	 * kernel seals (kTLS, e.g. set in openssl.cnf): OpenSSL's to keep */
	ok = ok &&
	     SSL_SESSION_get_max_fragment_length(SSL_get_session(ssl)) ==
		     TLSEXT_max_fragment_length_DISABLED &&
	     !BIO_get_ktls_send(SSL_get_wbio(ssl)) && !BIO_get_ktls_recv(SSL_get_rbio(ssl));
	if (ok)
		ok = tlsrec_init(t, suites[si].id, rd.secret, wr.secret, suites[si].hashlen, 0,
				 wr.seq) == 0;
	OPENSSL_cleanse(&rd, sizeof(rd));
	OPENSSL_cleanse(&wr, sizeof(wr));
	if (!ok) {
		tlsrec_clear(t);
		return -1;
	}
	return 0;
}

/* ---- records ---- */

static int dir_ctx(const struct tlsrec *t, struct tlsrec_dir *d, int enc)
{
	if (d->ctx)
		return 0;
	d->ctx = EVP_CIPHER_CTX_new();
	if (!d->ctx || EVP_CipherInit_ex(d->ctx, ciphers[t->suite], NULL, d->key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(d->ctx);
		d->ctx = NULL;
		return -1;
	}
	return 0;
}

static void nonce(const struct tlsrec_dir *d, uint8_t out[12])
{
	int i;

	memcpy(out, d->iv, 12);
	for (i = 0; i < 8; i++)
		out[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
}

/* The client's post-handshake messages, all of one record: only a KeyUpdate may come,
 * whole, and alone (section 5.1: no message spans a key change; section 4.6.3). */
static int handshake(struct tlsrec *t, const uint8_t *m, size_t n)
{
	if (n != 5 || m[0] != HS_KEY_UPDATE || m[1] != 0 || m[2] != 0 || m[3] != 1 || m[4] > 1)
		return TLSREC_EPROTO;
	if (dir_update(t->suite, &t->rd) != 0)
		return TLSREC_ECRYPTO;
	if (m[4] == 1) /* update_requested */
		t->update_owed = 1;
	return TLSREC_DATA;
}

int tlsrec_open(struct tlsrec *t, uint8_t *p, size_t n, size_t *used, uint8_t **pt, size_t *ptlen)
{
	struct tlsrec_dir *d = &t->rd;
	uint8_t iv[12], *body = p + TLSREC_HDR;
	size_t len, clen, i;
	int outl = 0, fl = 0;

	if (n < TLSREC_HDR)
		return TLSREC_MORE;
	if (p[0] != CT_DATA) /* after the handshake every record looks like data */
		return TLSREC_EPROTO;
	len = (size_t)p[3] << 8 | p[4];
	if (len > TLSREC_MAX_CIPHER)
		return TLSREC_EOVERFLOW;
	if (len < 1 + TLSREC_TAG)
		return TLSREC_EPROTO;
	if (n < TLSREC_HDR + len)
		return TLSREC_MORE;
	if (d->seq == UINT64_MAX)
		return TLSREC_EMAC; /* section 5.3: the connection cannot go on */
	if (dir_ctx(t, d, 0) != 0)
		return TLSREC_ECRYPTO;
	clen = len - TLSREC_TAG;
	nonce(d, iv);
	if (EVP_DecryptInit_ex(d->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(d->ctx, NULL, &outl, p, TLSREC_HDR) != 1 ||
	    EVP_DecryptUpdate(d->ctx, body, &outl, body, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_SET_TAG, TLSREC_TAG, body + clen) != 1)
		return TLSREC_ECRYPTO;
	if (EVP_DecryptFinal_ex(d->ctx, body + outl, &fl) != 1)
		return TLSREC_EMAC;
	d->seq++;
	*used = TLSREC_HDR + len;
	/* TLSInnerPlaintext: content, its type, then zeros (section 5.4) */
	for (i = clen; i > 0 && body[i - 1] == 0; i--)
		;
	if (i == 0)
		return TLSREC_EPROTO;	 /* all zeros: no type */
	if (clen > TLSREC_MAX_PLAIN + 1) /* content, type and padding (section 5.4) */
		return TLSREC_EOVERFLOW;
	*pt = body;
	*ptlen = 0;
	switch (body[i - 1]) {
	case CT_DATA: *ptlen = i - 1; return TLSREC_DATA;
	case CT_HANDSHAKE: return handshake(t, body, i - 1);
	case CT_ALERT: /* close_notify ends the stream, user_canceled (a warning that comes
			* before it) is passed over; every other alert is fatal */
		if (i - 1 == 2 && body[1] == 90)
			return TLSREC_DATA;
		return i - 1 == 2 && body[1] == 0 ? TLSREC_CLOSED : TLSREC_EPROTO;
	default: return TLSREC_EPROTO;
	}
}

long tlsrec_seal_record(struct tlsrec *t, uint8_t ct, const uint8_t *in, size_t n, size_t pad,
			uint8_t *out)
{
	struct tlsrec_dir *d = &t->wr;
	size_t len = n + 1 + pad + TLSREC_TAG;
	uint8_t iv[12], *body = out + TLSREC_HDR;
	int outl = 0, fl = 0;

	if (len > TLSREC_MAX_CIPHER || d->seq == UINT64_MAX || dir_ctx(t, d, 1) != 0)
		return -1;
	out[0] = CT_DATA;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	memmove(body, in, n);
	body[n] = ct;
	memset(body + n + 1, 0, pad);
	nonce(d, iv);
	if (EVP_EncryptInit_ex(d->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(d->ctx, NULL, &outl, out, TLSREC_HDR) != 1 ||
	    EVP_EncryptUpdate(d->ctx, body, &outl, body, (int)(n + 1 + pad)) != 1 ||
	    EVP_EncryptFinal_ex(d->ctx, body + outl, &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_GET_TAG, TLSREC_TAG, body + n + 1 + pad) != 1)
		return -1;
	d->seq++;
	return (long)(TLSREC_HDR + len);
}

long tlsrec_seal(struct tlsrec *t, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
		 size_t *taken)
{
	static const uint8_t ku[5] = { HS_KEY_UPDATE, 0, 0, 1, 0 }; /* update_not_requested */
	size_t off = 0, len = 0;

	*taken = 0;
	while (off < n) {
		int ku_now = t->update_owed || t->wr.seq >= TLSREC_KEY_LIMIT;
		size_t room = cap - len, chunk = n - off;
		long r;

		if (room < (ku_now ? TLSREC_KU_RECORD : 0) + TLSREC_OVERHEAD + 1)
			break;
		room -= (ku_now ? TLSREC_KU_RECORD : 0) + TLSREC_OVERHEAD;
		if (chunk > TLSREC_MAX_PLAIN)
			chunk = TLSREC_MAX_PLAIN;
		if (chunk > room)
			chunk = room;
		if (ku_now) { /* under the old key, then the new one (section 4.6.3) */
			r = tlsrec_seal_record(t, CT_HANDSHAKE, ku, sizeof(ku), 0, out + len);
			if (r < 0 || dir_update(t->suite, &t->wr) != 0)
				return -1;
			len += (size_t)r;
			t->update_owed = 0;
		}
		r = tlsrec_seal_record(t, CT_DATA, in + off, chunk, 0, out + len);
		if (r < 0)
			return -1;
		len += (size_t)r;
		off += chunk;
	}
	*taken = off;
	return (long)len;
}

void tlsrec_idle(struct tlsrec *t)
{
	EVP_CIPHER_CTX_free(t->rd.ctx);
	EVP_CIPHER_CTX_free(t->wr.ctx);
	t->rd.ctx = t->wr.ctx = NULL;
}

void tlsrec_clear(struct tlsrec *t)
{
	tlsrec_idle(t);
	OPENSSL_cleanse(t, sizeof(*t));
}
