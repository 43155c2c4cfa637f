/* store_cases.h -- test helper: the case index of a store built without the broker (make_store). */
#ifndef RELAIS_TEST_STORE_CASES_H
#define RELAIS_TEST_STORE_CASES_H

#include <stdint.h>

#include "relais_store.h"

/* Applies the case rules to log records first..last (already appended) in one batch, as the
 * broker's writer would have, creating STORE_DIR's hub secret when the log held nothing
 * before `first`. Returns 0 or a status (with a detail). */
int store_cases_index(relais_store_t *store, const char *store_dir, uint64_t first, uint64_t last);

#endif
