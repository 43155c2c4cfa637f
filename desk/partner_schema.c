/* partner_schema.c -- a partner's referral form as schema/referral.schema.json makes it, what the desk
 * checks of it before sending, the referral it holds as JSON, and the hub's refusal put beside the
 * field it names. Its page and what it sends are partner_form.c's.
 *
 * The schema, embedded at build time, is the contract with the hub: each property is a control (its
 * `required`, its `enum` as choices, its `maxLength`, a `format: date` or a time in `_ms` as a date),
 * each nested object a fieldset, each array of objects or of texts a few rows, the `oneOf` of the
 * legal basis a required step with what each choice means. What the desk checks before sending is
 * what the schema says; the hub's check stays the authority, and its refusal, which names the field
 * by its path (referral.child.birth_date), is put beside that field, everything typed kept.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "partner_internal.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

enum {
    S_TEXT_ROWS = 3,     /* an array of texts (given names): its first rows */
    S_OBJECT_ROWS = 2,   /* an array of objects (guardians): its first rows */
    S_LONG_TEXT = 1000,  /* longer than this, a text is a text area */
};

#define S_MS_A_DAY (86400LL * 1000)

/* ---- The form, as the schema makes it ------------------------------------------------------------- */

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

static int s_add(desk_rf_form_t *f, desk_rf_kind_t kind, const char *path, const char *key, const char *member,
                 desk_rf_item_t **out)
{
    if (f->count == DESK_RF_MAX_ITEMS || strlen(path) >= DESK_RF_PATH_LEN || strlen(key) >= DESK_RF_PATH_LEN)
        return relais_status_set(RELAIS_E_INVALID, "the referral schema has more fields than the form can hold");
    desk_rf_item_t *it = &f->items[f->count++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    snprintf(it->path, sizeof it->path, "%s", path);
    snprintf(it->key, sizeof it->key, "%s", key);
    snprintf(it->member, sizeof it->member, "%s", member);
    *out = it;
    return 0;
}

static int s_walk_object(desk_rf_form_t *f, const json_t *object, const char *path, const char *parent, int required,
                         const char *member);

/* One property of an object: its control, or its fieldset and what it holds. */
static int s_walk_property(desk_rf_form_t *f, const json_t *node, const char *path, const char *key, int required,
                           const char *member)
{
    const json_t *root = f->schema;
    const json_t *n = s_resolve(root, node);
    const char *type = s_type(n);
    const char *name = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
    desk_rf_item_t *it;
    int rc;
    if (strcmp(type, "object") == 0) {
        if ((rc = s_add(f, DESK_RF_OPEN, path, key, member, &it)) != 0)
            return rc;
        it->required = required;
        if ((rc = s_walk_object(f, n, path, name, required, member)) != 0)
            return rc;
        return s_add(f, DESK_RF_CLOSE, path, key, member, &it);
    }
    if (strcmp(type, "array") == 0) {
        const json_t *items = s_resolve(root, json_object_get(n, "items"));
        size_t min = s_size(n, "minItems"), max = s_size(n, "maxItems");
        if (json_object_get(items, "enum")) { /* each value once: check boxes */
            if ((rc = s_add(f, DESK_RF_CHOICES, path, key, member, &it)) != 0)
                return rc;
            it->options = json_object_get(items, "enum");
            it->min_items = min;
            it->required = required && min > 0;
            return 0;
        }
        if ((rc = s_add(f, DESK_RF_OPEN, path, key, member, &it)) != 0)
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
            char row_path[DESK_RF_PATH_LEN];
            if ((size_t)snprintf(row_path, sizeof row_path, "%s.%zu", path, r) >= sizeof row_path)
                return relais_status_set(RELAIS_E_INVALID, "the referral schema nests deeper than the form can");
            if (objects) {
                if ((rc = s_add(f, DESK_RF_OPEN, row_path, key, member, &it)) != 0)
                    return rc;
                it->row = r;
                snprintf(it->array, sizeof it->array, "%s", path);
                if ((rc = s_walk_object(f, items, row_path, name, 0, member)) != 0)
                    return rc;
                if ((rc = s_add(f, DESK_RF_CLOSE, row_path, key, member, &it)) != 0)
                    return rc;
                continue;
            }
            if ((rc = s_walk_property(f, items, row_path, key, required && r <= min, member)) != 0)
                return rc;
            it = &f->items[f->count - 1];
            it->row = r;
            snprintf(it->array, sizeof it->array, "%s", path);
        }
        return s_add(f, DESK_RF_CLOSE, path, key, member, &it);
    }
    desk_rf_kind_t kind = DESK_RF_TEXT;
    if (json_object_get(n, "enum"))
        kind = DESK_RF_CHOICE;
    else if (json_is_string(json_object_get(n, "format")) &&
             strcmp(json_string_value(json_object_get(n, "format")), "date") == 0)
        kind = DESK_RF_DATE;
    else if (strcmp(type, "integer") == 0 && strlen(name) > 3 && strcmp(name + strlen(name) - 3, "_ms") == 0)
        kind = DESK_RF_DAY_MS;
    else if (s_size(n, "maxLength") > S_LONG_TEXT)
        kind = DESK_RF_LONG;
    if ((rc = s_add(f, kind, path, key, member, &it)) != 0)
        return rc;
    it->required = required;
    it->max_len = s_size(n, "maxLength");
    it->options = json_object_get(n, "enum");
    return 0;
}

