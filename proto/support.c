/* support.c -- helpers the codec files share: UTF-8 and tree checks, field paths, fixed buffers. */
#include "proto_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence that starts with `b`, 0 when `b` cannot start one. */
static size_t s_utf8_seq_len(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        return 2;
    if (b >= 0xe0 && b <= 0xef)
        return 3;
    if (b >= 0xf0 && b <= 0xf4)
        return 4;
    return 0; /* continuation byte, overlong 0xc0/0xc1, or beyond U+10FFFF */
}

bool relais_proto_utf8_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        /* Text is mostly ASCII: eight bytes without a high bit need no further look, which
         * makes checking a referral's description several times faster. */
        if (end - p >= 8) {
            uint64_t word;
            memcpy(&word, p, sizeof word);
            if ((word & UINT64_C(0x8080808080808080)) == 0) {
                p += 8;
                continue;
            }
        }
        size_t n = s_utf8_seq_len(p[0]);
        if (n == 0 || (size_t)(end - p) < n)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        /* the second byte's range rules out overlongs, surrogates and code points past U+10FFFF */
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
            (p[0] == 0xf4 && p[1] > 0x8f))
            return false;
        p += n;
    }
    return true;
}

void relais_proto_path_field(char *dst, size_t cap, const char *parent, const char *name)
{
    snprintf(dst, cap, "%s%s%s", parent, parent[0] ? "." : "", name);
}

void relais_proto_path_index(char *dst, size_t cap, const char *parent, size_t index)
{
    snprintf(dst, cap, "%s[%zu]", parent, index);
}

/* Bytes one element of a repeated field takes in protobuf-c's array. */
size_t relais_proto_elem_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return sizeof(uint64_t);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return sizeof(uint32_t); /* 32-bit numbers, floats and enums */
    }
}

/* The text fields a person writes in paragraphs: they keep line breaks and tabs. Every other
 * text field (names, schools, classes, organisations, ids, codes, dates) is one line. */
static const struct {
    const ProtobufCMessageDescriptor *msg;
    const char *field;
} s_multiline[] = {
    {&relais__v1__referral__descriptor, "support_in_place"},
    {&relais__v1__referral__descriptor, "description"},
    {&relais__v1__guardian__descriptor, "address"},
    {&relais__v1__case_update__descriptor, "note"},
    {&relais__v1__case_update__descriptor, "diagnosis"},
    {&relais__v1__pathway_action__descriptor, "description"},
    {&relais__v1__contact_log__descriptor, "summary"},
    {&relais__v1__contact_log__descriptor, "contact_details"},
    {&relais__v1__contact_update__descriptor, "note"},
    {&relais__v1__transfer__descriptor, "note"},
    {&relais__v1__transfer_answer__descriptor, "note"},
    {&relais__v1__lost_found_item__descriptor, "description"},
    {&relais__v1__lost_found_update__descriptor, "note"},
    {&relais__v1__decree__descriptor, "text"},
    {&relais__v1__privacy__descriptor, "value"},
    {&relais__v1__meeting_record__descriptor, "decision"},
};

static int s_is_multiline(const ProtobufCMessageDescriptor *msg, const ProtobufCFieldDescriptor *fd)
{
    for (size_t i = 0; i < sizeof s_multiline / sizeof s_multiline[0]; i++)
        if (s_multiline[i].msg == msg && strcmp(s_multiline[i].field, fd->name) == 0)
            return 1;
    return 0;
}

/* What a walk carries down the tree. */
typedef struct {
    unsigned flags; /* RELAIS_PROTO_CHECK_* */
} s_walk_t;

/* In the tree checks below, a NULL `path` asks only whether the tree is good: no path is
 * formatted and a failure returns RELAIS_E_MALFORMED without a detail. */
static int s_check_string(const s_walk_t *w, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd,
                          const char *s, const char *path)
{
    if (!s)
        return RELAIS_OK;
    size_t n = strlen(s);
    if (!relais_proto_utf8_valid(s, n))
        return path ? relais_status_set(RELAIS_E_MALFORMED, "%s: not valid UTF-8", path) : RELAIS_E_MALFORMED;
    if (w->flags & RELAIS_PROTO_CHECK_TEXT)
        return relais_proto_check_text(s, s_is_multiline(msg->descriptor, fd), path);
    return RELAIS_OK;
}

static int s_check_tree(const s_walk_t *w, const ProtobufCMessage *msg, const char *path, int depth);

