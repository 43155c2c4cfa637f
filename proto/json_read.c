/* json_read.c -- JSON to a Message body, strictly: the payload object relais submit reads.
 *
 * Generic over protobuf-c's descriptors like json_write.c, and stricter than proto3's JSON
 * mapping on input: no unknown fields, no numbers in quotes, no reals with a fraction for
 * integers, one member per oneof, a bounded nesting; every refusal names the field's path.
 */
#include "proto_internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- Base64 (RFC 4648 section 4, with padding) ------------------------------------------ */

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int s_b64_value(char c)
{
    const char *hit = c ? strchr(s_b64, c) : NULL;
    return hit ? (int)(hit - s_b64) : -1;
}

/* Decodes one 4-character group; returns the number of bytes it holds (1..3), 0 when invalid.
 * Padding is allowed only in the last group, and the bits it hides must be zero, so that one
 * byte string has exactly one spelling. */
static size_t s_b64_group(const char *g, int last, uint8_t out[3])
{
    int pad = (g[3] == '=') + (g[3] == '=' && g[2] == '=');
    if (pad && !last)
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4 - pad; i++) {
        int x = s_b64_value(g[i]);
        if (x < 0)
            return 0;
        v = v << 6 | (uint32_t)x;
    }
    v <<= 6 * pad;
    if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
        return 0;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return (size_t)(3 - pad);
}

/* *out is malloc'd (NULL for an empty string). Errors: RELAIS_E_MALFORMED, RELAIS_E_NOMEM. */
static int s_base64_decode(const char *s, size_t slen, const char *path, ProtobufCBinaryData *out)
{
    if (slen % 4)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: not standard base64 (length %zu)", path, slen);
    out->len = 0;
    out->data = slen ? malloc(slen / 4 * 3) : NULL;
    if (slen && !out->data)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu bytes", path, slen / 4 * 3);
    for (size_t i = 0; i < slen; i += 4) {
        size_t n = s_b64_group(s + i, i + 4 == slen, out->data + out->len);
        if (n == 0)
            return relais_status_set(RELAIS_E_MALFORMED, "%s: not standard base64 (at character %zu)", path, i);
        out->len += n;
    }
    return RELAIS_OK;
}

/* ---- JSON to Message ---------------------------------------------------------------------- */

static int s_msg_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, const char *path,
                           ProtobufCMessage **out);

static const char *s_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static int s_type_error(const char *path, const char *want, const json_t *got)
{
    return relais_status_set(RELAIS_E_MALFORMED, "%s: expected %s, got %s", path, want, s_json_type_name(got));
}

/* Input nests no deeper than the schema ever needs; checked before anything is built. */
static int s_check_depth(json_t *v, const char *path, int depth)
{
    if (!json_is_object(v) && !json_is_array(v))
        return RELAIS_OK;
    if (depth > RELAIS_PROTO_MAX_DEPTH)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: nested deeper than %d levels", path[0] ? path : "JSON",
                                 RELAIS_PROTO_MAX_DEPTH);
    char sub[RELAIS_PROTO_PATH_LEN];
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            relais_proto_path_index(sub, sizeof sub, path, i);
            int rc = s_check_depth(json_array_get(v, i), sub, depth + 1);
            if (rc)
                return rc;
        }
        return RELAIS_OK;
    }
    const char *key;
    json_t *item;
    json_object_foreach(v, key, item) {
        relais_proto_path_field(sub, sizeof sub, path, key);
        int rc = s_check_depth(item, sub, depth + 1);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

/* 2^53: below it a double holds every integer exactly; from it on, 9007199254740993.0 reads as
 * ...992, and the value written can no longer be told. */
#define S_EXACT_REAL_MAX 9007199254740992.0

/* An integer, or a real with no fractional part (1795000000000.0): JSON Schema counts such a
 * real as an integer, so a partner's validator passes it and its serialiser may write it so. */
static int s_integral_from_json(const json_t *v, const char *path, json_int_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return RELAIS_OK;
    }
    if (!json_is_real(v))
        return s_type_error(path, "an integer", v);
    double x = json_real_value(v);
    /* the bound first: it makes the cast below defined */
    if (x >= S_EXACT_REAL_MAX || x <= -S_EXACT_REAL_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: a real number beyond 2^53, where it may not be the integer "
                                 "written; expected it written as an integer", path);
    json_int_t whole = (json_int_t)x;
    if ((double)whole != x)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: expected an integer, got a real number with a fraction",
                                 path);
    *out = whole;
    return RELAIS_OK;
}