static int s_walk_object(desk_rf_form_t *f, const json_t *object, const char *path, const char *parent, int required,
                         const char *member)
{
    const json_t *props = json_object_get(object, "properties");
    const json_t *needed = json_object_get(object, "required");
    const char *name;
    const json_t *node;
    int basis_done = 0, rc;
    json_object_foreach((json_t *)props, name, node)
    {
        char child[DESK_RF_PATH_LEN * 2], key[DESK_RF_PATH_LEN * 2];
        snprintf(child, sizeof child, "%s.%s", path, name);
        snprintf(key, sizeof key, "%s.%s", parent, name);
        if (s_basis_member(object, name)) {
            /* The legal basis: one member chosen, all of them shown, each where the first one is. */
            if (basis_done)
                continue;
            basis_done = 1;
            desk_rf_item_t *it;
            char basis[DESK_RF_PATH_LEN * 2];
            snprintf(basis, sizeof basis, "%s.basis", path);
            if ((rc = s_add(f, DESK_RF_BASIS, basis, "basis", member, &it)) != 0)
                return rc;
            it->required = required;
            snprintf(f->basis, sizeof f->basis, "%s", it->path);
            desk_rf_item_t *basis_item = it;
            size_t i;
            const json_t *alt;
            json_array_foreach(json_object_get(object, "oneOf"), i, alt)
            {
                const char *m = json_string_value(json_array_get(json_object_get(alt, "required"), 0));
                if (m && basis_item->member_count < DESK_RF_MAX_MEMBERS && strlen(m) < sizeof basis_item->members[0])
                    snprintf(basis_item->members[basis_item->member_count++], sizeof basis_item->members[0], "%s", m);
            }
            for (size_t k = 0; k < basis_item->member_count; k++) {
                const char *m = basis_item->members[k];
                snprintf(child, sizeof child, "%s.%s", path, m);
                snprintf(key, sizeof key, "%s.%s", parent, m);
                if ((rc = s_walk_property(f, json_object_get(props, m), child, key, 1, m)) != 0)
                    return rc;
            }
            if ((rc = s_add(f, DESK_RF_CLOSE, basis, "basis", member, &it)) != 0)
                return rc;
            continue;
        }
        if ((rc = s_walk_property(f, node, child, key, required && s_listed(needed, name), member)) != 0)
            return rc;
    }
    return 0;
}

/* The form of the embedded schema; desk_rf_form_free after. */
int desk_rf_form_make(desk_rf_form_t *f)
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

void desk_rf_form_free(desk_rf_form_t *f)
{
    json_decref(f->schema);
    f->schema = NULL;
}

static int s_is_control(desk_rf_kind_t kind)
{
    return kind != DESK_RF_OPEN && kind != DESK_RF_CLOSE;
}

/* ---- Errors, each for a control --------------------------------------------------------------------- */

void desk_rf_error(desk_rf_errors_t *errs, size_t item, const char *hub, const char *fmt, ...)
{
    if (errs->count == DESK_RF_MAX_ERRORS)
        return;
    desk_rf_error_t *e = &errs->e[errs->count++];
    e->item = item;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    snprintf(e->hub, sizeof e->hub, "%s", hub ? hub : "");
}

/* ---- Values typed ---------------------------------------------------------------------------------------- */

const char *desk_rf_typed(const desk_form_t *form, const char *name)
{
    const char *v = form ? desk_form_get(form, name) : NULL;
    return v ? v : "";
}

int desk_rf_blank(const char *v)
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

const char *desk_rf_choices_name(const desk_rf_item_t *it, const char *option, char *out, size_t cap)
{
    snprintf(out, cap, "%s.%s", it->path, option);
    return out;
}

/* Whether an item's member of the legal basis is the one chosen (always, outside the basis). */
static int s_applies(const desk_rf_form_t *f, const desk_rf_item_t *it, const desk_form_t *form)
{
    return !it->member[0] || strcmp(desk_rf_typed(form, f->basis), it->member) == 0;
}

