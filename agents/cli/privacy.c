/* privacy.c -- `relais privacy`: the rights of the child and the family, served by the coordinator or
 * the data protection officer: access (export), rectification, erasure on request, legal holds.
 *
 * Each right but access is a signed Privacy record the hub checks against the case's lifecycle
 * (docs/privacy.md); access reads the case as the hub holds it and prints everything, with the
 * corrections applied where they were made and said so.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <zmq.h>

#include "cli_internal.h"
#include "relais_cases.h"
#include "relais_certs.h"
#include "relais_client.h"
#include "relais_keys.h"

static const char s_help[] =
    "usage: relais privacy export CASE [--json]            (CASE: C-14, c-14 or 14)\n"
    "       relais privacy rectify CASE --record N --field FIELD --value TEXT --reason TEXT\n"
    "       relais privacy erase CASE --reason TEXT\n"
    "       relais privacy hold CASE --reason TEXT\n"
    "       relais privacy release CASE [--reason TEXT]\n"
    "       relais privacy open-archive CASE --reason TEXT [--json]\n"
    "       relais privacy stats [--threshold N] [--json]\n"
    "\n"
    "The rights of the child and the family (GDPR art. 15 to 17), for the coordinator and the data\n"
    "protection officer (role dpo). Each but export is a signed record in the log.\n"
    "\n"
    "  export    everything the hub holds about the case's child: its summary, every referral and\n"
    "            update as sent (corrected values shown beside the originals), the status after\n"
    "            each event, who follows it. In French text, or --json. A case that left the\n"
    "            active base gives what the hub says of it, and nothing personal.\n"
    "  rectify   a correction of one field of one record of the case (art. 16): views show the\n"
    "            corrected value; the original stays signed and sealed. FIELD is one of\n"
    "            child.family_name, child.given_names, child.birth_date, child.school,\n"
    "            child.class_name, guardian.N.name|relationship|phone|email|address (N from 1),\n"
    "            referrer.name, referrer.contact, description, support_in_place, note, diagnosis.\n"
    "  erase     erasure on request (art. 17): the case is sealed for the archive at once, and\n"
    "            erased at the hub's next sweep. Refused (LEGAL_HOLD) while a legal hold is set.\n"
    "            An entry of the reception's register (A-12) or an item of its lost and found\n"
    "            (O-31, P-32) too, at a resident's request, by the data protection officer alone\n"
    "            (and so are hold and release of those).\n"
    "  hold      a legal hold (an information préoccupante sent to the département, a judge's\n"
    "            request): the case is not erased while it is set. The reason is a reference,\n"
    "            never a fact about the child: it stays once the case is gone.\n"
    "  release   lifts the hold.\n"
    "  open-archive  the data protection officer alone (its key opens the archive): a signed\n"
    "            opening with its legal reason (a judge's request, the family's access request),\n"
    "            then the case as the export shows it, opened on this machine; the hub never\n"
    "            holds the key. One opening serves for an hour.\n"
    "  stats     the partnership's statistics, the erased cases counted in, by month, source,\n"
    "            domain, age band, duration and outcome; cells under the threshold (5, or more)\n"
    "            are secret, with as many others as keep them from being recomputed.\n"
    "\n"
    "\n" RELAIS_CLI_CONN_HELP;

enum {
    S_OPT_JSON = RELAIS_OPT_FIRST_FREE,
    S_OPT_RECORD,
    S_OPT_FIELD,
    S_OPT_VALUE,
    S_OPT_REASON,
    S_OPT_THRESHOLD,
};

typedef struct {
    relais_cli_conn_t conn;
    int json;
    uint64_t record;
    const char *field;
    const char *value;
    const char *reason;
    uint64_t threshold;
} s_opts_t;

/* ---- The records the family's rights are served by ---------------------------------------- */

