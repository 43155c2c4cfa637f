/* fuzz_request.c -- libFuzzer target: requests, replies, case records, the lost and found's and the decrees' index
 * entries and log records, decoded and re-encoded. */
#include "fuzz_common.h"

#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>

/* What the decoder accepts, its encoder must write, and that must decode again to a value
 * that encodes to the same bytes: otherwise a stored or relayed value changes on its way. */
static void s_request(const uint8_t *data, size_t size)
{
    relais_request_t req, req2;
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    int rc = relais_request_decode(data, size, &req);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(req.submit == NULL, "a failed request decode holds a submission", rc);
        return;
    }
    if (req.kind == RELAIS_REQ_SUBMIT)
        FUZZ_CHECK(req.submit != NULL && req.submit_len > 0, "a submit request without bytes", 0);
    rc = relais_request_encode(&req, &enc, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "request_encode refused a decoded request", rc);
    rc = relais_request_decode(enc, len, &req2);
    FUZZ_CHECK(rc == RELAIS_OK, "request_decode refused what request_encode wrote", rc);
    rc = relais_request_encode(&req2, &enc2, &len2);
    FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0, "request does not re-encode stably",
               rc);
    FUZZ_CHECK(req2.kind == req.kind && req2.request_id == req.request_id, "request kind or id changed", 0);
    free(enc);
    free(enc2);
    relais_request_clear(&req);
    relais_request_clear(&req2);
}

/* Reads what a decoded reply owns, so that ASan checks each length against its buffer. */
static void s_reply_touch(const relais_reply_t *r)
{
    size_t n = strlen(r->error.message) + (r->note ? strlen(r->note) : 0);
    for (size_t i = 0; i < r->case_count; i++)
        n += strlen(r->cases[i].case_id) + strlen(r->cases[i].school);
    for (size_t i = 0; i < r->record_count; i++)
        if (r->record_lens[i])
            n += r->records[i][r->record_lens[i] - 1];
    if (r->delivery.record_len)
        n += r->delivery.record[r->delivery.record_len - 1];
    if (r->path_len)
        n += r->path[r->path_len - 1][31];
    for (size_t i = 0; i < r->lost_count; i++)
        n += strlen(r->lost[i].description) + strlen(r->lost[i].matched_id) + strlen(r->lost[i].handed_to);
    for (size_t i = 0; i < r->match_count; i++)
        n += strlen(r->matches[i].candidate.street) + r->matches[i].score;
    for (size_t i = 0; i < r->decree_count; i++) {
        const relais_decree_t *d = &r->decrees[i].decree;
        FUZZ_CHECK(d->place_count <= RELAIS_MAX_DECREE_PLACES && d->repeal_count <= RELAIS_MAX_REPEALS,
                   "a decoded decree has more places or repeals than room", 0);
        n += strlen(d->number) + strlen(d->title) + strlen(r->decrees[i].repealed_by);
        for (size_t j = 0; j < d->place_count; j++)
            n += strlen(d->places[j].street) + (size_t)d->places[j].side;
        for (size_t j = 0; j < d->repeal_count; j++)
            n += strlen(d->repeals[j]);
    }
    if (r->leaf_hash_count)
        n += r->leaf_hashes[r->leaf_hash_count - 1][31];
    volatile size_t sink = n;
    (void)sink;
}

static void s_reply(const uint8_t *data, size_t size)
{
    relais_reply_t rep, rep2;
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    int rc = relais_reply_decode(data, size, &rep);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rep.note == NULL && rep.path == NULL && rep.cases == NULL && rep.records == NULL &&
                       rep.delivery.record == NULL && rep.lost == NULL && rep.matches == NULL && rep.decrees == NULL,
                   "a failed reply decode holds memory", rc);
        return;
    }
    s_reply_touch(&rep);
    if (rep.kind == RELAIS_REPLY_ERROR)
        FUZZ_CHECK(relais_status_to_wire(rep.error.status) != 0, "an error reply decoded to a local code", 0);
    rc = relais_reply_encode(&rep, &enc, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "reply_encode refused a decoded reply", rc);
    rc = relais_reply_decode(enc, len, &rep2);
    FUZZ_CHECK(rc == RELAIS_OK, "reply_decode refused what reply_encode wrote", rc);
    rc = relais_reply_encode(&rep2, &enc2, &len2);
    FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0, "reply does not re-encode stably", rc);
    FUZZ_CHECK(rep2.kind == rep.kind && rep2.request_id == rep.request_id, "reply kind or id changed", 0);
    free(enc);
    free(enc2);
    relais_reply_clear(&rep);
    relais_reply_clear(&rep2);
}

