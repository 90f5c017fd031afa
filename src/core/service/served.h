/*
 * served.h -- what the DNS service and the proxy serve and swap on reload: the list
 * snapshot and the opt-out prefixes, loaded together and replaced by one pointer swap.
 *
 * Reload protocol (both services): load a new struct served; swap the servers' pointer
 * atomically; wait with served_quiesce until every worker has either passed a quiescent
 * point (finished the batch it was in) or is idle in epoll_wait, so none can still hold
 * the old one; free the old one. There is never a moment in which nothing is loaded.
 */
#ifndef ISP_CORE_SERVED_H
#define ISP_CORE_SERVED_H

#include <signal.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/service/config.h"
#include "core/net/netaddr.h"
#include "core/net/prefixset.h"
#include "core/lists/snapshot.h"

/*
 * Per-list counters that outlive reloads: a list's counter slot is found by its name
 * once per reload (never on the hot path) and kept while the service runs, so that a
 * list keeps its counts whatever index a new snapshot gives it. Bounded: at most
 * SERVED_LIST_SLOTS names; beyond, lists share the last slot, named "(other)". `live`
 * marks the lists of the snapshot in use (the label set the metrics show). Written by
 * the main thread only; the metrics thread reads n, the names below n and live.
 */
#define SERVED_LIST_SLOTS 512
struct served_names {
	char name[SERVED_LIST_SLOTS][64];
	_Atomic unsigned n;
	_Atomic unsigned char live[SERVED_LIST_SLOTS];
};

/* What the service does with a hit of one list (the [list.NAME] policy, looked up by
 * name at load, indexed by the snapshot's list index). */
struct served_list {
	unsigned char action; /* enum config_list_action; DEFAULT: the service decides */
	unsigned char events; /* 0: nothing recorded about who hit it */
	unsigned char notify;
	unsigned short slot;  /* its counter slot (struct served_names) */
	const char *ede_text; /* NULL: the default text (list and entry) */
	char *page;	      /* the proxy's page template for it, loaded; NULL = built in */
	size_t page_len;
};

struct served {
	struct snap *snap;
	struct prefixset *optout; /* NULL when no opt-out file is configured */
	unsigned nlists;	  /* snap_nlists */
	struct served_list *lists;
	/* Profiles ([profile.NAME], in config order): profile p applies list i when bit i
	 * of masks[p * words ...] is set; profile_sets[p]: the client prefixes that hold
	 * profile p now (from the opt-out file). A client in none of them: every list. */
	int nprofiles;
	unsigned words;
	uint64_t *masks;
	struct prefixset **profile_sets;
};

/*
 * Load the snapshot at snap_path and, when optout_path is not empty, the opt-out file;
 * build the per-list policy from cfg's [list.NAME] sections (page templates read now:
 * one that cannot be read fails the load) and the profile masks from its [profile.NAME]
 * sections; names (may be NULL) gets the counter slots. A missing snapshot is
 * ISR_ENOTFOUND with a message saying to run `lists compile`.
 *
 * The opt-out file: one client prefix a line, '#' comments. A line "PREFIX" is a client
 * that opted out (profile "none", as always); "PREFIX profile=NAME" (version 2, written
 * under a "# ispshield opt-out v2" first line) a client of profile NAME. A profile the
 * configuration does not have counts as the default (every list). A bad line fails the
 * load with FILE:LINE.
 */
int served_load(const char *snap_path, const char *optout_path, const struct isp_config *cfg,
		struct served_names *names, struct served **out, struct isp_err *err);

/* The profile of client sa: an index of cfg->profiles, or -1 (every list). */
int served_client_profile(const struct served *sh, const struct sockaddr *sa);

/*
 * Which hit of the lookup r counts for a client of `profile` (-1: every list): an allow
 * hit wins over everything (-1, nothing counts); hits of lists outside the profile are
 * ignored; the first hit of a list that does not only log decides; if every hit left is
 * of a log-only list, the first of them. Returns the deciding list's action (enum
 * config_list_action, LIST_ACTION_DEFAULT for a list without [list.NAME] action) and
 * *hit (its index in r->hits), or -1 when nothing counts. Used by the DNS service's
 * dns_policy_for_hit and by the proxy.
 */
