/* rules.c -- the case rules on one record: child keys, the state machine, referrals. Pure, no I/O.
 *
 * Everything here is a function of the events in the log (and the hub secret), so that a
 * replay of the log rebuilds every case record byte for byte: times come from the records'
 * received_ms, never from the clock, and nothing depends on the deadline policy.
 */
#include "relais_cases.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

/* ---- Child keys ------------------------------------------------------------------------- */

/* Decodes one UTF-8 code point at `s`; sets *len (1 for a byte that starts no sequence,
 * which is then kept as it is: the codec has already refused invalid UTF-8). */
static unsigned s_utf8_next(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *len = 2;
        return ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
    }
    if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        *len = 3;
        return ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    }
    /* Beyond the BMP too, so that a child display takes a family name's first letter whole (a
     * name keeps the bytes of such a letter as they are: its child key is the same either way). */
    if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
        *len = 4;
        return ((unsigned)(s[0] & 0x07) << 18) | ((unsigned)(s[1] & 0x3f) << 12) | ((unsigned)(s[2] & 0x3f) << 6) |
               (s[3] & 0x3f);
    }
    *len = 1;
    return 0xfffd;
}

int relais_cases_normalise_name(const char *in, char *out, size_t cap)
{
    return relais_text_fold(in, out, cap);
}

/* HMAC-SHA256 through an EVP_MAC context each thread keeps: HMAC() fetches the MAC and the
 * digest again on every call (EVP_Q_mac), which costs more than the MAC of a short name.
 * The context is set up once with its digest; each call only re-keys it. */
static pthread_once_t s_mac_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_mac_key;
static int s_mac_key_ok;
static EVP_MAC *s_mac; /* fetched once, kept for the life of the process */

static void s_mac_ctx_free(void *ctx)
{
    EVP_MAC_CTX_free(ctx);
}

static void s_mac_setup(void)
{
    s_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    s_mac_key_ok = s_mac && pthread_key_create(&s_mac_key, s_mac_ctx_free) == 0;
}

/* This thread's HMAC-SHA256 context; NULL when OpenSSL cannot give one. */
static EVP_MAC_CTX *s_mac_ctx(void)
{
    pthread_once(&s_mac_once, s_mac_setup);
    if (!s_mac_key_ok)
        return NULL;
    EVP_MAC_CTX *ctx = pthread_getspecific(s_mac_key);
    if (ctx)
        return ctx;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    ctx = EVP_MAC_CTX_new(s_mac);
    if (!ctx || !EVP_MAC_CTX_set_params(ctx, params) || pthread_setspecific(s_mac_key, ctx) != 0) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int s_hmac_sha256(const uint8_t key[32], const char *input, size_t len, uint8_t out[32])
{
    EVP_MAC_CTX *ctx = s_mac_ctx();
    size_t mac_len = 0;
    if (ctx && EVP_MAC_init(ctx, key, 32, NULL) && EVP_MAC_update(ctx, (const unsigned char *)input, len) &&
        EVP_MAC_final(ctx, out, &mac_len, 32) && mac_len == 32)
        return 0;
    unsigned int one_shot_len = 0; /* no context: the one-shot call */
    if (!HMAC(EVP_sha256(), key, 32, (const unsigned char *)input, len, out, &one_shot_len) || one_shot_len != 32)
        return -1;
    return 0;
}

/* Appends `text` and a NUL-free separator to the HMAC input. */
static int s_hmac_input(char *buf, size_t cap, size_t *len, const char *text, int last)
{
    size_t n = strlen(text);
    if (*len + n + 1 >= cap)
        return RELAIS_E_MALFORMED;
    memcpy(buf + *len, text, n);
    *len += n;
    if (!last)
        buf[(*len)++] = '|';
    return 0;
}

/* Room for the longest names the schema allows (proto/validate.c): 100 characters of up to 4
 * bytes; the given names, 10 of them joined by spaces. Normalising never lengthens a name (a
 * folded letter is no longer than its UTF-8), so the same room holds the normalised text. Only
 * the room grew: a name that fitted before keys the same bytes. */
#define S_NAME_BYTES (100 * 4 + 1)
#define S_GIVEN_BYTES (10 * (100 * 4 + 1))

int relais_cases_child_key(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_referral_view_t *child, uint8_t out[32])
{
    char family[S_NAME_BYTES], given[S_GIVEN_BYTES], joined[S_GIVEN_BYTES], birth[64];
    char input[S_NAME_BYTES + S_GIVEN_BYTES + 64];
    size_t jl = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < child->given_count; i++) {
        int w = snprintf(joined + jl, sizeof joined - jl, "%s%s", i ? " " : "", child->given_names[i]);
        if (w < 0 || (size_t)w >= sizeof joined - jl)
            return relais_status_set(RELAIS_E_MALFORMED, "referral.child.given_names: more than %zu bytes together; "
                                     "expected at most 10 names of 100 characters", sizeof joined - 1);
        jl += (size_t)w;
    }
    if (!child->family_name || relais_cases_normalise_name(child->family_name, family, sizeof family) != 0 ||
        relais_cases_normalise_name(joined, given, sizeof given) != 0 || !child->birth_date ||
        relais_cases_normalise_name(child->birth_date, birth, sizeof birth) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child: names or birth date too long; expected names of "
                                 "at most 100 characters and a date YYYY-MM-DD");
    if (!family[0])
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.family_name: no letter or digit; expected a name");
    if (!birth[0])
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.birth_date: required; expected a date, "
                                 "YYYY-MM-DD");
    size_t len = 0;
    if (s_hmac_input(input, sizeof input, &len, family, 0) != 0 ||
        s_hmac_input(input, sizeof input, &len, given, 0) != 0 ||
        s_hmac_input(input, sizeof input, &len, birth, 1) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child: names too long to key the child");
    if (s_hmac_sha256(secret, input, len, out) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "HMAC-SHA256 failed");
    return 0;
}

