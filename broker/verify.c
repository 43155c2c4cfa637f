/* verify.c -- the verifier pool: signatures, identities, clocks and roles, off the intake thread.
 *
 * Each verifier takes jobs from intake's bounded queue. A submission that passes every
 * check goes on to the writer (a blocking send: when the writer falls behind, verifiers
 * wait, their queue fills and intake answers UNAVAILABLE instead of queueing without end);
 * a refusal goes straight back to intake. Queries are served here too, off the intake
 * thread, because they read the store and sign access records.
 */
#include "broker_internal.h"

#include <errno.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* Which roles may submit which payload (docs/protocol.md, "Submit"). */
static int s_role_may_send(relais_role_t role, relais_payload_t payload)
{
    switch (payload) {
    case RELAIS_PAYLOAD_REFERRAL:
        return role == RELAIS_ROLE_PARTNER || role == RELAIS_ROLE_RECEPTION;
    case RELAIS_PAYLOAD_CASE_UPDATE:
    case RELAIS_PAYLOAD_MEETING:
        return role == RELAIS_ROLE_COORDINATOR;
    case RELAIS_PAYLOAD_CONTACT:
    case RELAIS_PAYLOAD_CONTACT_UPDATE:
    case RELAIS_PAYLOAD_TRANSFER:
    case RELAIS_PAYLOAD_LOST_FOUND:
    case RELAIS_PAYLOAD_LOST_FOUND_UPDATE:
        return role == RELAIS_ROLE_RECEPTION;
    case RELAIS_PAYLOAD_TRANSFER_ANSWER:
        return role == RELAIS_ROLE_PARTNER || role == RELAIS_ROLE_COORDINATOR;
    case RELAIS_PAYLOAD_DECREE:
        return role == RELAIS_ROLE_PUBLISHER;
    case RELAIS_PAYLOAD_PRIVACY:
        return role == RELAIS_ROLE_COORDINATOR || role == RELAIS_ROLE_DPO;
    default:
        return 0; /* access records are the broker's alone; auditors submit nothing */
    }
}

/* Why a role may not send a payload, in the words of the person refused. */
static const char *s_role_refusal(relais_role_t role, relais_payload_t payload)
{
    switch (payload) {
    case RELAIS_PAYLOAD_CASE_UPDATE:
        return role == RELAIS_ROLE_PARTNER ? "a partner cannot move a case or add to it; ask the coordinator"
                                           : "only the coordinator moves a case or adds to it";
    case RELAIS_PAYLOAD_MEETING:
        return "only the coordinator records the partnership meeting's decisions";
    case RELAIS_PAYLOAD_REFERRAL:
        return "only a partner or the reception desk refers a child; the coordinator and the auditors do not";
    case RELAIS_PAYLOAD_CONTACT:
    case RELAIS_PAYLOAD_CONTACT_UPDATE:
    case RELAIS_PAYLOAD_TRANSFER:
        return "only the reception desk registers what comes to the reception, follows it up and transfers it";
    case RELAIS_PAYLOAD_LOST_FOUND:
    case RELAIS_PAYLOAD_LOST_FOUND_UPDATE:
        return "only the reception desk keeps the lost and found";
    case RELAIS_PAYLOAD_DECREE:
        return "only the mayor's office (an identity of role publisher) publishes the town's decrees";
    case RELAIS_PAYLOAD_TRANSFER_ANSWER:
        return "only the partner or the coordinator an entry was transferred to answers the transfer";
    case RELAIS_PAYLOAD_PRIVACY:
        return "only the coordinator or the data protection officer serves the family's rights";
    default:
        return "this kind of message is the hub's own; no one submits it";
    }
}

static const char *s_detail_or(const char *fallback)
{
    const char *d = relais_status_detail();
    return d && d[0] ? d : fallback;
}

/* A partner's own reference for the referral: its key in the store and what the referral says,
 * so that the writer can tell the same referral sent again from another under the same
 * reference. None for an empty reference. */
