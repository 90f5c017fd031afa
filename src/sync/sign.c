/*
 * sign.c -- Ed25519 keys and detached signatures (libsodium), see sync.h.
 *
 * libsodium's crypto_sign_detached / crypto_sign_verify_detached are the whole of the
 * cryptography; this file only reads and writes the hex text files around them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "sync/sync.h"

#define SIGN_FILE_MAX ((size_t)1 << 30)

static int sodium_ready(struct isp_err *err)
{
	if (sodium_init() < 0)
		return isp_err_set(err, ISR_EIO, "libsodium could not be initialised");
	return 0;
}

/* Write text to path, created exclusively (O_EXCL) with mode. */
static int write_new(const char *path, const char *text, unsigned mode, struct isp_err *err)
{
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);

	if (fd < 0)
		return isp_err_set(err, errno == EEXIST ? ISR_EEXIST : ISR_EIO, "%s: %s", path,
				   strerror(errno));
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) {
		isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return ISR_EIO;
	}
	if (close(fd) != 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

int sync_keygen(const char *public_path, const char *secret_path, struct isp_err *err)
{
	unsigned char pk[SYNC_PK_LEN], sk[SYNC_SK_LEN];
	char hex[2 * SYNC_SK_LEN + 1], text[2 * SYNC_SK_LEN + 128];
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(hex, sizeof(hex), sk, sizeof(sk));
	snprintf(text, sizeof(text), "# ispshield Ed25519 secret key: keep it secret\n%s\n", hex);
	sodium_memzero(sk, sizeof(sk));
	rc = write_new(secret_path, text, 0600, err);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(hex, sizeof(hex));
	if (rc)
		return rc;
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	snprintf(text, sizeof(text), "# ispshield Ed25519 public key\n%s\n", hex);
	rc = write_new(public_path, text, 0644, err);
	if (rc)
		unlink(secret_path); /* no secret key without its public half */
	return rc;
}

int sync_key_read(const char *path, int secret, uint8_t *key, struct isp_err *err)
{
	size_t want = secret ? SYNC_SK_LEN : SYNC_PK_LEN, len, got = 0;
	char *text = NULL, *line, *save = NULL;
	struct stat sb;
	int rc;

	if (secret && stat(path, &sb) == 0) {
		rc = fs_check_secret(path, -1, "secret key", err);
		if (rc)
			return rc;
	}
	rc = fs_read_file(path, 4096, &text, &len, err);
	if (rc)
		return rc;
	rc = isp_err_at(err, ISR_EFORMAT, path, 0, -1, "no %s key in the file (hex, %zu bytes)",
			secret ? "secret" : "public", want);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, "\r");

		if (line[0] == '#' || n == 0)
			continue;
		line[n] = '\0';
		if (sodium_hex2bin(key, want, line, n, NULL, &got, NULL) != 0 || got != want ||
		    n != 2 * want) {
			rc = isp_err_at(err, ISR_EFORMAT, path, 0, -1,
					"not a %s key: expected %zu hex digits",
					secret ? "secret" : "public", 2 * want);
			break;
		}
		isp_err_clear(err);
		rc = 0;
		break;
	}
	sodium_memzero(text, len);
	free(text);
	return rc;
}

void sync_sign(const uint8_t sk[SYNC_SK_LEN], const void *data, size_t len, char out[SYNC_SIG_HEX])
{
	unsigned char sig[SYNC_SIG_LEN];

	/* idempotent; a failure (no entropy source) does not matter for signing, which
	 * is deterministic in Ed25519 */
	if (sodium_init() < 0)
		sig[0] = 0;
	crypto_sign_detached(sig, NULL, data, len, sk);
	sodium_bin2hex(out, SYNC_SIG_HEX, sig, sizeof(sig));
}

int sync_sign_file(const uint8_t sk[SYNC_SK_LEN], const char *path, struct isp_err *err)
{
	char sig[SYNC_SIG_HEX + 1], out[4200];
	char *data = NULL;
	size_t len;
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	if (snprintf(out, sizeof(out), "%s.sig", path) >= (int)sizeof(out))
		return isp_err_set(err, ISR_EINVAL, "path too long: %.64s...", path);
	rc = fs_read_file(path, SIGN_FILE_MAX, &data, &len, err);
	if (rc)
		return rc;
	sync_sign(sk, data, len, sig);
	free(data);
	sig[SYNC_SIG_HEX - 1] = '\n';
	return fs_write_atomic(out, sig, SYNC_SIG_HEX, 0644, err);
}

int sync_verify(const uint8_t pk[SYNC_PK_LEN], const void *data, size_t len, const char *sig_text,
		size_t sig_len, struct isp_err *err)
{
	unsigned char sig[SYNC_SIG_LEN];
	size_t got = 0;
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	while (sig_len && (sig_text[sig_len - 1] == '\n' || sig_text[sig_len - 1] == '\r'))
		sig_len--;
	if (sig_len != (size_t)2 * SYNC_SIG_LEN ||
	    sodium_hex2bin(sig, sizeof(sig), sig_text, sig_len, NULL, &got, NULL) != 0 ||
	    got != SYNC_SIG_LEN)
		return isp_err_set(err, ISR_EFORMAT,
				   "not a signature (expected 128 hex digits and a newline)");
	if (crypto_sign_verify_detached(sig, data, len, pk) != 0)
		return isp_err_set(err, ISR_ECORRUPT,
				   "the signature does not hold for this key: content altered, "
				   "or signed with another key");
	return 0;
}
