/* partner_form.c -- a partner's desk, for a partner without an IT system of its own: the referral form,
 * what became of a referral sent, the status of what it referred.
 *
 * The form is made from schema/referral.schema.json, embedded at build time, which is the contract
 * with the hub: each property is a control (its `required`, its `enum` as choices, its `maxLength`,
 * a `format: date` or a time in `_ms` as a date), each nested object a fieldset, each array of
 * objects or of texts a few rows, the `oneOf` of the legal basis a required step with what each
 * choice means. Its labels are the only thing written here, by property name: a property the schema
 * gains shows under its own name until it has a French one. What the desk checks before sending is
 * what the schema says; the hub's check stays the authority, and its refusal, which names the field
 * by its path (referral.child.birth_date), is put beside that field, everything typed kept.
 *
 * What a partner reads of its referrals is what the hub's partner-view rule gives it, asked by their
 * handles: their status, never a case id, another referrer, a note or a diagnosis; a case id
 * asked for is answered as a handle it does not have.
 *
 * Accessibility as pages.c's: every control labelled, groups in fieldsets with their legend, an error
 * beside its control and linked to it by aria-describedby, a summary of the errors at the top in a
 * role="alert" whose links lead to each control.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "desk_internal.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

enum {
    S_PATH_LEN = 64,     /* a control's name: the desk's form keeps names shorter than 64 bytes */
    S_MAX_ITEMS = 160,
    S_MAX_ERRORS = 48,
    S_TEXT_ROWS = 3,     /* an array of texts (given names): its first rows */
    S_OBJECT_ROWS = 2,   /* an array of objects (guardians): its first rows */
    S_LONG_TEXT = 1000,  /* longer than this, a text is a text area */
    S_SELECT_FROM = 5,   /* a choice among this many or more is a list; fewer, radio buttons */
    S_MAX_MEMBERS = 4,   /* the legal basis's choices */
};

#define S_MS_A_DAY (86400LL * 1000)

/* ---- The form, as the schema makes it ------------------------------------------------------------- */

typedef enum {
    S_OPEN,    /* a nested object, an array or one of its rows: a fieldset */
    S_CLOSE,
    S_BASIS,   /* the oneOf of the legal basis: a fieldset whose radio buttons choose the member */
    S_TEXT,
    S_LONG,
    S_DATE,    /* format: date */
    S_DAY_MS,  /* a time in milliseconds a person gives as a day */
    S_CHOICE,  /* an enum */
    S_CHOICES, /* an array of an enum, each once */
} s_kind_t;

typedef struct {
    s_kind_t kind;
    char path[S_PATH_LEN];   /* the control's name and the hub's path: referral.guardians.1.name */
    char key[S_PATH_LEN];    /* its label's: the property and its parent's, "guardians.name" */
    size_t row;              /* a row of an array: its number from 1; 0 otherwise */
    char array[S_PATH_LEN];  /* a row's array (referral.guardians), "" otherwise */
    char member[32];         /* inside the legal basis: the member it belongs to ("consent"), "" otherwise */
    int required;
    size_t max_len, min_items;
    const json_t *options;   /* S_CHOICE, S_CHOICES: the enum */
    char members[S_MAX_MEMBERS][32]; /* S_BASIS: the property each member of the oneOf requires */
    size_t member_count;
} s_item_t;

typedef struct {
    json_t *schema;
    s_item_t items[S_MAX_ITEMS];
    size_t count;
    char basis[S_PATH_LEN];  /* the basis's radio buttons' name, "" when the schema has none */
} s_form_t;

static const json_t *s_resolve(const json_t *root, const json_t *node)
{
    /* "#/$defs/Name" and nothing else: the schema refers within itself only */
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    if (ref && strncmp(ref, "#/$defs/", 8) == 0)
        return json_object_get(json_object_get(root, "$defs"), ref + 8);
    const json_t *any = json_object_get(node, "anyOf");
    size_t i;
    const json_t *alt;
    json_array_foreach(any, i, alt)
    {
        if (json_object_get(alt, "$ref"))
            return s_resolve(root, alt);
    }
    return node;
}

/* The node's type other than null ("string" for ["string", "null"], the first of ["string", "integer"]). */
static const char *s_type(const json_t *node)
{
    const json_t *t = json_object_get(node, "type");
    if (json_is_string(t))
        return json_string_value(t);
    size_t i;
    const json_t *one;
    json_array_foreach(t, i, one)
    {
        if (json_is_string(one) && strcmp(json_string_value(one), "null") != 0)
            return json_string_value(one);
    }
    return json_object_get(node, "enum") ? "string" : "";
}

static int s_listed(const json_t *array, const char *name)
{
    size_t i;
    const json_t *one;
    json_array_foreach(array, i, one)
    {
        if (json_is_string(one) && strcmp(json_string_value(one), name) == 0)
            return 1;
    }
    return 0;
}

/* The oneOf member that requires property `name` ("consent"), or NULL. */
static int s_basis_member(const json_t *object, const char *name)
{
    size_t i;
    const json_t *alt;
    json_array_foreach(json_object_get(object, "oneOf"), i, alt)
    {
        if (s_listed(json_object_get(alt, "required"), name))
            return 1;
    }
    return 0;
}

static size_t s_size(const json_t *node, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(node, key));
    return v > 0 ? (size_t)v : 0;
}