static int s_referral_reference(broker_worker_t *w, const relais_message_t *msg, const relais_referral_view_t *ref,
                                broker_env_t *out, const char **why)
{
    out->has_ref = 0;
    if (!ref->external_ref || !ref->external_ref[0])
        return 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = relais_cases_ref_key(w->b->hub_secret, relais_message_sender(msg), ref->external_ref, out->ref_key);
    if (rc == 0)
        rc = relais_message_payload_pack(msg, &bytes, &len);
    if (rc == 0 && EVP_Digest(bytes, len, out->ref_content, NULL, EVP_sha256(), NULL) != 1)
        rc = RELAIS_E_CRYPTO;
    free(bytes);
    if (rc != 0) {
        *why = "the partner's reference could not be keyed";
        return rc == RELAIS_E_MALFORMED ? RELAIS_E_MALFORMED : RELAIS_E_UNAVAILABLE;
    }
    out->has_ref = 1;
    return 0;
}

/* Checks a referral's own content: the basis of consent and a child we can key. */
static int s_check_referral(broker_worker_t *w, const relais_message_t *msg, broker_env_t *out, const char **why)
{
    relais_referral_view_t ref;
    if (relais_message_referral(msg, &ref) != 0) {
        *why = "not a referral";
        return RELAIS_E_MALFORMED;
    }
    if (!ref.has_consent && !ref.has_parental_request) {
        *why = "a referral needs the family's consent or a parental request";
        return RELAIS_E_NO_CONSENT;
    }
    relais_status_clear();
    int rc = relais_cases_child_key(w->b->hub_secret, &ref, out->child_key);
    if (rc != 0) {
        *why = s_detail_or("the child cannot be identified");
        return rc == RELAIS_E_CRYPTO ? RELAIS_E_UNAVAILABLE : RELAIS_E_MALFORMED;
    }
    out->has_child_key = 1;
    return s_referral_reference(w, msg, &ref, out, why);
}

/* A case's owner is someone the partnership knows by name: an identity of the registry that
 * works cases, the coordinator or a partner's professional. Checked here, against the registry
 * in force when the update arrives, because the rules (and the audit's replay) have no registry:
 * they take the log's word for a name the hub once accepted. */
static int s_check_owner(broker_worker_t *w, const char *owner, const char **why)
{
    if (!owner || !owner[0])
        return 0;
    relais_peer_t peer;
    int known = broker_peer_by_name(w->b, owner, &peer) == 0;
    if (known && (peer.role == RELAIS_ROLE_COORDINATOR || peer.role == RELAIS_ROLE_PARTNER))
        return 0;
    char shown[100]; /* the name is at most 63 characters (checked), cut whole if it is wider */
    relais_cases_copy_text(shown, sizeof shown, owner);
    if (known)
        snprintf(w->why, sizeof w->why,
                 "case_update.owner: '%s' is an identity of role %s; a case's owner is the coordinator or a partner",
                 shown, relais_role_name(peer.role) ? relais_role_name(peer.role) : "none");
    else
        snprintf(w->why, sizeof w->why,
                 "case_update.owner: '%s' is no coordinator or partner of the registry; expected an identity name "
                 "(relais keygen NAME)",
                 shown);
    *why = w->why;
    return RELAIS_E_MALFORMED;
}

/* A transfer to someone of the hub names an identity that can receive it: a partner or the
 * coordinator of the registry in force (the rules, and the audit's replay, take the log's word). */
static int s_check_transfer(broker_worker_t *w, const relais_message_t *msg, const char **why)
{
    relais_transfer_view_t t;
    if (relais_message_transfer(msg, &t) != 0) {
        *why = "not a transfer";
        return RELAIS_E_MALFORMED;
    }
    if (t.recipient != RELAIS_RECIPIENT_HUB)
        return 0;
    relais_peer_t peer;
    int known = broker_peer_by_name(w->b, t.recipient_name, &peer) == 0;
    if (known && (peer.role == RELAIS_ROLE_COORDINATOR || peer.role == RELAIS_ROLE_PARTNER))
        return 0;
    char shown[100];
    relais_cases_copy_text(shown, sizeof shown, t.recipient_name);
    snprintf(w->why, sizeof w->why,
             "transfer.recipient_name: '%s' is %s; a transfer in the hub goes to a partner or the coordinator, by "
             "its identity name",
             shown, known ? "not a partner nor the coordinator" : "no identity of the registry");
    *why = w->why;
    return RELAIS_E_MALFORMED;
}

