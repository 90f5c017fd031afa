/*
 * returned.c -- `sites returned` (sites.h): bounces of site notices, read from the
 * Maildir the notices' envelope sender delivers into, mark the contact that bounced, so
 * that `sites notify` tells the site's next contact (store_sites_due skips bounced
 * contacts and counts a notice to a bounced address as none).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/fsutil.h"
#include "core/store/store_sites.h"
#include "sites/sites.h"

#define DSN_FILE_MAX ((size_t)4 * 1024 * 1024)

static void log_reject(void *ud, const struct isp_err *e)
{
	FILE *log = ud;
	char buf[ISP_ERR_MSG + 300];

	if (log)
		fprintf(log, "sites returned: %s\n", isp_err_str(e, buf, sizeof(buf)));
}

int sites_returned(struct store *st, const char *dir, int64_t now, FILE *log,
		   struct sites_returned_stats *s, struct isp_err *err)
{
	static const char *const sub[] = { "new", "cur" };
	int rc = 0;

	memset(s, 0, sizeof(*s));
	for (size_t k = 0; k < 2 && rc == 0; k++) {
		char path[CONFIG_PATH_MAX + 300];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", dir, sub[k]);
		d = opendir(path);
		if (!d)
			continue;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			struct sites_emails failed = { 0 };
			char *text = NULL;
			size_t len = 0;
			struct isp_err e2;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, sub[k], de->d_name);
			isp_err_clear(&e2);
			if (fs_read_file(path, DSN_FILE_MAX, &text, &len, &e2) != 0) {
				log_reject(log, &e2);
				continue;
			}
			s->messages++;
			if (!memmem(text, len, "delivery-status", 15))
				s->not_dsn++;
			sites_dsn_parse(text, len, path, log_reject, log, &failed);
			free(text);
			for (int i = 0; i < failed.n && rc == 0; i++) {
				long changed = 0;

				s->failed_recipients++;
				rc = store_site_bounced(st, failed.v[i], now, &changed, err);
				s->contacts_marked += changed;
			}
		}
		closedir(d);
	}
	return rc;
}
