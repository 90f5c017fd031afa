/*
 * pull_copy.c -- the zone copy of `lists pull` (see pull_int.h): the records of the zone
 * as sorted, distinct record lines, a difference applied by one merge walk, and the file
 * beside the snapshot that holds them between pulls (what the next IXFR starts from, and
 * what the RPZ reader imports). Memory: the lines once, plus an offset each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/binwrite.h"
#include "core/base/fsutil.h"
#include "rpz/pull_int.h"

#define COPY_HEADER "; ispshield lists pull: zone %255s serial %u"

int pull_lines_add(struct pull_lines *s, const char *line, size_t len)
{
	if (mem_grow_from((void **)&s->arena, &s->cap, s->len + len + 1, 1, 1 << 16) ||
	    mem_grow_from((void **)&s->off, &s->ncap, s->n + 1, sizeof(*s->off), 1024))
		return ISR_ENOMEM;
	s->off[s->n++] = s->len;
	memcpy(s->arena + s->len, line, len);
	s->arena[s->len + len] = '\0';
	s->len += len + 1;
	return 0;
}

static int cmp_off(const void *a, const void *b, void *arena)
{
	return strcmp((const char *)arena + *(const size_t *)a,
		      (const char *)arena + *(const size_t *)b);
}

void pull_lines_sort(struct pull_lines *s)
{
	size_t i, m = 0;

	if (!s->n)
		return;
	qsort_r(s->off, s->n, sizeof(*s->off), cmp_off, s->arena);
	for (i = 0; i < s->n; i++)
		if (m == 0 || strcmp(pull_line(s, m - 1), pull_line(s, i)) != 0)
			s->off[m++] = s->off[i];
	s->n = m;
}

void pull_lines_free(struct pull_lines *s)
{
	free(s->arena);
	free(s->off);
	memset(s, 0, sizeof(*s));
}

int pull_lines_apply(struct pull_lines *z, struct pull_lines *del, struct pull_lines *add,
		     const char **missing)
{
	struct pull_lines out;
	size_t i = 0, j = 0, k = 0;
	int rc = 0, c;

	*missing = NULL;
	memset(&out, 0, sizeof(out));
	pull_lines_sort(del);
	pull_lines_sort(add);
	/* z minus del, merged with add: three sorted, distinct inputs */
	while (rc == 0 && (i < z->n || k < add->n)) {
		const char *zl = i < z->n ? pull_line(z, i) : NULL;
		const char *al = k < add->n ? pull_line(add, k) : NULL;

		while (zl && j < del->n && strcmp(pull_line(del, j), zl) < 0) {
			if (!*missing)
				*missing = pull_line(del, j);
			j++;
		}
		if (zl && j < del->n && strcmp(pull_line(del, j), zl) == 0) {
			i++, j++;
			continue;
		}
		c = !zl ? 1 : !al ? -1 : strcmp(zl, al);
		if (c <= 0) {
			rc = pull_lines_add(&out, zl, strlen(zl));
			i++;
			k += c == 0;
		} else {
			rc = pull_lines_add(&out, al, strlen(al));
			k++;
		}
	}
	if (rc) {
		pull_lines_free(&out);
		return rc;
	}
	if (j < del->n && !*missing)
		*missing = pull_line(del, j);
	/* missing points into del, which the caller still holds */
	pull_lines_free(z);
	*z = out;
	return *missing ? ISR_ECORRUPT : 0;
}

int pull_copy_write(const char *path, const char *zone, uint32_t serial, const char *soa,
		    const struct pull_lines *z, struct isp_err *err)
{
	struct fs_atomic a;
	size_t i;
	int rc;

	rc = fs_atomic_open(&a, path, fs_private_mode(), err);
	if (rc)
		return rc;
	fprintf(a.f, "; ispshield lists pull: zone %s serial %u\n$ORIGIN %s.\n%s\n", zone,
		(unsigned)serial, zone, soa);
	for (i = 0; i < z->n; i++) {
		fputs(pull_line(z, i), a.f);
		fputc('\n', a.f);
	}
	return fs_atomic_commit(&a, err);
}

int pull_copy_read(const char *path, const char *zone, uint32_t serial, long max,
		   struct pull_lines *z, char *soa, size_t soa_size, struct isp_err *err)
{
	char name[256], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned s;
	long lineno = 0;
	int rc = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		lineno++;
		if (lineno == 1) {
			if (sscanf(line, COPY_HEADER, name, &s) != 2 || strcmp(name, zone) != 0 ||
			    s != serial)
				goto stale;
		} else if (lineno == 3) {
			snprintf(soa, soa_size, "%s", line);
		} else if (lineno > 3) {
			if ((long)z->n >= max) {
				rc = isp_err_set(err, ISR_ELIMIT,
						 "%s: more than %ld records (the limit)", path,
						 max);
				goto out;
			}
			rc = pull_lines_add(z, line, (size_t)n);
			if (rc)
				goto out;
		}
	}
	if (lineno < 3)
		goto stale;
	pull_lines_sort(z);
	rc = 1;
	goto out;
stale:
	pull_lines_free(z);
out:
	free(line);
	fclose(f);
	return rc;
}
