/*
 * geo.c -- source country through libmaxminddb (GeoLite2-Country/City or DB-IP
 * country mmdb): country.iso_code, else registered_country.iso_code, else "unknown".
 * Looked up once per new source, never per packet.
 */
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "darknet/dn_int.h"

int dn_geo_open(struct dn_ctx *c, const char *path, struct isp_err *err)
{
	MMDB_s *db = calloc(1, sizeof(*db));
	int r;

	if (!db)
		return isp_err_set(err, ISR_ENOMEM, "out of memory");
	r = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (r != MMDB_SUCCESS) {
		free(db);
		return isp_err_set(err, ISR_EIO, "%s: %s", path, MMDB_strerror(r));
	}
	c->mmdb = db;
	return 0;
}

void dn_geo_close(struct dn_ctx *c)
{
	if (!c->mmdb)
		return;
	MMDB_close(c->mmdb);
	free(c->mmdb);
	c->mmdb = NULL;
}

static uint16_t country_index(struct dn_ctx *c, const char *code, size_t len)
{
	int i;

	if (len == 0 || len >= sizeof(c->countries[0].code))
		return 0;
	for (i = 1; i < c->ncountries; i++)
		if (strlen(c->countries[i].code) == len &&
		    memcmp(c->countries[i].code, code, len) == 0)
			return (uint16_t)i;
	if (c->ncountries == (int)(sizeof(c->countries) / sizeof(c->countries[0])))
		return 0;
	memcpy(c->countries[c->ncountries].code, code, len);
	c->countries[c->ncountries].code[len] = '\0';
	return (uint16_t)c->ncountries++;
}

uint16_t dn_geo_lookup(struct dn_ctx *c, const uint8_t *addr, int family)
{
	MMDB_lookup_result_s res;
	MMDB_entry_data_s ed;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	int gai = 0, mr = 0;

	if (!c->mmdb)
		return 0;
	if (family == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	res = MMDB_lookup_sockaddr(c->mmdb, sa, &mr);
	(void)gai;
	if (mr != MMDB_SUCCESS || !res.found_entry)
		return 0;
	if (MMDB_get_value(&res.entry, &ed, "country", "iso_code", NULL) != MMDB_SUCCESS ||
	    !ed.has_data || ed.type != MMDB_DATA_TYPE_UTF8_STRING) {
		if (MMDB_get_value(&res.entry, &ed, "registered_country", "iso_code", NULL) !=
			    MMDB_SUCCESS ||
		    !ed.has_data || ed.type != MMDB_DATA_TYPE_UTF8_STRING)
			return 0;
	}
	return country_index(c, ed.utf8_string, ed.data_size);
}
