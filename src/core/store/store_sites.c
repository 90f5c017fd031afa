/*
 * store_sites.c -- the books of `ispshield sites` (store_sites.h), the same SQL on
 * SQLite and PostgreSQL.
 */
#include "core/store/store_sites.h"

#include <stdlib.h>
#include <string.h>

#include "core/store/store_int.h"

int store_site_put(struct store *st, const struct store_site *s, const struct store_site_contact *c,
		   size_t n, int64_t now, int64_t *id, struct isp_err *err)
{
	int rc;
	size_t i;

	rc = store_begin(st, err);
	if (rc)
		return rc;
	rc = sq_run(
		st,
		"INSERT INTO sites(domain, list, host, addr, domestic, evidence, found, updated)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT(domain) DO UPDATE SET"
		" list = ?2, host = ?3, addr = ?4, domestic = ?5, evidence = ?6, updated = ?7",
		SQ_ARGS(SQ_T(s->domain), SQ_T(s->list), SQ_T(s->host), SQ_OPT(s->addr),
			SQ_I(s->domestic), SQ_OPT(s->evidence), SQ_I(now)),
		"sites put", err);
	if (rc == 0)
		rc = sq_int(st, "SELECT id FROM sites WHERE domain = ?1", SQ_ARGS(SQ_T(s->domain)),
			    "sites put", id, err);
	/* the contacts are replaced; a bounce stays with its address */
	if (rc == 0)
		rc = sq_run(st,
			    "CREATE TEMP TABLE IF NOT EXISTS site_bounced(email TEXT, bounced "
			    "BIGINT)",
			    NULL, "sites put", err);
	if (rc == 0)
		rc = sq_run(st, "DELETE FROM site_bounced", NULL, "sites put", err);
	if (rc == 0)
		rc = sq_run(st,
			    "INSERT INTO site_bounced SELECT email, bounced FROM site_contacts"
			    " WHERE site_id = ?1 AND bounced IS NOT NULL",
			    SQ_ARGS(SQ_I(*id)), "sites put", err);
	if (rc == 0)
		rc = sq_run(st, "DELETE FROM site_contacts WHERE site_id = ?1", SQ_ARGS(SQ_I(*id)),
			    "sites put", err);
	for (i = 0; rc == 0 && i < n; i++)
		rc = sq_run(
			st,
			"INSERT INTO site_contacts(site_id, rank, email, scope, source, bounced)"
			" VALUES(?1, ?2, ?3, ?4, ?5, (SELECT max(bounced) FROM site_bounced"
			" WHERE email = ?3))",
			SQ_ARGS(SQ_I(*id), SQ_I(i), SQ_T(c[i].email), SQ_T(c[i].scope),
				SQ_T(c[i].source)),
			"sites put contact", err);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

int store_site_url(struct store *st, int64_t site, const char *url, int64_t first, int64_t last,
		   struct isp_err *err)
{
	int64_t now = sq_now();

	return sq_run(
		st,
		"INSERT INTO site_urls(site_id, url, first_seen, last_seen) VALUES(?1, ?2, ?3,"
		" ?4) ON CONFLICT(site_id, url) DO UPDATE SET last_seen = ?4",
		SQ_ARGS(SQ_I(site), SQ_T(url), SQ_I(first ? first : now), SQ_I(last ? last : now)),
		"sites url", err);
}

SQ_WALK(due, store_site_due_fn, struct store_site_due)

static int due_read(struct db_stmt *s, struct store_site_due *r)
{
	sq_columns(s, SQ_COLS(SQ_C(&r->site), SQ_C(&r->domain), SQ_C(&r->email), SQ_C(&r->scope),
			      SQ_C(&r->source)));
	return 0;
}

int store_sites_due(struct store *st, store_site_due_fn fn, void *ud, struct isp_err *err)
{
	return due_each(st,
			"SELECT s.id, s.domain, c.email, c.scope, c.source FROM sites s"
			" JOIN site_contacts c ON c.site_id = s.id AND c.rank = (SELECT min(rank)"
			" FROM site_contacts c2 WHERE c2.site_id = s.id AND c2.bounced IS NULL)"
			" WHERE s.domestic = 1 AND s.handled IS NULL AND NOT EXISTS(SELECT 1"
			" FROM site_notice_sites ns JOIN site_notices n ON n.id = ns.notice_id"
			" WHERE ns.site_id = s.id AND NOT EXISTS(SELECT 1 FROM site_contacts b"
			" WHERE b.site_id = s.id AND b.email = n.email AND b.bounced IS NOT NULL))"
			" ORDER BY c.email, s.domain",
			NULL, "sites due", fn, ud, err);
}

int store_site_notice_make(struct store *st, const char *key, const char *email, const char *day,
			   const int64_t *sites, size_t n, int64_t now, int *made,
			   struct isp_err *err)
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
			rc = sq_run(
				st,
				"INSERT INTO site_notice_sites(notice_id, site_id) VALUES(?1, ?2)"
				" ON CONFLICT DO NOTHING",
				SQ_ARGS(SQ_I(id), SQ_I(sites[i])), "sites notice", err);
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
			      SQ_C(&r->source)));
	return 0;
}

