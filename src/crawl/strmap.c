/*
 * strmap.c -- see strmap.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/siphash.h"
#include "crawl/strmap.h"

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
	siphash_key(&m->k0, &m->k1, m);
}

static struct strmap_slot *probe(struct strmap_slot *v, size_t cap, uint64_t h, const char *key,
				 size_t len)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i].key &&
	       !(v[i].h == h && strncmp(v[i].key, key, len) == 0 && v[i].key[len] == '\0'))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static int grow(struct strmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 64, i;
	struct strmap_slot *nv = calloc(nc, sizeof(*nv));

	if (!nv)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].key)
			*probe(nv, nc, m->v[i].h, m->v[i].key, strlen(m->v[i].key)) = m->v[i];
	free(m->v);
	m->v = nv;
	m->cap = nc;
	return 0;
}

struct strmap_slot *strmap_get(struct strmap *m, const char *key, size_t len, int create)
{
	uint64_t h = siphash13(m->k0, m->k1, key, len);
	struct strmap_slot *s;

	if (m->cap) {
		s = probe(m->v, m->cap, h, key, len);
		if (s->key || !create)
			return s->key ? s : NULL;
	}
	if (!create)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return NULL;
	s = probe(m->v, m->cap, h, key, len);
	s->key = malloc(len + 1);
	if (!s->key)
		return NULL;
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->h = h;
	s->a = s->b = 0;
	m->n++;
	return s;
}

void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
