/*
 * store_sites.c -- the books of `ispshield sites` (store_sites.h), the same SQL on
 * SQLite and PostgreSQL.
 */
#include "core/store/store_sites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/store/store_int.h"

/* The contact rows a site has, read before they are replaced. */
#define OLD_CONTACTS 16
struct old_contacts {
	struct {
		char email[256], scope[16], source[16];
		int64_t bounced;
	} c[OLD_CONTACTS];
	size_t n;
	int more; /* rows beyond OLD_CONTACTS: treated as changed */
};

static int old_contact(void *ud, struct db_stmt *q)
{
	struct old_contacts *o = ud;
	const char *e = db_column_text(q, 0), *sc = db_column_text(q, 1),
		   *so = db_column_text(q, 2);

	if (o->n == OLD_CONTACTS) {
		o->more = 1;
		return 0;
	}
	snprintf(o->c[o->n].email, sizeof(o->c[0].email), "%s", e ? e : "");
	snprintf(o->c[o->n].scope, sizeof(o->c[0].scope), "%s", sc ? sc : "");
	snprintf(o->c[o->n].source, sizeof(o->c[0].source), "%s", so ? so : "");
	o->c[o->n].bounced = db_column_int64(q, 3);
	o->n++;
	return 0;
}

/* 1 when the rows o are c[0..n) in order. */
static int contacts_same(const struct old_contacts *o, const struct store_site_contact *c, size_t n)
{
	if (o->more || o->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(o->c[i].email, c[i].email) != 0 ||
		    strcmp(o->c[i].scope, c[i].scope) != 0 ||
		    strcmp(o->c[i].source, c[i].source) != 0)
			return 0;
	return 1;
}

int store_site_put(struct store *st, const struct store_site *s, const struct store_site_contact *c,
		   size_t n, int64_t now, int64_t *id, struct isp_err *err)
{
	struct old_contacts old = { 0 }; /* ~4.7 KB */
	int rc;
	size_t i;

	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = sq_kept_int(
		st, SQ_SITE_PUT,
		"INSERT INTO sites(domain, list, host, addr, domestic, evidence, found, updated)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT(domain) DO UPDATE SET"
		" list = ?2, host = ?3, addr = ?4, domestic = ?5, evidence = ?6, updated = ?7"
		" RETURNING id",
		SQ_ARGS(SQ_T(s->domain), SQ_T(s->list), SQ_T(s->host), SQ_OPT(s->addr),
			SQ_I(s->domestic), SQ_OPT(s->evidence), SQ_I(now)),
		"sites put", id, err);
	/* the contacts are replaced when they changed; a bounce stays with its address */
	if (rc == 0)
		rc = sq_kept_rows(st, SQ_SITE_OLD_CONTACTS,
				  "SELECT email, scope, source, bounced FROM site_contacts WHERE"
				  " site_id = ?1 ORDER BY rank",
				  SQ_ARGS(SQ_I(*id)), "sites put", old_contact, &old, err);
	if (rc == 0 && !contacts_same(&old, c, n)) {
		rc = sq_run(st, "DELETE FROM site_contacts WHERE site_id = ?1", SQ_ARGS(SQ_I(*id)),
			    "sites put", err);
		for (i = 0; rc == 0 && i < n; i++) {
			int64_t bounced = 0;

			for (size_t k = 0; k < old.n; k++)
				if (old.c[k].bounced && strcmp(old.c[k].email, c[i].email) == 0)
					bounced = old.c[k].bounced;
			rc = sq_run(st,
				    "INSERT INTO site_contacts(site_id, rank, email, scope, source,"
				    " bounced) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
				    SQ_ARGS(SQ_I(*id), SQ_I(i), SQ_T(c[i].email), SQ_T(c[i].scope),
					    SQ_T(c[i].source), SQ_TIME(bounced)),
				    "sites put contact", err);
		}
	}
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

int store_site_list(struct store *st, int64_t site, const char *list, struct isp_err *err)
{
	return sq_kept_int(st, SQ_SITE_LIST,
			   "INSERT INTO site_lists(site_id, list) VALUES(?1, ?2) ON CONFLICT DO"
			   " NOTHING",
			   SQ_ARGS(SQ_I(site), SQ_T(list)), "sites list", NULL, err);
}

/* One kept statement per URL: on SQLite a prepared statement's step is cheaper than
 * parsing a multi-row INSERT per site; a site has few URLs. The crawl evidence stays
 * when a later find has none for the URL. */
int store_site_urls(struct store *st, int64_t site, const struct store_site_url_in *u, size_t n,
		    struct isp_err *err)
{
	int64_t now = sq_now();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = sq_kept_int(st, SQ_SITE_URL,
				 "INSERT INTO site_urls(site_id, url, first_seen, last_seen, crawl)"
				 " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(site_id, url) DO UPDATE"
				 " SET last_seen = excluded.last_seen,"
				 " crawl = coalesce(excluded.crawl, site_urls.crawl)",
				 SQ_ARGS(SQ_I(site), SQ_T(u[i].url),
					 SQ_I(u[i].first ? u[i].first : now),
					 SQ_I(u[i].last ? u[i].last : now), SQ_OPT(u[i].crawl)),
				 "sites url", NULL, err);
	return rc;
}

SQ_WALK(due, store_site_due_fn, struct store_site_due)

static int due_read(struct db_stmt *s, struct store_site_due *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->site), SQ_C(&r->domain), SQ_C(&r->email), SQ_C(&r->scope),
			      SQ_C(&r->source), SQ_C(&r->round)));
	return 0;
}