/* HMAC-SHA256 of two parts under a domain tag (a leading NUL: no child key's input, NUL-free
 * text, can equal it), its first `n` bytes into `out`; `field` names the input in an error. */
static int s_tagged_mac(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const char *tag, const char *sender,
                        const char *text, size_t text_len, uint8_t *out, size_t n, const char *field)
{
    char input[1024];
    size_t tl = strlen(tag), sl = strlen(sender);
    if (2 + tl + sl + 1 + text_len > sizeof input)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: too long", field);
    input[0] = '\0';
    memcpy(input + 1, tag, tl);
    input[1 + tl] = '\0';
    memcpy(input + 2 + tl, sender, sl);
    input[2 + tl + sl] = '\0';
    memcpy(input + 3 + tl + sl, text, text_len);
    uint8_t mac[32];
    if (s_hmac_sha256(secret, input, 3 + tl + sl + text_len, mac) != 0)
        return relais_status_set(RELAIS_E_CRYPTO, "HMAC-SHA256 failed");
    memcpy(out, mac, n);
    return 0;
}

int relais_cases_ref_key(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const char *sender, const char *external_ref,
                         uint8_t out[32])
{
    size_t rl = external_ref ? strlen(external_ref) : 0;
    if (!sender || !sender[0] || rl == 0)
        return relais_status_set(RELAIS_E_MALFORMED, "referral.external_ref: empty");
    /* Partners number their referrals in order ("MC-2026-014", "MC-2026-015"): the key keeps
     * that order, so that the log's synced index takes each new reference at the end of its
     * partner's run instead of on a random page of its own (a page written and synced per
     * referral, which at millions of references made intake half as fast). The stem before the
     * trailing digits is hashed with the sender, the trailing number is kept as a number, and a
     * hash of the whole reference tells apart those that share both ("014" and "14"). */
    size_t stem = rl, digits = 0;
    while (stem > 0 && digits < 18 && external_ref[stem - 1] >= '0' && external_ref[stem - 1] <= '9') {
        stem--;
        digits++;
    }
    uint64_t number = 0;
    for (size_t k = stem; k < rl; k++)
        number = number * 10 + (uint64_t)(external_ref[k] - '0');
    int rc = s_tagged_mac(secret, "ref-stem", sender, external_ref, stem, out, 8, "referral.external_ref");
    for (int k = 0; rc == 0 && k < 8; k++)
        out[8 + k] = (uint8_t)(number >> (56 - 8 * k));
    return rc ? rc : s_tagged_mac(secret, "ref", sender, external_ref, rl, out + 16, 16, "referral.external_ref");
}

