/* desk_util.h -- what the Tranquillité urbaine desk's commands share (reception, lost, decree). */
#ifndef RELAIS_DESK_UTIL_H
#define RELAIS_DESK_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_util.h"
#include "relais_client.h"

/* "2026-12-03 09:40" (or a date alone: its midnight) as local time, in *ms; -1 when it is neither. */
int relais_desk_local_time(const char *text, int64_t *ms);

/* The street `typed` as the town's list spells it, into out (room cap): the list at `streets`, or
 * RELAIS_STREETS, or ./streets.tsv. A street the list does not have is refused, the closest named
 * (usage error of command `cmd`); with no list to read, `as_typed` lets the text through as typed
 * (a search), else that is refused too. Returns 0 or the command's exit status. */
int relais_desk_street(const char *cmd, const char *streets, const char *typed, int as_typed, char *out, size_t cap);

/* The payload `key` around `body` (stolen), signed and written to the identity's spool (`spool`)
 * before it is sent: what is typed while the hub is unreachable is not lost, and goes with the
 * next command (or `relais submit --flush`). Prints the handle the hub gave (JSON with
 * `json_out`); returns the command's exit status. */
int relais_desk_submit(relais_client_t *client, const char *cmd, const char *spool, int json_out, const char *key,
                       json_t *body);

#endif