static int s_submit(relais_client_t *client, const char *what, const char *kind, const char *case_id,
                    const s_opts_t *o, uint64_t *seq)
{
    json_t *p = json_pack("{s:s, s:s}", "kind", kind, "case_id", case_id);
    if (p && o->reason)
        json_object_set_new(p, "reason", json_string(o->reason));
    if (p && o->record)
        json_object_set_new(p, "record_seq", json_integer((json_int_t)o->record));
    if (p && o->field)
        json_object_set_new(p, "field", json_string(o->field));
    if (p && o->value)
        json_object_set_new(p, "value", json_string(o->value));
    json_t *root = p ? json_pack("{s:o}", "privacy", p) : NULL;
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!text)
        return relais_cli_local(what, RELAIS_E_NOMEM);
    relais_ack_t ack;
    relais_error_t err = {0};
    int rc = relais_client_submit_json(client, text, strlen(text), &ack, &err);
    free(text);
    if (rc && !err.status)
        return relais_cli_local(what, rc);
    if (rc)
        return relais_cli_fail(what, rc, &err);
    if (seq)
        *seq = ack.seq;
    else
        relais_cli_line(stdout, "%s: %s (#%" PRIu64 ")", case_id, what + strlen("privacy "), ack.seq);
    return RELAIS_EXIT_OK;
}

/* ---- Access: the export ---------------------------------------------------------------------- */

static json_t *s_export_json(const relais_reply_t *r)
{
    json_t *timeline = relais_cli_timeline_json(r, 1);
    const relais_case_summary_t *c = &r->cases[0];
    json_t *history = relais_cli_history_json(r);
    json_t *followers = json_array();
    for (size_t i = 0; i < r->follower_count; i++) {
        char handle[RELAIS_CASE_ID_LEN];
        relais_referral_handle(r->followers[i].referral_seq, handle);
        json_array_append_new(followers, json_pack("{s:s, s:s, s:I}", "referral", handle, "recipient",
                                                   r->followers[i].sender, "since_seq",
                                                   (json_int_t)r->followers[i].since_seq));
    }
    json_t *referrers = json_array();
    for (size_t i = 0; i < c->referrer_count; i++)
        json_array_append_new(referrers, json_string(c->referrers[i]));
    const char *state = relais_case_state_name(c->state);
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:o, s:I, s:I}, s:o, s:o, s:o}", "case_id", c->case_id, "summary",
                     "state", state ? state : "?", "child", c->child_display, "school", c->school, "referrers",
                     referrers, "opened_ms", (json_int_t)c->opened_ms, "updated_ms", (json_int_t)c->updated_ms,
                     "records", timeline, "status_history", history, "shared_with", followers);
}

/* The French words for the fields of referrals, updates, meetings' records and corrections (relais.proto's names). */
static const char *const s_labels[][2] = {
    {"referral", "Signalement"}, {"case_update", "Suite donnée"}, {"privacy", "Protection des données"},
    {"external_ref", "Référence du partenaire"}, {"referrer", "Auteur du signalement"},
    {"organisation", "Organisme"}, {"role", "Fonction"}, {"name", "Nom"}, {"contact", "Contact"},
    {"child", "Enfant"}, {"family_name", "Nom de famille"}, {"given_names", "Prénom"},
    {"birth_date", "Date de naissance"}, {"school", "École"}, {"class_name", "Classe"},
    {"guardians", "Responsable légal"}, {"relationship", "Lien"}, {"phone", "Téléphone"},
    {"email", "Courriel"}, {"address", "Adresse"}, {"domains", "Domaine"},
    {"support_in_place", "Accompagnement déjà en place"}, {"description", "Description"},
    {"urgency", "Urgence"}, {"consent", "Accord de la famille"}, {"parental_request", "Demande des parents"},
    {"recorded_by", "Recueilli par"}, {"recorded_ms", "Recueilli le"}, {"document_ref", "Document"},
    {"given_by", "Donné par"}, {"requester_name", "Demandeur"}, {"received_ms", "Reçu le"},
    {"channel", "Canal"}, {"case_id", "Dossier"}, {"from_state", "État précédent"}, {"to_state", "Nouvel état"},
    {"sub_status", "Précision"}, {"reason_code", "Motif"}, {"note", "Note"}, {"diagnosis", "Diagnostic"},
    {"pathway", "Action du parcours"}, {"kind", "Type"}, {"partner", "Partenaire"}, {"start_date", "Début"},
    {"frequency", "Fréquence"}, {"next_review_date", "Prochain bilan"}, {"redirected_to", "Orienté vers"},
    {"share_referral", "Partagé avec"}, {"merge_into", "Fusionné dans"}, {"dismiss_duplicate", "Pas un doublon de"},
    {"split_referral", "Signalement détaché"},
    {"responsible", "Responsable"}, {"owner", "Référent"},
    {"meeting", "Instance partenariale"}, {"meeting_id", "Instance"}, {"date", "Date"}, {"present", "Présent"},
    {"decision", "Décision"},
    {"reason", "Motif"}, {"record_seq", "Pièce corrigée"},
    {"field", "Champ"}, {"value", "Valeur"},
};