int relais_cases_block_keys(const uint8_t secret[RELAIS_CASES_SECRET_SIZE], const relais_referral_view_t *child,
                            uint8_t keys[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE], size_t *count)
{
    if (!secret || !child || !keys || !count)
        return relais_status_set(RELAIS_E_INVALID, "relais_cases_block_keys needs a secret, a child and room");
    *count = 0;
    if (!child->birth_date || !child->birth_date[0])
        return relais_status_set(RELAIS_E_MALFORMED, "referral.child.birth_date: required to block the child");
    /* The family name's key, then the first given name's: a child written with its names
     * swapped, or with a typo that changes one of the two keys, still meets its twin entry
     * through the other. A name with no letter to key (digits, letters normalisation does not
     * fold) gives no key. */
    const char *names[RELAIS_CASES_BLOCK_KEYS] = {child->family_name, child->given_count ? child->given_names[0] : NULL};
    char phonetic[RELAIS_CASES_BLOCK_KEYS][128];
    for (size_t i = 0; i < RELAIS_CASES_BLOCK_KEYS; i++) {
        if (!names[i] || relais_cases_phonetic_key(names[i], phonetic[*count], sizeof phonetic[*count]) != 0)
            continue;
        if (*count == 1 && strcmp(phonetic[0], phonetic[1]) == 0)
            continue;
        int rc = s_tagged_mac(secret, "block", child->birth_date, phonetic[*count], strlen(phonetic[*count]),
                              keys[*count], RELAIS_CASES_BLOCK_KEY_SIZE, "referral.child");
        if (rc)
            return rc;
        (*count)++;
    }
    relais_status_clear();
    return 0;
}

/* ---- States ----------------------------------------------------------------------------- */

/* Business state -> FHIR Task status (exchange with other systems):
 *
 *   submitted          requested        the referral is in, nobody has looked yet
 *   triage             received         the coordinator has it and is assessing it
 *   awaiting-agreement on-hold          waiting for the family to agree to the support
 *   accepted           accepted         the hub takes the case
 *   declined           rejected         the hub does not take it (reason_code says why)
 *   redirected         rejected         not taken here; the family sent to redirected_to
 *   diagnosis          in-progress      axis 2
 *   pathway-proposed   in-progress      axis 3
 *   follow-up          in-progress      axis 4
 *   closed-completed   completed
 *   closed-withdrawn   cancelled        the family or the referrer withdrew
 *   closed-failed      failed           the support could not be delivered
 *   paused             on-hold          any open state, suspended (resumes where it was)
 *   entered-in-error   entered-in-error a tombstone: the case should not exist
 */
static const int s_task_status[RELAIS_CASE_STATE_COUNT] = {
    [RELAIS_CASE_UNSPECIFIED] = RELAIS_TASK_UNSPECIFIED,
    [RELAIS_CASE_SUBMITTED] = RELAIS_TASK_REQUESTED,
    [RELAIS_CASE_TRIAGE] = RELAIS_TASK_RECEIVED,
    [RELAIS_CASE_AWAITING_AGREEMENT] = RELAIS_TASK_ON_HOLD,
    [RELAIS_CASE_ACCEPTED] = RELAIS_TASK_ACCEPTED,
    [RELAIS_CASE_DECLINED] = RELAIS_TASK_REJECTED,
    [RELAIS_CASE_REDIRECTED] = RELAIS_TASK_REJECTED,
    [RELAIS_CASE_DIAGNOSIS] = RELAIS_TASK_IN_PROGRESS,
    [RELAIS_CASE_PATHWAY_PROPOSED] = RELAIS_TASK_IN_PROGRESS,
    [RELAIS_CASE_FOLLOW_UP] = RELAIS_TASK_IN_PROGRESS,
    [RELAIS_CASE_CLOSED_COMPLETED] = RELAIS_TASK_COMPLETED,
    [RELAIS_CASE_CLOSED_WITHDRAWN] = RELAIS_TASK_CANCELLED,
    [RELAIS_CASE_CLOSED_FAILED] = RELAIS_TASK_FAILED,
    [RELAIS_CASE_PAUSED] = RELAIS_TASK_ON_HOLD,
    [RELAIS_CASE_ENTERED_IN_ERROR] = RELAIS_TASK_ENTERED_IN_ERROR,
};

int relais_cases_task_status(relais_case_state_t state)
{
    return (unsigned)state < RELAIS_CASE_STATE_COUNT ? s_task_status[state] : RELAIS_TASK_UNSPECIFIED;
}

