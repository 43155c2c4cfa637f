/* fuzz_seeds.c -- writes the fuzz targets' seed corpora: real, small, deterministic inputs of every kind.
 *
 *   fuzz_seeds EXAMPLES_DIR CORPUS_DIR
 * writes CORPUS_DIR/<target>/<name> for fuzz_message, fuzz_request, fuzz_json, fuzz_proof, fuzz_text,
 * fuzz_decree_numbers, fuzz_proof_json, fuzz_witness_body and fuzz_cosig (the folders must exist). Everything is derived from fixed keys, ids
 * and times, so running it again rewrites the same bytes. Exit 0, or 1 with a sentence on stderr.
 */
#include "fuzz_common.h"

#include "audit_json_internal.h"
#include "relais_cosig.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_corpus;

static void s_write(const char *target, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", s_corpus, target, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0, path, 0);
}

/* Caller frees; the whole file, NUL-terminated. */
static char *s_read(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL, path, 0);
    char *buf = malloc(1 << 16);
    FUZZ_CHECK(buf != NULL, "no memory for an example", 0);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* ---- Messages: JSON payloads, and the signed frames they become -------------------------- */

static const char *const s_examples[] = {
    "referral-college-marie-curie.json",
    "referral-pmi-les-blagis.json",
    "referral-cmp-sceaux-parental-request.json",
    "invalid-no-consent.json", /* builds and signs; only the broker's rules refuse it */
};

static const struct {
    const char *name; /* seed file name */
    const char *json; /* the payload object */
} s_payloads[] = {
    {"case-update.json",
     "{\"case_update\": {\"case_id\": \"C-2026-0007\", \"from_state\": \"DIAGNOSIS\", \"to_state\": "
     "\"PATHWAY_PROPOSED\", \"sub_status\": \"awaiting-family\", \"note\": \"Atelier le mercredi\", "
     "\"pathway\": [{\"kind\": \"COLLECTIVE\", \"description\": \"Atelier théâtre\", \"partner\": \"MJC\", "
     "\"start_date\": \"2026-12-02\", \"frequency\": \"weekly\"}], \"next_review_date\": \"2027-01-15\"}}"},
    {"meeting.json",
     "{\"meeting\": {\"meeting_id\": \"M-20261202-a3f9\", \"date\": \"2026-12-02\", \"present\": [{\"name\": "
     "\"Mme Roux\", \"role\": \"psychologue\", \"organisation\": \"CMP de Sceaux\"}, {\"organisation\": \"MJC\"}], "
     "\"case_id\": \"C-7\", \"decision\": \"Orientation vers le CMP.\\nPoint en janvier.\", "
     "\"next_review_date\": \"2027-01-15\"}}"},
    {"contact.json", "{\"contact\": {\"channel\": \"LETTER\", \"subject\": \"Bruit place de la Gare\", "
                     "\"requester\": \"M. Durand\", \"summary\": \"Signalé trois soirs\", \"occurred_ms\": 1795422600000, "
                     "\"category\": \"NOISE\", \"street\": \"Place de la Gare\", \"handling\": \"FOLLOW_UP\", "
                     "\"acknowledged_date\": \"2026-11-27\", \"response_due_date\": \"2027-01-26\"}}"},
    {"contact-update.json", "{\"contact_update\": {\"entry_id\": \"A-12\", \"handling\": \"CLOSED\", "
                            "\"note\": \"Réponse envoyée le 2 décembre.\"}}"},
    {"transfer.json", "{\"transfer\": {\"entry_id\": \"A-12\", \"recipient\": \"HUB\", \"recipient_name\": "
                      "\"coordination\", \"means\": \"BY_HUB\", \"note\": \"Pour avis\"}}"},
    {"transfer-answer.json", "{\"transfer_answer\": {\"transfer_id\": \"T-14\", \"answer\": \"DECLINED\", "
                             "\"note\": \"Hors de notre champ.\"}}"},
    {"lost-found.json", "{\"lost_found\": {\"kind\": \"FOUND\", \"description\": \"Trousseau de clés\", "
                        "\"place\": \"Jardin de la Ménagerie\", \"when_ms\": 1795422600000, \"category\": \"KEYS\", "
                        "\"storage\": \"armoire 2\", \"keep_until\": \"2027-11-25\"}}"},
    {"lost-found-declaration.json",
     "{\"lost_found\": {\"kind\": \"LOST\", \"category\": \"WALLET\", \"description\": \"Portefeuille en cuir "
     "marron\\nfermeture éclair\", \"street\": \"Rue Houdan\", \"house_number\": \"12 bis\", \"place\": \"entre la "
     "gare et le marché\", \"when_ms\": 1795415400000, \"until_ms\": 1795420800000, \"person\": \"Mme Roussel\", "
     "\"contact\": \"01 99 00 07 52\"}}"},
    {"lost-found-finder.json",
     "{\"lost_found\": {\"kind\": \"FOUND\", \"category\": \"OTHER_ITEM\", \"description\": \"Doudou lapin\", "
     "\"street\": \"Rue Florian\", \"when_ms\": 1795422600000, \"person\": \"M. Benhamou\", \"contact\": "
     "\"01 99\", \"storage\": \"armoire 2\", \"keep_until\": \"2027-11-25\", \"finder_claims\": true}}"},
    {"lost-found-update-return.json",
     "{\"lost_found_update\": {\"item_id\": \"O-21\", \"kind\": \"RETURN\", \"owner\": \"Mme Roussel\", "
     "\"identity_checked\": \"carte d'identité …4521\", \"declaration_id\": \"P-23\", \"note\": \"Rendu au "
     "guichet.\"}}"},
    {"lost-found-update-end.json",
     "{\"lost_found_update\": {\"item_id\": \"O-7\", \"kind\": \"END\", \"outcome\": \"HANDED_OVER\", "
     "\"handed_to\": \"CCAS de Sceaux\", \"note\": \"Reçu n° 2026-37.\"}}"},
    {"lost-found-update-withdraw.json",
     "{\"lost_found_update\": {\"item_id\": \"P-23\", \"kind\": \"WITHDRAW\", \"note\": \"Retrouvé.\"}}"},
    {"decree.json",
     "{\"decree\": {\"number\": \"2026-148\", \"title\": \"Stationnement interdit, rue Houdan\", \"nature\": "
     "\"REGULATORY\", \"duration\": \"TEMPORARY\", \"signed_date\": \"2026-11-20\", \"effective_from\": "
     "\"2026-12-14\", \"effective_to\": \"2026-12-15\", \"places\": [{\"street\": \"Rue Houdan\", "
     "\"from_number\": 2, \"to_number\": 40, \"side\": \"EVEN\"}, {\"street\": \"Rue Houdan\", \"from_number\": "
     "101, \"side\": \"ODD\"}, {\"street\": \"Rue des Écoles\"}], \"text\": \"Article 1er : le stationnement "
     "est interdit.\\nArticle 2 : …\", \"repeals\": [\"2012-045\", \"2019/7\"], \"signatory\": \"Paul "
     "Lemoine, adjoint au maire\"}}"},
    {"decree-individual.json",
     "{\"decree\": {\"number\": \"2026-152\", \"title\": \"Benne, 18 rue des Écoles\", \"nature\": "
     "\"INDIVIDUAL\", \"duration\": \"PERMANENT\", \"signed_date\": \"2026-11-20\", \"effective_from\": "
     "\"2026-11-21\", \"town_wide\": true, \"pdf_sha256\": \"1eZezIg6IiH3x5XGXPE9Ljgx4aK3ZCoCmfeilD5wJX4=\", "
     "\"signatory\": \"Philippe Laurent, maire\", \"request_entry\": \"A-31\"}}"},
    {"referral-minimal.json",
     "{\"referral\": {\"child\": {\"family_name\": \"B\", \"given_names\": [\"L\", \"M\"]}, \"domains\": "
     "[\"HEALTH\"], \"urgency\": 3, \"parental_request\": {\"requester_name\": \"P\", \"channel\": null}}}"},
};