static void s_case_record(const uint8_t *data, size_t size)
{
    /* on the heap, so that ASan sees a write past the struct */
    relais_case_record_t *rec = malloc(sizeof *rec), *rec2 = malloc(sizeof *rec2);
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    FUZZ_CHECK(rec != NULL && rec2 != NULL, "no memory for case records", 0);
    int rc = relais_case_record_decode(data, size, rec);
    if (rc == RELAIS_OK) {
        FUZZ_CHECK(strlen(rec->summary.case_id) < RELAIS_CASE_ID_LEN, "case id overflows its buffer", 0);
        rc = relais_case_record_encode(rec, &enc, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "case_record_encode refused a decoded record", rc);
        rc = relais_case_record_decode(enc, len, rec2);
        FUZZ_CHECK(rc == RELAIS_OK, "case_record_decode refused what case_record_encode wrote", rc);
        rc = relais_case_record_encode(rec2, &enc2, &len2);
        FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0,
                   "case record does not re-encode stably", rc);
    }
    free(enc);
    free(enc2);
    free(rec);
    free(rec2);
}

/* An item of the lost and found's index entry round-trips, its enums within the schema's. */
static void s_lost_record(const uint8_t *data, size_t size)
{
    relais_lost_record_t *rec = malloc(sizeof *rec), *rec2 = malloc(sizeof *rec2);
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    FUZZ_CHECK(rec != NULL && rec2 != NULL, "no memory for lost and found records", 0);
    int rc = relais_lost_record_decode(data, size, rec);
    if (rc == RELAIS_OK) {
        FUZZ_CHECK((int)rec->kind >= 0 && rec->kind < RELAIS_LOST_KIND_COUNT && (int)rec->state >= 0 &&
                       rec->state < RELAIS_LOST_STATE_COUNT && (int)rec->category >= 0 &&
                       rec->category < RELAIS_ITEM_COUNT && (int)rec->outcome >= 0 &&
                       rec->outcome < RELAIS_OUTCOME_COUNT,
                   "a decoded lost and found record has a value its schema lacks", 0);
        rc = relais_lost_record_encode(rec, &enc, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "lost_record_encode refused a decoded record", rc);
        rc = relais_lost_record_decode(enc, len, rec2);
        FUZZ_CHECK(rc == RELAIS_OK, "lost_record_decode refused what lost_record_encode wrote", rc);
        rc = relais_lost_record_encode(rec2, &enc2, &len2);
        FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0,
                   "lost and found record does not re-encode stably", rc);
    } else {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED, "lost_record_decode failed with a code it does not list", rc);
    }
    free(enc);
    free(enc2);
    free(rec);
    free(rec2);
}

/* A decree's index entry round-trips, its places and repeals within their room. */
static void s_decree_record(const uint8_t *data, size_t size)
{
    relais_decree_record_t *rec = malloc(sizeof *rec), *rec2 = malloc(sizeof *rec2);
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    FUZZ_CHECK(rec != NULL && rec2 != NULL, "no memory for decree records", 0);
    int rc = relais_decree_record_decode(data, size, rec);
    if (rc == RELAIS_OK) {
        const relais_decree_t *d = &rec->decree;
        FUZZ_CHECK(d->place_count <= RELAIS_MAX_DECREE_PLACES && d->repeal_count <= RELAIS_MAX_REPEALS,
                   "a decoded decree has more places or repeals than room", 0);
        for (size_t i = 0; i < d->place_count; i++)
            FUZZ_CHECK((int)d->places[i].side >= 0 && d->places[i].side < RELAIS_SIDE_COUNT,
                       "a decoded decree place has a side its schema lacks", 0);
        rc = relais_decree_record_encode(rec, &enc, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "decree_record_encode refused a decoded record", rc);
        rc = relais_decree_record_decode(enc, len, rec2);
        FUZZ_CHECK(rc == RELAIS_OK, "decree_record_decode refused what decree_record_encode wrote", rc);
        rc = relais_decree_record_encode(rec2, &enc2, &len2);
        FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0,
                   "decree record does not re-encode stably", rc);
    } else {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED, "decree_record_decode failed with a code it does not list", rc);
    }
    free(enc);
    free(enc2);
    free(rec);
    free(rec2);
}