static int s_add(s_form_t *f, s_kind_t kind, const char *path, const char *key, const char *member, s_item_t **out)
{
    if (f->count == S_MAX_ITEMS || strlen(path) >= S_PATH_LEN || strlen(key) >= S_PATH_LEN)
        return relais_status_set(RELAIS_E_INVALID, "the referral schema has more fields than the form can hold");
    s_item_t *it = &f->items[f->count++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    snprintf(it->path, sizeof it->path, "%s", path);
    snprintf(it->key, sizeof it->key, "%s", key);
    snprintf(it->member, sizeof it->member, "%s", member);
    *out = it;
    return 0;
}

static int s_walk_object(s_form_t *f, const json_t *object, const char *path, const char *parent, int required,
                         const char *member);

/* One property of an object: its control, or its fieldset and what it holds. */
static int s_walk_property(s_form_t *f, const json_t *node, const char *path, const char *key, int required,
                           const char *member)
{
    const json_t *root = f->schema;
    const json_t *n = s_resolve(root, node);
    const char *type = s_type(n);
    const char *name = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
    s_item_t *it;
    int rc;
    if (strcmp(type, "object") == 0) {
        if ((rc = s_add(f, S_OPEN, path, key, member, &it)) != 0)
            return rc;
        it->required = required;
        if ((rc = s_walk_object(f, n, path, name, required, member)) != 0)
            return rc;
        return s_add(f, S_CLOSE, path, key, member, &it);
    }
    if (strcmp(type, "array") == 0) {
        const json_t *items = s_resolve(root, json_object_get(n, "items"));
        size_t min = s_size(n, "minItems"), max = s_size(n, "maxItems");
        if (json_object_get(items, "enum")) { /* each value once: check boxes */
            if ((rc = s_add(f, S_CHOICES, path, key, member, &it)) != 0)
                return rc;
            it->options = json_object_get(items, "enum");
            it->min_items = min;
            it->required = required && min > 0;
            return 0;
        }
        if ((rc = s_add(f, S_OPEN, path, key, member, &it)) != 0)
            return rc;
        it->required = required && min > 0;
        it->min_items = min;
        int objects = strcmp(s_type(items), "object") == 0;
        size_t rows = objects ? S_OBJECT_ROWS : S_TEXT_ROWS;
        if (max && rows > max)
            rows = max;
        if (rows < min)
            rows = min;
        for (size_t r = 1; r <= rows; r++) {
            char row_path[S_PATH_LEN];
            if ((size_t)snprintf(row_path, sizeof row_path, "%s.%zu", path, r) >= sizeof row_path)
                return relais_status_set(RELAIS_E_INVALID, "the referral schema nests deeper than the form can");
            if (objects) {
                if ((rc = s_add(f, S_OPEN, row_path, key, member, &it)) != 0)
                    return rc;
                it->row = r;
                snprintf(it->array, sizeof it->array, "%s", path);
                if ((rc = s_walk_object(f, items, row_path, name, 0, member)) != 0)
                    return rc;
                if ((rc = s_add(f, S_CLOSE, row_path, key, member, &it)) != 0)
                    return rc;
                continue;
            }
            if ((rc = s_walk_property(f, items, row_path, key, required && r <= min, member)) != 0)
                return rc;
            it = &f->items[f->count - 1];
            it->row = r;
            snprintf(it->array, sizeof it->array, "%s", path);
        }
        return s_add(f, S_CLOSE, path, key, member, &it);
    }
    s_kind_t kind = S_TEXT;
    if (json_object_get(n, "enum"))
        kind = S_CHOICE;
    else if (json_is_string(json_object_get(n, "format")) &&
             strcmp(json_string_value(json_object_get(n, "format")), "date") == 0)
        kind = S_DATE;
    else if (strcmp(type, "integer") == 0 && strlen(name) > 3 && strcmp(name + strlen(name) - 3, "_ms") == 0)
        kind = S_DAY_MS;
    else if (s_size(n, "maxLength") > S_LONG_TEXT)
        kind = S_LONG;
    if ((rc = s_add(f, kind, path, key, member, &it)) != 0)
        return rc;
    it->required = required;
    it->max_len = s_size(n, "maxLength");
    it->options = json_object_get(n, "enum");
    return 0;
}

static int s_walk_object(s_form_t *f, const json_t *object, const char *path, const char *parent, int required,
                         const char *member)
{
    const json_t *props = json_object_get(object, "properties");
    const json_t *needed = json_object_get(object, "required");
    const char *name;
    const json_t *node;
    int basis_done = 0, rc;
    json_object_foreach((json_t *)props, name, node)
    {
        char child[S_PATH_LEN * 2], key[S_PATH_LEN * 2];
        snprintf(child, sizeof child, "%s.%s", path, name);
        snprintf(key, sizeof key, "%s.%s", parent, name);
        if (s_basis_member(object, name)) {
            /* The legal basis: one member chosen, all of them shown, each where the first one is. */
            if (basis_done)
                continue;
            basis_done = 1;
            s_item_t *it;
            char basis[S_PATH_LEN * 2];
            snprintf(basis, sizeof basis, "%s.basis", path);
            if ((rc = s_add(f, S_BASIS, basis, "basis", member, &it)) != 0)
                return rc;
            it->required = required;
            snprintf(f->basis, sizeof f->basis, "%s", it->path);
            s_item_t *basis_item = it;
            size_t i;
            const json_t *alt;
            json_array_foreach(json_object_get(object, "oneOf"), i, alt)
            {
                const char *m = json_string_value(json_array_get(json_object_get(alt, "required"), 0));
                if (m && basis_item->member_count < S_MAX_MEMBERS && strlen(m) < sizeof basis_item->members[0])
                    snprintf(basis_item->members[basis_item->member_count++], sizeof basis_item->members[0], "%s", m);
            }
            for (size_t k = 0; k < basis_item->member_count; k++) {
                const char *m = basis_item->members[k];
                snprintf(child, sizeof child, "%s.%s", path, m);
                snprintf(key, sizeof key, "%s.%s", parent, m);
                if ((rc = s_walk_property(f, json_object_get(props, m), child, key, 1, m)) != 0)
                    return rc;
            }
            if ((rc = s_add(f, S_CLOSE, basis, "basis", member, &it)) != 0)
                return rc;
            continue;
        }
        if ((rc = s_walk_property(f, node, child, key, required && s_listed(needed, name), member)) != 0)
            return rc;
    }
    return 0;
}

/* The form of the embedded schema; s_form_free after. */
static int s_form_make(s_form_t *f)
{
    memset(f, 0, sizeof *f);
    json_error_t jerr;
    f->schema = json_loads(desk_referral_schema, 0, &jerr);
    if (!f->schema)
        return relais_status_set(RELAIS_E_MALFORMED, "the referral schema built in: %s", jerr.text);
    const json_t *top = json_object_get(json_object_get(f->schema, "properties"), "referral");
    const json_t *referral = top ? s_resolve(f->schema, top) : NULL;
    if (!referral || strcmp(s_type(referral), "object") != 0)
        return relais_status_set(RELAIS_E_MALFORMED, "the referral schema built in has no referral object");
    return s_walk_object(f, referral, "referral", "referral", 1, "");
}

static void s_form_free(s_form_t *f)
{
    json_decref(f->schema);
    f->schema = NULL;
}

/* ---- Labels: the only words of the form written here ---------------------------------------------- */

typedef struct {
    const char *key, *fr, *en, *hint_fr, *hint_en;
} s_label_t;

static const s_label_t s_labels[] = {
    {"referral.external_ref", "Votre référence", "Your reference",
     "Le numéro de ce signalement dans vos propres dossiers, si vous en avez un.",
     "This referral's number in your own records, if it has one."},
    {"referral.referrer", "Qui signale", "Who refers", NULL, NULL},
    {"referrer.organisation", "Établissement ou service", "Organisation", "Par exemple « Collège Marie Curie ».",
     "For example \xe2\x80\x9c" "Collège Marie Curie\xe2\x80\x9d."},
    {"referrer.role", "Fonction", "Role", NULL, NULL},
    {"referrer.name", "Nom et fonction de la personne qui écrit", "Name and role of the person writing", NULL, NULL},
    {"referrer.contact", "Téléphone ou courriel pour vous joindre", "Phone or e-mail to reach you", NULL, NULL},
    {"referral.child", "L'enfant", "The child", NULL, NULL},
    {"child.family_name", "Nom de famille", "Family name", NULL, NULL},
    {"child.given_names", "Prénoms", "Given names", "Le prénom usuel d'abord.", "The usual given name first."},
    {"child.given_names#row", "Prénom", "Given name", NULL, NULL},
    {"child.birth_date", "Date de naissance", "Birth date", NULL, NULL},
    {"child.school", "École ou établissement", "School", NULL, NULL},
    {"child.class_name", "Classe", "Class", "Par exemple « CM1 » ou « 6e B ».",
     "For example \xe2\x80\x9c" "CM1\xe2\x80\x9d."},
    {"referral.guardians", "Parents ou autres responsables légaux", "Parents or other guardians",
     "Remplissez ce que vous savez ; une ligne laissée vide n'est pas envoyée.",
     "Fill in what you know; a row left empty is not sent."},
    {"referral.guardians#row", "Responsable", "Guardian", NULL, NULL},
    {"guardians.name", "Nom et prénom", "Full name", NULL, NULL},
    {"guardians.relationship", "Lien avec l'enfant", "Relationship to the child", "Mère, père, tuteur…",
     "Mother, father, guardian…"},
    {"guardians.phone", "Téléphone", "Phone", NULL, NULL},
    {"guardians.email", "Courriel", "E-mail", NULL, NULL},
    {"guardians.address", "Adresse postale", "Postal address", NULL, NULL},
    {"referral.domains", "Domaines concernés", "Fields of support", "Cochez au moins un domaine.",
     "Tick at least one."},
    {"referral.support_in_place", "Ce qui est déjà en place", "Support already in place",
     "RASED, orthophonie, suivi au CMP, aide aux devoirs…", "RASED, speech therapy, CMP follow-up, homework help…"},
    {"referral.description", "La situation, telle que vous la voyez", "The situation as you see it", NULL, NULL},
    {"referral.urgency", "Urgence", "Urgency", NULL, NULL},
    {"basis", "Accord de la famille ou demande des parents", "The family's agreement or the parents' request",
     "La coordination ne reçoit un signalement qu'avec l'accord de la famille, ou à la demande des parents "
     "eux-mêmes. Choisissez ce qui s'est passé, puis dites qui et quand. Sans l'un ou l'autre, le signalement ne "
     "peut pas être envoyé : si vous pensez que l'enfant est en danger, ce formulaire n'est pas le bon chemin, "
     "adressez une information préoccupante à la cellule départementale (CRIP), et en cas d'urgence appelez le 119.",
     "The coordination takes a referral only with the family's agreement, or at the parents' own request. Choose "
     "what happened, then say who and when. Without either, the referral cannot be sent: if you think the child "
     "is in danger, this form is not the way; send a report of concern to the department's unit (CRIP), and in "
     "an emergency call 119."},
    {"referral.consent", "La famille a donné son accord", "The family agreed",
     "Un professionnel a recueilli l'accord des parents (ou d'un responsable légal) pour que la situation de "
     "l'enfant soit confiée à la coordination. Un accord trop ancien est refusé par le hub.",
     "A professional recorded the parents' (or a guardian's) agreement that the child's situation be passed to "
     "the coordination. An agreement too old is refused by the hub."},
    {"consent.recorded_by", "Qui a recueilli l'accord (nom et fonction)", "Who recorded the agreement (name and role)",
     NULL, NULL},
    {"consent.recorded_ms", "Date de l'accord", "Date of the agreement", NULL, NULL},
    {"consent.document_ref", "Référence du document signé", "Reference of the signed document",
     "Le formulaire ou le courrier gardé dans vos dossiers.", "The form or letter kept in your records."},
    {"consent.given_by", "Qui a donné l'accord", "Who agreed", "Quel parent ou responsable.", "Which guardian."},
    {"referral.parental_request", "La demande vient des parents", "The parents asked",
     "Les parents ont eux-mêmes demandé de l'aide pour leur enfant (visite, appel, courrier…).",
     "The parents themselves asked for help for their child (a visit, a call, a letter…)."},
    {"parental_request.requester_name", "Nom du parent qui demande", "Name of the parent asking", NULL, NULL},
    {"parental_request.relationship", "Son lien avec l'enfant", "Their relationship to the child", NULL, NULL},
    {"parental_request.received_ms", "Date de la demande", "Date of the request", NULL, NULL},
    {"parental_request.channel", "Comment la demande est arrivée", "How the request came",
     "Visite, appel, courrier, courriel.", "A visit, a call, a letter, an e-mail."},
    {NULL, NULL, NULL, NULL, NULL},
};

/* What the enums' values say, in French and in English. */
static const s_label_t s_values[] = {
    {"SCHOOL_HEAD", "Chef d'établissement ou directeur d'école", "School head", NULL, NULL},
    {"TEACHER", "Enseignant", "Teacher", NULL, NULL},
    {"RASED", "RASED (réseau d'aides spécialisées)", "RASED (specialised support network)", NULL, NULL},
    {"GUIDANCE_COUNSELLOR", "Psychologue de l'Éducation nationale", "School psychologist", NULL, NULL},
    {"MUNICIPAL_YOUTH", "Service Animation, Jeunesse et Prévention", "Town youth and prevention service", NULL, NULL},
    {"MUNICIPAL_SOCIAL", "Service Action sociale, santé, handicap", "Town social services", NULL, NULL},
    {"PMI", "PMI (protection maternelle et infantile)", "PMI (maternal and child health)", NULL, NULL},
    {"CMP", "CMP (centre médico-psychologique)", "CMP (medical-psychological centre)", NULL, NULL},
    {"PARENT", "La famille elle-même", "The family itself", NULL, NULL},
    {"OTHER", "Autre", "Other", NULL, NULL},
    {"EDUCATIONAL", "Soutien éducatif", "Educational support", NULL, NULL},
    {"PERISCOLAIRE", "Temps périscolaire", "Out-of-school time", NULL, NULL},
    {"CULTURAL", "Culturel", "Cultural", NULL, NULL},
    {"SOCIAL", "Social", "Social", NULL, NULL},
    {"HEALTH", "Santé (donnée de santé : seulement si c'est utile)", "Health (health data: only when needed)", NULL,
     NULL},
    {"ROUTINE", "Ordinaire : examiné sous 72 heures", "Routine: looked at within 72 hours", NULL, NULL},
    {"PRIORITY", "Prioritaire : sous 24 heures", "Priority: within 24 hours", NULL, NULL},
    {"URGENT", "Urgent : sous 4 heures ouvrées", "Urgent: within 4 working hours", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static const s_label_t *s_find(const s_label_t *table, const char *key)
{
    for (const s_label_t *l = table; l->key; l++)
        if (strcmp(l->key, key) == 0)
            return l;
    return NULL;
}

/* An item's label (a row's: its array's "#row" label and its number); a property without one is
 * shown by its name. */
static void s_label(const s_item_t *it, relais_cli_lang_t lang, desk_buf_t *b)
{
    char row_key[S_PATH_LEN + 8];
    snprintf(row_key, sizeof row_key, "%s#row", it->key);
    const s_label_t *l = it->row && s_find(s_labels, row_key) ? s_find(s_labels, row_key) : s_find(s_labels, it->key);
    const char *name = strrchr(it->key, '.') ? strrchr(it->key, '.') + 1 : it->key;
    if (it->row && l)
        desk_buf_printf(b, "%s %zu", T(lang, l->fr, l->en), it->row);
    else if (l)
        desk_buf_put(b, T(lang, l->fr, l->en));
    else
        desk_buf_text(b, name);
}

static const char *s_hint(const s_item_t *it, relais_cli_lang_t lang)
{
    const s_label_t *l = it->row ? NULL : s_find(s_labels, it->key);
    return l ? T(lang, l->hint_fr, l->hint_en) : NULL;
}

static void s_value_label(const char *value, relais_cli_lang_t lang, desk_buf_t *b)
{
    const s_label_t *l = s_find(s_values, value);
    if (l)
        desk_buf_put(b, T(lang, l->fr, l->en));
    else
        desk_buf_text(b, value);
}

/* ---- Errors, each for a control --------------------------------------------------------------------- */

typedef struct {
    size_t item;            /* the item it is beside; S_MAX_ITEMS: none (the summary only) */
    char text[320];         /* the desk's sentence */
    char hub[256];          /* the hub's own sentence, in English; "" when the desk's */
} s_error_t;

typedef struct {
    s_error_t e[S_MAX_ERRORS];
    size_t count;
    int from_hub;           /* a refusal by the hub (or librelais), not the desk's own check */
} s_errors_t;

static void s_error(s_errors_t *errs, size_t item, const char *hub, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_error(s_errors_t *errs, size_t item, const char *hub, const char *fmt, ...)
{
    if (errs->count == S_MAX_ERRORS)
        return;
    s_error_t *e = &errs->e[errs->count++];
    e->item = item;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    snprintf(e->hub, sizeof e->hub, "%s", hub ? hub : "");
}

/* "f-referral-child-birth_date": the id of a control (of its first choice for a group). */
static void s_id(const char *path, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "f-%s%s%s", path, suffix ? "-" : "", suffix ? suffix : "");
    for (char *p = out; *p; p++)
        if (*p == '.')
            *p = '-';
}

/* The id the summary's link leads to: the control, or a group's first choice. */
static void s_anchor(const s_item_t *it, char *out, size_t cap)
{
    const char *first = NULL;
    if (it->kind == S_CHOICES || (it->kind == S_CHOICE && json_array_size(it->options) < S_SELECT_FROM * 2))
        first = json_string_value(json_array_get(it->options, 0));
    if (it->kind == S_BASIS)
        first = it->member_count ? it->members[0] : NULL;
    s_id(it->path, first, out, cap);
}

static int s_is_control(s_kind_t kind)
{
    return kind != S_OPEN && kind != S_CLOSE;
}

/* ---- Values typed ---------------------------------------------------------------------------------------- */

static const char *s_typed(const desk_form_t *form, const char *name)
{
    const char *v = form ? desk_form_get(form, name) : NULL;
    return v ? v : "";
}

static int s_blank(const char *v)
{
    for (; v && *v; v++)
        if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
            return 0;
    return 1;
}

static size_t s_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int s_in_enum(const json_t *options, const char *v)
{
    return s_listed(options, v);
}

static const char *s_choices_name(const s_item_t *it, const char *option, char *out, size_t cap)
{
    snprintf(out, cap, "%s.%s", it->path, option);
    return out;
}

/* Whether an item's member of the legal basis is the one chosen (always, outside the basis). */
static int s_applies(const s_form_t *f, const s_item_t *it, const desk_form_t *form)
{
    return !it->member[0] || strcmp(s_typed(form, f->basis), it->member) == 0;
}

/* Whether a row of an array holds anything typed. */
static int s_row_used(const s_form_t *f, const char *row_path, const desk_form_t *form)
{
    size_t n = strlen(row_path);
    for (size_t i = 0; i < f->count; i++) {
        const s_item_t *it = &f->items[i];
        if (s_is_control(it->kind) && strncmp(it->path, row_path, n) == 0 && (it->path[n] == '.' || !it->path[n]) &&
            !s_blank(s_typed(form, it->path)))
            return 1;
    }
    return 0;
}

/* ---- What the schema says, checked before sending ------------------------------------------------------ */

static void s_check(const s_form_t *f, const desk_form_t *form, relais_cli_lang_t lang, s_errors_t *errs)
{
    for (size_t i = 0; i < f->count; i++) {
        const s_item_t *it = &f->items[i];
        if (!s_is_control(it->kind) || !s_applies(f, it, form))
            continue;
        const char *v = s_typed(form, it->path);
        switch (it->kind) {
        case S_BASIS:
            if (!s_blank(v) || it->required) {
                int known = 0;
                for (size_t k = 0; k < it->member_count; k++)
                    known |= strcmp(it->members[k], v) == 0;
                if (!known)
                    s_error(errs, i, NULL, "%s",
                            T(lang, "Choisissez l'une des réponses : sans elle, le signalement ne peut pas être "
                                    "envoyé.",
                              "Choose one of the answers: without it the referral cannot be sent."));
            }
            break;
        case S_CHOICES: {
            size_t checked = 0, k;
            const json_t *opt;
            json_array_foreach(it->options, k, opt)
            {
                char name[S_PATH_LEN * 2];
                if (json_is_string(opt) &&
                    !s_blank(s_typed(form, s_choices_name(it, json_string_value(opt), name, sizeof name))))
                    checked++;
            }
            if (checked < it->min_items && it->required)
                s_error(errs, i, NULL, T(lang, "Cochez au moins %zu case.", "Tick at least %zu box."), it->min_items);
            break;
        }
        case S_CHOICE:
            if (s_blank(v)) {
                if (it->required)
                    s_error(errs, i, NULL, "%s", T(lang, "Choisissez une réponse.", "Choose an answer."));
            } else if (!s_in_enum(it->options, v)) {
                s_error(errs, i, NULL, "%s",
                        T(lang, "Cette réponse n'est pas dans la liste.", "This answer is not one of the list."));
            }
            break;
        case S_DATE:
        case S_DAY_MS: {
            int y, m, d;
            if (s_blank(v)) {
                if (it->required)
                    s_error(errs, i, NULL, "%s", T(lang, "Ce champ est obligatoire.", "This field is required."));
            } else if (!relais_calendar_date(v, &y, &m, &d)) {
                s_error(errs, i, NULL, "%s",
                        T(lang, "Une date est attendue, sous la forme AAAA-MM-JJ (par exemple 2015-03-04).",
                          "A date is expected, as YYYY-MM-DD (for example 2015-03-04)."));
            }
            break;
        }
        default:
            if (s_blank(v)) {
                if (it->required && (!it->row || !it->array[0] || s_row_used(f, it->array, form) || it->row == 1))
                    s_error(errs, i, NULL, "%s", T(lang, "Ce champ est obligatoire.", "This field is required."));
            } else if (it->max_len && s_chars(v) > it->max_len) {
                s_error(errs, i, NULL,
                        T(lang, "Au plus %zu caractères ; il y en a %zu.", "At most %zu characters; there are %zu."),
                        it->max_len, s_chars(v));
            }
            break;
        }
    }
}

/* ---- The referral as JSON --------------------------------------------------------------------------------- */

/* Where a row of an array ended up in the JSON (rows left empty are not sent), for the hub's paths. */
typedef struct {
    char json[S_PATH_LEN];  /* referral.guardians.1 */
    char form[S_PATH_LEN];  /* referral.guardians.2 */
} s_alias_t;

typedef struct {
    s_alias_t a[S_MAX_ITEMS];
    size_t count;
} s_aliases_t;

/* Sets `value` (taken) at `path` ("referral.guardians.2.name": a number is an array's index from 1),
 * making the objects and arrays on the way. */
static int s_put(json_t *root, const char *path, json_t *value)
{
    char buf[S_PATH_LEN * 2];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *at = root;
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        int next_index = next && *next >= '0' && *next <= '9';
        json_t *child;
        if (json_is_array(at)) {
            size_t index = strtoul(part, NULL, 10) - 1;
            child = json_array_get(at, index);
            if (!child && next) {
                child = next_index ? json_array() : json_object();
                if (!child || json_array_append_new(at, child) != 0)
                    goto nomem;
            } else if (!next) {
                if (json_array_append_new(at, value) != 0)
                    return relais_status_set(RELAIS_E_NOMEM, "the referral");
                return 0;
            }
        } else {
            child = json_object_get(at, part);
            if (!child && next) {
                child = next_index ? json_array() : json_object();
                if (!child || json_object_set_new(at, part, child) != 0)
                    goto nomem;
            } else if (!next) {
                if (json_object_set_new(at, part, value) != 0)
                    return relais_status_set(RELAIS_E_NOMEM, "the referral");
                return 0;
            }
        }
        at = child;
        part = next;
    }
nomem:
    json_decref(value);
    return relais_status_set(RELAIS_E_NOMEM, "the referral");
}

/* "YYYY-MM-DD" as milliseconds: the day's first instant in UTC, or now for today (local), which the
 * hub would otherwise take for a time to come in a time zone east of UTC. */
static int64_t s_day_ms(const char *date, int64_t now_ms)
{
    int y, m, d;
    if (!relais_calendar_date(date, &y, &m, &d))
        return 0;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t ms = (era * 146097 + doe - 719468) * S_MS_A_DAY;
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    char today[16];
    if (localtime_r(&now, &tm) && strftime(today, sizeof today, "%Y-%m-%d", &tm) && strcmp(today, date) == 0 &&
        ms > now_ms)
        ms = now_ms;
    return ms;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The JSON path of a control: its rows counted among those used. */
static void s_json_path(const s_form_t *f, const s_item_t *it, const desk_form_t *form, s_aliases_t *al, char *out,
                        size_t cap)
{
    snprintf(out, cap, "%s", it->path);
    for (size_t i = 0; i < f->count; i++) {
        const s_item_t *row = &f->items[i];
        size_t n = strlen(row->path);
        if (!row->row || (row->kind != S_OPEN && !s_is_control(row->kind)) || strncmp(it->path, row->path, n) != 0 ||
            (it->path[n] && it->path[n] != '.'))
            continue;
        size_t used = 0;
        for (size_t j = 0; j < f->count; j++) /* the rows of the same array before it that hold something */
            if (f->items[j].row && f->items[j].row <= row->row && strcmp(f->items[j].array, row->array) == 0 &&
                (f->items[j].kind == S_OPEN || s_is_control(f->items[j].kind)) &&
                s_row_used(f, f->items[j].path, form))
                used++;
        char json_row[S_PATH_LEN * 2];
        if ((size_t)snprintf(json_row, sizeof json_row, "%s.%zu", row->array, used) >= S_PATH_LEN)
            return; /* no row's path is that long: s_add refused it */
        if (strcmp(json_row, row->path) != 0 && al->count < S_MAX_ITEMS) {
            int known = 0;
            for (size_t k = 0; k < al->count; k++)
                known |= strcmp(al->a[k].json, json_row) == 0;
            if (!known) {
                snprintf(al->a[al->count].json, sizeof al->a[0].json, "%.63s", json_row);
                snprintf(al->a[al->count].form, sizeof al->a[0].form, "%s", row->path);
                al->count++;
            }
        }
        snprintf(out, cap, "%s%s", json_row, it->path + n);
        return;
    }
}

/* The referral the form holds, as relais submit reads it. Errors: RELAIS_E_NOMEM, RELAIS_E_MALFORMED
 * (a text that is not UTF-8: *bad the item). */
static int s_build(const s_form_t *f, const desk_form_t *form, s_aliases_t *al, char **json, size_t *bad)
{
    json_t *root = json_object();
    if (!root)
        return relais_status_set(RELAIS_E_NOMEM, "the referral");
    int64_t now_ms = s_now_ms();
    int rc = 0;
    for (size_t i = 0; !rc && i < f->count; i++) {
        const s_item_t *it = &f->items[i];
        if (!s_is_control(it->kind) || it->kind == S_BASIS || !s_applies(f, it, form))
            continue;
        const char *v = s_typed(form, it->path);
        char path[S_PATH_LEN * 2];
        s_json_path(f, it, form, al, path, sizeof path);
        json_t *value = NULL;
        if (it->kind == S_CHOICES) {
            value = json_array();
            size_t k;
            const json_t *opt;
            json_array_foreach(it->options, k, opt)
            {
                char name[S_PATH_LEN * 2];
                if (value && json_is_string(opt) &&
                    !s_blank(s_typed(form, s_choices_name(it, json_string_value(opt), name, sizeof name))))
                    json_array_append_new(value, json_string(json_string_value(opt)));
            }
            if (value && json_array_size(value) == 0) {
                json_decref(value);
                continue;
            }
        } else if (s_blank(v)) {
            continue;
        } else if (it->kind == S_DAY_MS) {
            value = json_integer(s_day_ms(v, now_ms));
        } else {
            value = json_string(v);
            if (!value) {
                *bad = i;
                rc = RELAIS_E_MALFORMED;
                break;
            }
        }
        rc = value ? s_put(root, path, value) : relais_status_set(RELAIS_E_NOMEM, "the referral");
    }
    if (!rc) {
        *json = json_dumps(root, JSON_COMPACT);
        if (!*json)
            rc = relais_status_set(RELAIS_E_NOMEM, "the referral");
    }
    json_decref(root);
    return rc;
}

/* The item the hub's path names: through the rows' aliases, the longest item path it starts with. */
static size_t s_item_of(const s_form_t *f, const s_aliases_t *al, const char *hub_path)
{
    char path[S_PATH_LEN * 2];
    snprintf(path, sizeof path, "%s", hub_path);
    for (size_t k = 0; k < al->count; k++) {
        size_t n = strlen(al->a[k].json);
        if (strncmp(path, al->a[k].json, n) == 0 && (path[n] == '.' || !path[n])) {
            char rest[S_PATH_LEN * 2];
            snprintf(rest, sizeof rest, "%s", path + n);
            if ((size_t)snprintf(path, sizeof path, "%s%s", al->a[k].form, rest) >= sizeof path)
                return S_MAX_ITEMS; /* longer than any control's path */
            break;
        }
    }
    size_t best = S_MAX_ITEMS, best_len = 0;
    for (size_t i = 0; i < f->count; i++) {
        const s_item_t *it = &f->items[i];
        size_t n = strlen(it->path);
        if (!s_is_control(it->kind) || n <= best_len || strncmp(path, it->path, n) != 0 ||
            (path[n] && path[n] != '.'))
            continue;
        best = i;
        best_len = n;
    }
    if (best == S_MAX_ITEMS) /* a group's path (referral.child): its first control */
        for (size_t i = 0; i < f->count && best == S_MAX_ITEMS; i++) {
            size_t n = strlen(path);
            if (s_is_control(f->items[i].kind) && strncmp(f->items[i].path, path, n) == 0 && f->items[i].path[n] == '.')
                best = i;
        }
    return best;
}

/* A refusal's sentence, "referral.child.birth_date: 2031-01-01 is in the future", put beside its field. */
static void s_refusal(const s_form_t *f, const s_aliases_t *al, const char *sentence, relais_cli_lang_t lang,
                      s_errors_t *errs)
{
    errs->from_hub = 1;
    const char *colon = strstr(sentence, ": ");
    char path[S_PATH_LEN * 2] = "";
    if (colon && (size_t)(colon - sentence) < sizeof path && !memchr(sentence, ' ', (size_t)(colon - sentence)))
        snprintf(path, sizeof path, "%.*s", (int)(colon - sentence), sentence);
    size_t item = path[0] ? s_item_of(f, al, path) : S_MAX_ITEMS;
    s_error(errs, item, item == S_MAX_ITEMS ? sentence : colon + 2, "%s",
            T(lang, "Le hub refuse cette valeur.", "The hub refuses this value."));
}

/* ---- The hub ---------------------------------------------------------------------------------------------- */

/* ---- The form's page -------------------------------------------------------------------------------------- */

typedef struct {
    const desk_form_t *form;  /* what was typed; NULL: an empty form */
    const s_errors_t *errs;
    const char *trouble;      /* above the form, in a role="alert": not sent, no answer, expired */
    int queued;               /* the trouble is that it waits in the desk's queue: a role="status" */
    const char *hub_said;     /* the hub's or librelais's sentence with it */
} s_view_t;

/* The errors beside item i, each in an element s_described names (e0, e1...). */
static void s_field_errors(const s_view_t *v, size_t i, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (!v->errs)
        return;
    for (size_t k = 0; k < v->errs->count; k++) {
        const s_error_t *e = &v->errs->e[k];
        if (e->item != i)
            continue;
        desk_buf_printf(b, "<p class=\"alert\" id=\"e%zu\">", k);
        desk_buf_text(b, e->text);
        if (e->hub[0]) {
            desk_buf_printf(b, " %s <q lang=\"en\">", T(lang, "Sa raison :", "Its reason:"));
            desk_buf_text(b, e->hub);
            desk_buf_put(b, "</q>");
        }
        desk_buf_put(b, "</p>\n");
    }
}

/* ` aria-describedby="..."` for item i: its hint and its errors, when it has any. */
static void s_described(const s_view_t *v, size_t i, const char *hint_id, desk_buf_t *b)
{
    desk_buf_t ids = {0};
    if (hint_id)
        desk_buf_put(&ids, hint_id);
    for (size_t k = 0; v->errs && k < v->errs->count; k++)
        if (v->errs->e[k].item == i)
            desk_buf_printf(&ids, "%se%zu", ids.len ? " " : "", k);
    if (ids.len && !ids.failed)
        desk_buf_printf(b, " aria-describedby=\"%s\"", ids.data);
    if (v->errs)
        for (size_t k = 0; k < v->errs->count; k++)
            if (v->errs->e[k].item == i) {
                desk_buf_put(b, " aria-invalid=\"true\"");
                break;
            }
    desk_buf_free(&ids);
}

static void s_required_mark(const s_item_t *it, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (it->required && !it->member[0])
        desk_buf_printf(b, " <span class=\"hint-inline\">%s</span>", T(lang, "(obligatoire)", "(required)"));
    else if (it->required)
        desk_buf_printf(b, " <span class=\"hint-inline\">%s</span>",
                        T(lang, "(obligatoire pour cette réponse)", "(required for this answer)"));
}

/* What heads a control or a group: its label's or legend's words and "(obligatoire)", `close` that
 * ends them, then its hint (in a `hint_tag` element) and its errors. */
static void s_heading(const s_item_t *it, size_t i, const s_view_t *v, const char *close, const char *hint_tag,
                      const char *hint_id, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *hint = s_hint(it, lang);
    s_label(it, lang, b);
    s_required_mark(it, lang, b);
    desk_buf_put(b, close);
    if (hint)
        desk_buf_printf(b, "<%s class=\"hint\" id=\"%s\">%s</%s>\n", hint_tag, hint_id, hint, hint_tag);
    s_field_errors(v, i, lang, b);
}

static void s_render_choices(const s_item_t *it, size_t i, const s_view_t *v, relais_cli_lang_t lang, desk_buf_t *b)
{
    int many = it->kind == S_CHOICES;
    char group[S_PATH_LEN * 2], hint_id[S_PATH_LEN * 2 + 8];
    s_id(it->path, "group", group, sizeof group);
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    const char *hint = s_hint(it, lang);
    desk_buf_printf(b, "<fieldset id=\"%s\"", group);
    s_described(v, i, hint ? hint_id : NULL, b);
    desk_buf_put(b, "><legend>");
    s_heading(it, i, v, "</legend>\n", "p", hint_id, lang, b);
    const char *typed = s_typed(v->form, it->path);
    size_t k;
    const json_t *opt;
    json_array_foreach(it->options, k, opt)
    {
        if (!json_is_string(opt))
            continue; /* the enums' numbers: the same values again */
        const char *name = json_string_value(opt);
        char id[S_PATH_LEN * 3], field[S_PATH_LEN * 2];
        s_id(it->path, name, id, sizeof id);
        int on = many ? !s_blank(s_typed(v->form, s_choices_name(it, name, field, sizeof field)))
                      : strcmp(typed, name) == 0;
        desk_buf_printf(b, "<div class=\"choice\"><input type=\"%s\" id=\"%s\" name=\"", many ? "checkbox" : "radio",
                        id);
        desk_buf_text(b, many ? field : it->path);
        desk_buf_printf(b, "\" value=\"%s\"%s%s><label for=\"%s\">", many ? "1" : name, on ? " checked" : "",
                        !many && it->required ? " required" : "", id);
        s_value_label(name, lang, b);
        desk_buf_put(b, "</label></div>\n");
    }
    desk_buf_put(b, "</fieldset>\n");
}

static void s_render_basis(const s_form_t *f, const s_item_t *it, size_t i, const s_view_t *v,
                           relais_cli_lang_t lang, desk_buf_t *b)
{
    char hint_id[S_PATH_LEN * 2 + 8];
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    desk_buf_put(b, "<fieldset class=\"basis\"");
    s_described(v, i, hint_id, b);
    desk_buf_put(b, "><legend>");
    s_heading(it, i, v, "</legend>\n", "p", hint_id, lang, b);
    const char *typed = s_typed(v->form, f->basis);
    for (size_t k = 0; k < it->member_count; k++) {
        const char *m = it->members[k];
        char id[S_PATH_LEN * 3], why[S_PATH_LEN * 3 + 8], key[S_PATH_LEN];
        s_id(it->path, m, id, sizeof id);
        snprintf(why, sizeof why, "%s-hint", id);
        snprintf(key, sizeof key, "referral.%s", m);
        const s_label_t *l = s_find(s_labels, key);
        desk_buf_printf(b, "<div class=\"choice\"><input type=\"radio\" id=\"%s\" name=\"%s\" value=\"%s\"%s required",
                        id, f->basis, m, strcmp(typed, m) == 0 ? " checked" : "");
        if (l && l->hint_fr)
            desk_buf_printf(b, " aria-describedby=\"%s\"", why);
        desk_buf_printf(b, "><label for=\"%s\">", id);
        if (l)
            desk_buf_put(b, T(lang, l->fr, l->en));
        else
            desk_buf_text(b, m);
        if (l && l->hint_fr)
            desk_buf_printf(b, "<span class=\"hint\" id=\"%s\">%s</span>", why, T(lang, l->hint_fr, l->hint_en));
        desk_buf_put(b, "</label></div>\n");
    }
}

static void s_render_control(const s_item_t *it, size_t i, const s_view_t *v, relais_cli_lang_t lang, desk_buf_t *b)
{
    char id[S_PATH_LEN * 2], hint_id[S_PATH_LEN * 2 + 8];
    s_id(it->path, NULL, id, sizeof id);
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    const char *hint = s_hint(it, lang);
    const char *typed = s_typed(v->form, it->path);
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s\">", id);
    s_heading(it, i, v, "</label>\n", "span", hint_id, lang, b);
    const char *required = it->required && !it->member[0] ? " required" : "";
    if (it->kind == S_CHOICE) { /* many choices: a list */
        desk_buf_printf(b, "<select id=\"%s\" name=\"%s\"%s", id, it->path, required);
        s_described(v, i, hint ? hint_id : NULL, b);
        desk_buf_printf(b, ">\n<option value=\"\">%s</option>\n", T(lang, "— choisir —", "— choose —"));
        size_t k;
        const json_t *opt;
        json_array_foreach(it->options, k, opt)
        {
            if (!json_is_string(opt))
                continue;
            const char *name = json_string_value(opt);
            desk_buf_printf(b, "<option value=\"%s\"%s>", name, strcmp(typed, name) == 0 ? " selected" : "");
            s_value_label(name, lang, b);
            desk_buf_put(b, "</option>\n");
        }
        desk_buf_put(b, "</select>");
    } else if (it->kind == S_LONG) {
        desk_buf_printf(b, "<textarea id=\"%s\" name=\"%s\" rows=\"6\"%s", id, it->path, required);
        if (it->max_len)
            desk_buf_printf(b, " maxlength=\"%zu\"", it->max_len);
        s_described(v, i, hint ? hint_id : NULL, b);
        desk_buf_put(b, ">\n"); /* the line break the parser drops: one typed first is kept */
        desk_buf_lines(b, typed);
        desk_buf_put(b, "</textarea>");
    } else {
        int date = it->kind == S_DATE || it->kind == S_DAY_MS;
        desk_buf_printf(b, "<input type=\"%s\" id=\"%s\" name=\"%s\"%s", date ? "date" : "text", id, it->path,
                        required);
        if (it->max_len && !date)
            desk_buf_printf(b, " maxlength=\"%zu\"", it->max_len);
        s_described(v, i, hint ? hint_id : NULL, b);
        desk_buf_put(b, " value=\"");
        desk_buf_text(b, typed);
        desk_buf_put(b, "\">");
    }
    desk_buf_put(b, "</div>\n");
}

static void s_summary(const s_form_t *f, const s_view_t *v, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (v->trouble) {
        desk_buf_printf(b, "<div class=\"%s\" role=\"%s\" id=\"trouble\"><p>", v->queued ? "notice" : "alert",
                        v->queued ? "status" : "alert");
        desk_buf_text(b, v->trouble);
        if (v->queued)
            desk_queued_link(lang, b);
        if (v->hub_said && *v->hub_said) {
            desk_buf_put(b, " <q lang=\"en\">");
            desk_buf_text(b, v->hub_said);
            desk_buf_put(b, "</q>");
        }
        desk_buf_put(b, "</p></div>\n");
    }
    if (!v->errs || !v->errs->count)
        return;
    desk_buf_put(b, "<div class=\"alert\" role=\"alert\" id=\"errors\">\n<h2>");
    if (v->errs->from_hub)
        desk_buf_put(b, T(lang, "Le hub a refusé ce signalement : rien n'a été enregistré",
                          "The hub refused this referral: nothing was recorded"));
    else
        desk_buf_printf(b, T(lang, "Le signalement n'a pas été envoyé : %zu point(s) à corriger",
                             "The referral was not sent: %zu thing(s) to correct"),
                        v->errs->count);
    desk_buf_put(b, "</h2>\n<ul>\n");
    for (size_t k = 0; k < v->errs->count; k++) {
        const s_error_t *e = &v->errs->e[k];
        desk_buf_put(b, "<li>");
        if (e->item < f->count) {
            char anchor[S_PATH_LEN * 3];
            s_anchor(&f->items[e->item], anchor, sizeof anchor);
            desk_buf_printf(b, "<a href=\"#%s\">", anchor);
            s_label(&f->items[e->item], lang, b);
            desk_buf_put(b, "</a> : ");
        }
        desk_buf_text(b, e->text);
        if (e->hub[0]) {
            desk_buf_put(b, " <q lang=\"en\">");
            desk_buf_text(b, e->hub);
            desk_buf_put(b, "</q>");
        }
        desk_buf_put(b, "</li>\n");
    }
    desk_buf_put(b, "</ul>\n</div>\n");
}

static void s_page_form(const desk_request_t *r, const s_form_t *f, const s_view_t *v, desk_buf_t *b)
{
    relais_cli_lang_t lang = r->s->lang;
    desk_page_begin(r->desk, r->s, lang, T(lang, "Nouveau signalement", "New referral"), "refer", b);
    desk_buf_printf(b, "<h1>%s</h1>\n", T(lang, "Nouveau signalement", "New referral"));
    s_summary(f, v, lang, b);
    desk_buf_printf(b, "<p>%s</p>\n",
                    T(lang, "Ce signalement est signé au nom de votre service et envoyé à la coordination "
                            "socio-éducative. Les champs marqués « obligatoire » doivent être remplis. Vous suivrez "
                            "ensuite son état dans « Mes signalements ».",
                      "This referral is signed in your organisation's name and sent to the socio-educational "
                      "coordination. The fields marked \xe2\x80\x9crequired\xe2\x80\x9d must be filled in. You then "
                      "follow its status in \xe2\x80\x9cMy referrals\xe2\x80\x9d."));
    desk_buf_printf(b, "<form method=\"post\" action=\"/refer\" novalidate>\n"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
                    r->s->csrf);
    desk_form_once(b, v->form);
    for (size_t i = 0; i < f->count; i++) {
        const s_item_t *it = &f->items[i];
        switch (it->kind) {
        case S_OPEN: {
            char hint_id[S_PATH_LEN * 2 + 8];
            s_id(it->path, "hint", hint_id, sizeof hint_id);
            /* a member of the legal basis: its radio button says already what it means */
            const char *dot = strchr(it->key, '.');
            const char *hint = it->member[0] && dot && strcmp(dot + 1, it->member) == 0 ? NULL : s_hint(it, lang);
            desk_buf_put(b, "<fieldset");
            if (hint)
                desk_buf_printf(b, " aria-describedby=\"%s\"", hint_id);
            desk_buf_put(b, "><legend>");
            s_label(it, lang, b);
            if (it->member[0] && !it->row)
                desk_buf_printf(b, " <span class=\"hint-inline\">%s</span>",
                                T(lang, "(si c'est votre réponse)", "(if this is your answer)"));
            desk_buf_put(b, "</legend>\n");
            if (hint)
                desk_buf_printf(b, "<p class=\"hint\" id=\"%s\">%s</p>\n", hint_id, hint);
            break;
        }
        case S_CLOSE: desk_buf_put(b, "</fieldset>\n"); break;
        case S_BASIS: s_render_basis(f, it, i, v, lang, b); break;
        case S_CHOICES: s_render_choices(it, i, v, lang, b); break;
        case S_CHOICE:
            if (json_array_size(it->options) < S_SELECT_FROM * 2) { /* names and numbers: fewer than 5 names */
                s_render_choices(it, i, v, lang, b);
                break;
            }
            s_render_control(it, i, v, lang, b);
            break;
        default: s_render_control(it, i, v, lang, b); break;
        }
    }
    desk_buf_printf(b, "<p><button type=\"submit\">%s</button></p>\n</form>\n",
                    T(lang, "Envoyer le signalement", "Send the referral"));
    desk_page_end(lang, b);
}

static enum MHD_Result s_form_answer(const desk_request_t *r, unsigned status, const s_form_t *f, const s_view_t *v)
{
    desk_buf_t b = {0};
    s_page_form(r, f, v, &b);
    return desk_http_send(r->desk, r->conn, status, &b, r->made, NULL);
}

static enum MHD_Result s_no_form(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    return desk_http_say(r->desk, r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, r->s, lang,
                         T(lang, "Formulaire indisponible", "Form unavailable"),
                         T(lang, "Le formulaire n'a pas pu être fait à partir du schéma des signalements.",
                           "The form could not be made from the referral schema."),
                         r->made);
}

static enum MHD_Result s_refer(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    s_form_t *f = malloc(sizeof *f);
    if (!f)
        return s_no_form(r);
    if (s_form_make(f) != 0) {
        s_form_free(f);
        free(f);
        return s_no_form(r);
    }
    s_errors_t *errs = calloc(1, sizeof *errs);
    s_aliases_t *al = calloc(1, sizeof *al);
    enum MHD_Result answer;
    if (!errs || !al) {
        answer = s_no_form(r);
        goto done;
    }
    if (r->get) {
        answer = s_form_answer(r, MHD_HTTP_OK, f, &(s_view_t){0});
        goto done;
    }
    s_view_t v = {.form = r->form, .errs = errs};
    /* The form's token first: nothing of a form that is not this session's is sent. */
    if (!desk_csrf_ok(r->s, r->form)) {
        v.trouble = T(lang, "Ce formulaire ne vient pas de cette session (ou elle a été renouvelée) : rien n'a été "
                            "envoyé. Ce que vous avez écrit est gardé ci-dessous ; envoyez-le à nouveau.",
                      "This form does not come from this session (or it was renewed): nothing was sent. What you "
                      "typed is kept below; send it again.");
        answer = s_form_answer(r, MHD_HTTP_FORBIDDEN, f, &v);
        goto done;
    }
    if (r->too_big) {
        v.form = NULL;
        v.trouble = T(lang, "Le formulaire est trop long pour le hub : rien n'a été envoyé.",
                      "The form is too long for the hub: nothing was sent.");
        answer = s_form_answer(r, MHD_HTTP_CONTENT_TOO_LARGE, f, &v);
        goto done;
    }
    s_check(f, r->form, lang, errs);
    if (errs->count) {
        answer = s_form_answer(r, MHD_HTTP_UNPROCESSABLE_CONTENT, f, &v);
        goto done;
    }
    char *json = NULL;
    size_t bad = S_MAX_ITEMS;
    int rc = s_build(f, r->form, al, &json, &bad);
    if (rc) {
        if (bad < f->count)
            s_error(errs, bad, NULL, "%s", T(lang, "Ce texte n'est pas lisible (UTF-8).", "This text is not UTF-8."));
        else
            v.trouble = T(lang, "Le signalement n'a pas pu être préparé (mémoire) : rien n'a été envoyé.",
                          "The referral could not be prepared (memory): nothing was sent.");
        answer = s_form_answer(r, rc == RELAIS_E_MALFORMED ? MHD_HTTP_UNPROCESSABLE_CONTENT
                                                           : MHD_HTTP_INTERNAL_SERVER_ERROR,
                               f, &v);
        goto done;
    }
    desk_sent_t *sent = malloc(sizeof *sent);
    if (!sent) {
        free(json);
        answer = s_no_form(r);
        goto done;
    }
    desk_what_t what = {.fr = "Signalement", .en = "Referral", .link = "/referrals/", .by_handle = 1};
    desk_what_once(&what, r->form);
    rc = desk_hub_send(r->desk, desk_sign_json, json, &what, sent);
    sodium_memzero(json, strlen(json)); /* what was typed about a child */
    free(json);
    if (rc == 0) {
        char where[RELAIS_CASE_ID_LEN + 64];
        const char *again = sent->ack.duplicate ? "&again=1" : "";
        if (strncmp(sent->ack.case_id, "R-", 2) == 0)
            snprintf(where, sizeof where, "/refer/received?r=%s%s", sent->ack.case_id, again);
        else
            snprintf(where, sizeof where, "/refer/received?r=R-%" PRIu64 "%s", sent->ack.seq, again);
        answer = desk_http_redirect(r->desk, r->conn, where, r->made);
    } else if (sent->queued) {
        v.trouble = desk_queued_sentence(lang);
        v.queued = 1;
        answer = s_form_answer(r, MHD_HTTP_ACCEPTED, f, &v);
    } else if (rc == RELAIS_E_TIMEOUT) {
        v.trouble = sent->was_up || sent->is_up
                        ? T(lang, "Envoyé, mais le hub n'a pas répondu : le signalement a peut-être été enregistré. "
                                  "Regardez « Mes signalements » avant de l'envoyer à nouveau ; ce que vous avez écrit "
                                  "est gardé ci-dessous.",
                            "Sent, but the hub did not answer: the referral may have been recorded. Look at "
                            "\xe2\x80\x9cMy referrals\xe2\x80\x9d before sending it again; what you typed is kept "
                            "below.")
                        : T(lang, "Non envoyé : le hub ne répond pas, rien n'a été enregistré. Ce que vous avez écrit "
                                  "est gardé ci-dessous ; envoyez-le à nouveau quand le hub répondra.",
                            "Not sent: the hub does not answer, nothing was recorded. What you typed is kept below; "
                            "send it again when the hub answers.");
        v.hub_said = sent->err.message;
        answer = s_form_answer(r, MHD_HTTP_SERVICE_UNAVAILABLE, f, &v);
    } else {
        /* Refused by the hub (or by librelais before sending: the same rules, the same paths). */
        s_refusal(f, al, sent->err.status ? sent->err.message : sent->why, lang, errs);
        answer = s_form_answer(r, MHD_HTTP_UNPROCESSABLE_CONTENT, f, &v);
    }
    free(sent);
done:
    free(errs);
    free(al);
    s_form_free(f);
    free(f);
    return answer;
}

/* ---- A referral received ---------------------------------------------------------------------------------- */

/* The page after a referral was received; 0 (no page) when the address names no handle. */
static int s_received(const desk_request_t *r, enum MHD_Result *answer)
{
    relais_cli_lang_t lang = r->s->lang;
    const char *asked = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "r");
    const char *again = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "again");
    char handle[RELAIS_CASE_ID_LEN];
    if (!asked || relais_cli_case_ref(asked, RELAIS_CLI_REF_HANDLE, handle, sizeof handle) != 0)
        return 0;
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, T(lang, "Signalement reçu", "Referral received"), "refer", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n<div class=\"notice\" role=\"status\"><p>",
                    T(lang, "Signalement reçu", "Referral received"));
    if (again && strcmp(again, "1") == 0)
        desk_buf_printf(&b,
                        T(lang, "Le hub avait déjà reçu ce signalement (même référence) : c'est le signalement "
                                "<strong>%s</strong>.",
                          "The hub had already received this referral (same reference): it is referral "
                          "<strong>%s</strong>."),
                        handle);
    else
        desk_buf_printf(&b,
                        T(lang, "Le hub a reçu et enregistré votre signalement. Son numéro est <strong>%s</strong>.",
                          "The hub received and recorded your referral. Its number is <strong>%s</strong>."),
                        handle);
    desk_buf_printf(&b, "</p></div>\n<h2>%s</h2>\n<ul>\n<li>%s</li>\n<li>%s</li>\n<li>%s</li>\n</ul>\n",
                    T(lang, "Et ensuite", "What happens next"),
                    T(lang, "La coordinatrice socio-éducative l'examine dans le délai de son urgence (72 heures, "
                            "24 heures, ou 4 heures ouvrées pour un signalement urgent).",
                      "The socio-educational coordinator looks at it within its urgency's time (72 hours, 24 hours, "
                      "or 4 working hours for an urgent referral)."),
                    T(lang, "Il reste « reçu » pour vous tant qu'elle ne vous a pas associé au suivi ; vous voyez "
                            "ensuite son état, jamais le diagnostic ni les notes, qui restent à la coordination.",
                      "It stays \xe2\x80\x9creceived\xe2\x80\x9d for you until she shares the follow-up with you; you "
                      "then see its status, never the diagnosis or the notes, which stay with the coordination."),
                    T(lang, "Donnez ce numéro si vous appelez la coordination à son sujet.",
                      "Give this number if you call the coordination about it."));
    desk_buf_printf(&b,
                    "<p><a href=\"/referrals/%s\">%s %s</a></p>\n"
                    "<p><a href=\"/\">%s</a> \xc2\xb7 <a href=\"/refer\">%s</a></p>\n",
                    handle, T(lang, "Voir l'état du signalement", "See the status of referral"), handle,
                    T(lang, "Mes signalements", "My referrals"), T(lang, "Nouveau signalement", "New referral"));
    desk_page_end(lang, &b);
    *answer = desk_http_send(r->desk, r->conn, MHD_HTTP_OK, &b, r->made, NULL);
    return 1;
}

