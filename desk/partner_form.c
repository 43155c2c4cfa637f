/* partner_form.c -- a partner's referral form, its page and what it sends: the form as the schema
 * makes it (partner_schema.c) written as HTML with its labels, the only words of the form written
 * here, by property name (a property the schema gains shows under its own name until it has a French
 * one); the referral signed and sent, or kept in the desk's queue; the page that says it was received.
 *
 * Accessibility as pages.c's: every control labelled, groups in fieldsets with their legend, an error
 * beside its control and linked to it by aria-describedby, a summary of the errors at the top in a
 * role="alert" whose links lead to each control.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "partner_internal.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

enum {
    S_SELECT_FROM = 5, /* a choice among this many or more is a list; fewer, radio buttons */
};

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
static void s_label(const desk_rf_item_t *it, relais_cli_lang_t lang, desk_buf_t *b)
{
    char row_key[DESK_RF_PATH_LEN + 8];
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

static const char *s_hint(const desk_rf_item_t *it, relais_cli_lang_t lang)
{
    const s_label_t *l = it->row ? NULL : s_find(s_labels, it->key);
    return l ? T(lang, l->hint_fr, l->hint_en) : NULL;
}

const char *desk_rf_value_words(const char *value, relais_cli_lang_t lang)
{
    const s_label_t *l = s_find(s_values, value);
    return l ? T(lang, l->fr, l->en) : NULL;
}

static void s_value_label(const char *value, relais_cli_lang_t lang, desk_buf_t *b)
{
    const char *words = desk_rf_value_words(value, lang);
    if (words)
        desk_buf_put(b, words);
    else
        desk_buf_text(b, value);
}

/* ---- The form's page -------------------------------------------------------------------------------------- */

/* "f-referral-child-birth_date": the id of a control (of its first choice for a group). */
static void s_id(const char *path, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "f-%s%s%s", path, suffix ? "-" : "", suffix ? suffix : "");
    for (char *p = out; *p; p++)
        if (*p == '.')
            *p = '-';
}

/* The id the summary's link leads to: the control, or a group's first choice. */
static void s_anchor(const desk_rf_item_t *it, char *out, size_t cap)
{
    const char *first = NULL;
    if (it->kind == DESK_RF_CHOICES || (it->kind == DESK_RF_CHOICE && json_array_size(it->options) < S_SELECT_FROM * 2))
        first = json_string_value(json_array_get(it->options, 0));
    if (it->kind == DESK_RF_BASIS)
        first = it->member_count ? it->members[0] : NULL;
    s_id(it->path, first, out, cap);
}