static void s_signed_seed(const char *name, const uint8_t *body, size_t body_len)
{
    uint8_t sig[64], *frame = NULL;
    size_t frame_len = 0;
    fuzz_sign_body(body, body_len, sig);
    int rc = relais_signed_encode(body, body_len, sig, &frame, &frame_len);
    FUZZ_CHECK(rc == RELAIS_OK, "signed_encode", rc);
    s_write("fuzz_message", name, frame, frame_len);
    free(frame);
}

/* One payload: the JSON seed, its signed frame, and (for the first) a frame with a bad signature. */
static void s_message_seeds(const char *name, const char *json, size_t len, uint8_t **first, size_t *first_len)
{
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = relais_message_from_json(json, len, FUZZ_SENDER, fuzz_msg_id, FUZZ_CREATED_MS, &body, &body_len);
    FUZZ_CHECK(rc == RELAIS_OK, name, rc);
    s_write("fuzz_json", name, json, len);
    char frame_name[256];
    snprintf(frame_name, sizeof frame_name, "%.*s.signed", (int)(strlen(name) - 5), name);
    s_signed_seed(frame_name, body, body_len);
    if (*first == NULL) {
        *first = body;
        *first_len = body_len;
    } else {
        free(body);
    }
}

static void s_messages(const char *examples, uint8_t **body, size_t *body_len)
{
    for (size_t i = 0; i < sizeof s_examples / sizeof s_examples[0]; i++) {
        size_t len;
        char *json = s_read(examples, s_examples[i], &len);
        s_message_seeds(s_examples[i], json, len, body, body_len);
        free(json);
    }
    for (size_t i = 0; i < sizeof s_payloads / sizeof s_payloads[0]; i++)
        s_message_seeds(s_payloads[i].name, s_payloads[i].json, strlen(s_payloads[i].json), body, body_len);

    /* the broker's own access record, with a from_seq JSON can still carry */
    relais_access_t access = {.reader = "auditeur", .action = "audit-records", .from_seq = 1, .to_seq = 4096};
    uint8_t *acc = NULL;
    size_t acc_len = 0;
    int rc = relais_message_encode_access("relais-hub", fuzz_msg_id, FUZZ_CREATED_MS, &access, &acc, &acc_len);
    FUZZ_CHECK(rc == RELAIS_OK, "encode_access", rc);
    s_signed_seed("access.signed", acc, acc_len);
    free(acc);

    /* a valid frame whose signature is not the sender's: the verifier's refusal path */
    uint8_t sig[64] = {0}, *frame = NULL;
    size_t frame_len = 0;
    fuzz_sign_body(*body, *body_len, sig);
    sig[17] ^= 0x20;
    rc = relais_signed_encode(*body, *body_len, sig, &frame, &frame_len);
    FUZZ_CHECK(rc == RELAIS_OK, "signed_encode", rc);
    s_write("fuzz_message", "bad-signature.signed", frame, frame_len);
    free(frame);
}

/* ---- Requests, replies, case records and log records -------------------------------------- */

static void s_request_seed(const char *name, const relais_request_t *req)
{
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = relais_request_encode(req, &out, &len);
    FUZZ_CHECK(rc == RELAIS_OK, name, rc);
    s_write("fuzz_request", name, out, len);
    free(out);
}