static const char *s_label(const char *key)
{
    for (size_t i = 0; i < sizeof s_labels / sizeof s_labels[0]; i++)
        if (strcmp(s_labels[i][0], key) == 0)
            return s_labels[i][1];
    return key;
}

/* One value of a message's JSON as a line of the French text, walking objects and arrays. */
static void s_text_value(const char *key, json_t *v, int depth)
{
    char pad[32], when[32];
    const char *label = s_label(key);
    snprintf(pad, sizeof pad, "%*s", 4 + 2 * depth, "");
    size_t n = strlen(key);
    if (json_is_integer(v) && n > 3 && strcmp(key + n - 3, "_ms") == 0) {
        relais_cli_time(json_integer_value(v), when, sizeof when);
        relais_cli_line(stdout, "%s%s : %s", pad, label, when);
        return;
    }
    if (json_is_object(v)) {
        relais_cli_line(stdout, "%s%s :", pad, label);
        const char *member;
        json_t *sub;
        json_object_foreach(v, member, sub) s_text_value(member, sub, depth + 1);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        char name[80];
        json_array_foreach(v, i, item)
        {
            if (json_array_size(v) == 1) {
                s_text_value(key, item, depth);
                continue;
            }
            snprintf(name, sizeof name, "%s %zu", label, i + 1);
            s_text_value(name, item, depth);
        }
    } else if (json_is_string(v)) {
        relais_cli_line(stdout, "%s%s : %s", pad, label, json_string_value(v));
    } else if (json_is_integer(v)) {
        relais_cli_line(stdout, "%s%s : %" JSON_INTEGER_FORMAT, pad, label, json_integer_value(v));
    } else if (json_is_boolean(v)) {
        relais_cli_line(stdout, "%s%s : %s", pad, label, json_is_true(v) ? "oui" : "non");
    }
}