int relais_cases_state_is_open(relais_case_state_t state)
{
    switch (state) {
    case RELAIS_CASE_SUBMITTED:
    case RELAIS_CASE_TRIAGE:
    case RELAIS_CASE_AWAITING_AGREEMENT:
    case RELAIS_CASE_ACCEPTED:
    case RELAIS_CASE_DIAGNOSIS:
    case RELAIS_CASE_PATHWAY_PROPOSED:
    case RELAIS_CASE_FOLLOW_UP:
    case RELAIS_CASE_PAUSED:
        return 1;
    default:
        return 0;
    }
}

#define S_BIT(state) (1u << (state))

/* The moves of the case's state machine, from each state (pause, resume, notes and
 * entered-in-error are handled apart because they depend on more than the two states). */
static const unsigned s_moves[RELAIS_CASE_STATE_COUNT] = {
    [RELAIS_CASE_SUBMITTED] = S_BIT(RELAIS_CASE_TRIAGE),
    [RELAIS_CASE_TRIAGE] = S_BIT(RELAIS_CASE_AWAITING_AGREEMENT) | S_BIT(RELAIS_CASE_ACCEPTED) |
                           S_BIT(RELAIS_CASE_DECLINED) | S_BIT(RELAIS_CASE_REDIRECTED),
    [RELAIS_CASE_AWAITING_AGREEMENT] = S_BIT(RELAIS_CASE_ACCEPTED) | S_BIT(RELAIS_CASE_DECLINED) |
                                       S_BIT(RELAIS_CASE_REDIRECTED) | S_BIT(RELAIS_CASE_CLOSED_WITHDRAWN),
    [RELAIS_CASE_ACCEPTED] = S_BIT(RELAIS_CASE_DIAGNOSIS),
    [RELAIS_CASE_DIAGNOSIS] = S_BIT(RELAIS_CASE_PATHWAY_PROPOSED),
    /* back to awaiting-agreement when the family must agree to the pathway (a contract) */
    [RELAIS_CASE_PATHWAY_PROPOSED] = S_BIT(RELAIS_CASE_FOLLOW_UP) | S_BIT(RELAIS_CASE_AWAITING_AGREEMENT),
    [RELAIS_CASE_FOLLOW_UP] = S_BIT(RELAIS_CASE_CLOSED_COMPLETED) | S_BIT(RELAIS_CASE_CLOSED_WITHDRAWN) |
                              S_BIT(RELAIS_CASE_CLOSED_FAILED),
};

static int s_needs_reason(relais_case_state_t to)
{
    return to == RELAIS_CASE_DECLINED || to == RELAIS_CASE_CLOSED_COMPLETED || to == RELAIS_CASE_CLOSED_WITHDRAWN ||
           to == RELAIS_CASE_CLOSED_FAILED;
}

static const char *s_name(relais_case_state_t s)
{
    const char *n = relais_case_state_name(s);
    return n ? n : "unknown";
}

int relais_cases_can_move(relais_case_state_t from, relais_case_state_t paused_from, relais_case_state_t to)
{
    if ((unsigned)to >= RELAIS_CASE_STATE_COUNT || to == RELAIS_CASE_UNSPECIFIED)
        return 0;
    if (to == RELAIS_CASE_ENTERED_IN_ERROR)
        return from != RELAIS_CASE_ENTERED_IN_ERROR;
    if (to == from || to == RELAIS_CASE_PAUSED)
        return relais_cases_state_is_open(from); /* a note or a review; a pause */
    if (from == RELAIS_CASE_PAUSED)
        return to == paused_from;
    return (unsigned)from < RELAIS_CASE_STATE_COUNT && (s_moves[from] & S_BIT(to)) != 0;
}

/* Whether `cur` may take an update to `to`: a move, a pause or its resume, a note (to == from,
 * in an open state), or entered-in-error from anything but itself. */
static int s_can_move(const relais_case_record_t *cur, relais_case_state_t to)
{
    return relais_cases_can_move(cur->summary.state, cur->paused_from, to);
}

/* Where the case stands, as the coordinator would say it: "in triage", "paused (it was in
 * follow-up)", "closed (declined)", "entered in error". */