int store_sites_due(struct store *st, store_site_due_fn fn, void *ud, struct isp_err *err)
{
	return due_each(st,
			"SELECT s.id, s.domain, c.email, c.scope, c.source, 1 FROM sites s"
			" JOIN site_contacts c ON c.site_id = s.id AND c.rank = (SELECT min(rank)"
			" FROM site_contacts c2 WHERE c2.site_id = s.id AND c2.bounced IS NULL)"
			" WHERE s.domestic = 1 AND s.handled IS NULL AND NOT EXISTS(SELECT 1"
			" FROM site_notice_sites ns JOIN site_notices n ON n.id = ns.notice_id"
			" WHERE ns.site_id = s.id AND NOT EXISTS(SELECT 1 FROM site_contacts b"
			" WHERE b.site_id = s.id AND b.email = n.email AND b.bounced IS NOT NULL))"
			" ORDER BY c.email, s.domain",
			NULL, "sites due", fn, ud, err);
}

/* The delivered notices of site s.id to a contact of it that did not bounce. */
#define SENT_TO_LIVE                                                                               \
	" FROM site_notice_sites ns JOIN site_notices n ON n.id = ns.notice_id"                    \
	" WHERE n.state = 'sent' AND NOT EXISTS(SELECT 1 FROM site_contacts b"                     \
	" WHERE b.site_id = ns.site_id AND b.email = n.email AND b.bounced IS NOT NULL)"

int store_sites_followups(struct store *st, int64_t now, int64_t renotify, int64_t max,
			  store_site_due_fn fn, void *ud, struct isp_err *err)
{
	return due_each(
		st,
		"SELECT s.id, s.domain, c.email, c.scope, c.source, k.n + 1 FROM sites s"
		" JOIN (SELECT ns.site_id AS site_id, max(n.sent) AS last, count(*) AS "
		"n" SENT_TO_LIVE " GROUP BY ns.site_id) k ON k.site_id = s.id"
		" JOIN site_contacts c ON c.site_id = s.id"
		" WHERE s.domestic = 1 AND s.handled IS NULL AND k.n < ?3 AND k.last + ?2 <= ?1"
		" AND NOT EXISTS(SELECT 1 FROM site_notice_sites ns JOIN site_notices n"
		" ON n.id = ns.notice_id WHERE ns.site_id = s.id"
		" AND n.state IN ('new', 'sending', 'failed'))"
		" AND EXISTS(SELECT 1 FROM site_urls u JOIN url_status us ON us.value = u.url"
		" WHERE u.site_id = s.id AND us.status = 'online'"
		" AND us.last_online >= k.last + ?2)"
		" AND c.rank = (SELECT c2.rank FROM site_contacts c2 WHERE c2.site_id = s.id"
		" AND c2.bounced IS NULL ORDER BY CASE WHEN c2.scope = 'hosting' THEN 0 ELSE 1 END,"
		" CASE WHEN EXISTS(SELECT 1 FROM site_notice_sites ns2 JOIN site_notices n2"
		" ON n2.id = ns2.notice_id WHERE ns2.site_id = c2.site_id AND n2.email = c2.email)"
		" THEN 1 ELSE 0 END, c2.rank LIMIT 1)"
		" ORDER BY c.email, s.domain",
		SQ_ARGS(SQ_I(now), SQ_I(renotify), SQ_I(max)), "sites follow-ups", fn, ud, err);
}