static void s_export_text(json_t *e)
{
    json_t *summary = json_object_get(e, "summary");
    char when[32];
    relais_cli_line(stdout, "Dossier %s : ce que le hub détient sur l'enfant", json_string_value(json_object_get(e, "case_id")));
    relais_cli_line(stdout, "  Enfant : %s   École : %s   État : %s",
                    json_string_value(json_object_get(summary, "child")),
                    json_string_value(json_object_get(summary, "school")),
                    json_string_value(json_object_get(summary, "state")));
    relais_cli_time(json_integer_value(json_object_get(summary, "opened_ms")), when, sizeof when);
    relais_cli_line(stdout, "  Ouvert le %s", when);
    printf("\nSignalements et suites, tels qu'ils ont été envoyés :\n");
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(e, "records"), i, entry)
    {
        json_t *m = json_object_get(entry, "message");
        relais_cli_time(json_integer_value(json_object_get(entry, "received_ms")), when, sizeof when);
        relais_cli_line(stdout, "  n° %" JSON_INTEGER_FORMAT ", reçu le %s, de %s",
                        json_integer_value(json_object_get(entry, "seq")), when,
                        json_string_value(json_object_get(json_object_get(m, "header"), "sender")));
        const char *key;
        json_t *v;
        json_object_foreach(m, key, v) if (strcmp(key, "header") != 0) s_text_value(key, v, 0);
        size_t k;
        json_t *fix;
        json_array_foreach(json_object_get(entry, "rectifications"), k, fix)
        {
            relais_cli_time(json_integer_value(json_object_get(fix, "received_ms")), when, sizeof when);
            relais_cli_line(stdout, "    (rectifié le %s, n° %" JSON_INTEGER_FORMAT " : %s ; motif : %s ; la valeur "
                            "d'origine reste conservée, signée)",
                            when, json_integer_value(json_object_get(fix, "by_record")),
                            json_string_value(json_object_get(fix, "field")),
                            json_string_value(json_object_get(fix, "reason")));
        }
    }
    printf("\nÉtat du dossier après chaque événement :\n");
    json_array_foreach(json_object_get(e, "status_history"), i, entry)
    {
        relais_cli_time(json_integer_value(json_object_get(entry, "updated_ms")), when, sizeof when);
        relais_cli_line(stdout, "  n° %-6" JSON_INTEGER_FORMAT " %s  %s", json_integer_value(json_object_get(entry, "seq")),
                        when, json_string_value(json_object_get(entry, "state")));
    }
    printf("\nPartenaires qui suivent le dossier :\n");
    json_array_foreach(json_object_get(e, "shared_with"), i, entry)
        relais_cli_line(stdout, "  %s (signalement %s)", json_string_value(json_object_get(entry, "recipient")),
                        json_string_value(json_object_get(entry, "referral")));
}

static int s_export(relais_client_t *client, const s_opts_t *o, const char *case_id)
{
    relais_reply_t r;
    relais_error_t err = {0};
    int rc = relais_client_case_show(client, case_id, &r, &err);
    if (rc && err.status == RELAIS_E_BAD_TRANSITION) {
        /* The case left the active base: what the hub says of it is all there is, nothing personal. */
        if (o->json)
            relais_cli_print_json(stdout, json_pack("{s:s, s:b, s:s}", "case_id", case_id, "held", 0, "hub_says",
                                                    err.message));
        else
            relais_cli_line(stdout, "Dossier %s : le hub ne détient plus rien de personnel. Il dit : %s", case_id,
                            err.message);
        return RELAIS_EXIT_OK;
    }
    if (rc)
        return relais_cli_fail("privacy export", rc, &err);
    if (r.case_count == 0) {
        relais_reply_clear(&r);
        return relais_cli_local("privacy export", RELAIS_E_MALFORMED);
    }
    json_t *e = s_export_json(&r);
    relais_reply_clear(&r);
    if (!e)
        return relais_cli_local("privacy export", RELAIS_E_NOMEM);
    if (o->json) {
        relais_cli_print_json(stdout, e);
    } else {
        s_export_text(e);
        json_decref(e);
    }
    return RELAIS_EXIT_OK;
}

/* ---- The archive, opened by the data protection officer ----------------------------------- */

/* The archived case's keys, opened with the officer's key pair: the case's own and its
 * referrals', one box each. */
typedef struct {
    uint64_t *ids;
    uint8_t (*keys)[RELAIS_DATA_KEY_BYTES];
    size_t count;
} s_archived_keys_t;

static void s_archived_keys_free(s_archived_keys_t *k)
{
    if (k->keys)
        OPENSSL_cleanse(k->keys, k->count * sizeof k->keys[0]);
    free(k->keys);
    free(k->ids);
    memset(k, 0, sizeof *k);
}