static void s_where(const relais_case_record_t *cur, char *out, size_t cap)
{
    relais_case_state_t from = cur->summary.state;
    if (from == RELAIS_CASE_PAUSED)
        snprintf(out, cap, "paused (it was in %s)", s_name(cur->paused_from));
    else if (from == RELAIS_CASE_ENTERED_IN_ERROR)
        snprintf(out, cap, "entered in error");
    else if (relais_cases_state_is_open(from))
        snprintf(out, cap, "in %s", s_name(from));
    else
        snprintf(out, cap, "closed (%s)", s_name(from));
}

/* What the case may do next, in the command line's words (`relais case update C-3 ACTION`):
 * "from triage it can move to: awaiting-agreement, ..., entered-in-error, or take a note".
 * Derived from s_can_move, so that the sentence never disagrees with the rule. */
static void s_next(const relais_case_record_t *cur, char *out, size_t cap)
{
    relais_case_state_t from = cur->summary.state;
    if (from == RELAIS_CASE_ENTERED_IN_ERROR) {
        snprintf(out, cap, "it can no longer move or take a note");
        return;
    }
    size_t used = (size_t)snprintf(out, cap, "from %s it can %smove to:", s_name(from),
                                   relais_cases_state_is_open(from) ? "" : "only ");
    int listed = 0;
    for (int t = 1; t < RELAIS_CASE_STATE_COUNT && used < cap; t++) {
        if (t == (int)from || !s_can_move(cur, (relais_case_state_t)t))
            continue;
        int resume = from == RELAIS_CASE_PAUSED && t == (int)cur->paused_from;
        used += (size_t)snprintf(out + used, cap - used, "%s %s%s", listed ? "," : "", s_name((relais_case_state_t)t),
                                 resume ? " (resume)" : "");
        listed++;
    }
    if (used < cap && s_can_move(cur, from))
        snprintf(out + used, cap - used, "%s take a note", listed ? ", or" : " only");
}

/* Whether `cur` may move to `to`; when not, a sentence in `why` that says where the case
 * stands and what it may do instead. */
static int s_move_allowed(const relais_case_record_t *cur, relais_case_state_t to, char *why, size_t cap)
{
    if (s_can_move(cur, to))
        return 1;
    char where[64], moves[200];
    s_where(cur, where, sizeof where);
    s_next(cur, moves, sizeof moves);
    if (to == cur->summary.state)
        snprintf(why, cap, "case %s is %s and takes no more notes; %s", cur->summary.case_id, where, moves);
    else
        snprintf(why, cap, "case %s is %s and cannot move to %s; %s", cur->summary.case_id, where, s_name(to), moves);
    return 0;
}

/* The static requirements of the target state (reasons, where to). */
static int s_fields_ok(const relais_case_update_view_t *upd, relais_case_state_t from, char *why, size_t cap)
{
    int moving = upd->to_state != from;
    if (moving && upd->to_state == RELAIS_CASE_REDIRECTED && (!upd->redirected_to || !upd->redirected_to[0])) {
        snprintf(why, cap, "redirected needs redirected_to");
        return 0;
    }
    if (moving && s_needs_reason(upd->to_state) && (!upd->reason_code || !upd->reason_code[0])) {
        snprintf(why, cap, "%s needs a reason_code", s_name(upd->to_state));
        return 0;
    }
    return 1;
}

/* "2026-12-01" -> midnight UTC in ms; -1 when it is not such a date. */
static int64_t s_iso_date_ms(const char *date)
{
    int y, m, d;
    char tail;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
        y < 1970 || y > 9999)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    return t < 0 ? -1 : (int64_t)t * 1000;
}