/* Checks one value of a field of `msg`: strings for UTF-8 (and text), messages recursively. */
static int s_check_value(const s_walk_t *w, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd,
                         const void *slot, const char *path, int depth)
{
    /* proto3 enums are open, but a v1 reader acting on a value it does not know would guess */
    if (fd->type == PROTOBUF_C_TYPE_ENUM && !protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)slot))
        return path ? relais_status_set(RELAIS_E_MALFORMED, "%s: unknown value %d", path, *(const int *)slot)
                    : RELAIS_E_MALFORMED;
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        return s_check_string(w, msg, fd, *(char *const *)slot, path);
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage *const *)slot)
        return s_check_tree(w, *(ProtobufCMessage *const *)slot, path, depth + 1);
    return RELAIS_OK;
}

static int s_check_field(const s_walk_t *w, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd,
                         const char *path, int depth)
{
    const char *base = (const char *)msg;
    if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
        return RELAIS_OK;
    if (fd->label != PROTOBUF_C_LABEL_REPEATED)
        return s_check_value(w, msg, fd, base + fd->offset, path, depth);
    size_t step = fd->type == PROTOBUF_C_TYPE_STRING    ? sizeof(char *)
                  : fd->type == PROTOBUF_C_TYPE_MESSAGE ? sizeof(ProtobufCMessage *)
                  : fd->type == PROTOBUF_C_TYPE_ENUM    ? sizeof(int)
                                                        : 0;
    if (step == 0)
        return RELAIS_OK; /* numbers, booleans and bytes carry no text or structure to check */
    size_t n = *(const size_t *)(base + fd->quantifier_offset);
    const char *arr = *(char *const *)(base + fd->offset);
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        if (path)
            relais_proto_path_index(item, sizeof item, path, i);
        int rc = s_check_value(w, msg, fd, arr + i * step, path ? item : NULL, depth);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

static int s_check_tree(const s_walk_t *w, const ProtobufCMessage *msg, const char *path, int depth)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    /* a v1 reader that kept fields it cannot read would sign, store or show less than it got */
    if ((depth > RELAIS_PROTO_MAX_DEPTH || msg->n_unknown_fields) && !path)
        return RELAIS_E_MALFORMED;
    if (depth > RELAIS_PROTO_MAX_DEPTH)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: nested deeper than %d levels", path,
                                 RELAIS_PROTO_MAX_DEPTH);
    if (msg->n_unknown_fields)
        return relais_status_set(RELAIS_E_MALFORMED, "%s%sunknown field number %u", path, path[0] ? ": " : "",
                                 msg->unknown_fields[0].tag);
    for (unsigned f = 0; f < desc->n_fields; f++) {
        char sub[RELAIS_PROTO_PATH_LEN];
        if (path)
            relais_proto_path_field(sub, sizeof sub, path, desc->fields[f].name);
        int rc = s_check_field(w, msg, &desc->fields[f], path ? sub : NULL, depth);
        if (rc)
            return rc;
    }
    return RELAIS_OK;
}

int relais_proto_check_tree(const ProtobufCMessage *msg, const char *path, unsigned flags)
{
    /* Naming every field costs a snprintf each, several times the checks themselves (every
     * signature check pays it): walk without names, then again with them only to say where
     * a bad message fails. */
    const s_walk_t w = {flags};
    if (s_check_tree(&w, msg, NULL, 1) == RELAIS_OK)
        return RELAIS_OK;
    return s_check_tree(&w, msg, path, 1);
}

/* A protobuf-c output buffer that writes nothing: it compares what the packer emits with the
 * bytes received, so that the check costs no allocation. */
typedef struct {
    ProtobufCBuffer base; /* first: protobuf-c calls base.append */
    const uint8_t *want;  /* the bytes received */
    size_t len;           /* their length */
    size_t at;            /* bytes matched so far */
    bool differs;         /* a byte differed, or the packer wrote more than was received */
} s_compare_t;

static void s_compare_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    s_compare_t *c = (s_compare_t *)buffer;
    if (c->differs)
        return;
    if (len <= c->len - c->at && memcmp(c->want + c->at, data, len) == 0) {
        c->at += len;
        return;
    }
    /* the rare path: find the byte to name in the detail */
    for (size_t i = 0; i < len && c->at < c->len && c->want[c->at] == data[i]; i++)
        c->at++;
    c->differs = true;
}

