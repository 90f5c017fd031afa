/*
 * cause.h -- why a subscriber is told something: the causes every detector records with
 * its events and `notify` renders a notice for. One table, so that the DNS service,
 * partner lists, the proxy, the survey, the darknet and authwatch all speak of the same
 * causes, and each cause has one template per language.
 */
#ifndef ISP_CORE_CAUSE_H
#define ISP_CORE_CAUSE_H

enum cause {
	CAUSE_NONE = 0,
	CAUSE_CC,		 /* "cc": contacted a C&C server (DNS block, sinkhole, partner list,
				   darknet scan from an own address) -> remove the malware */
	CAUSE_MALWARE_SITE,	 /* "malware-site": opened a malware-distribution URL -> warning */
	CAUSE_OPEN_RESOLVER,	 /* "open-resolver": router answers DNS from the internet ->
				   update firmware, close the service */
	CAUSE_VULNERABLE_ROUTER, /* "vulnerable-router": admin page reachable from the internet
				   -> update firmware, change the PPPoE password */
	CAUSE_OPEN_PROXY,	 /* "open-proxy": relays for anyone -> remove/close the software */
	CAUSE_CREDENTIAL,	 /* "credential-abuse": login credentials used by someone else ->
				   change the password */
	CAUSE_N
};

/* "cc", "malware-site", ... ; NULL for CAUSE_NONE or out of range. */
const char *cause_name(enum cause c);
/* Name (as cause_name writes it) -> cause; CAUSE_NONE when unknown. */
enum cause cause_parse(const char *name);

#endif