static int s_copy(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

/* The requirements of the target state that the transition table cannot say: a redirect
 * names where to, a refusal or a closing says why, a pathway holds at least one action. */
static int s_fields_needed(const relais_case_update_view_t *upd, relais_case_state_t from, char *why, size_t cap)
{
    if (upd->to_state == from)
        return 1;
    if (upd->to_state == RELAIS_CASE_PATHWAY_PROPOSED && upd->pathway_count == 0) {
        snprintf(why, cap, "pathway-proposed needs at least one pathway action (individual or collective)");
        return 0;
    }
    return s_fields_ok(upd, from, why, cap);
}

/* Copies the sub-status and reason: a transition replaces them, a note only adds what it carries.
 * The owner changes only when named: no update takes it away, whatever the move (the hub checked
 * the name against the registry; a replay takes the log's word for it). */
static int s_update_texts(relais_case_record_t *next, const relais_case_update_view_t *upd, int moving, char *why,
                          size_t cap)
{
    if (upd->owner && upd->owner[0] && s_copy(next->summary.owner, sizeof next->summary.owner, upd->owner) != 0) {
        snprintf(why, cap, "owner too long");
        return RELAIS_E_BAD_TRANSITION;
    }
    if ((moving || (upd->sub_status && upd->sub_status[0])) &&
        s_copy(next->summary.sub_status, sizeof next->summary.sub_status, upd->sub_status) != 0) {
        snprintf(why, cap, "sub_status too long");
        return RELAIS_E_BAD_TRANSITION;
    }
    if ((moving || (upd->reason_code && upd->reason_code[0])) &&
        s_copy(next->summary.reason_code, sizeof next->summary.reason_code, upd->reason_code) != 0) {
        snprintf(why, cap, "reason_code too long");
        return RELAIS_E_BAD_TRANSITION;
    }
    return 0;
}

int relais_cases_update(relais_case_record_t *rec, const relais_case_update_view_t *upd, uint64_t seq,
                        int64_t received_ms, int *closed, char *why, size_t cap)
{
    relais_case_state_t from = rec->summary.state;
    *closed = 0;
    char where[64], moves[200];
    if ((unsigned)upd->to_state >= RELAIS_CASE_STATE_COUNT || upd->to_state == RELAIS_CASE_UNSPECIFIED) {
        s_next(rec, moves, sizeof moves);
        snprintf(why, cap, "case %s: unknown target state; %s", rec->summary.case_id, moves);
        return RELAIS_E_BAD_TRANSITION;
    }
    if (upd->from_state != from) {
        /* The author saw another state: the case moved on since, or --from was wrong. */
        s_where(rec, where, sizeof where);
        s_next(rec, moves, sizeof moves);
        snprintf(why, cap, "case %s is %s, not %s; %s", rec->summary.case_id, where, s_name(upd->from_state), moves);
        return RELAIS_E_BAD_TRANSITION;
    }
    if (!s_move_allowed(rec, upd->to_state, why, cap) || !s_fields_needed(upd, from, why, cap))
        return RELAIS_E_BAD_TRANSITION;
    int64_t review_ms = 0;
    if (upd->next_review_date && upd->next_review_date[0] && (review_ms = s_iso_date_ms(upd->next_review_date)) < 0) {
        snprintf(why, cap, "next_review_date is not an ISO date (YYYY-MM-DD)");
        return RELAIS_E_BAD_TRANSITION;
    }
    relais_case_record_t next = *rec;
    int moving = upd->to_state != from;
    int rc = s_update_texts(&next, upd, moving, why, cap);
    if (rc != 0)
        return rc;
    if (upd->to_state == RELAIS_CASE_PAUSED && moving)
        next.paused_from = from;
    else if (from == RELAIS_CASE_PAUSED && moving)
        next.paused_from = RELAIS_CASE_UNSPECIFIED;
    /* A review date holds until another replaces it; a closed case has none. */
    if (review_ms > 0)
        next.review_ms = review_ms;
    *closed = moving && !relais_cases_state_is_open(upd->to_state);
    if (*closed)
        next.review_ms = 0;
    next.summary.state = upd->to_state;
    next.summary.task_status = relais_cases_task_status(upd->to_state);
    next.summary.updated_ms = received_ms;
    next.last_seq = seq;
    *rec = next;
    return 0;
}

void relais_cases_status(const relais_case_record_t *rec, relais_case_status_t *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->case_id, rec->summary.case_id, sizeof out->case_id);
    out->state = rec->summary.state;
    out->task_status = rec->summary.task_status;
    memcpy(out->reason_code, rec->summary.reason_code, sizeof out->reason_code);
    out->updated_ms = rec->summary.updated_ms;
}

/* ---- Referrals -------------------------------------------------------------------------- */

/* Adds `name` to a list once; a name that does not fit, or a full list, is left out. */
static void s_add_name(char list[][RELAIS_NAME_LEN], size_t *count, const char *name)
{
    if (!name || !name[0])
        return;
    for (size_t i = 0; i < *count; i++)
        if (strcmp(list[i], name) == 0)
            return;
    if (*count < RELAIS_MAX_REFERRERS && strlen(name) < RELAIS_NAME_LEN)
        memcpy(list[(*count)++], name, strlen(name) + 1);
}