/* A URL u.url whose last verdict is offline: an offline row of url_status that no online
 * row checked later contradicts (a URL can be on several lists, each rechecked apart). */
#define URL_OFFLINE(US)                                                                            \
	" FROM url_status " US " WHERE " US ".value = u.url AND " US ".status = 'offline'"         \
	" AND NOT EXISTS(SELECT 1 FROM url_status o WHERE o.value = u.url"                         \
	" AND o.status = 'online' AND o.checked > " US ".checked)"

int store_sites_mark_handled(struct store *st, long *handled, long *back, struct isp_err *err)
{
	int rc;

	rc = sq_run(st,
		    "UPDATE sites SET handled = NULL WHERE handled IS NOT NULL AND EXISTS(SELECT 1"
		    " FROM site_urls u JOIN url_status us ON us.value = u.url WHERE u.site_id ="
		    " sites.id AND us.status = 'online' AND us.last_online > sites.handled)",
		    NULL, "sites handled", err);
	if (back)
		*back = rc ? 0 : (long)db_changes(st->db);
	if (rc == 0)
		rc = sq_run(
			st,
			"UPDATE sites SET handled = (SELECT max(us.offline_since) FROM site_urls u"
			" JOIN url_status us ON us.value = u.url WHERE u.site_id = sites.id"
			" AND us.status = 'offline') WHERE handled IS NULL"
			" AND EXISTS(SELECT 1 FROM site_urls u WHERE u.site_id = sites.id)"
			" AND NOT EXISTS(SELECT 1 FROM site_urls u WHERE u.site_id = sites.id"
			" AND NOT EXISTS(SELECT 1" URL_OFFLINE("us") "))",
			NULL, "sites handled", err);
	if (handled)
		*handled = rc ? 0 : (long)db_changes(st->db);
	return rc;
}

int store_site_notice_make(struct store *st, const char *key, const char *email, const char *day,
			   const int64_t *sites, const int64_t *rounds, size_t n, int64_t now,
			   int *made, struct isp_err *err)
{
	int64_t id = 0;
	size_t i;
	int rc;

	*made = 0;
	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = sq_run(st,
		    "INSERT INTO site_notices(key, email, day, created, state) VALUES(?1, ?2, ?3,"
		    " ?4, 'new') ON CONFLICT DO NOTHING",
		    SQ_ARGS(SQ_T(key), SQ_T(email), SQ_T(day), SQ_I(now)), "sites notice", err);
	if (rc == 0 && db_changes(st->db) > 0) {
		*made = 1;
		rc = sq_int(st, "SELECT id FROM site_notices WHERE key = ?1", SQ_ARGS(SQ_T(key)),
			    "sites notice", &id, err);
		for (i = 0; rc == 0 && i < n; i++)
			rc = sq_run(st,
				    "INSERT INTO site_notice_sites(notice_id, site_id, round) "
				    "VALUES(?1, ?2,"
				    " ?3) ON CONFLICT DO NOTHING",
				    SQ_ARGS(SQ_I(id), SQ_I(sites[i]), SQ_I(rounds ? rounds[i] : 1)),
				    "sites notice", err);
	}
	if (rc) {
		*made = 0;
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

SQ_WALK(notice, store_site_notice_fn, struct store_site_notice)

static int notice_read(struct db_stmt *s, struct store_site_notice *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->id), SQ_C(&r->key), SQ_C(&r->email), SQ_C(&r->state),
			      SQ_C(&r->attempts), SQ_C(&r->created)));
	return 0;
}

int store_site_notices_open(struct store *st, store_site_notice_fn fn, void *ud,
			    struct isp_err *err)
{
	return notice_each(st,
			   "SELECT id, key, email, state, attempts, created FROM site_notices"
			   " WHERE state IN ('new', 'sending', 'failed') ORDER BY id",
			   NULL, "sites notices", fn, ud, err);
}

SQ_WALK(url, store_site_url_fn, struct store_site_url_row)