static int s_open_boxes(const uint8_t pk[32], const uint8_t sk[32], const char *case_id, const relais_reply_t *r,
                        s_archived_keys_t *out)
{
    uint64_t n = relais_cases_number(case_id);
    out->count = 0;
    if (r->archived_key_len == 0 || r->archived_key_len % RELAIS_ARCHIVED_KEY_BYTES != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "the hub sent no archived key of %s", case_id);
    size_t boxes = r->archived_key_len / RELAIS_ARCHIVED_KEY_BYTES;
    out->ids = calloc(boxes, sizeof *out->ids);
    out->keys = calloc(boxes, sizeof *out->keys);
    if (!out->ids || !out->keys)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory for %zu archived keys", boxes);
    for (size_t i = 0; i < boxes; i++) {
        int rc = relais_keys_archive_open(pk, sk, relais_key_id_of(n, 0), relais_key_id_of(n, RELAIS_KEY_ID_PART_MAX),
                                          r->archived_key + i * RELAIS_ARCHIVED_KEY_BYTES, RELAIS_ARCHIVED_KEY_BYTES,
                                          &out->ids[i], out->keys[i]);
        if (rc)
            return rc;
        out->count++;
    }
    return 0;
}

static const uint8_t *s_archived_key(const s_archived_keys_t *keys, uint64_t key_id)
{
    for (size_t i = 0; i < keys->count; i++)
        if (keys->ids[i] == key_id)
            return keys->keys[i];
    return NULL;
}

/* Each record of the archived case opened with its key, in place, as the hub would have sent it. */
static int s_open_records(relais_reply_t *r, const s_archived_keys_t *keys)
{
    for (size_t i = 0; i < r->record_count; i++) {
        relais_log_record_t rec;
        uint8_t ad[RELAIS_RECORD_AD_BYTES];
        if (relais_log_record_decode(r->records[i], r->record_lens[i], &rec) != 0 || !rec.key_id)
            return relais_status_set(RELAIS_E_MALFORMED, "the hub sent a record of the archive that is not sealed");
        const uint8_t *key = s_archived_key(keys, rec.key_id);
        if (!key)
            return relais_status_set(RELAIS_E_CRYPTO, "record %llu is sealed under data key %llu, which the archive "
                                     "does not hold", (unsigned long long)rec.seq, (unsigned long long)rec.key_id);
        size_t plain_len = relais_log_record_opened_len(&rec);
        uint8_t *plain = malloc(plain_len ? plain_len : 1);
        relais_record_ad(rec.seq, rec.key_id, ad);
        if (!plain)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory");
        if (relais_open(key, ad, sizeof ad, rec.nonce, rec.sealed, rec.sealed_len, plain) != 0) {
            free(plain);
            return relais_status_set(RELAIS_E_CRYPTO, "record %llu does not open with the archived key",
                                     (unsigned long long)rec.seq);
        }
        relais_log_record_t opened = {.seq = rec.seq, .received_ms = rec.received_ms, .copy_of = rec.copy_of,
                                      .signed_message = plain,
                                      .signed_len = plain_len};
        size_t cap = relais_log_record_max_size(plain_len), len = 0;
        uint8_t *bytes = malloc(cap);
        int rc = bytes ? relais_log_record_encode(&opened, bytes, cap, &len) : RELAIS_E_NOMEM;
        OPENSSL_cleanse(plain, plain_len);
        free(plain);
        if (rc) {
            free(bytes);
            return rc;
        }
        free(r->records[i]);
        r->records[i] = bytes;
        r->record_lens[i] = len;
    }
    return 0;
}