int served_hit(const struct served *sh, const struct snap_result *r, int profile, int *hit);

/* Whether list index `list` applies to clients of profile `profile` (-1: every list). */
static inline int served_list_applies(const struct served *sh, int profile, unsigned list)
{
	if (profile < 0 || list >= sh->nlists)
		return 1;
	return (sh->masks[(size_t)profile * sh->words + list / 64] >> (list % 64)) & 1;
}
void served_free(struct served *s);

/* One per worker: what the reloading thread watches. */
struct served_gate {
	_Atomic uint64_t quiescent; /* bumped by the worker after every batch */
	_Atomic int idle;	    /* 1 while the worker holds no served data */
};

/* Wait until no worker can still hold data loaded before this call; gate(ud, i) is
 * worker i's gate, for i < n. */
void served_quiesce(int n, struct served_gate *(*gate)(void *ud, int i), void *ud);

/*
 * The serving side of a service (the DNS service, the proxy), written once: where its
 * workers find the current data (`cur`), the counters its metrics show, and the main
 * thread's loop. Start-up is all or nothing: served_slot_open loads the snapshot and the
 * opt-out file before any socket is opened (fail closed: a service without its lists
 * would serve unfiltered). The loop waits for signals with a one-second timeout; on
 * SIGHUP, or when the snapshot or the opt-out file has changed, it loads the new data
 * beside the old, swaps `cur`, waits for every worker (served_quiesce) and frees the old.
 * A reload that fails is logged and counted, and the old data keeps serving.
 *
 * Lifetime: the slot lives in the service's server struct; who, snap_path and
 * optout_path must outlive it. Workers read `cur` with atomic_load and never free it.
 */
struct served_slot {
	_Atomic(struct served *) cur;
	_Atomic uint64_t serial;	  /* the current snapshot's serial */
	_Atomic uint64_t reloads;	  /* successful reloads */
	_Atomic uint64_t reload_failures; /* reloads refused (the old data kept) */
	const char *who;		  /* "dns", "proxy": the log lines' prefix */
	const char *snap_path, *optout_path;
	const struct isp_config *cfg;
	struct served_names *names; /* per-list counter slots (allocated by open) */
	int nworkers;		    /* set by served_slot_workers */
	struct served_gate *(*gate)(void *ud, int i);
	void *ud;
	/* Optional: what else a SIGHUP reloads (the DNS service's TLS certificate), called
	 * with ud in the main thread before the data; it keeps the old on failure itself. */
	void (*hup)(void *ud);
	struct filestamp snap_st, opt_st; /* the files as last loaded or seen */
};

/* Load the first data into s (who, snap_path and optout_path are kept). 0, or the error of
 * served_load with nothing loaded. */
int served_slot_open(struct served_slot *s, const char *who, const char *snap_path,
		     const char *optout_path, const struct isp_config *cfg, struct isp_err *err);
/* The workers the reload waits for (call before the loop). */
void served_slot_workers(struct served_slot *s, int n, struct served_gate *(*gate)(void *ud, int i),
			 void *ud);
/* Reload now; why ("SIGHUP", "snapshot changed") goes into the log line. */
void served_slot_reload(struct served_slot *s, const char *why);
/* Free the current data and the names (after the workers and metrics have stopped). */
void served_slot_close(struct served_slot *s);

/* Block SIGHUP, SIGTERM and SIGINT in the calling thread, so in every thread it starts
 * afterwards (the main thread takes them in served_slot_loop), and ignore SIGPIPE. */
void served_block_signals(sigset_t *set);
/* The main thread's loop, until SIGTERM or SIGINT (then it returns): SIGHUP reloads, and
 * so does a changed snapshot (once it exists) or opt-out file, seen within a second. */
void served_slot_loop(struct served_slot *s, const sigset_t *set);

#endif
