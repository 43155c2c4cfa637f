/* proto_internal.h -- what the proto module's files share with each other and with nobody else.
 *
 * This is the one header besides the generated relais.pb-c.h that only proto/ includes: it
 * names the opaque message's layout and the helpers the codec files have in common.
 */
#ifndef RELAIS_PROTO_INTERNAL_H
#define RELAIS_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relais.pb-c.h"
#include "relais_proto.h"

/* Deepest nesting the JSON mapping and the tree checks accept (objects and arrays). */
#define RELAIS_PROTO_MAX_DEPTH 16
/* Room for a field path in a detail sentence ("referral.guardians[2].phone"). */
#define RELAIS_PROTO_PATH_LEN 160

/* The opaque decoded message: the protobuf-c tree, owned, freed with the message. */
struct relais_message {
    Relais__V1__Message *pb; /* unpacked by protobuf-c's default allocator */
};

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool relais_proto_utf8_valid(const char *s, size_t len);

/* relais_proto_check_tree's flags. TEXT: the hub's rule for new text (relais_proto_check_text),
 * with the multi-line fields of s_multiline in support.c. */
#define RELAIS_PROTO_CHECK_TEXT 1u

/* Walks an unpacked tree: refuses unknown fields, enum values the schema does not list, strings
 * that are not UTF-8 and nesting deeper than RELAIS_PROTO_MAX_DEPTH (and with CHECK_TEXT
 * controls in text), naming the field under `path` in the detail.
 * Errors: RELAIS_E_MALFORMED. */
int relais_proto_check_tree(const ProtobufCMessage *msg, const char *path, unsigned flags);

/* The hub's rule for a text field of a new message or request: no control
 * (relais_text_is_control), except line breaks (\n, \r\n) and tabs when `multiline`. The detail
 * names `path`, the code point and its byte offset; a NULL `path` sets no detail. `s` is UTF-8.
 * Errors: RELAIS_E_MALFORMED. */
int relais_proto_check_text(const char *s, int multiline, const char *path);

/* True when protobuf-c writes `msg` as exactly buf[0..len): the one canonical encoding.
 * *at (may be NULL) gets the offset of the first byte that differs. */
bool relais_proto_is_canonical(const ProtobufCMessage *msg, const uint8_t *buf, size_t len, size_t *at);

/* Bytes one element of a repeated field of `type` takes in protobuf-c's arrays. */
size_t relais_proto_elem_size(ProtobufCType type);

/* Appends ".name" (or "name" at the root) or "[index]" to a path, truncating safely. */
void relais_proto_path_field(char *dst, size_t cap, const char *parent, const char *name);
void relais_proto_path_index(char *dst, size_t cap, const char *parent, size_t index);

/* Length of a fixed buffer's string; RELAIS_E_INVALID (naming `what`) when it has no NUL. */
int relais_proto_fixed_len(const char *buf, size_t cap, const char *what, size_t *len);

/* Copies a decoded string into a fixed buffer; RELAIS_E_MALFORMED naming `path` when it does not
 * fit, because a peer that follows the schema never sends one longer than our buffers. */
int relais_proto_copy_exact(char *dst, size_t cap, const char *src, const char *path);

/* relais_proto_copy_exact of field `name` under `parent`, whose path is written only when the
 * text does not fit: decoding an index walks thousands of records, each of a dozen fields. */
int relais_proto_copy_field(char *dst, size_t cap, const char *src, const char *parent, const char *name);

/* Copies a decoded list of `n` strings into rows of `cap` bytes from `dst` (at most `max`), as
 * relais_proto_copy_exact each, and sets *count; RELAIS_E_MALFORMED naming `path` (and the
 * item) for too many or one too long. */
int relais_proto_copy_list(char *dst, size_t cap, size_t max, char *const *src, size_t n, const char *path,
                           size_t *count);

/* Copies `len` bytes of a decoded bytes field into `dst`, which must be exactly that long.
 * Errors: RELAIS_E_MALFORMED naming `path`. */
int relais_proto_copy_bytes(uint8_t *dst, size_t want, const ProtobufCBinaryData *src, const char *path);

/* A CaseSummary built over a relais_case_summary_t (pointers borrowed from it). */
typedef struct {
    Relais__V1__CaseSummary pb;                /* the message to pack */
    char *referrers[RELAIS_MAX_REFERRERS];     /* pb.referrers points here */
    char *duplicates[RELAIS_MAX_DUPLICATES];   /* pb.possible_duplicates points here */
    char *merged_from[RELAIS_MAX_MERGED];      /* pb.merged_from points here */
} relais_summary_pb_t;

/* Fills `out` from `in`; borrowed pointers, valid while `in` is.
 * Errors: RELAIS_E_INVALID (unterminated buffer, too many referrers). */
int relais_proto_summary_to_pb(const relais_case_summary_t *in, relais_summary_pb_t *out);

/* Copies a decoded CaseSummary into `out`. Errors: RELAIS_E_MALFORMED naming `path`. */
int relais_proto_summary_from_pb(const Relais__V1__CaseSummary *pb, relais_case_summary_t *out,
                                 const char *path);