static void s_requests(uint8_t *frame, size_t frame_len)
{
    relais_request_t r = {.request_id = 7, .kind = RELAIS_REQ_SUBMIT, .submit = frame, .submit_len = frame_len};
    s_request_seed("req-submit", &r);
    r = (relais_request_t){.request_id = 8, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 12, .credit = 64};
    s_request_seed("req-subscribe", &r);
    r = (relais_request_t){.request_id = 9, .kind = RELAIS_REQ_CREDIT, .credit = 32};
    s_request_seed("req-credit", &r);
    r = (relais_request_t){.request_id = 10, .kind = RELAIS_REQ_CASE_LIST, .states = (1u << 2) | (1u << 13),
                           .urgency = RELAIS_URGENCY_URGENT, .school = "Collège", .referrer = "PMI",
                           .overdue_only = 1};
    s_request_seed("req-case-list", &r);
    r = (relais_request_t){.request_id = 11, .kind = RELAIS_REQ_CASE_SHOW, .case_id = "C-2026-0007"};
    s_request_seed("req-case-show", &r);
    r = (relais_request_t){.request_id = 12, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1, .to_seq = 100};
    s_request_seed("req-audit-records", &r);
    r = (relais_request_t){.request_id = 13, .kind = RELAIS_REQ_AUDIT_CHECKPOINT};
    s_request_seed("req-audit-checkpoint", &r);
    r = (relais_request_t){.request_id = 14, .kind = RELAIS_REQ_AUDIT_INCLUSION, .seq = 5, .tree_size = 9};
    s_request_seed("req-audit-inclusion", &r);
    r = (relais_request_t){.request_id = 15, .kind = RELAIS_REQ_AUDIT_CONSISTENCY, .old_size = 3, .new_size = 9};
    s_request_seed("req-audit-consistency", &r);
    r = (relais_request_t){.request_id = 16, .kind = RELAIS_REQ_PING};
    s_request_seed("req-ping", &r);
    r = (relais_request_t){.request_id = 17, .kind = RELAIS_REQ_MEETING_LIST};
    s_request_seed("req-meeting-list", &r);
    r = (relais_request_t){.request_id = 18, .kind = RELAIS_REQ_MEETING_SHOW, .case_id = "M-20261202-a3f9"};
    s_request_seed("req-meeting-show", &r);
    r = (relais_request_t){.request_id = 19, .kind = RELAIS_REQ_RECEPTION_LIST, .search = "houdan",
                           .street = "Rue Houdan", .category = RELAIS_CATEGORY_NOISE, .from_ms = FUZZ_CREATED_MS,
                           .to_ms = FUZZ_CREATED_MS + 86400000, .open_only = 1, .overdue_only = 1, .before = 40};
    s_request_seed("req-reception-list", &r);
    r = (relais_request_t){.request_id = 20, .kind = RELAIS_REQ_RECEPTION_SHOW, .case_id = "A-12"};
    s_request_seed("req-reception-show", &r);
    r = (relais_request_t){.request_id = 21, .kind = RELAIS_REQ_RECEPTION_STATS, .from_ms = FUZZ_CREATED_MS,
                           .to_ms = FUZZ_CREATED_MS + 86400000, .threshold = 5};
    s_request_seed("req-reception-stats", &r);
    r = (relais_request_t){.request_id = 22, .kind = RELAIS_REQ_LOST_LIST, .lost_kind = RELAIS_LOST_KIND_FOUND,
                           .item_category = RELAIS_ITEM_WALLET, .search = "portefeuille", .from_ms = FUZZ_CREATED_MS,
                           .to_ms = FUZZ_CREATED_MS + 86400000, .open_only = 1, .before = 40, .keeping_over = 1};
    s_request_seed("req-lost-list", &r);
    r = (relais_request_t){.request_id = 23, .kind = RELAIS_REQ_LOST_SHOW, .case_id = "O-21"};
    s_request_seed("req-lost-show", &r);
    r = (relais_request_t){.request_id = 24, .kind = RELAIS_REQ_LOST_MATCH, .case_id = "P-23"};
    s_request_seed("req-lost-match", &r);
    r = (relais_request_t){.request_id = 25, .kind = RELAIS_REQ_DECREE_LIST, .search = "stationnement",
                           .on_date = "2026-12-14", .before = 41};
    s_request_seed("req-decree-list", &r);
    r = (relais_request_t){.request_id = 26, .kind = RELAIS_REQ_DECREE_SHOW, .decree_number = "2026-148"};
    s_request_seed("req-decree-show", &r);
    r = (relais_request_t){.request_id = 27, .kind = RELAIS_REQ_DECREE_IN_FORCE, .street = "Rue Houdan",
                           .house_number = "12 bis", .on_date = "2026-12-14"};
    s_request_seed("req-decree-in-force", &r);
}

static void s_reply_seed(const char *name, const relais_reply_t *rep)
{
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = relais_reply_encode(rep, &out, &len);
    FUZZ_CHECK(rc == RELAIS_OK, name, rc);
    s_write("fuzz_request", name, out, len);
    free(out);
}

static relais_case_summary_t s_summary(void)
{
    relais_case_summary_t s = {.case_id = "C-2026-0007", .state = RELAIS_CASE_TRIAGE, .task_status = 2,
                               .sub_status = "first-contact", .urgency = RELAIS_URGENCY_PRIORITY,
                               .child_display = "Lina B. (2014)", .school = "Collège Marie Curie",
                               .referrers = {"Collège Marie Curie", "PMI Les Blagis"}, .referrer_count = 2,
                               .opened_ms = FUZZ_CREATED_MS, .updated_ms = FUZZ_CREATED_MS + 1000,
                               .due_ms = FUZZ_CREATED_MS + 86400000, .referral_count = 2};
    return s;
}

/* A found item returned, and the declaration it answered (items[0], items[1]). */
static void s_lost_records(relais_lost_record_t *items)
{
    items[0] = (relais_lost_record_t){.seq = 21, .sender = "accueil-tu", .received_ms = FUZZ_CREATED_MS,
                                      .kind = RELAIS_LOST_KIND_FOUND, .category = RELAIS_ITEM_WALLET,
                                      .description = "Portefeuille en cuir marron\ncarte Navigo",
                                      .street = "Rue Houdan", .house_number = "12", .place = "arrêt de bus",
                                      .when_ms = FUZZ_CREATED_MS - 3600000, .person = "M. Benhamou",
                                      .contact = "01 99 00 06 18", .storage = "coffre", .keep_until = "2027-11-25",
                                      .finder_claims = 1, .state = RELAIS_LOST_STATE_RETURNED,
                                      .owner = "Mme Roussel", .identity_checked = "CNI …4521", .matched_id = "P-23",
                                      .closed_ms = FUZZ_CREATED_MS + 1000, .last_seq = 30,
                                      .updated_ms = FUZZ_CREATED_MS + 1000};
    items[1] = (relais_lost_record_t){.seq = 23, .sender = "accueil-tu", .received_ms = FUZZ_CREATED_MS + 500,
                                      .kind = RELAIS_LOST_KIND_LOST, .category = RELAIS_ITEM_WALLET,
                                      .description = "portefeuille marron", .street = "Rue Houdan",
                                      .place = "gare", .when_ms = FUZZ_CREATED_MS - 7200000,
                                      .until_ms = FUZZ_CREATED_MS - 3600000, .person = "Mme Roussel",
                                      .contact = "01 99 00 07 52", .state = RELAIS_LOST_STATE_RECOVERED,
                                      .owner = "Mme Roussel", .matched_id = "O-21",
                                      .closed_ms = FUZZ_CREATED_MS + 1000, .last_seq = 30,
                                      .updated_ms = FUZZ_CREATED_MS + 1000};
}