/* A case update must name a case the index can hold, and an owner the registry knows; the
 * state rules are the writer's. */
static int s_check_case_update(broker_worker_t *w, const relais_message_t *msg, const char **why)
{
    relais_case_update_view_t upd;
    if (relais_message_case_update(msg, &upd) != 0) {
        *why = "not a case update";
        return RELAIS_E_MALFORMED;
    }
    size_t n = upd.case_id ? strlen(upd.case_id) : 0;
    if (n == 0 || n >= RELAIS_CASE_ID_MAX) {
        *why = "case_update.case_id is missing or too long";
        return RELAIS_E_MALFORMED;
    }
    return s_check_owner(w, upd.owner, why);
}

/* The family's rights are served by the coordinator or the data protection officer; the moves
 * of the sweep are the hub's own; the archive is the officer's alone to open. */
static int s_check_privacy(const relais_message_t *msg, relais_role_t role, const char **why)
{
    relais_privacy_view_t p;
    if (relais_message_privacy(msg, &p) != 0) {
        *why = "not a privacy record";
        return RELAIS_E_MALFORMED;
    }
    size_t n = p.case_id ? strlen(p.case_id) : 0;
    if (n == 0 || n >= RELAIS_CASE_ID_MAX) {
        *why = "privacy.case_id is missing or too long";
        return RELAIS_E_MALFORMED;
    }
    if (p.kind == RELAIS_PRIVACY_UNSPECIFIED) {
        *why = "privacy.kind is missing";
        return RELAIS_E_MALFORMED;
    }
    if (p.kind == RELAIS_PRIVACY_ARCHIVED || p.kind == RELAIS_PRIVACY_ERASED) {
        *why = "only the hub moves a case to the archive or erases it, as its retention periods say";
        return RELAIS_E_FORBIDDEN;
    }
    if (p.kind == RELAIS_PRIVACY_MERGED) {
        *why = "only the hub records a merge's lifecycle; the coordinator merges with `relais case merge`";
        return RELAIS_E_FORBIDDEN;
    }
    if (p.kind == RELAIS_PRIVACY_ARCHIVE_OPENED && role != RELAIS_ROLE_DPO) {
        *why = "only the data protection officer opens the archive";
        return RELAIS_E_FORBIDDEN;
    }
    /* A resident's rights over the register are the officer's to serve: the coordinator has no
     * need to know the desk's entries, and the desk corrects an entry with an update. */
    if (relais_register_handle_seq(p.case_id) && role != RELAIS_ROLE_DPO) {
        *why = "a resident's rights over the reception's register are served by the data protection officer";
        return RELAIS_E_FORBIDDEN;
    }
    if (relais_register_handle_seq(p.case_id) && p.kind == RELAIS_PRIVACY_RECTIFIED) {
        *why = "an entry of the reception's register is corrected by the desk (relais reception update), not "
               "rectified";
        return RELAIS_E_MALFORMED;
    }
    return 0;
}

