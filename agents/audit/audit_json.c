/* audit_json.c -- the inclusion and consistency proofs of `relais audit` as JSON, printed and read back. */
#include "audit_json_internal.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "relais_proto.h"

/* Base64 of a hash: 44 characters, the last one '='. */
#define S_HASH_B64_LEN 44
/* The hex of a hash, in inclusion proofs written before base64. */
#define S_HASH_HEX_LEN (2 * RELAIS_HASH_SIZE)

/* ---- Printing ------------------------------------------------------------------------------- */

json_t *relais_audit_json_hash(const relais_hash_t hash)
{
    char text[S_HASH_B64_LEN + 1];
    sodium_bin2base64(text, sizeof text, hash, RELAIS_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
    return json_string(text);
}

/* The hashes of a path as a JSON array; NULL when out of memory. */
static json_t *s_path_json(const relais_hash_t *path, size_t len)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < len; i++) {
        if (json_array_append_new(array, relais_audit_json_hash(path[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/* A note's text, or null when there is none. */
static json_t *s_note_json(const char *note)
{
    return *note ? json_string(note) : json_null();
}

json_t *relais_audit_proof_json(const relais_audit_proof_t *proof)
{
    /* json_pack steals the values given with "o" and fails as a whole on a NULL among them. */
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "seq", (json_int_t)proof->seq, "tree_size",
                     (json_int_t)proof->tree_size, "leaf_hash", relais_audit_json_hash(proof->leaf), "path",
                     s_path_json(proof->path, proof->path_len), "root", relais_audit_json_hash(proof->root));
}

json_t *relais_audit_consistency_json(const relais_audit_consistency_t *proof)
{
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "old_size", (json_int_t)proof->old_size, "new_size",
                     (json_int_t)proof->new_size, "old_root", relais_audit_json_hash(proof->old_root), "new_root",
                     relais_audit_json_hash(proof->new_root), "path", s_path_json(proof->path, proof->path_len),
                     "old_checkpoint", s_note_json(proof->old_note), "new_checkpoint", s_note_json(proof->new_note));
}

/* ---- Reading -------------------------------------------------------------------------------- */

/* A hash from canonical standard base64: exactly 44 characters that decode to 32 bytes and are
 * what encoding those bytes gives back (padding, no whitespace, unused bits zero). 0 or -1. */
static int s_hash_from_base64(const char *text, size_t len, relais_hash_t out)
{
    char again[S_HASH_B64_LEN + 1];
    size_t got = 0;
    const char *end = NULL;
    if (len != S_HASH_B64_LEN ||
        sodium_base642bin(out, RELAIS_HASH_SIZE, text, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != RELAIS_HASH_SIZE || end != text + len)
        return -1;
    sodium_bin2base64(again, sizeof again, out, RELAIS_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
    return memcmp(again, text, len) == 0 ? 0 : -1;
}

/* A hash from exactly 64 hex digits, either case. 0 or -1. */
static int s_hash_from_hex(const char *text, size_t len, relais_hash_t out)
{
    size_t got = 0;
    const char *end = NULL;
    if (len != S_HASH_HEX_LEN ||
        sodium_hex2bin(out, RELAIS_HASH_SIZE, text, len, NULL, &got, &end) != 0 || got != RELAIS_HASH_SIZE ||
        end != text + len)
        return -1;
    return 0;
}

/* A hash member or element: base64, or with `hex_too` the hex of earlier proofs. 0 or -1. */
static int s_hash_of(const json_t *value, int hex_too, relais_hash_t out)
{
    if (!json_is_string(value))
        return -1;
    const char *text = json_string_value(value);
    size_t len = json_string_length(value);
    if (s_hash_from_base64(text, len, out) == 0)
        return 0;
    return hex_too ? s_hash_from_hex(text, len, out) : -1;
}

/* A size or a sequence number: an integer from 1. 0 or -1. */
static int s_positive_of(const json_t *value, uint64_t *out)
{
    if (!json_is_integer(value) || json_integer_value(value) < 1)
        return -1;
    *out = (uint64_t)json_integer_value(value);
    return 0;
}

/* What a hash must be, for the sentences. */
#define S_HASH_RULE "32 bytes in standard base64 (44 characters with the padding)"
#define S_HASH_RULE_HEX S_HASH_RULE ", or 64 hex digits as earlier versions wrote"

/* The document as a JSON object, or NULL with the status set. */
static json_t *s_load(const char *text, size_t len)
{
    json_error_t err;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        /* jansson's own words quote the text near the error: the line and column say where. */
        relais_status_set(RELAIS_E_MALFORMED, "not valid JSON (line %d, column %d)", err.line, err.column);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        relais_status_set(RELAIS_E_MALFORMED, "not a JSON object");
        return NULL;
    }
    return doc;
}

/* The "path" member: an array of at most RELAIS_MERKLE_MAX_PATH hashes. */
static int s_path_of(const json_t *doc, int hex_too, relais_hash_t *path, size_t *len)
{
    const json_t *array = json_object_get(doc, "path");
    if (!json_is_array(array) || json_array_size(array) > RELAIS_MERKLE_MAX_PATH)
        return relais_status_set(RELAIS_E_MALFORMED, "\"path\" must be an array of at most %d hashes",
                                 RELAIS_MERKLE_MAX_PATH);
    for (size_t i = 0; i < json_array_size(array); i++)
        if (s_hash_of(json_array_get(array, i), hex_too, path[i]) != 0)
            return relais_status_set(RELAIS_E_MALFORMED, "\"path\"[%zu] must be %s", i,
                                     hex_too ? S_HASH_RULE_HEX : S_HASH_RULE);
    *len = json_array_size(array);
    return 0;
}

static int s_proof_from(const json_t *doc, relais_audit_proof_t *proof)
{
    if (s_positive_of(json_object_get(doc, "seq"), &proof->seq) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"seq\" must be an integer from 1");
    if (s_positive_of(json_object_get(doc, "tree_size"), &proof->tree_size) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"tree_size\" must be an integer from 1");
    if (s_hash_of(json_object_get(doc, "leaf_hash"), 1, proof->leaf) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"leaf_hash\" must be " S_HASH_RULE_HEX);
    if (s_hash_of(json_object_get(doc, "root"), 1, proof->root) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"root\" must be " S_HASH_RULE_HEX);
    return s_path_of(doc, 1, proof->path, &proof->path_len);
}

int relais_audit_proof_parse(const char *text, size_t len, relais_audit_proof_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *doc = s_load(text, len);
    if (!doc)
        return RELAIS_E_MALFORMED;
    int rc = s_proof_from(doc, out);
    json_decref(doc);
    return rc;
}

/* A note member: absent or null (none), or the text of a note. */
static int s_note_of(const json_t *doc, const char *name, char note[RELAIS_CHECKPOINT_MAX])
{
    const json_t *value = json_object_get(doc, name);
    note[0] = '\0';
    if (!value || json_is_null(value))
        return 0;
    size_t len = json_is_string(value) ? json_string_length(value) : 0;
    if (len == 0 || len >= RELAIS_CHECKPOINT_MAX || strlen(json_string_value(value)) != len)
        return relais_status_set(RELAIS_E_MALFORMED, "\"%s\" must be null or a checkpoint note's text (under %d bytes)",
                                 name, RELAIS_CHECKPOINT_MAX);
    memcpy(note, json_string_value(value), len + 1);
    return 0;
}

static int s_consistency_from(const json_t *doc, relais_audit_consistency_t *proof)
{
    if (s_positive_of(json_object_get(doc, "old_size"), &proof->old_size) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"old_size\" must be an integer from 1");
    if (s_positive_of(json_object_get(doc, "new_size"), &proof->new_size) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"new_size\" must be an integer from 1");
    if (proof->old_size > proof->new_size)
        return relais_status_set(RELAIS_E_MALFORMED, "\"old_size\" (%" PRIu64 ") is above \"new_size\" (%" PRIu64 ")",
                                 proof->old_size, proof->new_size);
    if (s_hash_of(json_object_get(doc, "old_root"), 0, proof->old_root) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"old_root\" must be " S_HASH_RULE);
    if (s_hash_of(json_object_get(doc, "new_root"), 0, proof->new_root) != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "\"new_root\" must be " S_HASH_RULE);
    int rc = s_path_of(doc, 0, proof->path, &proof->path_len);
    if (rc == 0)
        rc = s_note_of(doc, "old_checkpoint", proof->old_note);
    if (rc == 0)
        rc = s_note_of(doc, "new_checkpoint", proof->new_note);
    return rc;
}

int relais_audit_consistency_parse(const char *text, size_t len, relais_audit_consistency_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *doc = s_load(text, len);
    if (!doc)
        return RELAIS_E_MALFORMED;
    int rc = s_consistency_from(doc, out);
    json_decref(doc);
    return rc;
}