/* A temporary decree at places, and a permanent town-wide one another decree repealed. */
static void s_decree_records(relais_decree_record_t *d)
{
    d[0].seq = 41;
    snprintf(d[0].sender, sizeof d[0].sender, "publication");
    d[0].received_ms = FUZZ_CREATED_MS;
    snprintf(d[0].decree.number, sizeof d[0].decree.number, "2026-148");
    snprintf(d[0].decree.title, sizeof d[0].decree.title, "Stationnement interdit, rue Houdan");
    d[0].decree.nature = RELAIS_DECREE_REGULATORY;
    d[0].decree.duration = RELAIS_DECREE_TEMPORARY;
    snprintf(d[0].decree.signed_date, sizeof d[0].decree.signed_date, "2026-11-20");
    snprintf(d[0].decree.effective_from, sizeof d[0].decree.effective_from, "2026-12-14");
    snprintf(d[0].decree.effective_to, sizeof d[0].decree.effective_to, "2026-12-15");
    d[0].decree.places[0] = (relais_decree_place_t){.street = "Rue Houdan", .from_number = 2, .to_number = 40,
                                                    .side = RELAIS_SIDE_EVEN};
    d[0].decree.places[1] = (relais_decree_place_t){.street = "Rue des Écoles", .from_number = 101,
                                                    .side = RELAIS_SIDE_ODD};
    d[0].decree.place_count = 2;
    snprintf(d[0].decree.repeals[0], sizeof d[0].decree.repeals[0], "2019/7");
    d[0].decree.repeal_count = 1;
    snprintf(d[0].decree.signatory, sizeof d[0].decree.signatory, "Paul Lemoine, adjoint au maire");
    d[1].seq = 12;
    snprintf(d[1].sender, sizeof d[1].sender, "publication");
    d[1].received_ms = FUZZ_CREATED_MS - 86400000;
    snprintf(d[1].decree.number, sizeof d[1].decree.number, "2012-045");
    snprintf(d[1].decree.title, sizeof d[1].decree.title, "Bruits de voisinage");
    d[1].decree.nature = RELAIS_DECREE_INDIVIDUAL;
    d[1].decree.duration = RELAIS_DECREE_PERMANENT;
    snprintf(d[1].decree.signed_date, sizeof d[1].decree.signed_date, "2012-04-03");
    snprintf(d[1].decree.effective_from, sizeof d[1].decree.effective_from, "2012-04-03");
    d[1].decree.town_wide = 1;
    d[1].decree.has_pdf = 1;
    memset(d[1].decree.pdf_sha256, 0xd5, sizeof d[1].decree.pdf_sha256);
    snprintf(d[1].decree.signatory, sizeof d[1].decree.signatory, "Philippe Laurent, maire");
    snprintf(d[1].decree.request_entry, sizeof d[1].decree.request_entry, "A-31");
    snprintf(d[1].repealed_by, sizeof d[1].repealed_by, "2026-131");
    snprintf(d[1].repealed_from, sizeof d[1].repealed_from, "2026-11-25");
}