/* A case's lifecycle (the index keeps it in clear) round-trips, merged cases included. */
static void s_lifecycle(const uint8_t *data, size_t size)
{
    relais_lifecycle_t *lc = malloc(sizeof *lc), *lc2 = malloc(sizeof *lc2);
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    FUZZ_CHECK(lc != NULL && lc2 != NULL, "no memory for lifecycles", 0);
    int rc = relais_lifecycle_decode(data, size, lc);
    if (rc == RELAIS_OK) {
        FUZZ_CHECK(lc->merged_count <= RELAIS_MAX_MERGED, "merged cases overflow their room", 0);
        rc = relais_lifecycle_encode(lc, &enc, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "lifecycle_encode refused a decoded lifecycle", rc);
        rc = relais_lifecycle_decode(enc, len, lc2);
        FUZZ_CHECK(rc == RELAIS_OK, "lifecycle_decode refused what lifecycle_encode wrote", rc);
        rc = relais_lifecycle_encode(lc2, &enc2, &len2);
        FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0, "lifecycle does not re-encode stably",
                   rc);
    }
    free(enc);
    free(enc2);
    free(lc);
    free(lc2);
}

/* A referral's index entry (and a referral handle read from the same bytes) round-trips too. */
static void s_referral_record(const uint8_t *data, size_t size)
{
    relais_referral_record_t *rec = malloc(sizeof *rec), *rec2 = malloc(sizeof *rec2);
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    FUZZ_CHECK(rec != NULL && rec2 != NULL, "no memory for referral records", 0);
    int rc = relais_referral_record_decode(data, size, rec);
    if (rc == RELAIS_OK) {
        rc = relais_referral_record_encode(rec, &enc, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "referral_record_encode refused a decoded record", rc);
        rc = relais_referral_record_decode(enc, len, rec2);
        FUZZ_CHECK(rc == RELAIS_OK, "referral_record_decode refused what referral_record_encode wrote", rc);
        rc = relais_referral_record_encode(rec2, &enc2, &len2);
        FUZZ_CHECK(rc == RELAIS_OK && len2 == len && memcmp(enc, enc2, len) == 0,
                   "referral record does not re-encode stably", rc);
    }
    char text[RELAIS_CASE_ID_LEN], handle[RELAIS_CASE_ID_LEN];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    uint64_t seq = relais_referral_handle_seq(text);
    if (seq) {
        relais_referral_handle(seq, handle);
        FUZZ_CHECK(strcmp(handle, text) == 0, "a handle does not write back as it was read", 0);
    }
    free(enc);
    free(enc2);
    free(rec);
    free(rec2);
}

/* The Merkle leaf has one byte string per record: encoding a decoded record gives the input. */
static void s_log_record(const uint8_t *data, size_t size)
{
    relais_log_record_t rec;
    if (relais_log_record_decode(data, size, &rec) != RELAIS_OK)
        return;
    FUZZ_CHECK(rec.seq > 0, "a decoded log record has sequence number 0", 0);
    /* The message runs to the end, but for a split's copy's number after it. */
    FUZZ_CHECK(rec.signed_len == 0 ||
                   (rec.signed_message >= data && rec.signed_message + rec.signed_len <= data + size &&
                    (rec.copy_of || rec.signed_message + rec.signed_len == data + size)),
               "log record's message points outside its input", 0);
    FUZZ_CHECK(rec.copy_of < rec.seq, "a log record copies itself or a later record", 0);
    size_t cap = relais_log_record_max_size(rec.key_id ? rec.sealed_len : rec.signed_len), len = 0;
    uint8_t *enc = malloc(cap);
    FUZZ_CHECK(enc != NULL, "no memory for a log record", 0);
    int rc = relais_log_record_encode(&rec, enc, cap, &len);
    FUZZ_CHECK(rc == RELAIS_OK && len == size && memcmp(enc, data, size) == 0,
               "log_record_encode does not give back what log_record_decode accepted", rc);
    free(enc);
}

/* The first bytes as a status and as a wire code: the mapping a reply's ErrorCode goes through
 * must stay within the wire codes, both ways, for any int. */
static void s_status(const uint8_t *data, size_t size)
{
    int32_t v[2] = {0, 0};
    memcpy(v, data, size < sizeof v ? size : sizeof v);
    int wire = relais_status_to_wire(v[0]);
    FUZZ_CHECK(wire >= 0 && wire <= -RELAIS_E_WIRE_LAST - RELAIS_E_BASE, "status_to_wire left the wire codes", v[0]);
    if (wire != 0)
        FUZZ_CHECK(relais_status_from_wire(wire) == v[0], "status_to_wire and status_from_wire disagree", v[0]);
    int status = relais_status_from_wire(v[1]);
    FUZZ_CHECK(relais_status_to_wire(status) != 0, "status_from_wire gave a code that is not a wire code", status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_status(data, size);
    /* every decoder sees every input: protobuf frames of one type are often valid as another */
    s_request(data, size);
    s_reply(data, size);
    s_case_record(data, size);
    s_referral_record(data, size);
    s_lifecycle(data, size);
    s_lost_record(data, size);
    s_decree_record(data, size);
    s_log_record(data, size);
    return 0;
}