/* ---- The status of what it referred ----------------------------------------------------------------------- */

/* A case's state as a partner may read it. */
static const char *s_state_label(relais_case_state_t st, relais_cli_lang_t lang)
{
    switch (st) {
    case RELAIS_CASE_SUBMITTED: return T(lang, "reçu, en attente d'examen", "received, waiting to be looked at");
    case RELAIS_CASE_TRIAGE: return T(lang, "en cours d'examen", "being looked at");
    case RELAIS_CASE_AWAITING_AGREEMENT:
        return T(lang, "en attente de l'accord de la famille", "awaiting the family's agreement");
    case RELAIS_CASE_ACCEPTED: return T(lang, "accepté", "accepted");
    case RELAIS_CASE_DECLINED: return T(lang, "non retenu", "declined");
    case RELAIS_CASE_REDIRECTED: return T(lang, "réorienté", "redirected");
    case RELAIS_CASE_DIAGNOSIS: return T(lang, "situation en cours d'étude", "situation being assessed");
    case RELAIS_CASE_PATHWAY_PROPOSED: return T(lang, "parcours proposé", "pathway proposed");
    case RELAIS_CASE_FOLLOW_UP: return T(lang, "suivi en cours", "being followed");
    case RELAIS_CASE_CLOSED_COMPLETED: return T(lang, "clos, parcours achevé", "closed, pathway completed");
    case RELAIS_CASE_CLOSED_WITHDRAWN: return T(lang, "clos, retiré", "closed, withdrawn");
    case RELAIS_CASE_CLOSED_FAILED: return T(lang, "clos sans aboutir", "closed without success");
    case RELAIS_CASE_PAUSED: return T(lang, "en pause", "paused");
    case RELAIS_CASE_ENTERED_IN_ERROR: return T(lang, "enregistré par erreur", "entered in error");
    default: return T(lang, "inconnu", "unknown");
    }
}