bool relais_proto_is_canonical(const ProtobufCMessage *msg, const uint8_t *buf, size_t len, size_t *at)
{
    s_compare_t c = {.base = {.append = s_compare_append}, .want = buf, .len = len};
    protobuf_c_message_pack_to_buffer(msg, &c.base);
    if (at)
        *at = c.at;
    return !c.differs && c.at == len;
}

int relais_proto_fixed_len(const char *buf, size_t cap, const char *what, size_t *len)
{
    size_t n = strnlen(buf, cap);
    if (n == cap)
        return relais_status_set(RELAIS_E_INVALID, "%s: not NUL-terminated in its %zu-byte buffer", what, cap);
    *len = n;
    return RELAIS_OK;
}

int relais_proto_copy_exact(char *dst, size_t cap, const char *src, const char *path)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu bytes, at most %zu allowed", path, n, cap - 1);
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return RELAIS_OK;
}

int relais_proto_copy_field(char *dst, size_t cap, const char *src, const char *parent, const char *name)
{
    size_t n = src ? strlen(src) : 0;
    if (n < cap) {
        memcpy(dst, src ? src : "", n);
        dst[n] = '\0';
        return RELAIS_OK;
    }
    char where[RELAIS_PROTO_PATH_LEN];
    relais_proto_path_field(where, sizeof where, parent, name);
    return relais_proto_copy_exact(dst, cap, src, where);
}

int relais_proto_copy_list(char *dst, size_t cap, size_t max, char *const *src, size_t n, const char *path,
                           size_t *count)
{
    if (n > max)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu, at most %zu", path, n, max);
    for (size_t i = 0; i < n; i++) {
        char item[RELAIS_PROTO_PATH_LEN];
        relais_proto_path_index(item, sizeof item, path, i);
        int rc = relais_proto_copy_exact(dst + i * cap, cap, src[i], item);
        if (rc)
            return rc;
    }
    *count = n;
    return RELAIS_OK;
}

int relais_proto_copy_bytes(uint8_t *dst, size_t want, const ProtobufCBinaryData *src, const char *path)
{
    if (src->len != want)
        return relais_status_set(RELAIS_E_MALFORMED, "%s: %zu bytes, expected %zu", path, src->len, want);
    memcpy(dst, src->data, want);
    return RELAIS_OK;
}

int relais_proto_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
    size_t need = protobuf_c_message_get_packed_size(msg);
    /* malloc(0) may return NULL; an all-default message still gets a valid pointer */
    uint8_t *buf = malloc(need ? need : 1);
    if (!buf)
        return relais_status_set(RELAIS_E_NOMEM, "%zu bytes for a serialized message", need);
    *out_len = protobuf_c_message_pack(msg, buf);
    *out = buf;
    return RELAIS_OK;
}

const char *relais_proto_enum_name(const char *const *names, int count, int v)
{
    return v > 0 && v < count ? names[v] : NULL;
}

int relais_proto_enum_from_name(const char *const *names, int count, const ProtobufCEnumDescriptor *desc,
                                const char *name)
{
    if (!name || !name[0])
        return 0;
    for (int i = 1; i < count; i++)
        if (names[i] && relais_proto_same_name(name, names[i]))
            return i;
    for (unsigned i = 0; i < desc->n_values; i++)
        if (desc->values[i].value > 0 && desc->values[i].value < count &&
            relais_proto_same_name(name, desc->values[i].name))
            return desc->values[i].value;
    return 0;
}

void relais_proto_handle(char letter, uint64_t seq, char *out)
{
    snprintf(out, RELAIS_CASE_ID_LEN, "%c-%" PRIu64, letter, seq);
}

uint64_t relais_proto_handle_seq(const char *text, char letter)
{
    if (!text || text[0] != letter || text[1] != '-' || text[2] < '1' || text[2] > '9')
        return 0;
    uint64_t seq = 0;
    for (const char *p = text + 2; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        uint64_t digit = (uint64_t)(*p - '0');
        if (seq > (UINT64_MAX - digit) / 10)
            return 0;
        seq = seq * 10 + digit;
    }
    return seq;
}

int relais_proto_payload_is(const relais_message_t *self, Relais__V1__Message__PayloadCase want, const char *what)
{
    if (!self || self->pb->payload_case != want)
        return relais_status_set(RELAIS_E_INVALID, "message is not %s", what);
    return RELAIS_OK;
}