static int url_read(struct db_stmt *s, struct store_site_url_row *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->domain), SQ_C(&r->url), SQ_C(&r->evidence),
			      SQ_C(&r->first_seen), SQ_C(&r->last_seen), SQ_C(&r->scope),
			      SQ_C(&r->source), SQ_C(&r->round), SQ_C(&r->first_sent),
			      SQ_C(&r->crawl)));
	return 0;
}

int store_site_notice_urls(struct store *st, int64_t notice, store_site_url_fn fn, void *ud,
			   struct isp_err *err)
{
	return url_each(
		st,
		"SELECT s.domain, u.url, s.evidence, u.first_seen, u.last_seen,"
		" (SELECT min(c.scope) FROM site_contacts c WHERE c.site_id = s.id AND"
		" c.email = n.email), (SELECT min(c.source) FROM site_contacts c WHERE"
		" c.site_id = s.id AND c.email = n.email), ns.round, coalesce((SELECT"
		" min(n2.sent) FROM site_notice_sites ns2 JOIN site_notices n2 ON n2.id ="
		" ns2.notice_id WHERE ns2.site_id = s.id AND n2.state = 'sent'), 0), u.crawl"
		" FROM site_notice_sites ns JOIN site_notices n ON n.id = ns.notice_id"
		" JOIN sites s ON s.id = ns.site_id"
		" JOIN site_urls u ON u.site_id = s.id WHERE ns.notice_id = ?1"
		" ORDER BY s.domain, u.url",
		SQ_ARGS(SQ_I(notice)), "sites notice urls", fn, ud, err);
}

int store_site_bounced(struct store *st, const char *email, int64_t now, long *changed,
		       struct isp_err *err)
{
	int rc = sq_run(st,
			"UPDATE site_contacts SET bounced = ?2 WHERE lower(email) = lower(?1) AND"
			" bounced IS NULL",
			SQ_ARGS(SQ_T(email), SQ_I(now)), "sites bounced", err);

	*changed = rc ? 0 : db_changes(st->db);
	return rc;
}

int store_site_notice_state(struct store *st, int64_t notice, const char *state, const char *error,
			    int64_t now, struct isp_err *err)
{
	return sq_run(st,
		      "UPDATE site_notices SET state = ?2, error = ?3, attempts = attempts +"
		      " CASE WHEN ?2 = 'sending' THEN 1 ELSE 0 END, sent = CASE WHEN ?2 = 'sent'"
		      " THEN ?4 ELSE sent END WHERE id = ?1",
		      SQ_ARGS(SQ_I(notice), SQ_T(state), SQ_OPT(error), SQ_I(now)),
		      "sites notice state", err);
}

SQ_WALK(report, store_sites_report_fn, struct store_sites_report_row)

static int report_read(struct db_stmt *s, struct store_sites_report_row *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->list), SQ_C(&r->sites), SQ_C(&r->domestic),
			      SQ_C(&r->with_contact), SQ_C(&r->notified), SQ_C(&r->handled),
			      SQ_C(&r->unchecked), SQ_C(&r->median_secs)));
	return 0;
}

/* The first delivered notice of site s.id (NULL when none). */
#define FIRST_SENT                                                                                 \
	"(SELECT min(n.sent) FROM site_notice_sites ns JOIN site_notices n ON n.id ="              \
	" ns.notice_id WHERE ns.site_id = s.id AND n.state = 'sent')"

/* Site s was notified, is not handled, and no recheck verdict of a URL of it is as recent
 * as its first notice. */
#define UNCHECKED                                                                                  \
	"(s.handled IS NULL AND " FIRST_SENT " IS NOT NULL AND NOT EXISTS(SELECT 1 FROM"           \
	" site_urls u JOIN url_status us ON us.value = u.url WHERE u.site_id = s.id"               \
	" AND us.checked >= " FIRST_SENT "))"

int store_sites_unchecked(struct store *st, int64_t *n, struct isp_err *err)
{
	return sq_int(st, "SELECT count(*) FROM sites s WHERE " UNCHECKED, NULL, "sites unchecked",
		      n, err);
}