static int s_int_from_json(const json_t *v, json_int_t lo, json_int_t hi, const char *path, json_int_t *out)
{
    json_int_t x = 0;
    int rc = s_integral_from_json(v, path, &x);
    if (rc)
        return rc;
    if (x < lo || x > hi)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %" JSON_INTEGER_FORMAT " out of range [%" JSON_INTEGER_FORMAT
                                 ", %" JSON_INTEGER_FORMAT "]", path, x, lo, hi);
    *out = x;
    return RELAIS_OK;
}

/* "... (expected one of A, B, C)" for an enum, so that a typo is fixed without the .proto. */
static int s_enum_error(const ProtobufCEnumDescriptor *ed, const char *path, const char *got)
{
    char names[256] = "";
    size_t used = 0;
    for (unsigned i = 0; i < ed->n_values && used < sizeof names; i++) {
        if (ed->values[i].value == 0)
            continue;
        int n = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", ed->values[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
    return relais_status_set(RELAIS_E_MALFORMED, "%s: unknown value %s (expected one of %s)", path, got, names);
}

/* An enum by its value name, or by a number the enum lists. */
static int s_enum_from_json(const ProtobufCEnumDescriptor *ed, const json_t *v, const char *path, int *out)
{
    if (json_is_string(v)) {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
        char quoted[96];
        snprintf(quoted, sizeof quoted, "\"%s\"", json_string_value(v));
        if (!ev)
            return s_enum_error(ed, path, quoted);
        *out = ev->value;
        return RELAIS_OK;
    }
    json_int_t x = 0;
    int rc = json_is_number(v) ? s_int_from_json(v, INT32_MIN, INT32_MAX, path, &x)
                               : s_type_error(path, "a value name or number", v);
    if (rc)
        return rc;
    if (!protobuf_c_enum_descriptor_get_value(ed, (int)x)) {
        char number[32];
        snprintf(number, sizeof number, "%d", (int)x);
        return s_enum_error(ed, path, number);
    }
    *out = (int)x;
    return RELAIS_OK;
}

static int s_string_from_json(const json_t *v, const char *path, char **out)
{
    if (!json_is_string(v))
        return s_type_error(path, "a string", v);
    /* jansson has checked UTF-8 and refused NUL characters (no JSON_ALLOW_NUL) */
    char *copy = strdup(json_string_value(v));
    if (!copy)
        return relais_status_set(RELAIS_E_NOMEM, "%s: copying a string", path);
    *out = copy;
    return RELAIS_OK;
}

static int s_bytes_from_json(const json_t *v, const char *path, ProtobufCBinaryData *out)
{
    if (!json_is_string(v))
        return s_type_error(path, "a base64 string", v);
    return s_base64_decode(json_string_value(v), json_string_length(v), path, out);
}

static int s_real_from_json(const json_t *v, int is_float, const char *path, void *slot)
{
    if (!json_is_number(v))
        return s_type_error(path, "a number", v);
    double x = json_number_value(v);
    if (is_float && (x > FLT_MAX || x < -FLT_MAX))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: out of range for a float", path);
    if (is_float)
        *(float *)slot = (float)x;
    else
        *(double *)slot = x;
    return RELAIS_OK;
}

/* Integers of every width, with the range of the field's C type. */
static int s_number_from_json(const ProtobufCFieldDescriptor *fd, const json_t *v, void *slot, const char *path)
{
    json_int_t x = 0;
    int rc;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if ((rc = s_int_from_json(v, 0, UINT32_MAX, path, &x)) == RELAIS_OK)
            *(uint32_t *)slot = (uint32_t)x;
        return rc;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if ((rc = s_int_from_json(v, INT64_MIN, INT64_MAX, path, &x)) == RELAIS_OK)
            *(int64_t *)slot = x;
        return rc;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if ((rc = s_int_from_json(v, 0, INT64_MAX, path, &x)) == RELAIS_OK)
            *(uint64_t *)slot = (uint64_t)x;
        return rc;
    default: /* INT32, SINT32, SFIXED32 */
        if ((rc = s_int_from_json(v, INT32_MIN, INT32_MAX, path, &x)) == RELAIS_OK)
            *(int32_t *)slot = (int32_t)x;
        return rc;
    }
}

