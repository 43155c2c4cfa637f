/* partner_internal.h -- what a partner's desk's files share (not installed): the referral form as
 * schema/referral.schema.json makes it (partner_schema.c: "rf", the referral form), which its page
 * and handler show, check and send (partner_form.c), and the form's words and routes the partner's
 * lists and their routes use (partner_pages.c).
 */
#ifndef RELAIS_DESK_PARTNER_INTERNAL_H
#define RELAIS_DESK_PARTNER_INTERNAL_H

#include <jansson.h>

#include "desk_internal.h"

enum {
    DESK_RF_PATH_LEN = 64,   /* a control's name: the desk's form keeps names shorter than 64 bytes */
    DESK_RF_MAX_ITEMS = 160,
    DESK_RF_MAX_ERRORS = 48,
    DESK_RF_MAX_MEMBERS = 4, /* the legal basis's choices */
};

/* ---- The form, as the schema makes it (partner_schema.c) ------------------------------------------ */

/* schema/referral.schema.json as it was when the desk was built (desk/CMakeLists.txt), NUL-ended:
 * the referral form is made from it. */
extern const char desk_referral_schema[];

typedef enum {
    DESK_RF_OPEN,    /* a nested object, an array or one of its rows: a fieldset */
    DESK_RF_CLOSE,
    DESK_RF_BASIS,   /* the oneOf of the legal basis: a fieldset whose radio buttons choose the member */
    DESK_RF_TEXT,
    DESK_RF_LONG,
    DESK_RF_DATE,    /* format: date */
    DESK_RF_DAY_MS,  /* a time in milliseconds a person gives as a day */
    DESK_RF_CHOICE,  /* an enum */
    DESK_RF_CHOICES, /* an array of an enum, each once */
} desk_rf_kind_t;

typedef struct {
    desk_rf_kind_t kind;
    char path[DESK_RF_PATH_LEN];  /* the control's name and the hub's path: referral.guardians.1.name */
    char key[DESK_RF_PATH_LEN];   /* its label's: the property and its parent's, "guardians.name" */
    size_t row;                   /* a row of an array: its number from 1; 0 otherwise */
    char array[DESK_RF_PATH_LEN]; /* a row's array (referral.guardians), "" otherwise */
    char member[32];              /* inside the legal basis: the member it belongs to ("consent"), "" otherwise */
    int required;
    size_t max_len, min_items;
    const json_t *options;        /* DESK_RF_CHOICE, DESK_RF_CHOICES: the enum */
    char members[DESK_RF_MAX_MEMBERS][32]; /* DESK_RF_BASIS: the property each member of the oneOf requires */
    size_t member_count;
} desk_rf_item_t;

typedef struct {
    json_t *schema;
    desk_rf_item_t items[DESK_RF_MAX_ITEMS];
    size_t count;
    char basis[DESK_RF_PATH_LEN]; /* the basis's radio buttons' name, "" when the schema has none */
} desk_rf_form_t;

/* The form of the embedded schema (desk_referral_schema); desk_rf_form_free after, whatever it returned.
 * Errors: RELAIS_E_MALFORMED (no schema the form can read), RELAIS_E_INVALID (more fields, or deeper,
 * than the form can hold). */
int desk_rf_form_make(desk_rf_form_t *f);
void desk_rf_form_free(desk_rf_form_t *f);

/* A control's value as typed, "" when not posted; whether a value holds nothing but blanks; the name
 * of the check box of `option` in an array of an enum ("referral.domains.HEALTH"). */
const char *desk_rf_typed(const desk_form_t *form, const char *name);
int desk_rf_blank(const char *v);
const char *desk_rf_choices_name(const desk_rf_item_t *it, const char *option, char *out, size_t cap);

/* ---- Errors, each for a control (partner_schema.c) ------------------------------------------------ */

typedef struct {
    size_t item;    /* the item it is beside; DESK_RF_MAX_ITEMS: none (the summary only) */
    char text[320]; /* the desk's sentence */
    char hub[256];  /* the hub's own sentence, in English; "" when the desk's */
} desk_rf_error_t;

typedef struct {
    desk_rf_error_t e[DESK_RF_MAX_ERRORS];
    size_t count;
    int from_hub; /* a refusal by the hub (or librelais), not the desk's own check */
} desk_rf_errors_t;

/* One error more, beside `item`, with the hub's sentence when it is the hub's; past DESK_RF_MAX_ERRORS,
 * none. */
void desk_rf_error(desk_rf_errors_t *errs, size_t item, const char *hub, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What the schema says, checked before sending: an error for each control that breaks it. */
void desk_rf_check(const desk_rf_form_t *f, const desk_form_t *form, relais_cli_lang_t lang, desk_rf_errors_t *errs);

/* ---- The referral as JSON, and the hub's refusal (partner_schema.c) ------------------------------- */

/* Where a row of an array ended up in the JSON (rows left empty are not sent), for the hub's paths. */
typedef struct {
    char json[DESK_RF_PATH_LEN]; /* referral.guardians.1 */
    char form[DESK_RF_PATH_LEN]; /* referral.guardians.2 */
} desk_rf_alias_t;

typedef struct {
    desk_rf_alias_t a[DESK_RF_MAX_ITEMS];
    size_t count;
} desk_rf_aliases_t;


/* The referral the form holds, as relais submit reads it (*json: caller frees), the rows it moved into
 * al. Errors: RELAIS_E_NOMEM, RELAIS_E_MALFORMED (a text that is not UTF-8: *bad the item). */
int desk_rf_build(const desk_rf_form_t *f, const desk_form_t *form, desk_rf_aliases_t *al, char **json, size_t *bad);
/* A refusal's sentence, "referral.child.birth_date: 2031-01-01 is in the future", put beside the field
 * it names through the rows' aliases (in the summary alone when it names none). */
void desk_rf_refusal(const desk_rf_form_t *f, const desk_rf_aliases_t *al, const char *sentence, relais_cli_lang_t lang,
                     desk_rf_errors_t *errs);

/* ---- The form's page and its words (partner_form.c) ----------------------------------------------- */

/* What an enum's value says in `lang` ("URGENT": "Urgent : sous 4 heures ouvrées"); NULL when the form
 * has no words for it. */
const char *desk_rf_value_words(const char *value, relais_cli_lang_t lang);

/* The referral form (/refer) and the page that says one was received (/refer/received). As
 * desk_partner_route. */
int desk_partner_refer_route(const desk_request_t *r, enum MHD_Result *answer);

#endif
