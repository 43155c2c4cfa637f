/* case_tamper.c -- test helper: rewrites one case of a store's case index, as a bug or an intruder could.
 *
 *   case_tamper STORE_DIR CASE_ID STATE [DATA_KEY]
 *       sets the cached state of CASE_ID to STATE ("closed-completed", ...), leaving the log
 *       alone: `relais audit verify` must then find the index unequal to the log's replay.
 *       STATE a meeting's id ("M-20261203-zz") instead: files CASE_ID's last event in the
 *       meetings' index under that meeting, which the log never made.
 *       A sealed store's index is rewritten sealed, with the hub's data key (DATA_KEY): what
 *       someone holding that key, or a bug in the hub, could do.
 * Exit 0 on success, 1 on failure (with a sentence on stderr).
 */
#include <stdio.h>
#include <stdlib.h>

#include "relais_cases.h"
#include "relais_keys.h"
#include "relais_proto.h"
#include "relais_store.h"

static int s_fail(int rc, const char *what)
{
    fprintf(stderr, "case_tamper: %s: %s (%s)\n", what, relais_status_name(rc), relais_status_detail());
    return 1;
}

/* A batch begun on the store, and the case as it sees it. */
static int s_begin_with_case(relais_store_t *store, const char *case_id, relais_store_batch_t **batch,
                             relais_case_record_t *rec)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_store_batch_begin(store, batch);
    if (!rc)
        rc = relais_store_batch_case_get(*batch, case_id, &bytes, &len);
    if (!rc)
        rc = relais_case_record_decode(bytes, len, rec);
    free(bytes);
    return rc;
}

/* The case, decoded, its state changed, written back in its own batch. */
static int s_rewrite(relais_store_t *store, const char *case_id, relais_case_state_t state)
{
    relais_store_batch_t *batch = NULL;
    relais_case_record_t rec;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = s_begin_with_case(store, case_id, &batch, &rec);
    rec.summary.state = state;
    if (!rc)
        rc = relais_case_record_encode(&rec, &bytes, &len);
    if (!rc)
        rc = relais_store_batch_case_put(batch, case_id, bytes, len);
    free(bytes);
    if (!rc)
        return relais_store_batch_commit(&batch);
    relais_store_batch_abort(&batch);
    return rc;
}

/* A meeting's record the log never made: the case's last event filed under `meeting_id`. */
static int s_forge_meeting(relais_store_t *store, const char *case_id, const char *meeting_id)
{
    relais_store_batch_t *batch = NULL;
    relais_case_record_t rec;
    int rc = s_begin_with_case(store, case_id, &batch, &rec);
    if (!rc)
        rc = relais_store_batch_meeting_put(batch, meeting_id, rec.last_seq, case_id);
    if (!rc)
        return relais_store_batch_commit(&batch);
    relais_store_batch_abort(&batch);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: case_tamper STORE_DIR CASE_ID STATE|MEETING_ID [DATA_KEY]\n");
        return 1;
    }
    int forge = relais_meeting_id_valid(argv[3], NULL);
    relais_case_state_t state = relais_case_state_from_name(argv[3]);
    if (state == RELAIS_CASE_UNSPECIFIED && !forge) {
        fprintf(stderr, "case_tamper: unknown state '%s'\n", argv[3]);
        return 1;
    }
    relais_store_t *store = NULL;
    relais_kek_t *kek = NULL;
    relais_keyring_t *ring = NULL;
    int rc = relais_store_open(argv[1], NULL, &store);
    if (rc)
        return s_fail(rc, argv[1]);
    if (argc == 5 && (rc = relais_kek_load(argv[4], &kek)) == 0 && (rc = relais_keyring_new(kek, &ring)) == 0)
        relais_cases_seal_store(store, ring);
    if (!rc)
        rc = forge ? s_forge_meeting(store, argv[2], argv[3]) : s_rewrite(store, argv[2], state);
    relais_store_destroy(&store);
    relais_keyring_destroy(&ring);
    relais_kek_destroy(&kek);
    return rc ? s_fail(rc, argv[2]) : 0;
}
