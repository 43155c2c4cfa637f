/* json_write.c -- a decoded Message as JSON: proto field names, enum value names, base64 bytes.
 *
 * Generic over protobuf-c's descriptors, so a field added to relais.proto needs no code here.
 * It follows proto3's JSON mapping: snake_case names as in the .proto, defaults omitted, enums
 * by name, bytes in standard base64, 64-bit integers as JSON numbers (not strings).
 */
#include "proto_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- Base64 (RFC 4648 section 4, with padding) ------------------------------------------ */

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Caller frees; NULL on out-of-memory. */
static char *s_base64_encode(const uint8_t *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        *p++ = s_b64[(v >> 18) & 63];
        *p++ = s_b64[(v >> 12) & 63];
        *p++ = i + 1 < len ? s_b64[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? s_b64[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

/* ---- Message to JSON ---------------------------------------------------------------------- */

static int s_msg_to_json(const ProtobufCMessage *m, const char *path, json_t **out);

static int s_nomem(const char *path)
{
    return relais_status_set(RELAIS_E_NOMEM, "%s: building JSON", path[0] ? path : "message");
}

/* A JSON integer for a 64-bit field; jansson's integers are signed. */
static int s_uint64_to_json(uint64_t v, const char *path, json_t **out)
{
    if (v > INT64_MAX)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %llu is beyond JSON integers", path,
                                 (unsigned long long)v);
    *out = json_integer((json_int_t)v);
    return *out ? RELAIS_OK : s_nomem(path);
}

static int s_real_to_json(double v, const char *path, json_t **out)
{
    if (!isfinite(v))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: not a finite number", path);
    *out = json_real(v);
    return *out ? RELAIS_OK : s_nomem(path);
}

static int s_enum_to_json(const ProtobufCEnumDescriptor *ed, int v, const char *path, json_t **out)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
    *out = ev ? json_string(ev->name) : json_integer(v); /* a value this build lacks stays a number */
    return *out ? RELAIS_OK : s_nomem(path);
}

static int s_string_to_json(const char *s, const char *path, json_t **out)
{
    size_t n = s ? strlen(s) : 0;
    if (!relais_proto_utf8_valid(s, n))
        return relais_status_set(RELAIS_E_MALFORMED, "%s: not valid UTF-8", path);
    *out = json_stringn(n ? s : "", n);
    return *out ? RELAIS_OK : s_nomem(path);
}

static int s_bytes_to_json(const ProtobufCBinaryData *b, const char *path, json_t **out)
{
    char *text = s_base64_encode(b->data, b->len);
    *out = text ? json_string(text) : NULL;
    free(text);
    return *out ? RELAIS_OK : s_nomem(path);
}

/* Converts one value of field `fd` stored at `slot`. */
static int s_value_to_json(const ProtobufCFieldDescriptor *fd, const void *slot, const char *path, json_t **out)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *out = json_integer(*(const int32_t *)slot);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *out = json_integer(*(const uint32_t *)slot);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *out = json_integer(*(const int64_t *)slot);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return s_uint64_to_json(*(const uint64_t *)slot, path, out);
    case PROTOBUF_C_TYPE_FLOAT:
        return s_real_to_json(*(const float *)slot, path, out);
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_real_to_json(*(const double *)slot, path, out);
    case PROTOBUF_C_TYPE_BOOL:
        *out = json_boolean(*(const protobuf_c_boolean *)slot);
        break;
    case PROTOBUF_C_TYPE_ENUM:
        return s_enum_to_json(fd->descriptor, *(const int *)slot, path, out);
    case PROTOBUF_C_TYPE_STRING:
        return s_string_to_json(*(char *const *)slot, path, out);
    case PROTOBUF_C_TYPE_BYTES:
        return s_bytes_to_json(slot, path, out);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (*(ProtobufCMessage *const *)slot)
            return s_msg_to_json(*(ProtobufCMessage *const *)slot, path, out);
        *out = json_object(); /* a chosen oneof member left NULL by a hand-built tree */
        break;
    }
    return *out ? RELAIS_OK : s_nomem(path);
}

static int s_repeated_to_json(const ProtobufCFieldDescriptor *fd, const char *arr, size_t n, const char *path,
                              json_t **out)
{
    json_t *list = json_array();
    if (!list)
        return s_nomem(path);
    for (size_t i = 0; i < n; i++) {
        char item_path[RELAIS_PROTO_PATH_LEN];
        json_t *item = NULL;
        relais_proto_path_index(item_path, sizeof item_path, path, i);
        int rc = s_value_to_json(fd, arr + i * relais_proto_elem_size(fd->type), item_path, &item);
        if (rc == RELAIS_OK && json_array_append_new(list, item))
            rc = s_nomem(item_path);
        if (rc) {
            json_decref(list);
            return rc;
        }
    }
    *out = list;
    return RELAIS_OK;
}

/* proto3: a plain field is written only when it differs from its type's default. */
static int s_is_default(const ProtobufCFieldDescriptor *fd, const void *slot)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)slot;
        return !s || !s[0];
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)slot)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)slot == NULL;
    default: {
        static const uint8_t zero[sizeof(uint64_t)];
        return memcmp(slot, zero, relais_proto_elem_size(fd->type)) == 0;
    }
    }
}

/* Whether the field appears in the output: the chosen oneof member always (even at its
 * default, since choosing it says something), an `optional` field when present. */
static int s_is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    const char *base = (const char *)m;
    const void *slot = base + fd->offset;
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + fd->quantifier_offset) == fd->id;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)(base + fd->quantifier_offset) > 0;
    if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
        return 1;
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(ProtobufCMessage *const *)slot != NULL; /* a message that is there, even empty */
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->type == PROTOBUF_C_TYPE_STRING)
        return *(char *const *)slot != NULL;
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL)
        return *(const protobuf_c_boolean *)(base + fd->quantifier_offset);
    return !s_is_default(fd, slot);
}

static int s_field_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, const char *path,
                           json_t *obj)
{
    const char *base = (const char *)m;
    json_t *val = NULL;
    int rc;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        rc = s_repeated_to_json(fd, *(char *const *)(base + fd->offset),
                                *(const size_t *)(base + fd->quantifier_offset), path, &val);
    else
        rc = s_value_to_json(fd, base + fd->offset, path, &val);
    if (rc == RELAIS_OK && json_object_set_new(obj, fd->name, val))
        rc = s_nomem(path);
    return rc;
}

static int s_msg_to_json(const ProtobufCMessage *m, const char *path, json_t **out)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    json_t *obj = json_object();
    if (!obj)
        return s_nomem(path);
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[f];
        char sub[RELAIS_PROTO_PATH_LEN];
        if (!s_is_present(m, fd))
            continue;
        relais_proto_path_field(sub, sizeof sub, path, fd->name);
        int rc = s_field_to_json(m, fd, sub, obj);
        if (rc) {
            json_decref(obj);
            return rc;
        }
    }
    *out = obj;
    return RELAIS_OK;
}

char *relais_message_to_json(const relais_message_t *self)
{
    json_t *root = NULL;
    if (!self)
        return NULL;
    /* the tree was checked at decode, so nesting is bounded by the schema, not the input */
    if (s_msg_to_json(&self->pb->base, "", &root))
        return NULL;
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        relais_status_set(RELAIS_E_NOMEM, "message: writing JSON");
    return text;
}