void relais_cases_copy_text(char *out, size_t cap, const char *text)
{
    if (cap == 0)
        return;
    size_t n = text ? strlen(text) : 0;
    if (n >= cap) {
        /* The text is UTF-8 (the codec checked it): back off the continuation bytes to the start
         * of the character that does not fit. */
        n = cap - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(out, text, n);
    out[n] = '\0';
}

void relais_cases_child_display(const relais_referral_view_t *ref, char *out, size_t cap)
{
    char given[61];
    relais_cases_copy_text(given, sizeof given, ref->given_count ? ref->given_names[0] : "");
    const char *family = ref->family_name ? ref->family_name : "";
    size_t initial = 0;
    if (family[0])
        s_utf8_next((const unsigned char *)family, &initial);
    char year[8] = "";
    if (ref->birth_date && strlen(ref->birth_date) >= 4)
        snprintf(year, sizeof year, " (%.4s)", ref->birth_date);
    char display[RELAIS_NAME_LEN];
    snprintf(display, sizeof display, "%s%s%.*s%s%s", given, given[0] && initial ? " " : "", (int)initial, family,
             initial ? "." : "", year);
    relais_cases_copy_text(out, cap, display);
}

int relais_cases_open(const relais_referral_view_t *ref, const uint8_t child_key[32], const char *sender,
                      uint64_t seq, int64_t received_ms, relais_case_record_t *out)
{
    memset(out, 0, sizeof *out);
    relais_case_summary_t *s = &out->summary;
    snprintf(s->case_id, sizeof s->case_id, "C-%llu", (unsigned long long)seq);
    s->state = RELAIS_CASE_SUBMITTED;
    s->task_status = relais_cases_task_status(RELAIS_CASE_SUBMITTED);
    s->urgency = ref->urgency ? ref->urgency : RELAIS_URGENCY_ROUTINE;
    relais_cases_child_display(ref, s->child_display, sizeof s->child_display);
    relais_cases_copy_text(s->school, sizeof s->school, ref->school);
    s->opened_ms = received_ms;
    out->triage_from_ms = received_ms;
    memcpy(out->child_key, child_key, 32);
    relais_case_follower_t *opener = &out->followers[out->follower_count++];
    opener->referral_seq = seq;
    opener->since_seq = seq;
    snprintf(opener->sender, sizeof opener->sender, "%s", sender ? sender : "");
    return relais_cases_attach(out, ref, sender, seq, received_ms);
}

int relais_cases_attach(relais_case_record_t *rec, const relais_referral_view_t *ref, const char *sender,
                        uint64_t seq, int64_t received_ms)
{
    relais_case_summary_t *s = &rec->summary;
    s_add_name(s->referrers, &s->referrer_count, ref->organisation);
    s_add_name(rec->senders, &rec->sender_count, sender);
    if (rec->referral_seq_count < RELAIS_MAX_REFERRERS)
        rec->referral_seqs[rec->referral_seq_count++] = seq;
    s->referral_count++;
    rec->referral_keys++;
    if (!s->school[0] && ref->school)
        relais_cases_copy_text(s->school, sizeof s->school, ref->school);
    relais_urgency_t urgency = ref->urgency ? ref->urgency : RELAIS_URGENCY_ROUTINE;
    if (urgency > s->urgency) {
        /* The more urgent target counts from the referral that raised it. */
        s->urgency = urgency;
        rec->triage_from_ms = received_ms;
    }
    s->updated_ms = received_ms;
    rec->last_seq = seq;
    return 0;
}

void relais_cases_absorb(relais_case_record_t *into, const relais_case_record_t *from, uint64_t seq,
                         int64_t received_ms)
{
    relais_case_summary_t *s = &into->summary;
    for (size_t i = 0; i < from->follower_count && into->follower_count < RELAIS_MAX_FOLLOWERS; i++)
        if (!relais_cases_follower(into, from->followers[i].referral_seq)) {
            relais_case_follower_t *f = &into->followers[into->follower_count++];
            *f = from->followers[i];
            f->since_seq = seq;
        }
    const char *merged[1 + RELAIS_MAX_MERGED] = {from->summary.case_id};
    for (size_t i = 0; i < from->summary.merged_count; i++)
        merged[1 + i] = from->summary.merged_from[i];
    for (size_t i = 0; i < 1 + from->summary.merged_count && s->merged_count < RELAIS_MAX_MERGED; i++)
        snprintf(s->merged_from[s->merged_count++], RELAIS_CASE_ID_LEN, "%s", merged[i]);
    for (size_t i = 0; i < from->summary.referrer_count; i++)
        s_add_name(s->referrers, &s->referrer_count, from->summary.referrers[i]);
    for (size_t i = 0; i < from->sender_count; i++)
        s_add_name(into->senders, &into->sender_count, from->senders[i]);
    for (size_t i = 0; i < from->referral_seq_count && into->referral_seq_count < RELAIS_MAX_REFERRERS; i++)
        into->referral_seqs[into->referral_seq_count++] = from->referral_seqs[i];
    s->referral_count += from->summary.referral_count;
    /* A more urgent referral of the merged case counts from its own arrival, as attaching does. */
    if (from->summary.urgency > s->urgency) {
        s->urgency = from->summary.urgency;
        into->triage_from_ms = from->triage_from_ms;
    }
    if (!into->review_ms)
        into->review_ms = from->review_ms;
    into->last_seq = seq;
    s->updated_ms = received_ms;
}

void relais_cases_recount(relais_case_record_t *rec, const relais_referral_record_t *refs, size_t count)
{
    relais_case_summary_t *s = &rec->summary;
    if (count == 0)
        return;
    s->referrer_count = 0;
    rec->sender_count = 0;
    s->school[0] = '\0';
    s->urgency = RELAIS_URGENCY_UNSPECIFIED;
    for (size_t i = 0; i < count; i++) {
        s_add_name(s->referrers, &s->referrer_count, refs[i].organisation);
        s_add_name(rec->senders, &rec->sender_count, refs[i].sender);
        if (!s->school[0])
            memcpy(s->school, refs[i].school, sizeof s->school);
        relais_urgency_t urgency = refs[i].urgency ? refs[i].urgency : RELAIS_URGENCY_ROUTINE;
        if (urgency > s->urgency) {
            s->urgency = urgency;
            rec->triage_from_ms = refs[i].received_ms;
        }
    }
}

int relais_cases_has_sender(const relais_case_record_t *rec, const char *sender)
{
    for (size_t i = 0; i < rec->sender_count && i < RELAIS_MAX_REFERRERS; i++)
        if (strcmp(rec->senders[i], sender) == 0)
            return 1;
    return 0;
}

/* ---- The partner-view rule ---------------------------------------------------------------- */

const relais_case_follower_t *relais_cases_follower(const relais_case_record_t *rec, uint64_t referral_seq)
{
    for (size_t i = 0; i < rec->follower_count && i < RELAIS_MAX_FOLLOWERS; i++)
        if (rec->followers[i].referral_seq == referral_seq)
            return &rec->followers[i];
    return NULL;
}

const relais_case_follower_t *relais_cases_follower_at(const relais_case_record_t *rec, const char *sender,
                                                       uint64_t seq)
{
    const relais_case_follower_t *first = NULL;
    for (size_t i = 0; i < rec->follower_count && i < RELAIS_MAX_FOLLOWERS; i++) {
        const relais_case_follower_t *f = &rec->followers[i];
        if (f->since_seq <= seq && strcmp(f->sender, sender) == 0 && (!first || f->referral_seq < first->referral_seq))
            first = f;
    }
    return first;
}

void relais_cases_referral_arrival(uint64_t seq, int64_t received_ms, relais_case_status_t *out)
{
    memset(out, 0, sizeof *out);
    relais_referral_handle(seq, out->case_id);
    out->state = RELAIS_CASE_SUBMITTED;
    out->task_status = relais_cases_task_status(RELAIS_CASE_SUBMITTED);
    out->updated_ms = received_ms;
}

void relais_cases_referral_status(const relais_referral_record_t *ref, const relais_case_record_t *rec,
                                  relais_case_status_t *out)
{
    if (!rec || !relais_cases_follower(rec, ref->seq)) {
        relais_cases_referral_arrival(ref->seq, ref->received_ms, out);
        return;
    }
    relais_cases_status(rec, out);
    relais_referral_handle(ref->seq, out->case_id);
}