/* Fills `out` from a case status (borrowed pointers, valid while `in` is).
 * Errors: RELAIS_E_INVALID (unterminated buffer, unknown state or task status). */
int relais_proto_status_to_pb(const relais_case_status_t *in, Relais__V1__CaseStatusView *out);

/* Copies a decoded CaseStatusView into `out`. Errors: RELAIS_E_MALFORMED naming `path`. */
int relais_proto_status_from_pb(const Relais__V1__CaseStatusView *pb, relais_case_status_t *out, const char *path);

/* Followers to protobuf (items and the pointers a repeated field wants, room n each; borrowed
 * pointers) and back. Errors: RELAIS_E_INVALID; RELAIS_E_MALFORMED naming `path` (more than
 * RELAIS_MAX_FOLLOWERS, a sender longer than its buffer). */
int relais_proto_followers_to_pb(const relais_case_follower_t *in, size_t n, Relais__V1__CaseFollower *items,
                                 Relais__V1__CaseFollower **ptrs);
int relais_proto_followers_from_pb(Relais__V1__CaseFollower *const *pb, size_t n, relais_case_follower_t *out,
                                   const char *path);

/* A ContactRecord built over a relais_contact_record_t (pointers borrowed from it), and back. */
typedef struct {
    Relais__V1__ContactRecord pb;
    Relais__V1__TransferState items[RELAIS_MAX_TRANSFERS];
    Relais__V1__TransferState *ptrs[RELAIS_MAX_TRANSFERS];
} relais_contact_pb_t;

/* Errors: RELAIS_E_INVALID (an unterminated buffer, an unknown enum value, too many transfers). */
int relais_proto_contact_to_pb(const relais_contact_record_t *in, relais_contact_pb_t *out);
/* Errors: RELAIS_E_MALFORMED naming `path`. */
int relais_proto_contact_from_pb(const Relais__V1__ContactRecord *pb, relais_contact_record_t *out, const char *path);

/* A LostRecord built over a relais_lost_record_t (pointers borrowed), and back.
 * Errors: RELAIS_E_INVALID (an unterminated buffer, an unknown enum value); RELAIS_E_MALFORMED
 * naming `path`. */
int relais_proto_lost_to_pb(const relais_lost_record_t *in, Relais__V1__LostRecord *out);
int relais_proto_lost_from_pb(const Relais__V1__LostRecord *pb, relais_lost_record_t *out, const char *path);

/* A DecreeRecord built over a relais_decree_record_t (pointers borrowed; what it allocates is
 * `held`, freed by relais_proto_decree_pb_free, also after a failure), and back. */
typedef struct {
    Relais__V1__DecreeRecord pb;
    void *held;
} relais_decree_pb_t;
int relais_proto_decree_to_pb(const relais_decree_record_t *in, relais_decree_pb_t *out);
void relais_proto_decree_pb_free(relais_decree_pb_t *h);
int relais_proto_decree_from_pb(const Relais__V1__DecreeRecord *pb, relais_decree_record_t *out, const char *path);

/* Checks the header values a caller passes to a message builder and fills `hdr` with them
 * (borrowed). Errors: RELAIS_E_INVALID. */
int relais_proto_header_init(Relais__V1__Header *hdr, const char *sender, const uint8_t *msg_id,
                             int64_t created_ms);

/* Whether two spellings name the same enum value: case, '-' and '_' do not matter
 * ("pathway-proposed" is "PATHWAY_PROPOSED"). */
int relais_proto_same_name(const char *a, const char *b);

/* An enum value's command-line spelling from `names` (count entries, names[0] unused): NULL for 0
 * or an unknown value; and back, from that spelling or the schema's (`desc`), 0 when unknown. */
const char *relais_proto_enum_name(const char *const *names, int count, int v);
int relais_proto_enum_from_name(const char *const *names, int count, const ProtobufCEnumDescriptor *desc,
                                const char *name);

/* Defines relais_<fn>_name and relais_<fn>_from_name over a table of spellings. */
#define RELAIS_PROTO_NAMES(type, fn, table, desc)                                                                      \
    const char *relais_##fn##_name(type v)                                                                            \
    {                                                                                                                  \
        return relais_proto_enum_name(table, (int)(sizeof table / sizeof table[0]), (int)v);                           \
    }                                                                                                                  \
    type relais_##fn##_from_name(const char *name)                                                                     \
    {                                                                                                                  \
        return (type)relais_proto_enum_from_name(table, (int)(sizeof table / sizeof table[0]), &desc, name);           \
    }

/* A handle "<letter>-<seq>" into out (room RELAIS_CASE_ID_LEN); and the seq of one (no leading
 * zero), 0 when `text` is none. */
void relais_proto_handle(char letter, uint64_t seq, char *out);
uint64_t relais_proto_handle_seq(const char *text, char letter);

/* RELAIS_OK when the message carries payload `want`, else RELAIS_E_INVALID ("message is not
 * <what>"). */
int relais_proto_payload_is(const relais_message_t *self, Relais__V1__Message__PayloadCase want, const char *what);

/* Packs any message into a fresh buffer. Errors: RELAIS_E_NOMEM. */
int relais_proto_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len);

#endif