static void s_replies(uint8_t *record, size_t record_len, const relais_hash_t *path, size_t path_len)
{
    relais_reply_t r = {.request_id = 7, .kind = RELAIS_REPLY_ACK};
    r.ack = (relais_ack_t){.seq = 1, .received_ms = FUZZ_CREATED_MS, .case_id = "C-2026-0007"};
    memcpy(r.ack.msg_id, fuzz_msg_id, sizeof fuzz_msg_id);
    memset(r.ack.leaf_hash, 0xab, sizeof r.ack.leaf_hash);
    s_reply_seed("rep-ack", &r);
    r = (relais_reply_t){.request_id = 7, .kind = RELAIS_REPLY_ERROR};
    r.error = (relais_error_t){.status = RELAIS_E_NO_CONSENT, .message = "la référence n'a pas de consentement",
                               .has_msg_id = 1};
    memcpy(r.error.msg_id, fuzz_msg_id, sizeof fuzz_msg_id);
    s_reply_seed("rep-error", &r);
    relais_case_summary_t sum = s_summary();
    r = (relais_reply_t){.request_id = 8, .kind = RELAIS_REPLY_DELIVERY};
    r.delivery = (relais_delivery_t){.seq = 1, .received_ms = FUZZ_CREATED_MS, .record = record,
                                     .record_len = record_len, .has_status = 1, .overdue = 1};
    r.delivery.status = (relais_case_status_t){.case_id = "C-2026-0007", .state = RELAIS_CASE_ACCEPTED,
                                               .task_status = 3, .reason_code = "ok", .updated_ms = 5};
    s_reply_seed("rep-delivery", &r);
    char note[] = "relais.example/fuzz\n9\nq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n\n";
    r = (relais_reply_t){.request_id = 13, .kind = RELAIS_REPLY_CHECKPOINT, .tree_size = 9, .time_ms = 77,
                         .note = note};
    memset(r.root, 0x5a, sizeof r.root);
    s_reply_seed("rep-checkpoint", &r);
    r = (relais_reply_t){.request_id = 14, .kind = RELAIS_REPLY_INCLUSION, .seq = 6, .tree_size = 9,
                         .path = (uint8_t(*)[32])path, .path_len = path_len};
    memset(r.leaf_hash, 0x11, sizeof r.leaf_hash);
    s_reply_seed("rep-inclusion", &r);
    r = (relais_reply_t){.request_id = 15, .kind = RELAIS_REPLY_CONSISTENCY, .old_size = 3, .tree_size = 9,
                         .path = (uint8_t(*)[32])path, .path_len = path_len};
    s_reply_seed("rep-consistency", &r);
    relais_case_summary_t two[2] = {sum, sum};
    strcpy(two[1].case_id, "C-2026-0008");
    r = (relais_reply_t){.request_id = 10, .kind = RELAIS_REPLY_CASE_LIST, .cases = two, .case_count = 2};
    s_reply_seed("rep-case-list", &r);
    uint8_t *records[2] = {record, record};
    size_t lens[2] = {record_len, record_len};
    r = (relais_reply_t){.request_id = 11, .kind = RELAIS_REPLY_CASE_DETAIL, .cases = &sum, .case_count = 1,
                         .records = records, .record_lens = lens, .record_count = 2};
    s_reply_seed("rep-case-detail", &r);
    r = (relais_reply_t){.request_id = 12, .kind = RELAIS_REPLY_RECORDS, .records = records, .record_lens = lens,
                         .record_count = 1, .next_seq = 2};
    s_reply_seed("rep-records", &r);
    r = (relais_reply_t){.request_id = 16, .kind = RELAIS_REPLY_NONE};
    s_reply_seed("rep-pong", &r);
    /* An entry of the reception's register with a transfer answered, listed and shown. */
    relais_contact_record_t *entry = calloc(1, sizeof *entry);
    FUZZ_CHECK(entry != NULL, "rep-contact", RELAIS_E_NOMEM);
    *entry = (relais_contact_record_t){.seq = 12, .sender = "accueil-tu", .received_ms = FUZZ_CREATED_MS,
                                       .occurred_ms = FUZZ_CREATED_MS - 60000, .channel = RELAIS_CHANNEL_LETTER,
                                       .category = RELAIS_CATEGORY_PUBLIC_SPACE, .street = "Rue Houdan",
                                       .house_number = "12", .subject = "Trottoir", .requester = "Mme Durand",
                                       .summary = "Courrier.", .handling = RELAIS_HANDLING_TRANSFERRED,
                                       .acknowledged_date = "2026-12-02", .response_due_date = "2027-01-31",
                                       .last_seq = 15, .updated_ms = FUZZ_CREATED_MS + 2000, .transfer_count = 1,
                                       .contact_agreed = 1};
    entry->transfers[0] = (relais_transfer_state_t){.seq = 14, .recipient = RELAIS_RECIPIENT_HUB,
                                                    .recipient_name = "coordination", .means = RELAIS_MEANS_BY_HUB,
                                                    .transferred_ms = FUZZ_CREATED_MS + 1000, .sender = "accueil-tu",
                                                    .answer = RELAIS_ANSWER_ACCEPTED, .answer_seq = 15,
                                                    .answered_ms = FUZZ_CREATED_MS + 2000};
    r = (relais_reply_t){.request_id = 17, .kind = RELAIS_REPLY_CONTACT_LIST, .contacts = entry, .contact_count = 1,
                         .next_seq = 12};
    s_reply_seed("rep-contact-list", &r);
    r = (relais_reply_t){.request_id = 18, .kind = RELAIS_REPLY_CONTACT_DETAIL, .contacts = entry, .contact_count = 1,
                         .records = records, .record_lens = lens, .record_count = 2};
    s_reply_seed("rep-contact-detail", &r);
    free(entry);

    /* The lost and found: a found item returned to the owner whose declaration it answered, the
     * declaration, listed, shown and matched. */
    relais_lost_record_t *items = calloc(2, sizeof *items);
    relais_lost_match_t *match = calloc(1, sizeof *match);
    FUZZ_CHECK(items != NULL && match != NULL, "rep-lost", RELAIS_E_NOMEM);
    s_lost_records(items);
    r = (relais_reply_t){.request_id = 22, .kind = RELAIS_REPLY_LOST_LIST, .lost = items, .lost_count = 2,
                         .next_seq = 21};
    s_reply_seed("rep-lost-list", &r);
    uint8_t(*leaves)[32] = calloc(2, sizeof *leaves);
    FUZZ_CHECK(leaves != NULL, "rep-lost-detail", RELAIS_E_NOMEM);
    memset(leaves, 0x4c, 2 * sizeof *leaves);
    r = (relais_reply_t){.request_id = 23, .kind = RELAIS_REPLY_LOST_DETAIL, .lost = items, .lost_count = 1,
                         .records = records, .record_lens = lens, .record_count = 2, .leaf_hashes = leaves,
                         .leaf_hash_count = 2};
    s_reply_seed("rep-lost-detail", &r);
    *match = (relais_lost_match_t){.candidate = items[1], .score = 87,
                                   .reasons = RELAIS_MATCH_SAME_CATEGORY | RELAIS_MATCH_CLOSE_DATES |
                                              RELAIS_MATCH_SAME_STREET | RELAIS_MATCH_SAME_WORDS};
    r = (relais_reply_t){.request_id = 24, .kind = RELAIS_REPLY_LOST_MATCHES, .lost = items, .lost_count = 1,
                         .matches = match, .match_count = 1};
    s_reply_seed("rep-lost-matches", &r);
    free(items);
    free(match);

    /* The decrees: one in force at places, one town-wide it repealed; listed, then one shown. */
    relais_decree_record_t *decrees = calloc(2, sizeof *decrees);
    FUZZ_CHECK(decrees != NULL, "rep-decree-list", RELAIS_E_NOMEM);
    s_decree_records(decrees);
    r = (relais_reply_t){.request_id = 25, .kind = RELAIS_REPLY_DECREE_LIST, .decrees = decrees, .decree_count = 2,
                         .next_seq = 12};
    s_reply_seed("rep-decree-list", &r);
    r = (relais_reply_t){.request_id = 26, .kind = RELAIS_REPLY_DECREE_LIST, .decrees = decrees, .decree_count = 1,
                         .records = records, .record_lens = lens, .record_count = 1, .leaf_hashes = leaves,
                         .leaf_hash_count = 1};
    s_reply_seed("rep-decree-show", &r);
    free(decrees);
    free(leaves);
}