/* Whether a row of an array holds anything typed. */
static int s_row_used(const desk_rf_form_t *f, const char *row_path, const desk_form_t *form)
{
    size_t n = strlen(row_path);
    for (size_t i = 0; i < f->count; i++) {
        const desk_rf_item_t *it = &f->items[i];
        if (s_is_control(it->kind) && strncmp(it->path, row_path, n) == 0 && (it->path[n] == '.' || !it->path[n]) &&
            !desk_rf_blank(desk_rf_typed(form, it->path)))
            return 1;
    }
    return 0;
}

/* ---- What the schema says, checked before sending ------------------------------------------------------ */

void desk_rf_check(const desk_rf_form_t *f, const desk_form_t *form, relais_cli_lang_t lang, desk_rf_errors_t *errs)
{
    for (size_t i = 0; i < f->count; i++) {
        const desk_rf_item_t *it = &f->items[i];
        if (!s_is_control(it->kind) || !s_applies(f, it, form))
            continue;
        const char *v = desk_rf_typed(form, it->path);
        switch (it->kind) {
        case DESK_RF_BASIS:
            if (!desk_rf_blank(v) || it->required) {
                int known = 0;
                for (size_t k = 0; k < it->member_count; k++)
                    known |= strcmp(it->members[k], v) == 0;
                if (!known)
                    desk_rf_error(errs, i, NULL, "%s",
                            T(lang, "Choisissez l'une des réponses : sans elle, le signalement ne peut pas être "
                                    "envoyé.",
                              "Choose one of the answers: without it the referral cannot be sent."));
            }
            break;
        case DESK_RF_CHOICES: {
            size_t checked = 0, k;
            const json_t *opt;
            json_array_foreach(it->options, k, opt)
            {
                char name[DESK_RF_PATH_LEN * 2];
                if (json_is_string(opt) &&
                    !desk_rf_blank(
                        desk_rf_typed(form, desk_rf_choices_name(it, json_string_value(opt), name, sizeof name))))
                    checked++;
            }
            if (checked < it->min_items && it->required)
                desk_rf_error(errs, i, NULL, T(lang, "Cochez au moins %zu case.", "Tick at least %zu box."),
                              it->min_items);
            break;
        }
        case DESK_RF_CHOICE:
            if (desk_rf_blank(v)) {
                if (it->required)
                    desk_rf_error(errs, i, NULL, "%s", T(lang, "Choisissez une réponse.", "Choose an answer."));
            } else if (!s_in_enum(it->options, v)) {
                desk_rf_error(errs, i, NULL, "%s",
                        T(lang, "Cette réponse n'est pas dans la liste.", "This answer is not one of the list."));
            }
            break;
        case DESK_RF_DATE:
        case DESK_RF_DAY_MS: {
            int y, m, d;
            if (desk_rf_blank(v)) {
                if (it->required)
                    desk_rf_error(errs, i, NULL, "%s", T(lang, "Ce champ est obligatoire.", "This field is required."));
            } else if (!relais_calendar_date(v, &y, &m, &d)) {
                desk_rf_error(errs, i, NULL, "%s",
                        T(lang, "Une date est attendue, sous la forme AAAA-MM-JJ (par exemple 2015-03-04).",
                          "A date is expected, as YYYY-MM-DD (for example 2015-03-04)."));
            }
            break;
        }
        default:
            if (desk_rf_blank(v)) {
                if (it->required && (!it->row || !it->array[0] || s_row_used(f, it->array, form) || it->row == 1))
                    desk_rf_error(errs, i, NULL, "%s", T(lang, "Ce champ est obligatoire.", "This field is required."));
            } else if (it->max_len && s_chars(v) > it->max_len) {
                desk_rf_error(errs, i, NULL,
                        T(lang, "Au plus %zu caractères ; il y en a %zu.", "At most %zu characters; there are %zu."),
                        it->max_len, s_chars(v));
            }
            break;
        }
    }
}

/* ---- The referral as JSON --------------------------------------------------------------------------------- */


/* Sets `value` (taken) at `path` ("referral.guardians.2.name": a number is an array's index from 1),
 * making the objects and arrays on the way. */
