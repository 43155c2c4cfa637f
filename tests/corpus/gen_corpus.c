/* gen_corpus.c -- writes the hostile-input corpus of tests/corpus (Request frames and the code each must get).
 *
 * usage: gen_corpus OUT_DIR
 *
 * Every file is one ZeroMQ frame as a hostile agent named "college-curie" would send it to
 * a broker run with --max-message 8192: empty, truncated, oversized, bit-flipped, of the
 * wrong message type, random, not in canonical encoding, with controls in a name. MANIFEST lists "FILE CODE", the stable error code the broker
 * must answer; the code is derived here from the same decoders the broker uses, in the
 * broker's order of checks (size, Request, SignedMessage, Message, sender, signature).
 * Frames whose outcome is not a refusal (a random frame that happens to be a ping) are not
 * kept. The signing key is a fixed seed, not the test's key, so even an intact signature
 * fails: the output is the same bytes at every run. The files are committed; run this
 * again only when the wire format changes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "relais_proto.h"

#define S_SENDER "college-curie"
#define S_MAX_MESSAGE 8192

static FILE *s_manifest;
static const char *s_dir;
static uint64_t s_rng = 0x9e3779b97f4a7c15ull;
static int s_kept;

static uint64_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static const char s_referral[] =
    "{\"referral\": {\"referrer\": {\"organisation\": \"College Marie Curie\"},"
    " \"child\": {\"family_name\": \"Hostile\", \"given_names\": [\"Corpus\"], \"birth_date\": \"2015-03-02\"},"
    " \"description\": \"corpus\", \"urgency\": \"ROUTINE\","
    " \"consent\": {\"recorded_by\": \"x\", \"recorded_ms\": 1764000000000, \"given_by\": \"mere\"}}}";

/* Pure Ed25519 over "relais/v1/msg" 0x00 body with a fixed seed. */
static void s_sign(const uint8_t *body, size_t len, uint8_t sig[64])
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i * 7 + 1);
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = sizeof RELAIS_SIGN_CONTEXT + len; /* the context's NUL is the 0x00 separator */
    uint8_t *tbs = malloc(n);
    size_t siglen = 64;
    if (!key || !md || !tbs)
        abort();
    memcpy(tbs, RELAIS_SIGN_CONTEXT, sizeof RELAIS_SIGN_CONTEXT);
    memcpy(tbs + sizeof RELAIS_SIGN_CONTEXT, body, len);
    if (EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 || EVP_DigestSign(md, sig, &siglen, tbs, n) != 1)
        abort();
    free(tbs);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
}

/* A SignedMessage of the sample referral with message id `id0`. */
static uint8_t *s_signed(uint8_t id0, size_t *len)
{
    uint8_t id[16] = {0xc0, id0};
    uint8_t *body = NULL, *out = NULL;
    size_t body_len = 0;
    uint8_t sig[64];
    if (relais_message_from_json(s_referral, strlen(s_referral), S_SENDER, id, 1764000000000ll, &body, &body_len))
        abort();
    s_sign(body, body_len, sig);
    if (relais_signed_encode(body, body_len, sig, &out, len))
        abort();
    free(body);
    return out;
}

/* A SUBMIT Request around `submit`. */
static uint8_t *s_request(const uint8_t *submit, size_t submit_len, uint64_t request_id, size_t *len)
{
    relais_request_t req;
    memset(&req, 0, sizeof req);
    req.request_id = request_id;
    req.kind = RELAIS_REQ_SUBMIT;
    req.submit = (uint8_t *)submit;
    req.submit_len = submit_len;
    uint8_t *out = NULL;
    if (relais_request_encode(&req, &out, len))
        abort();
    return out;
}