static void s_records(const uint8_t *frame, size_t frame_len, uint8_t **leaf, size_t *leaf_len)
{
    relais_case_record_t rec = {.summary = s_summary(), .senders = {"fuzz-partner", "pmi-les-blagis"},
                                .sender_count = 2, .referral_seqs = {1, 4}, .referral_seq_count = 2,
                                .last_seq = 4, .paused_from = RELAIS_CASE_UNSPECIFIED,
                                .followers = {{1, "fuzz-partner", 1}, {4, "pmi-les-blagis", 9}},
                                .follower_count = 2};
    memset(rec.child_key, 0xc4, sizeof rec.child_key);
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = relais_case_record_encode(&rec, &out, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "case_record_encode", rc);
    s_write("fuzz_request", "case-record", out, len);
    free(out);
    relais_referral_record_t ref = {.seq = 4, .case_id = "C-1", .sender = "pmi-les-blagis", .received_ms = 1,
                                    .urgency = RELAIS_URGENCY_URGENT, .school = "College Marie Curie",
                                    .organisation = "PMI Les Blagis", .child_display = "Lina B. (2014)",
                                    .key_part = 2, .split_by = 40};
    rc = relais_referral_record_encode(&ref, &out, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "referral_record_encode", rc);
    s_write("fuzz_request", "referral-record", out, len);
    free(out);
    s_write("fuzz_request", "referral-handle", (const uint8_t *)"R-18446744073709551615", 22);
    relais_lost_record_t *items = calloc(2, sizeof *items);
    relais_decree_record_t *decrees = calloc(2, sizeof *decrees);
    FUZZ_CHECK(items != NULL && decrees != NULL, "no memory for index entries", RELAIS_E_NOMEM);
    s_lost_records(items);
    rc = relais_lost_record_encode(&items[0], &out, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "lost_record_encode", rc);
    s_write("fuzz_request", "lost-record", out, len);
    free(out);
    s_decree_records(decrees);
    for (int i = 0; i < 2; i++) {
        rc = relais_decree_record_encode(&decrees[i], &out, &len);
        FUZZ_CHECK(rc == RELAIS_OK, "decree_record_encode", rc);
        s_write("fuzz_request", i == 0 ? "decree-record" : "decree-record-repealed", out, len);
        free(out);
    }
    free(items);
    free(decrees);

    relais_log_record_t lr = {.seq = 1, .received_ms = FUZZ_CREATED_MS + 20, .signed_message = frame,
                              .signed_len = frame_len};
    *leaf = malloc(relais_log_record_max_size(frame_len));
    FUZZ_CHECK(*leaf != NULL, "no memory for a log record", 0);
    rc = relais_log_record_encode(&lr, *leaf, relais_log_record_max_size(frame_len), leaf_len);
    FUZZ_CHECK(rc == RELAIS_OK, "log_record_encode", rc);
    s_write("fuzz_request", "log-record", *leaf, *leaf_len);
    uint8_t nonce[RELAIS_SEAL_NONCE_BYTES], sealed_leaf[128];
    size_t sealed_leaf_len = 0;
    memset(nonce, 0x11, sizeof nonce);
    relais_log_record_t sealed = {.seq = 2, .received_ms = FUZZ_CREATED_MS + 30, .key_id = 1, .nonce = nonce,
                                  .sealed = frame, .sealed_len = frame_len < 64 ? frame_len : 64};
    rc = relais_log_record_encode(&sealed, sealed_leaf, sizeof sealed_leaf, &sealed_leaf_len);
    FUZZ_CHECK(rc == RELAIS_OK, "log_record_encode (sealed)", rc);
    s_write("fuzz_request", "log-record-sealed", sealed_leaf, sealed_leaf_len);
    sealed.seq = 9;
    sealed.copy_of = 2; /* a split's copy */
    rc = relais_log_record_encode(&sealed, sealed_leaf, sizeof sealed_leaf, &sealed_leaf_len);
    FUZZ_CHECK(rc == RELAIS_OK, "log_record_encode (copy)", rc);
    s_write("fuzz_request", "log-record-copy", sealed_leaf, sealed_leaf_len);
    uint8_t bare[RELAIS_HASH_SIZE];
    lr = (relais_log_record_t){.seq = UINT64_MAX};
    rc = relais_log_record_encode(&lr, bare, sizeof bare, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "log_record_encode", rc);
    s_write("fuzz_request", "log-record-bare", bare, len);
}

/* ---- Proofs and a checkpoint -------------------------------------------------------------- */

#define S_LEAVES 13

/* Leaf i is "leaf-<i>"; a perfect subtree is hashed from its leaves each time (13 leaves). */
static int s_get(void *ctx, unsigned level, uint64_t index, relais_hash_t out)
{
    (void)ctx;
    if (level == 0) {
        char leaf[32];
        int n = snprintf(leaf, sizeof leaf, "leaf-%llu", (unsigned long long)index);
        relais_merkle_leaf_hash((const uint8_t *)leaf, (size_t)n, out);
        return 0;
    }
    relais_hash_t l, r;
    s_get(ctx, level - 1, index * 2, l);
    s_get(ctx, level - 1, index * 2 + 1, r);
    relais_merkle_node_hash(l, r, out);
    return 0;
}

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* The fuzz_proof layout: a, b (big-endian), x, y, path. */
static void s_proof_seed(const char *name, uint64_t a, uint64_t b, const relais_hash_t x, const relais_hash_t y,
                         const relais_hash_t *path, size_t len)
{
    uint8_t buf[16 + 2 * RELAIS_HASH_SIZE + (RELAIS_MERKLE_MAX_PATH + 1) * RELAIS_HASH_SIZE];
    s_put_u64(buf, a);
    s_put_u64(buf + 8, b);
    memcpy(buf + 16, x, RELAIS_HASH_SIZE);
    memcpy(buf + 16 + RELAIS_HASH_SIZE, y, RELAIS_HASH_SIZE);
    memcpy(buf + 16 + 2 * RELAIS_HASH_SIZE, path, len * RELAIS_HASH_SIZE);
    s_write("fuzz_proof", name, buf, 16 + 2 * RELAIS_HASH_SIZE + len * RELAIS_HASH_SIZE);
}

static void s_inclusion_seed(uint64_t m, uint64_t n, relais_hash_t *path, size_t *len)
{
    relais_hash_t leaf, root;
    char name[64];
    int rc = relais_merkle_inclusion_proof(s_get, NULL, m, n, path, len);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, n, root);
    FUZZ_CHECK(rc == 0, "inclusion proof", rc);
    s_get(NULL, 0, m, leaf);
    FUZZ_CHECK(relais_merkle_verify_inclusion(m, n, leaf, path, *len, root) == 0, "inclusion seed verifies", 0);
    snprintf(name, sizeof name, "inclusion-%llu-of-%llu", (unsigned long long)m, (unsigned long long)n);
    s_proof_seed(name, m, n, leaf, root, path, *len);
}

