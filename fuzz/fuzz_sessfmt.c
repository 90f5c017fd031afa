/*
 * fuzz_sessfmt.c -- libFuzzer target for the session log readers (core/sessions/sessfmt.h).
 *
 * The first input byte picks the format (mod 5: auto, detail, radcsv, dhcpd, kea) and,
 * through its high bit, a max_skew of 300 s; the rest is read through fmemopen like a
 * file. The callbacks read every field of every record and reject so that a dangling or
 * unterminated pointer shows up under ASan, and check the invariants the session index
 * relies on (counts agree, line numbers never go backwards, addresses well formed,
 * intervals not reversed, naddr 0 only for Stop/Interim).
 * Seeds: fuzz/corpus/sessfmt/ (first byte = format number, then a sample file).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sessions/sessfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long records;
	long rejects;
	long last_line;
	size_t sum;
};

static int on_record(void *ud, const struct sess_record *r)
{
	struct seen *s = ud;
	char buf[IP_PREFIX_STRLEN];
	int i;

	s->records++;
	if (!r->user || !r->session_id || !r->nas || !r->nas_ip || !r->nas_id)
		abort();
	/* nas is NAS-IP-Address, else NAS-Identifier */
	if (strcmp(r->nas, r->nas_ip[0] ? r->nas_ip : r->nas_id) != 0)
		abort();
	s->sum += strlen(r->user) + strlen(r->session_id) + strlen(r->nas);
	s->sum += (size_t)(r->time + r->end + r->duration) + r->port_lo + r->port_hi;
	if (r->op < SESS_START || r->op > SESS_RELEASE || r->time < 0 || r->duration < -1)
		abort();
	if (r->op == SESS_LEASE && r->end != 0 && r->end < r->time)
		abort();
	if (r->op != SESS_LEASE && r->end != 0)
		abort();
	if (r->naddr < 0 || r->naddr > SESS_MAX_ADDRS ||
	    (r->naddr == 0 && r->op != SESS_STOP && r->op != SESS_INTERIM))
		abort();
	if (r->port_lo > r->port_hi)
		abort();
	for (i = 0; i < r->naddr; i++) {
		if ((r->addr[i].family != 4 && r->addr[i].family != 6) ||
		    r->addr[i].len > (r->addr[i].family == 4 ? 32 : 128))
			abort();
		ip_format_prefix(&r->addr[i], buf);
		s->sum += strlen(buf);
	}
	if (r->line < 1 || r->line < s->last_line)
		abort();
	s->last_line = r->line;
	return 0;
}

static void on_reject(void *ud, const struct isp_err *err)
{
	struct seen *s = ud;

	s->rejects++;
	s->sum += strlen(err->msg) + (err->file ? strlen(err->file) : 0);
	if (err->line < 1 || err->msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sessfmt_opts o;
	struct sessfmt_stats st;
	struct isp_err err;
	struct seen s;
	FILE *f;
	int rc;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.format = (enum sess_format)(data[0] % 5);
	o.filename = "fuzz";
	o.max_skew = (data[0] & 0x80) ? 300 : 0;
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f)
		return 0;
	isp_err_clear(&err);
	rc = sessfmt_read(f, &o, on_record, on_reject, &s, &st, &err);
	fclose(f);
	if (rc != 0 && !(o.format == SESSFMT_AUTO && rc == ISR_EFORMAT && err.msg[0]))
		abort();
	if (st.records != s.records || st.rejected != s.rejects ||
	    st.records + st.rejected + st.skipped > st.lines * SESSFMT_LINE_MAX + 1 ||
	    st.skewed > st.records + st.rejected ||
	    (o.format != SESSFMT_AUTO && st.detected != o.format))
		abort();
	return 0;
}
