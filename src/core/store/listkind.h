/*
 * listkind.h -- what a list holds (domains, URLs or addresses) and what an entry does
 * (block or allow): the store's data model, shared with the list readers above it
 * (core/lists). Kept apart from listfmt.h so that the store does not depend on the
 * list readers (docs/architecture.md, "Layers").
 */
#ifndef ISP_CORE_STORE_LISTKIND_H
#define ISP_CORE_STORE_LISTKIND_H

enum list_kind { LIST_KIND_NONE = 0, LIST_DOMAIN = 1, LIST_URL = 2, LIST_IP = 3 };

enum list_action { LIST_BLOCK = 0, LIST_ALLOW = 1 };

/* "domain"/"url"/"ip" <-> enum; list_kind_parse returns LIST_KIND_NONE if unknown
 * (ASCII case ignored). */
enum list_kind list_kind_parse(const char *name);
const char *list_kind_name(enum list_kind k);

#endif