static void s_consistency_seed(uint64_t m, uint64_t n)
{
    relais_hash_t old_root, root, path[RELAIS_MERKLE_MAX_PATH];
    size_t len = 0;
    char name[64];
    int rc = relais_merkle_consistency_proof(s_get, NULL, m, n, path, &len);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, m, old_root);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, n, root);
    FUZZ_CHECK(rc == 0, "consistency proof", rc);
    FUZZ_CHECK(relais_merkle_verify_consistency(m, n, old_root, root, path, len) == 0, "consistency seed verifies",
               0);
    snprintf(name, sizeof name, "consistency-%llu-to-%llu", (unsigned long long)m, (unsigned long long)n);
    s_proof_seed(name, m, n, old_root, root, path, len);
}

static void s_proofs(relais_hash_t *path, size_t *path_len)
{
    size_t len;
    s_inclusion_seed(0, 1, path, &len);
    s_inclusion_seed(12, S_LEAVES, path, &len);
    s_inclusion_seed(5, 8, path, &len);
    s_inclusion_seed(6, 9, path, path_len);
    s_consistency_seed(3, 9);
    s_consistency_seed(4, S_LEAVES);
    s_consistency_seed(7, 7);
    /* one hash more than any proof holds, so that the fuzzer starts from the bound */
    relais_hash_t zero = {0}, *long_path = calloc(RELAIS_MERKLE_MAX_PATH + 1, sizeof *long_path);
    FUZZ_CHECK(long_path != NULL, "no memory for a path", 0);
    s_proof_seed("path-too-long", UINT64_MAX - 1, UINT64_MAX, zero, zero, long_path, RELAIS_MERKLE_MAX_PATH + 1);
    free(long_path);

    relais_checkpoint_t cp = {.origin = FUZZ_ORIGIN, .size = S_LEAVES};
    char note[RELAIS_CHECKPOINT_MAX];
    int rc = relais_merkle_root(s_get, NULL, S_LEAVES, cp.root);
    rc = rc ? rc : relais_checkpoint_sign(&cp, FUZZ_KEY_NAME, fuzz_sign_seed, note, sizeof note);
    FUZZ_CHECK(rc == 0, "checkpoint_sign", rc);
    s_write("fuzz_proof", "checkpoint.note", note, strlen(note));
    /* a second signer's line before ours, as a witness would add it */
    char cosigned[RELAIS_CHECKPOINT_MAX * 2];
    const char *sig = strstr(note, "\n\n") + 2;
    snprintf(cosigned, sizeof cosigned, "%.*s\xE2\x80\x94 witness.example AAAAAAAAAAAAAAAAAAAAAAAA\n%s",
             (int)(sig - note), note, sig);
    s_write("fuzz_proof", "checkpoint-cosigned.note", cosigned, strlen(cosigned));
}

/* ---- The witness protocol: add-checkpoint bodies, answers, cosigned notes -------------------- */

static void s_witness_seeds(void)
{
    char old_note[RELAIS_CHECKPOINT_MAX], note[RELAIS_CHECKPOINT_MAX], line[RELAIS_COSIG_LINE_MAX];
    char other[RELAIS_COSIG_LINE_MAX], *body = malloc(RELAIS_TLOGW_BODY_MAX + 1);
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    size_t path_len = 0, len = 0;
    FUZZ_CHECK(body != NULL, "no memory for a body", 0);
    relais_checkpoint_t old = {.origin = FUZZ_ORIGIN, .size = 5}, cp = {.origin = FUZZ_ORIGIN, .size = S_LEAVES};
    int rc = relais_merkle_root(s_get, NULL, 5, old.root);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, S_LEAVES, cp.root);
    rc = rc ? rc : relais_checkpoint_sign(&old, FUZZ_KEY_NAME, fuzz_sign_seed, old_note, sizeof old_note);
    rc = rc ? rc : relais_checkpoint_sign(&cp, FUZZ_KEY_NAME, fuzz_sign_seed, note, sizeof note);
    rc = rc ? rc : relais_merkle_consistency_proof(s_get, NULL, 5, S_LEAVES, path, &path_len);
    FUZZ_CHECK(rc == 0, "the witness seeds' checkpoints", rc);
    /* the first submission, and one from the size the witness holds */
    rc = relais_tlogw_add_format(0, NULL, 0, old_note, body, RELAIS_TLOGW_BODY_MAX + 1, &len);
    FUZZ_CHECK(rc == 0, "tlogw_add_format", rc);
    s_write("fuzz_witness_body", "add-first", body, len);
    rc = relais_tlogw_add_format(5, path, path_len, note, body, RELAIS_TLOGW_BODY_MAX + 1, &len);
    FUZZ_CHECK(rc == 0, "tlogw_add_format", rc);
    s_write("fuzz_witness_body", "add-5-to-13", body, len);
    s_write("fuzz_witness_body", "conflict-size", "13\n", 3);
    /* the note as the hub serves it, with the witness's cosignature and another's */
    rc = relais_cosig_sign(note, FUZZ_WITNESS_NAME, fuzz_witness_seed, 1795422600, line, sizeof line);
    rc = rc ? rc : relais_cosig_sign(note, "witness.example/other", fuzz_sign_seed, 1795422601, other, sizeof other);
    FUZZ_CHECK(rc == 0, "cosig_sign", rc);
    snprintf(body, RELAIS_TLOGW_BODY_MAX, "%s%s", note, line);
    s_write("fuzz_cosig", "cosigned.note", body, strlen(body));
    snprintf(body, RELAIS_TLOGW_BODY_MAX, "%s%s%s", note, other, line);
    s_write("fuzz_cosig", "cosigned-twice.note", body, strlen(body));
    s_write("fuzz_cosig", "answer", line, strlen(line));
    s_write("fuzz_cosig", "checkpoint.note", note, strlen(note));
    free(body);
}

/* ---- Proof files: what `relais audit prove` and `consistency` print --------------------------- */

static void s_json_seed(const char *name, json_t *json)
{
    FUZZ_CHECK(json != NULL, "printing a proof file", 0);
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    FUZZ_CHECK(text != NULL, "dumping a proof file", 0);
    s_write("fuzz_proof_json", name, text, strlen(text));
    free(text);
}