int store_sites_report(struct store *st, store_sites_report_fn fn, void *ud, struct isp_err *err)
{
	/* h: per (list, handled site) the seconds from its first notice to offline; m: the
	 * median per list, the middle row (odd) or the mean of the middle two (even) */
	return report_each(
		st,
		"SELECT sl.list, count(*), sum(s.domestic),"
		" sum(CASE WHEN EXISTS(SELECT 1 FROM site_contacts c WHERE c.site_id = s.id)"
		" THEN 1 ELSE 0 END),"
		" sum(CASE WHEN " FIRST_SENT " IS NOT NULL THEN 1 ELSE 0 END),"
		" sum(CASE WHEN s.handled >= " FIRST_SENT " THEN 1 ELSE 0 END),"
		" sum(CASE WHEN " UNCHECKED " THEN 1 ELSE 0 END),"
		" coalesce(min(m.med), -1)"
		" FROM site_lists sl JOIN sites s ON s.id = sl.site_id"
		" LEFT JOIN (SELECT list, (min(secs) + max(secs)) / 2 AS med FROM (SELECT list, "
		"secs,"
		" row_number() OVER (PARTITION BY list ORDER BY secs) AS rn,"
		" count(*) OVER (PARTITION BY list) AS cnt FROM (SELECT sl.list AS list,"
		" s.handled - " FIRST_SENT " AS secs FROM site_lists sl JOIN sites s"
		" ON s.id = sl.site_id WHERE s.handled IS NOT NULL) h WHERE secs >= 0) w"
		" WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY list) m ON m.list = "
		"sl.list"
		" GROUP BY sl.list ORDER BY sl.list",
		NULL, "sites report", fn, ud, err);
}

static int report_json_row(void *ud, const struct store_sites_report_row *r)
{
	json_array_append_new(
		ud,
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "list",
			  r->list ? r->list : "", "sites", (json_int_t)r->sites, "domestic",
			  (json_int_t)r->domestic, "with_contact", (json_int_t)r->with_contact,
			  "notified", (json_int_t)r->notified, "handled", (json_int_t)r->handled,
			  "unchecked", (json_int_t)r->unchecked, "median_seconds_to_offline",
			  r->median_secs < 0 ? json_null() : json_integer(r->median_secs)));
	return 0;
}

json_t *store_sites_report_json(struct store *st, struct isp_err *err)
{
	json_t *a = json_array();

	if (!a) {
		isp_err_set(err, ISR_ENOMEM, "out of memory");
		return NULL;
	}
	if (store_sites_report(st, report_json_row, a, err) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

struct lookup_row {
	long *status;
	char **body;
	size_t *len;
	int found, oom;
};

static int lookup_row(void *ud, struct db_stmt *q)
{
	struct lookup_row *r = ud;
	size_t n = db_column_bytes(q, 1);
	const void *p = db_column_blob(q, 1);

	*r->status = (long)db_column_int64(q, 0);
	*r->body = malloc(n + 1);
	if (!*r->body) {
		r->oom = 1;
		return 1;
	}
	if (n)
		memcpy(*r->body, p, n);
	(*r->body)[n] = '\0';
	*r->len = n;
	r->found = 1;
	return 1;
}

int store_site_lookup_get(struct store *st, const char *key, int64_t since, long *status,
			  char **body, size_t *len, struct isp_err *err)
{
	struct lookup_row r = { status, body, len, 0, 0 };
	int rc;

	*body = NULL;
	*len = 0;
	rc = sq_kept_rows(st, SQ_SITE_LOOKUP_GET,
			  "SELECT status, body FROM site_lookups WHERE key = ?1 AND fetched >= ?2",
			  SQ_ARGS(SQ_T(key), SQ_I(since)), "sites lookup cache", lookup_row, &r,
			  err);
	if (r.oom)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
	return r.found;
}

int store_site_lookup_put(struct store *st, const char *key, long status, const char *body,
			  size_t len, int64_t now, struct isp_err *err)
{
	struct db_stmt *q = NULL;
	int rc;

	rc = sq_prepare(
		st,
		"INSERT INTO site_lookups(key, status, body, fetched) VALUES(?1, ?2, ?3, ?4)"
		" ON CONFLICT(key) DO UPDATE SET status = ?2, body = ?3, fetched = ?4",
		&q, err);
	if (rc)
		return rc;
	db_bind_text(q, 1, key);
	db_bind_int64(q, 2, status);
	db_bind_blob(q, 3, body ? body : "", len);
	db_bind_int64(q, 4, now);
	rc = db_step(q) == DB_DONE ? 0 : sq_fail(st, err, "sites lookup cache");
	db_finalize(q);
	return rc;
}