/* What the broker answers to `frame`: a code name, or NULL when it would not refuse it. */
static const char *s_expect(const uint8_t *frame, size_t len)
{
    if (len > S_MAX_MESSAGE)
        return "TOO_LARGE";
    relais_request_t req;
    if (relais_request_decode(frame, len, &req) != 0)
        return "MALFORMED";
    const char *code = NULL;
    if (req.kind == RELAIS_REQ_NONE) {
        code = "MALFORMED";
    } else if (req.kind == RELAIS_REQ_SUBMIT) {
        relais_signed_t sm;
        relais_message_t *msg = NULL;
        if (relais_signed_decode(req.submit, req.submit_len, &sm) != 0 ||
            relais_message_decode(sm.body, sm.body_len, &msg) != 0)
            code = "MALFORMED";
        else if (strcmp(relais_message_sender(msg), S_SENDER) != 0)
            code = "SENDER_MISMATCH";
        else
            code = "BAD_SIGNATURE";
        relais_message_destroy(&msg);
    }
    relais_request_clear(&req);
    return code;
}

/* ---- Hand-written bodies, for what our encoders refuse to write -------------------------- */

typedef struct {
    uint8_t b[512];
    size_t n;
} s_buf_t;

static void s_varint(s_buf_t *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void s_bytes(s_buf_t *w, unsigned field, const void *data, size_t len)
{
    s_varint(w, (uint64_t)field << 3 | 2);
    s_varint(w, len);
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

/* The header of the sample, its sender `sender_len` bytes of `sender` (a NUL may follow). */
static void s_header(s_buf_t *w, const char *sender, size_t sender_len)
{
    s_buf_t h = {.n = 0};
    uint8_t id[16] = {0xc0, 0x40};
    s_varint(&h, 1 << 3);
    s_varint(&h, 1);
    s_bytes(&h, 2, sender, sender_len);
    s_bytes(&h, 3, id, sizeof id);
    s_varint(&h, 4 << 3);
    s_varint(&h, 1764000000000ull);
    s_bytes(w, 1, h.b, h.n);
}

/* A SUBMIT Request of `body` signed with the corpus key. */
static uint8_t *s_submit_body(const uint8_t *body, size_t body_len, uint64_t request_id, size_t *len)
{
    uint8_t sig[64], *sm = NULL;
    size_t sm_len = 0;
    s_sign(body, body_len, sig);
    if (relais_signed_encode(body, body_len, sig, &sm, &sm_len))
        abort();
    uint8_t *r = s_request(sm, sm_len, request_id, len);
    free(sm);
    return r;
}

static void s_write(const char *name, const uint8_t *frame, size_t len)
{
    const char *code = s_expect(frame, len);
    if (!code)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(frame, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    fprintf(s_manifest, "%s %s\n", name, code);
    s_kept++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus OUT_DIR\n");
        return 2;
    }
    s_dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/MANIFEST", s_dir);
    s_manifest = fopen(path, "w");
    if (!s_manifest) {
        perror(path);
        return 2;
    }
    fprintf(s_manifest, "# FILE CODE -- written by gen_corpus.c; the frames of a hostile \"%s\"\n", S_SENDER);
    char name[64];
    size_t sm_len = 0, req_len = 0;
    uint8_t *sm = s_signed(1, &sm_len);
    uint8_t *req = s_request(sm, sm_len, 1001, &req_len);

    s_write("empty.bin", (const uint8_t *)"", 0);
    s_write("intact-foreign-key.bin", req, req_len);
    const size_t cuts[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, req_len / 2, req_len - 64, req_len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(name, sizeof name, "truncated-%04zu.bin", cuts[i]);
        s_write(name, req, cuts[i]);
    }
    /* Truncated inside: the outer lengths are right, the SignedMessage is cut. */
    for (size_t cut = 10; cut < sm_len; cut += sm_len / 6) {
        size_t l = 0;
        uint8_t *r = s_request(sm, cut, 1002, &l);
        snprintf(name, sizeof name, "truncated-inner-%04zu.bin", cut);
        s_write(name, r, l);
        free(r);
    }
    /* Over the limit: a big submit, a big random frame. */
    uint8_t *big = malloc(S_MAX_MESSAGE + 512);
    for (size_t i = 0; i < S_MAX_MESSAGE + 512; i++)
        big[i] = (uint8_t)s_rand();
    size_t l = 0;
    uint8_t *r = s_request(big, S_MAX_MESSAGE + 100, 1003, &l);
    s_write("oversized-submit.bin", r, l);
    free(r);
    s_write("oversized-random.bin", big, S_MAX_MESSAGE + 1);
    free(big);
    /* One bit flipped somewhere in the SignedMessage (the Request around it intact). */
    size_t offset = req_len - sm_len;
    for (int i = 0; i < 48; i++) {
        uint8_t *copy = malloc(req_len);
        memcpy(copy, req, req_len);
        size_t bit = (size_t)(s_rand() % (sm_len * 8));
        copy[offset + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        snprintf(name, sizeof name, "bitflip-%05zu.bin", bit);
        s_write(name, copy, req_len);
        free(copy);
    }
    /* The wrong message type: a bare SignedMessage, a Reply, a Request inside a submit. */
    s_write("wrongtype-bare-signed.bin", sm, sm_len);
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.request_id = 7;
    reply.kind = RELAIS_REPLY_ACK;
    reply.ack.seq = 12;
    uint8_t *rb = NULL;
    size_t rb_len = 0;
    if (relais_reply_encode(&reply, &rb, &rb_len) == 0) {
        s_write("wrongtype-reply.bin", rb, rb_len);
        r = s_request(rb, rb_len, 1004, &l);
        s_write("wrongtype-reply-in-submit.bin", r, l);
        free(r);
        free(rb);
    }
    r = s_request(req, req_len, 1005, &l);
    s_write("wrongtype-request-in-submit.bin", r, l);
    free(r);
    r = s_request((const uint8_t *)s_referral, strlen(s_referral), 1006, &l);
    s_write("wrongtype-json-in-submit.bin", r, l);
    free(r);
    s_write("wrongtype-json.bin", (const uint8_t *)s_referral, strlen(s_referral));
    /* Random frames of random sizes, and random submits. */
    for (int i = 0; i < 40; i++) {
        uint8_t buf[700];
        size_t n = 1 + (size_t)(s_rand() % sizeof buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = (uint8_t)s_rand();
        snprintf(name, sizeof name, "random-%02d.bin", i);
        if (i % 2) {
            s_write(name, buf, n);
        } else {
            r = s_request(buf, n, 2000 + (uint64_t)i, &l);
            s_write(name, r, l);
            free(r);
        }
    }
    /* Bodies as long as their canonical encoding but not it: a sender with a NUL that C would
     * read shorter, made up for by an unpacked repeated field; the payload before the header. */
    s_buf_t body = {.n = 0}, payload = {.n = 0};
    s_varint(&payload, 5 << 3); /* referral.domains [EDUCATIONAL], unpacked */
    s_varint(&payload, 1);
    s_header(&body, S_SENDER, sizeof S_SENDER); /* with its NUL */
    s_bytes(&body, 10, payload.b, payload.n);
    r = s_submit_body(body.b, body.n, 3001, &l);
    s_write("noncanonical-sender-nul.bin", r, l);
    free(r);
    body.n = 0;
    payload.n = 0;
    const uint8_t packed[] = {1};
    s_bytes(&payload, 5, packed, sizeof packed);
    s_bytes(&body, 10, payload.b, payload.n);
    s_header(&body, S_SENDER, strlen(S_SENDER));
    r = s_submit_body(body.b, body.n, 3002, &l);
    s_write("noncanonical-payload-first.bin", r, l);
    free(r);
    /* Controls in a one-line field: the child's name clears the screen of whoever lists it. */
    uint8_t *ref = NULL;
    size_t ref_len = 0;
    uint8_t cid[16] = {0xc0, 0x41};
    if (relais_message_from_json(s_referral, strlen(s_referral), S_SENDER, cid, 1764000000000ll, &ref, &ref_len))
        abort();
    for (size_t i = 0; i + 7 <= ref_len; i++)
        if (memcmp(ref + i, "Hostile", 7) == 0)
            memcpy(ref + i, "Ho\x1b[2Je", 7); /* same length: the encoding stays whole */
    r = s_submit_body(ref, ref_len, 3003, &l);
    s_write("control-in-name.bin", r, l);
    free(r);
    free(ref);
    free(req);
    free(sm);
    fclose(s_manifest);
    printf("gen_corpus: %d frames in %s\n", s_kept, s_dir);
    return 0;
}