/* Everything a message must pass before the writer sees it, in the documented order. */
static int s_check_message(broker_worker_t *w, const broker_env_t *env, const relais_signed_t *sm,
                           const relais_message_t *msg, broker_env_t *out, const char **why, int64_t *verify_ns)
{
    const char *sender = relais_message_sender(msg);
    if (strcmp(sender, env->user) != 0) {
        *why = "the header's sender is not the identity of this connection";
        return RELAIS_E_SENDER_MISMATCH;
    }
    relais_peer_t peer;
    if (broker_peer_authorise(w->b, env->user, env->curve_key, &peer, NULL) != 0) {
        *why = "the sender or the key it connected with is no longer in the registry";
        return RELAIS_E_UNKNOWN_SENDER;
    }
    int64_t t0 = broker_clock_ns();
    int bad = relais_signature_verify(peer.sign_public, sm->body, sm->body_len, sm->signature) != 0;
    *verify_ns = broker_clock_ns() - t0;
    if (bad) {
        *why = "the signature does not verify with the sender's sign-key";
        return RELAIS_E_BAD_SIGNATURE;
    }
    int64_t created = relais_message_created_ms(msg);
    if (created < env->received_ms - w->b->opts.max_age_s * 1000) {
        *why = "created_ms is older than the broker accepts";
        return RELAIS_E_STALE;
    }
    if (created > env->received_ms + w->b->opts.max_skew_s * 1000) {
        *why = "created_ms is in the future";
        return RELAIS_E_STALE;
    }
    relais_payload_t payload = relais_message_payload(msg);
    if (!s_role_may_send(peer.role, payload)) {
        *why = s_role_refusal(peer.role, payload);
        return RELAIS_E_FORBIDDEN;
    }
    /* The content's rules, the schemas' and the hub's own, against the time it arrived. */
    if (relais_message_validate(msg, &w->b->opts.limits, env->received_ms, w->why, sizeof w->why) != 0) {
        *why = w->why;
        return RELAIS_E_MALFORMED;
    }
    if (payload == RELAIS_PAYLOAD_REFERRAL)
        return s_check_referral(w, msg, out, why);
    if (payload == RELAIS_PAYLOAD_CASE_UPDATE)
        return s_check_case_update(w, msg, why);
    if (payload == RELAIS_PAYLOAD_PRIVACY)
        return s_check_privacy(msg, peer.role, why);
    if (payload == RELAIS_PAYLOAD_TRANSFER)
        return s_check_transfer(w, msg, why);
    return 0;
}

static void s_verify_timed(broker_worker_t *w, const broker_env_t *env, const uint8_t *bytes, size_t len,
                           int64_t *verify_ns)
{
    relais_signed_t sm;
    relais_message_t *msg = NULL;
    relais_status_clear();
    if (relais_signed_decode(bytes, len, &sm) != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "not a SignedMessage: %s",
                          s_detail_or("does not decode"));
        return;
    }
    int rc = relais_message_decode(sm.body, sm.body_len, &msg);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_MALFORMED, NULL, "the message body %s: %s",
                          rc == RELAIS_E_VERSION ? "has an unknown version" : "does not decode",
                          s_detail_or("invalid"));
        return;
    }
    broker_env_t out = *env;
    out.kind = BROKER_WRITE_MESSAGE;
    out.has_child_key = 0;
    out.has_ref = 0;
    const char *why = NULL;
    rc = s_check_message(w, env, &sm, msg, &out, &why, verify_ns);
    if (rc != 0) {
        broker_send_error(w->to_intake, env, rc, relais_message_id(msg), "%s", why);
    } else if (broker_env_send(w->to_writer, &out, bytes, len, NULL, 0, 0) != 0) {
        broker_send_error(w->to_intake, env, RELAIS_E_UNAVAILABLE, relais_message_id(msg), "the writer is gone");
    }
    relais_message_destroy(&msg);
}

/* A submission: its signature's time is the VERIFY stage, the rest of it CHECK. */
static void s_verify(broker_worker_t *w, const broker_env_t *env, const uint8_t *bytes, size_t len)
{
    int64_t t0 = broker_clock_ns(), verify_ns = 0;
    s_verify_timed(w, env, bytes, len, &verify_ns);
    broker_stage_add(w->b, BROKER_STAGE_VERIFY, verify_ns);
    broker_stage_add(w->b, BROKER_STAGE_CHECK, broker_clock_ns() - t0 - verify_ns);
}

static void s_dispatch(broker_worker_t *w, const broker_env_t *env, const uint8_t *d1, size_t len1)
{
    switch (env->kind) {
    case BROKER_JOB_SUBMIT:
        s_verify(w, env, d1, len1);
        break;
    case BROKER_JOB_QUERY:
        broker_query_handle(w, env, d1, len1);
        break;
    case BROKER_JOB_SUBSCRIBE:
        broker_query_subscribe(w, env);
        break;
    default:
        broker_log("error", "internal", "what=\"unexpected job\" kind=%d", (int)env->kind);
        break;
    }
}