typedef struct {
    const desk_form_t *form;  /* what was typed; NULL: an empty form */
    const desk_rf_errors_t *errs;
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
        const desk_rf_error_t *e = &v->errs->e[k];
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

static void s_required_mark(const desk_rf_item_t *it, relais_cli_lang_t lang, desk_buf_t *b)
{
    if (it->required && !it->member[0])
        desk_buf_printf(b, " <span class=\"hint-inline\">%s</span>", T(lang, "(obligatoire)", "(required)"));
    else if (it->required)
        desk_buf_printf(b, " <span class=\"hint-inline\">%s</span>",
                        T(lang, "(obligatoire pour cette réponse)", "(required for this answer)"));
}

/* What heads a control or a group: its label's or legend's words and "(obligatoire)", `close` that
 * ends them, then its hint (in a `hint_tag` element) and its errors. */
static void s_heading(const desk_rf_item_t *it, size_t i, const s_view_t *v, const char *close, const char *hint_tag,
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

static void s_render_choices(const desk_rf_item_t *it, size_t i, const s_view_t *v, relais_cli_lang_t lang,
                             desk_buf_t *b)
{
    int many = it->kind == DESK_RF_CHOICES;
    char group[DESK_RF_PATH_LEN * 2], hint_id[DESK_RF_PATH_LEN * 2 + 8];
    s_id(it->path, "group", group, sizeof group);
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    const char *hint = s_hint(it, lang);
    desk_buf_printf(b, "<fieldset id=\"%s\"", group);
    s_described(v, i, hint ? hint_id : NULL, b);
    desk_buf_put(b, "><legend>");
    s_heading(it, i, v, "</legend>\n", "p", hint_id, lang, b);
    const char *typed = desk_rf_typed(v->form, it->path);
    size_t k;
    const json_t *opt;
    json_array_foreach(it->options, k, opt)
    {
        if (!json_is_string(opt))
            continue; /* the enums' numbers: the same values again */
        const char *name = json_string_value(opt);
        char id[DESK_RF_PATH_LEN * 3], field[DESK_RF_PATH_LEN * 2];
        s_id(it->path, name, id, sizeof id);
        int on = many ? !desk_rf_blank(desk_rf_typed(v->form, desk_rf_choices_name(it, name, field, sizeof field)))
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

static void s_render_basis(const desk_rf_form_t *f, const desk_rf_item_t *it, size_t i, const s_view_t *v,
                           relais_cli_lang_t lang, desk_buf_t *b)
{
    char hint_id[DESK_RF_PATH_LEN * 2 + 8];
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    desk_buf_put(b, "<fieldset class=\"basis\"");
    s_described(v, i, hint_id, b);
    desk_buf_put(b, "><legend>");
    s_heading(it, i, v, "</legend>\n", "p", hint_id, lang, b);
    const char *typed = desk_rf_typed(v->form, f->basis);
    for (size_t k = 0; k < it->member_count; k++) {
        const char *m = it->members[k];
        char id[DESK_RF_PATH_LEN * 3], why[DESK_RF_PATH_LEN * 3 + 8], key[DESK_RF_PATH_LEN];
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

static void s_render_control(const desk_rf_item_t *it, size_t i, const s_view_t *v, relais_cli_lang_t lang,
                             desk_buf_t *b)
{
    char id[DESK_RF_PATH_LEN * 2], hint_id[DESK_RF_PATH_LEN * 2 + 8];
    s_id(it->path, NULL, id, sizeof id);
    s_id(it->path, "hint", hint_id, sizeof hint_id);
    const char *hint = s_hint(it, lang);
    const char *typed = desk_rf_typed(v->form, it->path);
    desk_buf_printf(b, "<div class=\"field\"><label for=\"%s\">", id);
    s_heading(it, i, v, "</label>\n", "span", hint_id, lang, b);
    const char *required = it->required && !it->member[0] ? " required" : "";
    if (it->kind == DESK_RF_CHOICE) { /* many choices: a list */
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
    } else if (it->kind == DESK_RF_LONG) {
        desk_buf_printf(b, "<textarea id=\"%s\" name=\"%s\" rows=\"6\"%s", id, it->path, required);
        if (it->max_len)
            desk_buf_printf(b, " maxlength=\"%zu\"", it->max_len);
        s_described(v, i, hint ? hint_id : NULL, b);
        desk_buf_put(b, ">\n"); /* the line break the parser drops: one typed first is kept */
        desk_buf_lines(b, typed);
        desk_buf_put(b, "</textarea>");
    } else {
        int date = it->kind == DESK_RF_DATE || it->kind == DESK_RF_DAY_MS;
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

static void s_summary(const desk_rf_form_t *f, const s_view_t *v, relais_cli_lang_t lang, desk_buf_t *b)
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
        const desk_rf_error_t *e = &v->errs->e[k];
        desk_buf_put(b, "<li>");
        if (e->item < f->count) {
            char anchor[DESK_RF_PATH_LEN * 3];
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

static void s_page_form(const desk_request_t *r, const desk_rf_form_t *f, const s_view_t *v, desk_buf_t *b)
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
        const desk_rf_item_t *it = &f->items[i];
        switch (it->kind) {
        case DESK_RF_OPEN: {
            char hint_id[DESK_RF_PATH_LEN * 2 + 8];
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
        case DESK_RF_CLOSE: desk_buf_put(b, "</fieldset>\n"); break;
        case DESK_RF_BASIS: s_render_basis(f, it, i, v, lang, b); break;
        case DESK_RF_CHOICES: s_render_choices(it, i, v, lang, b); break;
        case DESK_RF_CHOICE:
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

static enum MHD_Result s_form_answer(const desk_request_t *r, unsigned status, const desk_rf_form_t *f,
                                     const s_view_t *v)
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
    desk_rf_form_t *f = malloc(sizeof *f);
    if (!f)
        return s_no_form(r);
    if (desk_rf_form_make(f) != 0) {
        desk_rf_form_free(f);
        free(f);
        return s_no_form(r);
    }
    desk_rf_errors_t *errs = calloc(1, sizeof *errs);
    desk_rf_aliases_t *al = calloc(1, sizeof *al);
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
    desk_rf_check(f, r->form, lang, errs);
    if (errs->count) {
        answer = s_form_answer(r, MHD_HTTP_UNPROCESSABLE_CONTENT, f, &v);
        goto done;
    }
    char *json = NULL;
    size_t bad = DESK_RF_MAX_ITEMS;
    int rc = desk_rf_build(f, r->form, al, &json, &bad);
    if (rc) {
        if (bad < f->count)
            desk_rf_error(errs, bad, NULL, "%s",
                          T(lang, "Ce texte n'est pas lisible (UTF-8).", "This text is not UTF-8."));
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
        desk_rf_refusal(f, al, sent->err.status ? sent->err.message : sent->why, lang, errs);
        answer = s_form_answer(r, MHD_HTTP_UNPROCESSABLE_CONTENT, f, &v);
    }
    free(sent);
done:
    free(errs);
    free(al);
    desk_rf_form_free(f);
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

/* ---- Routes ------------------------------------------------------------------------------------------------ */

int desk_partner_refer_route(const desk_request_t *r, enum MHD_Result *answer)
{
    if ((r->get || r->post) && strcmp(r->url, "/refer") == 0) {
        *answer = s_refer(r);
        return 1;
    }
    if (r->get && strcmp(r->url, "/refer/received") == 0)
        return s_received(r, answer);
    return 0;
}
