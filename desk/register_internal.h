/* register_internal.h -- what the reception's register pages share (not installed): reception.c (the
 * register's list, recording a solicitation, the extract to print, the routes) and reception_entry.c
 * (an entry's page and the forms that change it, the transfers made to a desk). What they share with
 * the lost and found's and the decrees' pages is desk_internal.h's (desk_r_..., reception_common.c).
 */
#ifndef RELAIS_DESK_REGISTER_INTERNAL_H
#define RELAIS_DESK_REGISTER_INTERNAL_H

#include "desk_internal.h"

/* The register's words (reception.c), by the enums' values, French then English; 0, unspecified, says
 * nothing. A value's words in `lang`, "?" for one out of the table; a category's command name, for
 * desk_r_select. */
extern const char *const desk_register_channel_fr[RELAIS_CHANNEL_COUNT];
extern const char *const desk_register_channel_en[RELAIS_CHANNEL_COUNT];
extern const char *const desk_register_category_fr[RELAIS_CATEGORY_COUNT];
extern const char *const desk_register_category_en[RELAIS_CATEGORY_COUNT];
extern const char *const desk_register_handling_fr[RELAIS_HANDLING_COUNT];
extern const char *const desk_register_handling_en[RELAIS_HANDLING_COUNT];
const char *desk_register_pick(const char *const *fr, const char *const *en, size_t count, int v,
                               relais_cli_lang_t lang);
#define DESK_REGISTER_PICK(fr, en, v, lang) desk_register_pick(fr, en, sizeof fr / sizeof fr[0], (int)(v), lang)
const char *desk_register_category_name(int v);

/* An entry's place: "12 Rue Houdan". */
void desk_register_place(const relais_contact_record_t *e, char *out, size_t cap);
/* A page's reading of the register (`f`: the entries a reception lists, or those transferred to this
 * desk's identity), then its frame and title; the read's status, its sentence in why. */
int desk_register_list_begin(desk_request_t *r, const relais_request_t *f, const char *title, const char *page,
                             relais_reply_t *reply, char *why, size_t cap, desk_buf_t *b);
/* After a write the hub took: the entry's page, saying what was done ("recorded", "updated"...). */
enum MHD_Result desk_register_done(desk_request_t *r, const char *entry, const char *said);

/* An entry's page (/register/A-12, or by a transfer T-14) and the forms posted from it
 * (/register/A-12/update, /close, /transfer), reception_entry.c's. As desk_reception_route. */
int desk_register_entry_route(desk_request_t *r, enum MHD_Result *answer);

#endif