static int s_open_archive(relais_client_t *client, const s_opts_t *o, const char *case_id)
{
    uint64_t opening = 0;
    int rc = s_submit(client, "privacy archive opened", "ARCHIVE_OPENED", case_id, o, &opening);
    if (rc)
        return rc;
    relais_reply_t r;
    relais_error_t err = {0};
    rc = relais_client_archive_read(client, case_id, opening, &r, &err);
    if (rc)
        return relais_cli_fail("privacy open-archive", rc, &err);
    relais_identity_t *me = NULL;
    uint8_t pk[32], sk[32];
    s_archived_keys_t keys = {0};
    rc = relais_identity_load(o->conn.key ? o->conn.key : getenv("RELAIS_KEY"), &me);
    if (rc == 0 && (!zmq_z85_decode(pk, relais_identity_curve_public_z85(me)) ||
                    !zmq_z85_decode(sk, relais_identity_curve_secret_z85(me))))
        rc = relais_status_set(RELAIS_E_MALFORMED, "the officer's CURVE keys do not decode");
    relais_identity_destroy(&me);
    if (rc == 0)
        rc = s_open_boxes(pk, sk, case_id, &r, &keys);
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc == 0)
        rc = s_open_records(&r, &keys);
    s_archived_keys_free(&keys);
    json_t *e = rc == 0 ? s_export_json(&r) : NULL;
    relais_reply_clear(&r);
    if (rc)
        return relais_cli_local("privacy open-archive", rc);
    if (!e)
        return relais_cli_local("privacy open-archive", RELAIS_E_NOMEM);
    json_object_set_new(e, "opening_seq", json_integer((json_int_t)opening));
    if (o->json) {
        relais_cli_print_json(stdout, e);
    } else {
        relais_cli_line(stdout, "Ouverture n° %" PRIu64 " des archives, motif : %s", opening, o->reason);
        s_export_text(e);
        json_decref(e);
    }
    return RELAIS_EXIT_OK;
}

/* ---- The statistics ------------------------------------------------------------------------ */

static int s_stats(relais_client_t *client, const s_opts_t *o)
{
    relais_reply_t r;
    relais_error_t err = {0};
    int rc = relais_client_statistics(client, (unsigned)o->threshold, &r, &err);
    if (rc)
        return relais_cli_fail("privacy stats", rc, &err);
    if (o->json) {
        json_t *v = json_loads(r.stats_json, 0, NULL);
        if (!v) {
            relais_reply_clear(&r);
            return relais_cli_local("privacy stats", relais_status_set(RELAIS_E_MALFORMED, "the hub's statistics are "
                                                                                           "not JSON"));
        }
        relais_cli_print_json(stdout, v);
    } else {
        fputs(r.stats_text, stdout);
    }
    relais_reply_clear(&r);
    return RELAIS_EXIT_OK;
}

/* ---- The command ------------------------------------------------------------------------------ */

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {RELAIS_CLI_CONN_OPTIONS,
                                         {"json", no_argument, NULL, S_OPT_JSON},
                                         {"record", required_argument, NULL, S_OPT_RECORD},
                                         {"field", required_argument, NULL, S_OPT_FIELD},
                                         {"value", required_argument, NULL, S_OPT_VALUE},
                                         {"reason", required_argument, NULL, S_OPT_REASON},
                                         {"threshold", required_argument, NULL, S_OPT_THRESHOLD},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (relais_cli_conn_opt(&o->conn, c, optarg))
            continue;
        switch (c) {
        case RELAIS_OPT_HELP: fputs(s_help, stdout); return -1;
        case S_OPT_JSON: o->json = 1; break;
        case S_OPT_RECORD:
            if (relais_cli_parse_u64(optarg, &o->record) != 0 || o->record == 0)
                return relais_cli_usage("privacy", "--record: a record's number (the #N of case show)");
            break;
        case S_OPT_FIELD: o->field = optarg; break;
        case S_OPT_VALUE: o->value = optarg; break;
        case S_OPT_REASON: o->reason = optarg; break;
        case S_OPT_THRESHOLD:
            if (relais_cli_parse_u64(optarg, &o->threshold) != 0 || o->threshold > 1000000)
                return relais_cli_usage("privacy", "--threshold: a count");
            break;
        default: return relais_cli_usage("privacy", "unknown option or missing value");
        }
    }
    return 0;
}