/* Stores one JSON value into the slot of field `fd`. */
static int s_value_from_json(const ProtobufCFieldDescriptor *fd, json_t *v, void *slot, const char *path)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return s_type_error(path, "a boolean", v);
        *(protobuf_c_boolean *)slot = json_is_true(v);
        return RELAIS_OK;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_real_from_json(v, fd->type == PROTOBUF_C_TYPE_FLOAT, path, slot);
    case PROTOBUF_C_TYPE_ENUM:
        return s_enum_from_json(fd->descriptor, v, path, slot);
    case PROTOBUF_C_TYPE_STRING:
        return s_string_from_json(v, path, slot);
    case PROTOBUF_C_TYPE_BYTES:
        return s_bytes_from_json(v, path, slot);
    case PROTOBUF_C_TYPE_MESSAGE:
        return s_msg_from_json(fd->descriptor, v, path, slot);
    default:
        return s_number_from_json(fd, v, slot, path);
    }
}

/* The array is hung on the message before it is filled: its zeroed elements are safe for
 * protobuf_c_message_free_unpacked(), which then frees a half-built tree on any error. */
static int s_repeated_from_json(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, json_t *v,
                                const char *path)
{
    char *base = (char *)m;
    if (!json_is_array(v))
        return s_type_error(path, "an array", v);
    size_t n = json_array_size(v), size = relais_proto_elem_size(fd->type);
    if (n == 0)
        return RELAIS_OK;
    char *arr = calloc(n, size);
    if (!arr)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %zu elements", path, n);
    *(void **)(base + fd->offset) = arr;
    *(size_t *)(base + fd->quantifier_offset) = n;
    for (size_t i = 0; i < n; i++) {
        char item_path[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item_path, sizeof item_path, path, i);
        json_t *item = json_array_get(v, i);
        if (json_is_null(item))
            return s_type_error(item_path, "a value", item);
        int rc = s_value_from_json(fd, item, arr + i * size, item_path);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

/* Marks the field present: its oneof case (refusing a second member), or its has_ flag. */
static int s_mark_present(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, const char *path)
{
    char *base = (char *)m;
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *)(base + fd->quantifier_offset);
        if (*which && *which != fd->id) {
            const ProtobufCFieldDescriptor *other =
                protobuf_c_message_descriptor_get_field(m->descriptor, (unsigned)*which);
            return relais_status_set(RELAIS_E_MALFORMED, "%s: cannot be set together with %s (one of them only)",
                                     path, other ? other->name : "another member");
        }
        *which = fd->id;
    } else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->type != PROTOBUF_C_TYPE_MESSAGE &&
               fd->type != PROTOBUF_C_TYPE_STRING) {
        *(protobuf_c_boolean *)(base + fd->quantifier_offset) = 1;
    }
    return RELAIS_OK;
}

static int s_field_from_json(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, json_t *v, const char *path)
{
    if (json_is_null(v))
        return RELAIS_OK; /* proto3 JSON: null is the field's default, i.e. absent */
    int rc = s_mark_present(m, fd, path);
    if (rc)
        return rc;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return s_repeated_from_json(m, fd, v, path);
    return s_value_from_json(fd, v, (char *)m + fd->offset, path);
}

