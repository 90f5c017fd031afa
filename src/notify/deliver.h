/*
 * deliver.h -- handing a rendered notice to the mail system: SMTP (libcurl: STARTTLS or
 * TLS, AUTH, one connection reused for many messages) or a Maildir.
 *
 * Maildir delivery is idempotent: the file is written as tmp/KEY, synced, and linked
 * into new/ under the notice's key; a key already in new/ or cur/ (":2,") holding the
 * same message counts as delivered, one holding another message is an error (ISR_EIO):
 * the name is taken, the notice was not delivered. Keys must therefore be unique across
 * everything that delivers into the Maildir (notify puts the store's id in them).
 * (tmp/KEY without the usual pid and host parts: only one notifier runs at a time.)
 *
 * SMTP cannot be made idempotent by the client: the server takes the message when it
 * reads the final "." and a client that dies before it has read the reply cannot know
 * whether it did (RFC 1047). notify records a notice as sent only after the reply, so a
 * crash in that window sends it again, with the same Message-ID.
 */
#ifndef ISP_NOTIFY_DELIVER_H
#define ISP_NOTIFY_DELIVER_H

#include <stddef.h>

#include "core/service/config.h"
#include "core/base/err.h"

struct deliver;

/*
 * Open the delivery configured in cfg: notify.maildir when set, else notify.smtp. Neither
 * set is ISR_EINVAL ("nowhere to deliver").
 */
int deliver_open(const struct isp_config *cfg, struct deliver **out, struct isp_err *err);
void deliver_close(struct deliver *d);
/* "smtp://host:port" or "maildir DIR": where messages go, for messages. */
const char *deliver_target(const struct deliver *d);

/*
 * Deliver msg to rcpt. key names the message (letters, digits, '.', '-', '_').
 * Returns 0 when delivered, ISR_EIO when worth retrying (connection refused, 4xx),
 * ISR_EINVAL when it never will be (5xx: the recipient or the message was refused).
 */
int deliver_send(struct deliver *d, const char *key, const char *rcpt, const char *msg, size_t len,
		 struct isp_err *err);

#endif