static int s_check(const s_opts_t *o, const char *sub, int nargs)
{
    int fix = o->record || o->field || o->value;
    if (strcmp(sub, "stats") == 0)
        return nargs == 0 && !fix && !o->reason ? 0 : relais_cli_usage("privacy", "stats takes --threshold and --json");
    if (o->threshold)
        return relais_cli_usage("privacy", "--threshold is for stats");
    if (nargs != 1)
        return relais_cli_usage("privacy", "%s takes one case id (C-N)", sub);
    if (strcmp(sub, "export") == 0)
        return fix || o->reason ? relais_cli_usage("privacy", "export takes --json only") : 0;
    if (strcmp(sub, "rectify") == 0)
        return o->record && o->field && o->value && o->reason
                   ? 0
                   : relais_cli_usage("privacy", "rectify needs --record, --field, --value and --reason");
    if (strcmp(sub, "erase") == 0 || strcmp(sub, "hold") == 0)
        return !fix && o->reason ? 0 : relais_cli_usage("privacy", "%s needs --reason, and no correction", sub);
    if (strcmp(sub, "release") == 0)
        return !fix ? 0 : relais_cli_usage("privacy", "release takes --reason only");
    if (strcmp(sub, "open-archive") == 0)
        return !fix && o->reason ? 0 : relais_cli_usage("privacy", "open-archive needs --reason: the legal reason");
    return relais_cli_usage("privacy",
                            "unknown subcommand '%s' (export, rectify, erase, hold, release, open-archive or stats)", sub);
}

static int s_run(const s_opts_t *o, const char *sub, const char *case_id)
{
    relais_client_t *client = NULL;
    int rc = relais_cli_connect((relais_cli_conn_t *)&o->conn, NULL, 0, &client);
    if (rc)
        return rc;
    if (strcmp(sub, "export") == 0)
        rc = s_export(client, o, case_id);
    else if (strcmp(sub, "stats") == 0)
        rc = s_stats(client, o);
    else if (strcmp(sub, "open-archive") == 0)
        rc = s_open_archive(client, o, case_id);
    else if (strcmp(sub, "rectify") == 0)
        rc = s_submit(client, "privacy rectified", "RECTIFIED", case_id, o, NULL);
    else if (strcmp(sub, "erase") == 0)
        rc = s_submit(client, "privacy erasure asked", "ERASURE_REQUESTED", case_id, o, NULL);
    else if (strcmp(sub, "hold") == 0)
        rc = s_submit(client, "privacy legal hold set", "LEGAL_HOLD_SET", case_id, o, NULL);
    else
        rc = s_submit(client, "privacy legal hold lifted", "LEGAL_HOLD_LIFTED", case_id, o, NULL);
    relais_client_destroy(&client);
    return rc;
}

int relais_cmd_privacy(int argc, char **argv)
{
    if (argc < 2)
        return relais_cli_usage("privacy", "expected export, rectify, erase, hold, release, open-archive or stats");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(s_help, stdout);
        return RELAIS_EXIT_OK;
    }
    s_opts_t o;
    memset(&o, 0, sizeof o);
    const char *sub = argv[1];
    optind = 0;
    int rc = s_parse(argc - 1, argv + 1, &o);
    if (rc == 0)
        rc = s_check(&o, sub, argc - 1 - optind);
    /* "c-14" and "14" are C-14; export, like case show, also takes a referral's handle */
    char case_id[RELAIS_CASE_ID_LEN] = "";
    unsigned forms = RELAIS_CLI_REF_CASE | (strcmp(sub, "export") == 0 ? RELAIS_CLI_REF_HANDLE : 0) |
                     (strcmp(sub, "erase") == 0 || strcmp(sub, "hold") == 0 || strcmp(sub, "release") == 0
                          ? RELAIS_CLI_REF_ENTRY | RELAIS_CLI_REF_ITEM
                          : 0);
    if (rc == 0 && strcmp(sub, "stats") != 0 && relais_cli_case_ref(argv[1 + optind], forms, case_id, sizeof case_id))
        rc = relais_cli_usage("privacy", "%s", relais_status_detail());
    if (rc == 0)
        rc = s_run(&o, sub, case_id);
    return rc < 0 ? RELAIS_EXIT_OK : rc;
}