/* The state, its name as the coordinator and the hub spell it, the FHIR status and the reason: the
 * cells of a status, the same in the list and on a referral's page. */
static void s_status_cells(const relais_case_status_t *st, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *name = relais_case_state_name(st->state);
    desk_buf_printf(b, "<td>%s", s_state_label(st->state, lang));
    if (name)
        desk_buf_printf(b, " <code>%s</code>", name);
    desk_buf_printf(b, "</td><td><code>%s</code></td><td>", relais_cli_task_status(st->task_status));
    desk_buf_text(b, st->reason_code[0] ? st->reason_code : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

/* What the hub's status summary says, as a status (the list's lines carry no relais_case_status_t). */
static void s_summary_status(const relais_case_summary_t *c, relais_case_status_t *st)
{
    memset(st, 0, sizeof *st);
    st->state = c->state;
    st->task_status = c->task_status;
    snprintf(st->reason_code, sizeof st->reason_code, "%s", c->reason_code);
    st->updated_ms = c->updated_ms;
}

/* A read of the hub under its lock; 0, or the client's status with *err and a sentence for the page. */
typedef int (*s_read_fn)(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err);

static int s_read_list(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    (void)handle;
    return relais_client_case_list(hub, NULL, out, err);
}

static int s_read(relais_desk_t *desk, s_read_fn fn, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    pthread_mutex_lock(&desk->hub_lock);
    relais_status_clear();
    int rc = fn(desk->hub, handle, out, err);
    if (rc == RELAIS_E_TIMEOUT && !err->message[0])
        relais_client_diagnose(desk->hub, err->message, sizeof err->message);
    else if (rc && !err->message[0])
        snprintf(err->message, sizeof err->message, "%s", relais_status_detail());
    pthread_mutex_unlock(&desk->hub_lock);
    return rc;
}

static void s_date_cell(int64_t ms, relais_cli_lang_t lang, desk_buf_t *b)
{
    char when[64];
    relais_cli_date_time(ms, lang, when, sizeof when);
    desk_buf_put(b, "<td>");
    desk_buf_text(b, ms > 0 ? when : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

static void s_urgency_cell(relais_urgency_t u, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *name = relais_urgency_name(u);
    char upper[32] = "";
    for (size_t i = 0; name && name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]), upper[i + 1] = '\0';
    desk_buf_put(b, "<td>");
    const s_label_t *l = s_find(s_values, upper);
    if (l) /* "Urgent : sous 4 heures ouvrées": the word before the colon */
        desk_buf_printf(b, "%.*s", (int)strcspn(T(lang, l->fr, l->en), ":"), T(lang, l->fr, l->en));
    else
        desk_buf_text(b, name ? name : "\xe2\x80\x94");
    desk_buf_put(b, "</td>");
}

/* A referral's line as the partner-view rule gives it: its child, school and urgency as it wrote them,
 * then its status. */
static void s_summary_cells(const relais_case_summary_t *c, relais_cli_lang_t lang, desk_buf_t *b)
{
    relais_case_status_t st;
    s_summary_status(c, &st);
    desk_buf_put(b, "<td>");
    desk_buf_text(b, c->child_display);
    desk_buf_put(b, "</td><td>");
    desk_buf_text(b, c->school);
    desk_buf_put(b, "</td>");
    s_urgency_cell(c->urgency, lang, b);
    s_status_cells(&st, lang, b);
    s_date_cell(c->updated_ms, lang, b);
}

static void s_hub_trouble(int rc, const relais_error_t *err, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *words = rc != RELAIS_E_TIMEOUT ? desk_refusal_words(lang, err->status) : NULL;
    desk_buf_printf(b, "<div class=\"alert\" role=\"alert\"><p>%s%s%s <q lang=\"en\">",
                    rc == RELAIS_E_TIMEOUT ? T(lang, "Le hub ne répond pas : rien n'a pu être lu.",
                                               "The hub does not answer: nothing could be read.")
                                           : T(lang, "Le hub a refusé la lecture", "The hub refused the read"),
                    words ? T(lang, " : ", ": ") : "", words ? words : (rc == RELAIS_E_TIMEOUT ? "" : "."));
    desk_buf_text(b, err->message);
    desk_buf_put(b, "</q></p></div>\n");
}

static enum MHD_Result s_list(const desk_request_t *r)
{
    relais_cli_lang_t lang = r->s->lang;
    relais_reply_t reply;
    relais_error_t err = {0};
    int rc = s_read(r->desk, s_read_list, NULL, &reply, &err);
    desk_buf_t b = {0};
    desk_page_begin(r->desk, r->s, lang, T(lang, "Mes signalements", "My referrals"), "referrals", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/refer\">%s</a></p>\n",
                    T(lang, "Mes signalements", "My referrals"),
                    T(lang, "Les signalements que votre service a envoyés, et où ils en sont. Un signalement reste "
                            "« reçu » tant que la coordination ne vous a pas associé au suivi de la situation ; vous "
                            "voyez ensuite son état, jamais le diagnostic ni les notes.",
                      "The referrals your organisation sent, and where they stand. A referral stays "
                      "\xe2\x80\x9creceived\xe2\x80\x9d until the coordination shares the follow-up with you; you "
                      "then see its status, never the diagnosis or the notes."),
                    T(lang, "Nouveau signalement", "New referral"));
    if (rc) {
        s_hub_trouble(rc, &err, lang, &b);
    } else {
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>");
        desk_buf_printf(&b, T(lang, "%zu signalement(s)", "%zu referral(s)"), reply.case_count);
        desk_buf_printf(&b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "</tr></thead>\n<tbody>\n",
                        T(lang, "Signalement", "Referral"), T(lang, "Enfant", "Child"), T(lang, "École", "School"),
                        T(lang, "Urgence", "Urgency"), T(lang, "État", "State"),
                        T(lang, "Statut (FHIR)", "Status (FHIR)"), T(lang, "Motif", "Reason"),
                        T(lang, "Mis à jour", "Updated"));
        for (size_t i = 0; i < reply.case_count; i++) {
            const relais_case_summary_t *c = &reply.cases[i];
            char handle[RELAIS_CASE_ID_LEN];
            /* only a handle is ever shown: a case id is the coordinator's */
            if (relais_cli_case_ref(c->case_id, RELAIS_CLI_REF_HANDLE, handle, sizeof handle) != 0)
                continue;
            desk_buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/referrals/%s\">%s</a></th>", handle, handle);
            s_summary_cells(c, lang, &b);
            desk_buf_put(&b, "</tr>\n");
        }
        desk_buf_put(&b, "</tbody>\n</table></div>\n");
        relais_reply_clear(&reply);
    }
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, rc ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, &b, r->made, NULL);
}

static int s_read_one(relais_client_t *hub, const char *handle, relais_reply_t *out, relais_error_t *err)
{
    return relais_client_case_show(hub, handle, out, err);
}

/* One referral's page: its status and the statuses after each event it may see. A case id, another
 * partner's referral and a handle that does not exist get the same answer, as at the hub. */
static enum MHD_Result s_referral(const desk_request_t *r, const char *ref)
{
    relais_cli_lang_t lang = r->s->lang;
    const char *none_title = T(lang, "Pas de tel signalement", "No such referral");
    const char *none = T(lang, "Aucun de vos signalements ne porte ce numéro. Un signalement se nomme R- suivi d'un "
                               "nombre, comme sur la page qui a dit qu'il était reçu.",
                         "None of your referrals has this number. A referral is named R- and a number, as on the "
                         "page that said it was received.");
    char handle[RELAIS_CASE_ID_LEN];
    if (relais_cli_case_ref(ref, RELAIS_CLI_REF_HANDLE, handle, sizeof handle) != 0)
        return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, none_title, none, r->made);
    relais_reply_t reply;
    relais_error_t err = {0};
    int rc = s_read(r->desk, s_read_one, handle, &reply, &err);
    if (rc == RELAIS_E_FORBIDDEN || (rc == 0 && reply.case_count == 0)) {
        if (rc == 0)
            relais_reply_clear(&reply);
        return desk_http_say(r->desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, none_title, none, r->made);
    }
    desk_buf_t b = {0};
    char title[RELAIS_CASE_ID_LEN + 32];
    snprintf(title, sizeof title, "%s %s", T(lang, "Signalement", "Referral"), handle);
    desk_page_begin(r->desk, r->s, lang, title, "referrals", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n", title);
    if (rc) {
        s_hub_trouble(rc, &err, lang, &b);
    } else {
        const relais_case_summary_t *c = &reply.cases[0];
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n"
                            "<tbody><tr>",
                        T(lang, "Où il en est", "Where it stands"), T(lang, "Enfant", "Child"),
                        T(lang, "École", "School"), T(lang, "Urgence", "Urgency"), T(lang, "État", "State"),
                        T(lang, "Statut (FHIR)", "Status (FHIR)"), T(lang, "Motif", "Reason"),
                        T(lang, "Mis à jour", "Updated"));
        s_summary_cells(c, lang, &b);
        desk_buf_put(&b, "</tr></tbody>\n</table></div>\n");
        desk_buf_printf(&b, "<h2>%s</h2>\n<p>%s</p>\n", T(lang, "Historique", "History"),
                        T(lang, "Son arrivée, puis, une fois que la coordination vous a associé au suivi, l'état "
                                "de la situation après chaque étape.",
                          "Its arrival, then, once the coordination shared the follow-up with you, the status after "
                          "each step."));
        desk_buf_printf(&b, "<div class=\"scroll\"><table>\n<caption>");
        desk_buf_printf(&b, T(lang, "%zu étape(s)", "%zu step(s)"), reply.event_count);
        desk_buf_printf(&b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                        T(lang, "Date", "Date"), T(lang, "État", "State"), T(lang, "Statut (FHIR)", "Status (FHIR)"),
                        T(lang, "Motif", "Reason"));
        for (size_t i = 0; i < reply.event_count; i++) {
            const relais_case_event_t *e = &reply.events[i];
            char when[64];
            relais_cli_date_time(e->status.updated_ms, lang, when, sizeof when);
            desk_buf_put(&b, "<tr><th scope=\"row\">");
            desk_buf_text(&b, when);
            desk_buf_put(&b, "</th>");
            s_status_cells(&e->status, lang, &b);
            desk_buf_put(&b, "</tr>\n");
        }
        desk_buf_put(&b, "</tbody>\n</table></div>\n");
        relais_reply_clear(&reply);
    }
    desk_buf_printf(&b, "<p><a href=\"/\">%s</a></p>\n", T(lang, "Mes signalements", "My referrals"));
    desk_page_end(lang, &b);
    return desk_http_send(r->desk, r->conn, rc ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, &b, r->made, NULL);
}

/* ---- Routes ------------------------------------------------------------------------------------------------ */

int desk_partner_route(const desk_request_t *r, enum MHD_Result *answer)
{
    if (r->get && strcmp(r->url, "/") == 0) {
        *answer = s_list(r);
        return 1;
    }
    if ((r->get || r->post) && strcmp(r->url, "/refer") == 0) {
        *answer = s_refer(r);
        return 1;
    }
    if (r->get && strcmp(r->url, "/refer/received") == 0)
        return s_received(r, answer);
    if (r->get && strncmp(r->url, "/referrals/", 11) == 0 && !strchr(r->url + 11, '/')) {
        *answer = s_referral(r, r->url + 11);
        return 1;
    }
    return 0;
}