/* *out owns the new message from the start, so that the caller's tree frees it on error. */
static int s_msg_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, const char *path,
                           ProtobufCMessage **out)
{
    if (!json_is_object(obj))
        return s_type_error(path, "an object", obj);
    ProtobufCMessage *m = malloc(desc->sizeof_message);
    if (!m)
        return relais_status_set(RELAIS_E_NOMEM, "%s: a message", path);
    protobuf_c_message_init(desc, m);
    *out = m;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char sub[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_field(sub, sizeof sub, path, key);
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(desc, key);
        if (!fd)
            return relais_status_set(RELAIS_E_MALFORMED, "%s: unknown field", sub);
        int rc = s_field_from_json(m, fd, v, sub);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

/* The one key of the input names the payload; the header is not the JSON's to give. */
static int s_payload_from_json(json_t *root, Relais__V1__Message *pb)
{
    if (!json_is_object(root))
        return s_type_error("JSON", "an object such as {\"referral\": {...}}", root);
    if (json_object_size(root) != 1)
        return relais_status_set(RELAIS_E_MALFORMED, "JSON: expected exactly one payload key, found %zu",
                                 json_object_size(root));
    void *it = json_object_iter(root);
    const char *key = json_object_iter_key(it);
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&relais__v1__message__descriptor, key);
    if (fd && fd->id == 1)
        return relais_status_set(RELAIS_E_MALFORMED, "header: set from the sender's identity, not from the JSON");
    if (!fd)
        return relais_status_set(RELAIS_E_MALFORMED,
                                 "%s: not a payload (expected referral, case_update, privacy, meeting, contact, contact_update, "
                                 "transfer, transfer_answer, lost_found, lost_found_update or decree)",
                                 key);
    if (fd->id == RELAIS__V1__MESSAGE__PAYLOAD_ACCESS)
        return relais_status_set(RELAIS_E_MALFORMED, "access: only the broker writes access records");
    json_t *v = json_object_iter_value(it);
    if (!json_is_object(v))
        return s_type_error(key, "an object", v);
    return s_field_from_json(&pb->base, fd, v, key);
}

/* Our own words, never jansson's: its sentences quote the text near the error, and a file
 * that is not JSON (a letter, a spreadsheet) would have a piece of its content copied into
 * the error file and the logs. The line and column say where. */
static int s_parse_error(const json_error_t *err)
{
    const char *what;
    switch (json_error_code(err)) {
    case json_error_invalid_utf8: what = "invalid UTF-8"; break;
    case json_error_null_character: what = "NUL character (\\u0000) in a string"; break;
    case json_error_null_byte_in_key: what = "NUL character (\\u0000) in a key"; break;
    case json_error_premature_end_of_input: what = "the text ends inside the JSON value"; break;
    case json_error_end_of_input_expected: what = "more text after the JSON value"; break;
    case json_error_duplicate_key: what = "duplicate key in an object"; break;
    case json_error_stack_overflow: what = "nested too deeply"; break;
    case json_error_numeric_overflow: what = "a number out of range"; break;
    case json_error_out_of_memory: what = "out of memory"; break;
    default: what = "not valid JSON"; break;
    }
    return relais_status_set(RELAIS_E_MALFORMED, "JSON: %s (line %d, column %d)", what, err->line, err->column);
}

int relais_message_from_json(const char *json, size_t json_len, const char *sender, const uint8_t *msg_id,
                             int64_t created_ms, uint8_t **body, size_t *body_len)
{
    Relais__V1__Header hdr;
    int rc = relais_proto_header_init(&hdr, sender, msg_id, created_ms);
    if (rc)
        return rc;
    if (!json || !body || !body_len)
        return relais_status_set(RELAIS_E_INVALID, "no JSON to read");
    json_error_t err;
    json_t *root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return s_parse_error(&err);
    Relais__V1__Message *pb = malloc(sizeof *pb);
    if (!pb) {
        rc = relais_status_set(RELAIS_E_NOMEM, "message");
        goto out_decref;
    }
    relais__v1__message__init(pb);
    rc = s_check_depth(root, "", 1);
    if (rc == RELAIS_OK)
        rc = s_payload_from_json(root, pb);
    if (rc == RELAIS_OK) {
        /* borrowed for the check and the packing only: the tree's free must not see it */
        pb->header = &hdr;
        /* the hub's own rules for text, here too: a partner hears of a stray control in a
         * name when it writes the file, not from the hub */
        rc = relais_proto_check_tree(&pb->base, "", RELAIS_PROTO_CHECK_TEXT);
        if (rc == RELAIS_OK)
            rc = relais_proto_pack(&pb->base, body, body_len);
        pb->header = NULL;
    }
    relais__v1__message__free_unpacked(pb, NULL);
out_decref:
    json_decref(root);
    return rc;
}