int store_site_notice_urls(struct store *st, int64_t notice, store_site_url_fn fn, void *ud,
			   struct isp_err *err)
{
	return url_each(st,
			"SELECT s.domain, u.url, s.evidence, u.first_seen, u.last_seen,"
			" (SELECT min(c.scope) FROM site_contacts c WHERE c.site_id = s.id AND"
			" c.email = n.email), (SELECT min(c.source) FROM site_contacts c WHERE"
			" c.site_id = s.id AND c.email = n.email)"
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
			      SQ_C(&r->with_contact), SQ_C(&r->notified), SQ_C(&r->handled)));
	return 0;
}

int store_sites_report(struct store *st, store_sites_report_fn fn, void *ud, struct isp_err *err)
{
	return report_each(
		st,
		"SELECT s.list, count(*), sum(s.domestic),"
		" sum(CASE WHEN EXISTS(SELECT 1 FROM site_contacts c WHERE c.site_id = s.id)"
		" THEN 1 ELSE 0 END),"
		" sum(CASE WHEN EXISTS(SELECT 1 FROM site_notice_sites ns JOIN site_notices n"
		" ON n.id = ns.notice_id WHERE ns.site_id = s.id AND n.state = 'sent')"
		" THEN 1 ELSE 0 END),"
		" sum(CASE WHEN s.handled IS NOT NULL THEN 1 ELSE 0 END)"
		" FROM sites s GROUP BY s.list ORDER BY s.list",
		NULL, "sites report", fn, ud, err);
}

struct handled_walk {
	store_sites_handled_fn fn;
	void *ud;
};

static int handled_row(void *ud, struct db_stmt *q)
{
	const struct handled_walk *w = ud;

	return w->fn(w->ud, db_column_text(q, 0), db_column_int64(q, 1));
}

int store_sites_handled(struct store *st, store_sites_handled_fn fn, void *ud, struct isp_err *err)
{
	struct handled_walk w = { fn, ud };

	return sq_rows(st,
		       "SELECT list, secs FROM (SELECT s.list AS list, s.handled - (SELECT"
		       " min(n.sent) FROM site_notice_sites ns JOIN site_notices n ON n.id ="
		       " ns.notice_id WHERE ns.site_id = s.id AND n.state = 'sent') AS secs"
		       " FROM sites s WHERE s.handled IS NOT NULL) h WHERE secs IS NOT NULL"
		       " ORDER BY list, secs",
		       NULL, "sites handled", handled_row, &w, err);
}

int store_site_lookup_get(struct store *st, const char *key, int64_t since, long *status,
			  char **body, size_t *len, struct isp_err *err)
{
	struct db_stmt *q = NULL;
	int rc, found = 0;

	*body = NULL;
	*len = 0;
	rc = sq_prepare(st,
			"SELECT status, body FROM site_lookups WHERE key = ?1 AND fetched >= ?2",
			&q, err);
	if (rc)
		return rc;
	db_bind_text(q, 1, key);
	db_bind_int64(q, 2, since);
	rc = db_step(q);
	if (rc == DB_ROW) {
		size_t n = db_column_bytes(q, 1);
		const void *p = db_column_blob(q, 1);

		*status = (long)db_column_int64(q, 0);
		*body = malloc(n + 1);
		if (!*body) {
			db_finalize(q);
			return isp_err_set(err, ISR_ENOMEM, "out of memory");
		}
		if (n)
			memcpy(*body, p, n);
		(*body)[n] = '\0';
		*len = n;
		found = 1;
	} else if (rc != DB_DONE) {
		rc = sq_fail(st, err, "sites lookup cache");
		db_finalize(q);
		return rc;
	}
	db_finalize(q);
	return found;
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
