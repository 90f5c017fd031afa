/*
 * listkind.h -- what a list holds (domains, URLs or addresses) and what an entry does
 * (block or allow): the store's data model, shared with the list readers above it
 * (core/lists). Kept apart from listfmt.h so that the store does not depend on the
 * list readers (docs/architecture.md, "Layers").
 */
#ifndef ISP_CORE_STORE_LISTKIND_H
#define ISP_CORE_STORE_LISTKIND_H

enum list_kind { LIST_KIND_NONE = 0, LIST_DOMAIN = 1, LIST_URL = 2, LIST_IP = 3 };

/*
 * What an entry does. BLOCK is "whatever the list's policy says" (dns.block-action, or
 * a per-list action); the others are RPZ per-entry actions (docs/lists.md), kept from
 * the feed and applied by `dns` whatever the list's policy: ALLOW = rpz-passthru,
 * NXDOMAIN = "CNAME .", NODATA = "CNAME *.", DROP = rpz-drop (no answer at all),
 * TCP_ONLY = rpz-tcp-only (over UDP a truncated empty answer, over TCP the normal
 * lookup), LOCAL = local data (the entry's data: A/AAAA/TXT/CNAME records, see
 * core/lists/rpzdata.h). The numbers are stored (entries.action) and written in
 * snapshots: never renumber. At most 15 (a snapshot hit keeps it in 4 bits).
 */
enum list_action {
	LIST_BLOCK = 0,
	LIST_ALLOW = 1,
	LIST_NXDOMAIN = 2,
	LIST_NODATA = 3,
	LIST_DROP = 4,
	LIST_TCP_ONLY = 5,
	LIST_LOCAL = 6,
};
#define LIST_ACTION_MAX LIST_LOCAL

/* The name no stored list may take: the snapshot's list of the operator's allowlist
 * (core/lists/allowlist.h), which the status page, per-list policy and metrics name. */
#define LIST_NAME_RESERVED "allowlist"

/* "domain"/"url"/"ip" <-> enum; list_kind_parse returns LIST_KIND_NONE if unknown
 * (ASCII case ignored). */
enum list_kind list_kind_parse(const char *name);
const char *list_kind_name(enum list_kind k);

/* "block", "allow", "nxdomain", "nodata", "drop", "tcp-only", "local" <-> enum;
 * list_action_parse returns -1 if unknown (ASCII case ignored; "passthru" = allow). */
int list_action_parse(const char *name);
const char *list_action_name(enum list_action a);

#endif