/* Takes one job; returns 0 when one was handled, 1 when the queue is empty, -1 on ETERM. */
static int s_take_one(broker_worker_t *w)
{
    zmq_msg_t msg;
    broker_env_t env;
    const uint8_t *d1, *d2;
    int rc = broker_env_recv(w->jobs, &msg, &env, &d1, &d2, ZMQ_DONTWAIT);
    if (rc < 0)
        return errno == EAGAIN || errno == EINTR ? 1 : -1;
    broker_flow_wake(w->b, rc == 0 ? zmq_msg_size(&msg) : 0); /* a bad frame (a bug) is closed already */
    if (rc > 0)
        return 0;
    s_dispatch(w, &env, d1, env.len1);
    zmq_msg_close(&msg);
    return 0;
}

static void *s_worker_thread(void *arg)
{
    broker_worker_t *w = arg;
    for (;;) {
        /* Read the flag before looking at the queue: once it is set intake sends no more,
         * so an empty queue seen after it is empty for good. */
        int draining = atomic_load(&w->b->verifiers_drain);
        int rc = s_take_one(w);
        if (rc < 0 || (rc == 1 && draining))
            break;
        if (rc == 1) {
            zmq_pollitem_t item = {w->jobs, 0, ZMQ_POLLIN, 0};
            zmq_poll(&item, 1, 100);
        }
    }
    zmq_close(w->jobs);
    zmq_close(w->to_writer);
    zmq_close(w->to_intake);
    atomic_fetch_sub(&w->b->verifiers_running, 1);
    free(w);
    return NULL;
}

static broker_worker_t *s_worker_new(relais_broker_t *b, int index)
{
    broker_worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->b = b;
    w->index = index;
    w->jobs = broker_queue_socket(b, ZMQ_PULL);
    w->to_writer = broker_queue_socket(b, ZMQ_PUSH);
    w->to_intake = broker_queue_socket(b, ZMQ_PUSH);
    if (!w->jobs || !w->to_writer || !w->to_intake || zmq_connect(w->jobs, BROKER_EP_VERIFY) != 0 ||
        zmq_connect(w->to_writer, BROKER_EP_WRITE) != 0 || zmq_connect(w->to_intake, BROKER_EP_REPLY) != 0) {
        zmq_close(w->jobs);
        zmq_close(w->to_writer);
        zmq_close(w->to_intake);
        free(w);
        return NULL;
    }
    return w;
}

int broker_verifiers_start(relais_broker_t *b)
{
    b->verifier_threads = calloc((size_t)b->opts.verifiers, sizeof *b->verifier_threads);
    if (!b->verifier_threads)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    for (int i = 0; i < b->opts.verifiers; i++) {
        broker_worker_t *w = s_worker_new(b, i);
        if (!w) {
            atomic_store(&b->verifiers_drain, 1);
            broker_verifiers_join(b);
            return relais_status_set(RELAIS_E_UNAVAILABLE, "cannot start verifier %d", i);
        }
        atomic_fetch_add(&b->verifiers_running, 1);
        if (pthread_create(&b->verifier_threads[i], NULL, s_worker_thread, w) != 0) {
            atomic_fetch_sub(&b->verifiers_running, 1);
            zmq_close(w->jobs);
            zmq_close(w->to_writer);
            zmq_close(w->to_intake);
            free(w);
            atomic_store(&b->verifiers_drain, 1);
            broker_verifiers_join(b);
            return relais_status_set(RELAIS_E_NOMEM, "cannot start verifier %d", i);
        }
        b->verifier_count = i + 1;
    }
    return 0;
}

void broker_verifiers_join(relais_broker_t *b)
{
    for (int i = 0; i < b->verifier_count; i++)
        pthread_join(b->verifier_threads[i], NULL);
    b->verifier_count = 0;
}