static int s_put(json_t *root, const char *path, json_t *value)
{
    char buf[DESK_RF_PATH_LEN * 2];
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
static void s_json_path(const desk_rf_form_t *f, const desk_rf_item_t *it, const desk_form_t *form,
                        desk_rf_aliases_t *al, char *out, size_t cap)
{
    snprintf(out, cap, "%s", it->path);
    for (size_t i = 0; i < f->count; i++) {
        const desk_rf_item_t *row = &f->items[i];
        size_t n = strlen(row->path);
        if (!row->row || (row->kind != DESK_RF_OPEN && !s_is_control(row->kind)) ||
            strncmp(it->path, row->path, n) != 0 || (it->path[n] && it->path[n] != '.'))
            continue;
        size_t used = 0;
        for (size_t j = 0; j < f->count; j++) /* the rows of the same array before it that hold something */
            if (f->items[j].row && f->items[j].row <= row->row && strcmp(f->items[j].array, row->array) == 0 &&
                (f->items[j].kind == DESK_RF_OPEN || s_is_control(f->items[j].kind)) &&
                s_row_used(f, f->items[j].path, form))
                used++;
        char json_row[DESK_RF_PATH_LEN * 2];
        if ((size_t)snprintf(json_row, sizeof json_row, "%s.%zu", row->array, used) >= DESK_RF_PATH_LEN)
            return; /* no row's path is that long: s_add refused it */
        if (strcmp(json_row, row->path) != 0 && al->count < DESK_RF_MAX_ITEMS) {
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
int desk_rf_build(const desk_rf_form_t *f, const desk_form_t *form, desk_rf_aliases_t *al, char **json, size_t *bad)
{
    json_t *root = json_object();
    if (!root)
        return relais_status_set(RELAIS_E_NOMEM, "the referral");
    int64_t now_ms = s_now_ms();
    int rc = 0;
    for (size_t i = 0; !rc && i < f->count; i++) {
        const desk_rf_item_t *it = &f->items[i];
        if (!s_is_control(it->kind) || it->kind == DESK_RF_BASIS || !s_applies(f, it, form))
            continue;
        const char *v = desk_rf_typed(form, it->path);
        char path[DESK_RF_PATH_LEN * 2];
        s_json_path(f, it, form, al, path, sizeof path);
        json_t *value = NULL;
        if (it->kind == DESK_RF_CHOICES) {
            value = json_array();
            size_t k;
            const json_t *opt;
            json_array_foreach(it->options, k, opt)
            {
                char name[DESK_RF_PATH_LEN * 2];
                if (value && json_is_string(opt) &&
                    !desk_rf_blank(
                        desk_rf_typed(form, desk_rf_choices_name(it, json_string_value(opt), name, sizeof name))))
                    json_array_append_new(value, json_string(json_string_value(opt)));
            }
            if (value && json_array_size(value) == 0) {
                json_decref(value);
                continue;
            }
        } else if (desk_rf_blank(v)) {
            continue;
        } else if (it->kind == DESK_RF_DAY_MS) {
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
static size_t s_item_of(const desk_rf_form_t *f, const desk_rf_aliases_t *al, const char *hub_path)
{
    char path[DESK_RF_PATH_LEN * 2];
    snprintf(path, sizeof path, "%s", hub_path);
    for (size_t k = 0; k < al->count; k++) {
        size_t n = strlen(al->a[k].json);
        if (strncmp(path, al->a[k].json, n) == 0 && (path[n] == '.' || !path[n])) {
            char rest[DESK_RF_PATH_LEN * 2];
            snprintf(rest, sizeof rest, "%s", path + n);
            if ((size_t)snprintf(path, sizeof path, "%s%s", al->a[k].form, rest) >= sizeof path)
                return DESK_RF_MAX_ITEMS; /* longer than any control's path */
            break;
        }
    }
    size_t best = DESK_RF_MAX_ITEMS, best_len = 0;
    for (size_t i = 0; i < f->count; i++) {
        const desk_rf_item_t *it = &f->items[i];
        size_t n = strlen(it->path);
        if (!s_is_control(it->kind) || n <= best_len || strncmp(path, it->path, n) != 0 ||
            (path[n] && path[n] != '.'))
            continue;
        best = i;
        best_len = n;
    }
    if (best == DESK_RF_MAX_ITEMS) /* a group's path (referral.child): its first control */
        for (size_t i = 0; i < f->count && best == DESK_RF_MAX_ITEMS; i++) {
            size_t n = strlen(path);
            if (s_is_control(f->items[i].kind) && strncmp(f->items[i].path, path, n) == 0 && f->items[i].path[n] == '.')
                best = i;
        }
    return best;
}

/* A refusal's sentence, "referral.child.birth_date: 2031-01-01 is in the future", put beside its field. */
void desk_rf_refusal(const desk_rf_form_t *f, const desk_rf_aliases_t *al, const char *sentence, relais_cli_lang_t lang,
                      desk_rf_errors_t *errs)
{
    errs->from_hub = 1;
    const char *colon = strstr(sentence, ": ");
    char path[DESK_RF_PATH_LEN * 2] = "";
    if (colon && (size_t)(colon - sentence) < sizeof path && !memchr(sentence, ' ', (size_t)(colon - sentence)))
        snprintf(path, sizeof path, "%.*s", (int)(colon - sentence), sentence);
    size_t item = path[0] ? s_item_of(f, al, path) : DESK_RF_MAX_ITEMS;
    desk_rf_error(errs, item, item == DESK_RF_MAX_ITEMS ? sentence : colon + 2, "%s",
            T(lang, "Le hub refuse cette valeur.", "The hub refuses this value."));
}