/* The note of `size` leaves, signed with the fixed key as the hub would; "" for size 0. */
static void s_note_of(uint64_t size, char note[RELAIS_CHECKPOINT_MAX])
{
    relais_checkpoint_t cp = {.origin = FUZZ_ORIGIN, .size = size};
    note[0] = '\0';
    if (size == 0)
        return;
    int rc = relais_merkle_root(s_get, NULL, size, cp.root);
    rc = rc ? rc : relais_checkpoint_sign(&cp, FUZZ_KEY_NAME, fuzz_sign_seed, note, RELAIS_CHECKPOINT_MAX);
    FUZZ_CHECK(rc == 0, "checkpoint_sign", rc);
}

/* A consistency proof from m to n of the seeds' tree, with the notes of the sizes in `notes`
 * (bit 0 the old one's, bit 1 the new one's). */
static void s_consistency_json_seed(uint64_t m, uint64_t n, unsigned notes)
{
    static relais_audit_consistency_t c;
    char name[64];
    memset(&c, 0, sizeof c);
    c.old_size = m;
    c.new_size = n;
    int rc = relais_merkle_consistency_proof(s_get, NULL, m, n, c.path, &c.path_len);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, m, c.old_root);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, n, c.new_root);
    FUZZ_CHECK(rc == 0, "consistency proof", rc);
    s_note_of(notes & 1 ? m : 0, c.old_note);
    s_note_of(notes & 2 ? n : 0, c.new_note);
    snprintf(name, sizeof name, "consistency-%llu-to-%llu", (unsigned long long)m, (unsigned long long)n);
    s_json_seed(name, relais_audit_consistency_json(&c));
}

static void s_proof_json_seeds(void)
{
    s_consistency_json_seed(3, 9, 3);
    s_consistency_json_seed(4, S_LEAVES, 2);
    s_consistency_json_seed(7, 7, 0);
    s_consistency_json_seed(1, S_LEAVES, 1);

    relais_audit_proof_t p = {.seq = 6, .tree_size = 9};
    relais_hash_t leaf;
    int rc = relais_merkle_inclusion_proof(s_get, NULL, p.seq - 1, p.tree_size, p.path, &p.path_len);
    rc = rc ? rc : relais_merkle_root(s_get, NULL, p.tree_size, p.root);
    FUZZ_CHECK(rc == 0, "inclusion proof", rc);
    s_get(NULL, 0, p.seq - 1, leaf);
    memcpy(p.leaf, leaf, RELAIS_HASH_SIZE);
    s_json_seed("inclusion-6-of-9", relais_audit_proof_json(&p));
    /* as `prove` wrote it before base64: hex */
    char hex[3 * RELAIS_HASH_SIZE], root_hex[3 * RELAIS_HASH_SIZE], text[1024];
    relais_hex_encode(p.leaf, RELAIS_HASH_SIZE, hex);
    relais_hex_encode(p.root, RELAIS_HASH_SIZE, root_hex);
    int len = snprintf(text, sizeof text,
                       "{\"seq\":6,\"tree_size\":9,\"leaf_hash\":\"%s\",\"path\":[],\"root\":\"%s\"}", hex, root_hex);
    s_write("fuzz_proof_json", "inclusion-hex", text, (size_t)len);
}

/* ---- Text: what people type and read -------------------------------------------------------- */

static void s_texts(void)
{
    static const struct {
        const char *name;
        const char *text;
    } seeds[] = {
        {"endpoint-tcp", "tcp://hub.example:7100"},
        {"endpoint-bare", "127.0.0.1:7423"},
        {"endpoint-ipv6", "tcp://[2001:db8::1]:7100"},
        {"endpoint-ipc", "ipc:///run/relais/hub"},
        {"endpoint-no-port", "tcp://hub.example"},
        {"listen-loopback", "localhost:8080"},
        {"post-to-local", "http://127.0.0.1:8081/relais/statuses"},
        {"name-accents", "Ch\xc3\xa9rif N\xe2\x80\x99" "Diaye, Coll\xc3\xa8ge Marie Curie"},
        {"name-escape", "Ben\x1b[2Jali\x1b]0;pwned\x07"},
        {"name-c1-bidi", "Lina\xe2\x80\xae 6e\xc2\x9b" "1m"},
        {"note-lines", "Vu en instance.\r\n\t- absences\n#99 forged"},
        {"bad-utf8", "caf\xe9 \xed\xa0\x80 \xf4\x90\x80\x80"},
        {"names-packed", "2014-03-12\nBENALI-HADDAD\nLina\nSarah"},
        {"names-particles", "2015-06-01\nLe Gall\nJean-Baptiste\nMa\xc3\xabl"},
        {"names-swapped", "2013-11-30\nYanis\nKaci"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        s_write("fuzz_text", seeds[i].name, seeds[i].text, strlen(seeds[i].text));

    /* House numbers and their ranges as the desk types them, and descriptions to compare. */
    static const struct {
        const char *name;
        const char *text;
    } numbers[] = {
        {"one", "15"},          {"range", "2-40"},         {"to-the-end", "100-"},  {"from-the-start", "-20"},
        {"highest", "99999"},   {"too-high", "100000"},    {"reversed", "40-2"},    {"zero", "0"},
        {"three-parts", "1-2-3"}, {"bis", "12 bis"},       {"long", "0000000000000000000015"},
        {"words", "Portefeuille en cuir marron avec une carte Navigo\ndans la poche"},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        s_write("fuzz_decree_numbers", numbers[i].name, numbers[i].text, strlen(numbers[i].text));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seeds EXAMPLES_DIR CORPUS_DIR\n");
        return 1;
    }
    s_corpus = argv[2];
    uint8_t *body = NULL, *frame = NULL, *leaf = NULL, sig[64];
    size_t body_len = 0, frame_len = 0, leaf_len = 0, path_len = 0;
    relais_hash_t path[RELAIS_MERKLE_MAX_PATH];
    s_messages(argv[1], &body, &body_len);
    fuzz_sign_body(body, body_len, sig);
    int rc = relais_signed_encode(body, body_len, sig, &frame, &frame_len);
    FUZZ_CHECK(rc == RELAIS_OK, "signed_encode", rc);
    s_requests(frame, frame_len);
    s_records(frame, frame_len, &leaf, &leaf_len);
    s_proofs(path, &path_len);
    s_witness_seeds();
    s_proof_json_seeds();
    s_replies(leaf, leaf_len, path, path_len);
    s_texts();
    free(body);
    free(frame);
    free(leaf);
    return 0;
}
