/*
 * deliver.c -- SMTP through libcurl, or a Maildir (deliver.h).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/fsutil.h"
#include "notify/deliver.h"

struct deliver {
	int maildir;
	char target[CONFIG_PATH_MAX + 16];
	char dir[CONFIG_PATH_MAX];
	CURL *curl;
	char from[sizeof(((struct isp_config *)0)->notify_from) + 2];
	char password[256];
};

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *ud)
{
	struct reader *r = ud;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

static int open_maildir(struct deliver *d, const char *dir, struct isp_err *err)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	char path[CONFIG_PATH_MAX + 8];
	size_t i;
	int rc;

	d->maildir = 1;
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(d->target, sizeof(d->target), "maildir %s", dir);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		rc = fs_mkdir_p(path, 0700, err); /* notices are personal data */
		if (rc)
			return rc;
	}
	return 0;
}

static int open_smtp(struct deliver *d, const struct isp_config *cfg, struct isp_err *err)
{
	if (strncmp(cfg->notify_smtp, "smtp://", 7) != 0 &&
	    strncmp(cfg->notify_smtp, "smtps://", 8) != 0)
		return isp_err_set(
			err, ISR_EINVAL,
			"notify.smtp '%s': expected smtp://HOST:PORT or smtps://HOST:PORT",
			cfg->notify_smtp);
	/* Credentials never travel in clear: AUTH only over smtps:// or after a STARTTLS
	 * that must succeed (with smtp-tls=try, a server or a man in the middle that does not
	 * offer STARTTLS would get the password). */
	if (cfg->notify_smtp_user[0] && strncmp(cfg->notify_smtp, "smtps://", 8) != 0 &&
	    strcmp(cfg->notify_smtp_tls, "require") != 0)
		return isp_err_set(err, ISR_EINVAL,
				   "notify.smtp-user is set but notify.smtp-tls is '%s': the "
				   "password would go in clear; set notify.smtp-tls = require "
				   "or use an smtps:// URL",
				   cfg->notify_smtp_tls);
	snprintf(d->target, sizeof(d->target), "%s", cfg->notify_smtp);
	snprintf(d->from, sizeof(d->from), "<%s>", cfg->notify_from);
	if (cfg->notify_smtp_password_file[0]) {
		FILE *f = fopen(cfg->notify_smtp_password_file, "r");
		int rc = f ? fs_check_secret(cfg->notify_smtp_password_file, fileno(f),
					     "notify.smtp-password-file", err)
			   : 0;

		if (rc) {
			fclose(f);
			return rc;
		}
		if (!f || !fgets(d->password, sizeof(d->password), f)) {
			int e = errno;

			if (f)
				fclose(f);
			return isp_err_set(err, ISR_EIO, "notify.smtp-password-file %s: %s",
					   cfg->notify_smtp_password_file,
					   f ? "empty" : strerror(e));
		}
		fclose(f);
		d->password[strcspn(d->password, "\r\n")] = '\0';
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return isp_err_set(err, ISR_EIO, "libcurl initialisation failed");
	d->curl = curl_easy_init();
	if (!d->curl)
		return isp_err_set(err, ISR_ENOMEM, "libcurl: cannot create a handle");
	curl_easy_setopt(d->curl, CURLOPT_URL, cfg->notify_smtp);
	curl_easy_setopt(d->curl, CURLOPT_MAIL_FROM, d->from);
	curl_easy_setopt(d->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(d->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(cfg->notify_smtp_tls, "require") == 0)
		curl_easy_setopt(d->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (strcmp(cfg->notify_smtp_tls, "try") == 0)
		curl_easy_setopt(d->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (cfg->notify_smtp_user[0]) {
		curl_easy_setopt(d->curl, CURLOPT_USERNAME, cfg->notify_smtp_user);
		curl_easy_setopt(d->curl, CURLOPT_PASSWORD, d->password);
	}
	return 0;
}

int deliver_open(const struct isp_config *cfg, struct deliver **out, struct isp_err *err)
{
	struct deliver *d;
	int rc;

	*out = NULL;
	if (!cfg->notify_maildir[0] && !cfg->notify_smtp[0])
		return isp_err_set(err, ISR_EINVAL,
				   "nowhere to deliver: set notify.smtp (--smtp) or notify.maildir "
				   "(--maildir)");
	d = calloc(1, sizeof(*d));
	if (!d)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	rc = cfg->notify_maildir[0] ? open_maildir(d, cfg->notify_maildir, err)
				    : open_smtp(d, cfg, err);
	if (rc) {
		deliver_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void deliver_close(struct deliver *d)
{
	if (!d)
		return;
	if (d->curl) {
		curl_easy_cleanup(d->curl);
		curl_global_cleanup();
	}
	memset(d->password, 0, sizeof(d->password));
	free(d);
}

const char *deliver_target(const struct deliver *d)
{
	return d->target;
}

static int key_ok(const char *key)
{
	const char *p;

	if (!*key || strlen(key) > 200)
		return 0;
	for (p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Whether the file at path holds exactly msg[0..len): 1 yes, 0 no, -1 unreadable. */
static int same_content(const char *path, const char *msg, size_t len)
{
	char buf[8192];
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), same = 1;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			same = -1;
			break;
		}
		if (r == 0)
			break;
		if ((size_t)r > len - off || memcmp(buf, msg + off, (size_t)r) != 0) {
			same = 0;
			break;
		}
		off += (size_t)r;
	}
	close(fd);
	return same == 1 && off == len ? 1 : same == 1 ? 0 : same;
}

/* A file of this key is in the Maildir already (path): delivered by an earlier run of
 * this store when it holds the same message (0), else another message under the same
 * name -- an error, never "delivered": the notice stays to be retried. */
static int existing(const char *path, const char *msg, size_t len, struct isp_err *err)
{
	int same = same_content(path, msg, len);

	if (same == 1)
		return 0;
	if (same < 0)
		return isp_err_set(err, ISR_EIO, "%s: exists and cannot be read: %s", path,
				   strerror(errno));
	return isp_err_set(err, ISR_EIO,
			   "%s: exists with another message (another store's, or an older "
			   "store's, notice?): not delivered",
			   path);
}

static int send_maildir(struct deliver *d, const char *key, const char *msg, size_t len,
			struct isp_err *err)
{
	char tmp[CONFIG_PATH_MAX + 256], dst[CONFIG_PATH_MAX + 256], seen[CONFIG_PATH_MAX + 256];
	struct stat sb;
	size_t off = 0;
	int fd, rc = 0;

	snprintf(dst, sizeof(dst), "%s/new/%s", d->dir, key);
	snprintf(seen, sizeof(seen), "%s/cur/%s:2,", d->dir, key);
	/* One notifier at a time (notify_run holds a lock), so tmp/KEY is ours. */
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", d->dir, key);
	if (stat(dst, &sb) == 0 || stat(seen, &sb) == 0) {
		unlink(tmp); /* an earlier run killed before it cleaned up */
		return existing(stat(dst, &sb) == 0 ? dst : seen, msg, len, err);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return isp_err_set(err, ISR_EIO, "%s: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, msg + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = isp_err_set(err, ISR_EIO, "%s: %s", tmp, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = isp_err_set(err, ISR_EIO, "%s: fsync: %s", tmp, strerror(errno));
	close(fd);
	if (rc == 0 && link(tmp, dst) != 0)
		rc = errno == EEXIST ? existing(dst, msg, len, err)
				     : isp_err_set(err, ISR_EIO, "%s: %s", dst, strerror(errno));
	unlink(tmp);
	if (rc == 0) {
		snprintf(tmp, sizeof(tmp), "%s/new", d->dir);
		if (fsync_dir(tmp) != 0)
			rc = isp_err_set(err, ISR_EIO, "%s: fsync: %s", tmp, strerror(errno));
	}
	return rc;
}

static int send_smtp(struct deliver *d, const char *rcpt, const char *msg, size_t len,
		     struct isp_err *err)
{
	struct curl_slist *to = NULL;
	struct reader r = { msg, len };
	char addr[300];
	long code = 0;
	CURLcode cc;

	snprintf(addr, sizeof(addr), "<%s>", rcpt);
	to = curl_slist_append(NULL, addr);
	if (!to)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	curl_easy_setopt(d->curl, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(d->curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(d->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	cc = curl_easy_perform(d->curl);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(d->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(to);
	if (cc == CURLE_OK)
		return 0;
	if (code >= 500 && code < 600)
		return isp_err_set(err, ISR_EINVAL, "%s refused the message to %s: %ld (%s)",
				   d->target, rcpt, code, curl_easy_strerror(cc));
	if (code)
		return isp_err_set(err, ISR_EIO, "%s: %s, reply %ld", d->target,
				   curl_easy_strerror(cc), code);
	return isp_err_set(err, ISR_EIO, "%s: %s", d->target, curl_easy_strerror(cc));
}

int deliver_send(struct deliver *d, const char *key, const char *rcpt, const char *msg, size_t len,
		 struct isp_err *err)
{
	if (!key_ok(key))
		return isp_err_set(err, ISR_EINVAL, "notice key '%s' is not a safe name", key);
	if (d->maildir)
		return send_maildir(d, key, msg, len, err);
	return send_smtp(d, rcpt, msg, len, err);
}
