/* case_show.c -- `relais case show` as a page: what a coordinator prints before a partnership
 * meeting, what a partner reads of its referral.
 *
 * The page is made from what the hub sent, read back through the messages' JSON form (every
 * field of a referral and an update, which the rules' views do not carry), with the corrections
 * the case holds applied (relais_cli_timeline_json). French by default, the town's language,
 * English on request; dates are local. What the page says is decided here once; how it is
 * written is its sink's (relais_page_sink_t): the terminal's text here, the desk's HTML in desk/.
 * The text sink prints nothing raw: each line goes through relais_cli_line, and the multi-line
 * texts (descriptions, notes, a diagnosis, an address) are quoted under a bar, their lines
 * wrapped, so that no text can pass for a line of the page.
 */
#include "relais_page.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relais_cases.h"

#define S_WIDTH 92       /* a printed page's columns, bars and indents included */
#define S_LABEL_WIDTH 22 /* the labels' column in a block of fields */
#define S_BAR "\xe2\x94\x82" /* U+2502, the bar multi-line texts are quoted under */

/* French or English: the page's two languages, one literal each, so that formats stay checked. */
#define S_T(p, fr, en) ((p)->lang == RELAIS_CLI_EN ? (en) : (fr))

typedef struct {
    const relais_page_sink_t *sink; /* where the page is written */
    void *ctx;                      /* the sink's */
    relais_cli_lang_t lang;
    const relais_reply_t *r;
    const relais_case_summary_t *c;
    json_t *timeline; /* the records the hub sent, corrected, as relais_cli_record_json entries */
    json_t *child;    /* the child as the first referral names it (borrowed from the timeline) */
    int partner;      /* a partner's view of its own referral: no case, no diagnosis, no notes */
    int summary;      /* the meeting's summary: the referrals without contacts, sharing or corrections */
    size_t recent;    /* the summary's: only the last `recent` reviews and meetings (0: all of them) */
} s_page_t;

/* ---- Words ------------------------------------------------------------------------------------ */

static const char *s_state(const s_page_t *p, relais_case_state_t state)
{
    static const char *const fr[RELAIS_CASE_STATE_COUNT] = {
        "?",     "reçu",         "en cours d'examen", "en attente de l'accord de la famille",
        "accepté", "non retenu",  "réorienté",         "diagnostic",
        "parcours proposé",       "suivi",             "clos, parcours mené à terme",
        "clos, retrait de la famille", "clos sans résultat", "en pause", "saisi par erreur"};
    if ((unsigned)state >= RELAIS_CASE_STATE_COUNT || state == RELAIS_CASE_UNSPECIFIED)
        return "?";
    return p->lang == RELAIS_CLI_EN ? relais_case_state_name(state) : fr[state];
}

/* The state as the header gives it: the French word and the command line's name beside. */
static void s_state_long(const s_page_t *p, relais_case_state_t state, char *out, size_t cap)
{
    const char *name = relais_case_state_name(state);
    if (p->lang == RELAIS_CLI_EN || !name)
        snprintf(out, cap, "%s", s_state(p, state));
    else
        snprintf(out, cap, "%s (%s)", s_state(p, state), name);
}

static const char *s_urgency(const s_page_t *p, relais_urgency_t u)
{
    switch (u) {
    case RELAIS_URGENCY_ROUTINE: return S_T(p, "ordinaire", "routine");
    case RELAIS_URGENCY_PRIORITY: return S_T(p, "prioritaire", "priority");
    case RELAIS_URGENCY_URGENT: return S_T(p, "urgent", "urgent");
    default: return "-";
    }
}

/* An enumeration's value as the JSON form names it ("SCHOOL_HEAD"), in the page's language. */
typedef struct {
    const char *name, *fr, *en;
} s_word_t;

static const char *s_word(const s_page_t *p, const s_word_t *words, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(words[i].name, name) == 0)
            return p->lang == RELAIS_CLI_EN ? words[i].en : words[i].fr;
    return name ? name : "";
}

static const char *s_role(const s_page_t *p, const char *name)
{
    static const s_word_t roles[] = {
        {"SCHOOL_HEAD", "chef d'établissement", "head of school"},
        {"TEACHER", "enseignant", "teacher"},
        {"RASED", "RASED", "RASED"},
        {"GUIDANCE_COUNSELLOR", "conseiller d'orientation", "guidance counsellor"},
        {"MUNICIPAL_YOUTH", "service Animation, Jeunesse et prévention", "municipal youth service"},
        {"MUNICIPAL_SOCIAL", "service Action sociale santé handicap", "municipal social service"},
        {"PMI", "PMI", "PMI"},
        {"CMP", "CMP", "CMP"},
        {"PARENT", "parent", "parent"},
        {"OTHER", "autre", "other"},
    };
    return s_word(p, roles, sizeof roles / sizeof roles[0], name);
}

static const char *s_domain(const s_page_t *p, const char *name)
{
    static const s_word_t domains[] = {
        {"EDUCATIONAL", "éducatif", "educational"}, {"PERISCOLAIRE", "périscolaire", "out-of-school"},
        {"CULTURAL", "culturel", "cultural"},       {"SOCIAL", "social", "social"},
        {"HEALTH", "sanitaire", "health"},
    };
    return s_word(p, domains, sizeof domains / sizeof domains[0], name);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static int64_t s_int(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

/* "n° 14" or "#14": how a record is named on the page (and in `privacy rectify --record`). */
static void s_number(const s_page_t *p, int64_t seq, char *out, size_t cap)
{
    snprintf(out, cap, S_T(p, "n° %" PRId64, "#%" PRId64), seq);
}

/* ---- The text sink: the terminal's page ------------------------------------------------------- */

static void s_txt_heading(FILE *out, const char *title)
{
    char rule[S_WIDTH + 1];
    size_t n = relais_utf8_chars(title);
    if (n > S_WIDTH)
        n = S_WIDTH;
    memset(rule, '-', n);
    rule[n] = '\0';
    fputc('\n', out);
    relais_cli_line(out, "%s", title);
    relais_cli_line(out, "%s", rule);
}

static size_t s_cut(const char *s, size_t cols);

/* `lead` (the page's own words, `column` characters wide) then the value, escaped and wrapped
 * under itself: "  Label                 value that runs on / and on". */
static void s_wrap(FILE *out, const char *lead, int column, const char *value)
{
    size_t cap = 4 * strlen(value) + 1;
    char *safe = malloc(cap);
    if (!safe) {
        relais_cli_line(out, "%s%s", lead, value);
        return;
    }
    relais_text_escape(value, strlen(value), safe, cap);
    size_t cols = column < S_WIDTH - 20 ? (size_t)(S_WIDTH - column) : 20;
    const char *rest = safe;
    for (int first = 1; first || *rest; first = 0) {
        size_t cut = s_cut(rest, cols), end = cut;
        while (end > 0 && rest[end - 1] == ' ')
            end--;
        relais_cli_line(out, "%s%*s%.*s", first ? lead : "", first ? 0 : column, "", (int)end, rest);
        rest += cut;
        while (*rest == ' ')
            rest++;
    }
    free(safe);
}

/* "  Label                 value"; nothing when the value is empty. */
static void s_txt_field(FILE *out, int indent, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    char lead[256];
    size_t n = relais_utf8_chars(label);
    int pad = n < S_LABEL_WIDTH ? (int)(S_LABEL_WIDTH - n) : 1;
    snprintf(lead, sizeof lead, "%*s%s%*s", indent, "", label, pad, "");
    s_wrap(out, lead, indent + (int)n + pad, value);
}

/* Where to cut `s` (escaped text) to show at most `cols` characters: at the last space that
 * fits, or, in a word longer than the line, at the character that does not. */
static size_t s_cut(const char *s, size_t cols)
{
    size_t chars = 0, space = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (chars == cols)
            return space ? space : i;
        if (s[i] == ' ')
            space = i;
        chars++;
    }
    return i;
}

/* One line of a multi-line text, escaped, wrapped under the bar. */
static void s_quote_line(FILE *out, int indent, const char *line, size_t len)
{
    size_t cap = 4 * len + 1;
    char *safe = malloc(cap);
    if (!safe) {
        relais_cli_line(out, "%*s" S_BAR " (?)", indent, "");
        return;
    }
    relais_text_escape(line, len, safe, cap);
    size_t cols = S_WIDTH - (size_t)indent - 2;
    char *rest = safe;
    do {
        size_t cut = s_cut(rest, cols), end = cut;
        while (end > 0 && rest[end - 1] == ' ')
            end--;
        if (end)
            relais_cli_line(out, "%*s" S_BAR " %.*s", indent, "", (int)end, rest);
        else
            relais_cli_line(out, "%*s" S_BAR, indent, "");
        rest += cut;
        while (*rest == ' ')
            rest++;
    } while (*rest);
    free(safe);
}

/* A multi-line text under a bar, line by line (\r\n is a line break as \n is). */
static void s_txt_quote(FILE *out, int indent, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        s_quote_line(out, indent, text, len && text[len - 1] == '\r' ? len - 1 : len);
        text = nl ? nl + 1 : text + len;
    }
}

/* A labelled text that may run over several lines: on the label's line when it is one short
 * line, else quoted under it. */
static void s_txt_text_field(FILE *out, int indent, const char *label, const char *text)
{
    if (!text || !*text)
        return;
    if (!strchr(text, '\n') && relais_utf8_chars(text) + S_LABEL_WIDTH + (size_t)indent <= S_WIDTH) {
        s_txt_field(out, indent, label, text);
        return;
    }
    relais_cli_line(out, "%*s%s", indent, "", label);
    s_txt_quote(out, indent + 2, text);
}

/* The page's title, underlined with '=', and a blank line. */
static void s_txt_title(FILE *out, const char *title)
{
    char rule[S_WIDTH + 1];
    size_t n = relais_utf8_chars(title) < S_WIDTH ? relais_utf8_chars(title) : S_WIDTH;
    memset(rule, '=', n);
    rule[n] = '\0';
    relais_cli_line(out, "%s", title);
    relais_cli_line(out, "%s", rule);
    fputc('\n', out);
}

static void s_sink_title(void *ctx, const char *title)
{
    s_txt_title(ctx, title);
}

static void s_sink_heading(void *ctx, const char *title)
{
    s_txt_heading(ctx, title);
}

static void s_sink_line(void *ctx, int indent, const char *text)
{
    relais_cli_line(ctx, "%*s%s", indent, "", text);
}

static void s_sink_field(void *ctx, int indent, const char *label, const char *value)
{
    s_txt_field(ctx, indent, label, value);
}

static void s_sink_text(void *ctx, int indent, const char *label, const char *text)
{
    if (label)
        s_txt_text_field(ctx, indent, label, text);
    else
        s_txt_quote(ctx, indent, text);
}

static void s_sink_gap(void *ctx)
{
    fputc('\n', (FILE *)ctx);
}

/* One dated line: "03/12/2026 06:10  n° 1     college-curie : signalement R-1 (Collège Marie Curie)". */
static void s_sink_history(void *ctx, const char *when, const char *number, const char *what)
{
    int pad_when = relais_utf8_chars(when) < 18 ? 18 - (int)relais_utf8_chars(when) : 1;
    int pad_num = relais_utf8_chars(number) < 9 ? 9 - (int)relais_utf8_chars(number) : 1;
    char lead[128];
    snprintf(lead, sizeof lead, "  %s%*s%s%*s", when, pad_when, "", number, pad_num, "");
    s_wrap(ctx, lead, 2 + (int)relais_utf8_chars(when) + pad_when + (int)relais_utf8_chars(number) + pad_num, what);
}

static const relais_page_sink_t s_text_sink = {
    .title = s_sink_title,
    .heading = s_sink_heading,
    .block = s_sink_line,
    .line = s_sink_line,
    .field = s_sink_field,
    .text = s_sink_text,
    .gap = s_sink_gap,
    .history = s_sink_history,
};

/* ---- The page's parts, through its sink ------------------------------------------------------- */

static void s_title(const s_page_t *p, const char *title)
{
    p->sink->title(p->ctx, title);
}

static void s_heading(const s_page_t *p, const char *title)
{
    p->sink->heading(p->ctx, title);
}

/* A block's first line (a referral, a parent, an update, an action): `indent` 2 opens a block
 * of a section, 4 a block within it. */
static void s_block(const s_page_t *p, int indent, const char *text)
{
    p->sink->block(p->ctx, indent, text);
}

/* A sentence of the page's own ("Aucun diagnostic enregistré."). */
static void s_line(const s_page_t *p, int indent, const char *text)
{
    p->sink->line(p->ctx, indent, text);
}

/* "  Label                 value"; nothing when the value is empty. */
static void s_field(const s_page_t *p, int indent, const char *label, const char *value)
{
    if (value && *value)
        p->sink->field(p->ctx, indent, label, value);
}

/* A labelled text that may run over several lines; nothing when it is empty. */
static void s_text_field(const s_page_t *p, int indent, const char *label, const char *text)
{
    if (text && *text)
        p->sink->text(p->ctx, indent, label, text);
}

/* A multi-line text alone, quoted. */
static void s_quote(const s_page_t *p, int indent, const char *text)
{
    if (text && *text)
        p->sink->text(p->ctx, indent, NULL, text);
}

/* Between two blocks of a section. */
static void s_gap(const s_page_t *p)
{
    p->sink->gap(p->ctx);
}

/* ---- The records ------------------------------------------------------------------------------ */

static json_t *s_message(json_t *entry)
{
    return json_object_get(entry, "message");
}

static const char *s_sender(json_t *entry)
{
    return s_str(json_object_get(s_message(entry), "header"), "sender");
}

/* Given names joined by spaces. */
static void s_given(json_t *child, char *out, size_t cap)
{
    size_t i;
    json_t *g;
    out[0] = '\0';
    json_array_foreach(json_object_get(child, "given_names"), i, g)
    {
        if (i)
            strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, json_string_value(g) ? json_string_value(g) : "", cap - strlen(out) - 1);
    }
}

/* ---- Header ----------------------------------------------------------------------------------- */

/* The hub's question to the coordinator: the open cases this child may already have. */
static void s_print_duplicates(const s_page_t *p)
{
    const relais_case_summary_t *c = p->c;
    if (p->partner || c->duplicate_count == 0)
        return;
    char ids[RELAIS_MAX_DUPLICATES * RELAIS_CASE_ID_LEN * 4], line[sizeof ids + 256];
    relais_cli_ids(c->duplicates, c->duplicate_count, ids, sizeof ids);
    snprintf(line, sizeof line,
             S_T(p, "%s (même date de naissance, noms proches) \xe2\x80\x94 à comparer : relais case show %s",
                 "%s (same birth date, close names) \xe2\x80\x94 compare: relais case show %s"),
             ids, c->duplicates[0]);
    s_field(p, 2, S_T(p, "Doublon possible", "Possible duplicate"), line);
}

/* A merge, seen from either side: where this case went, or which cases it took in. */
static void s_print_merges(const s_page_t *p)
{
    const relais_case_summary_t *c = p->c;
    char ids[RELAIS_MAX_MERGED * RELAIS_CASE_ID_LEN * 4], line[sizeof ids + 256];
    if (p->partner)
        return;
    if (c->merged_into[0]) {
        relais_cli_safe(c->merged_into, ids, sizeof ids);
        snprintf(line, sizeof line,
                 S_T(p, "%s, qui en tient les signalements et l'historique : relais case show %s",
                     "%s, which holds its referrals and history: relais case show %s"),
                 ids, ids);
        s_field(p, 2, S_T(p, "Fusionné dans", "Merged into"), line);
    }
    if (c->merged_count) {
        relais_cli_ids(c->merged_from, c->merged_count, ids, sizeof ids);
        s_field(p, 2, S_T(p, "Dossiers fusionnés", "Merged cases"), ids);
    }
    if (c->split_from[0]) {
        relais_cli_safe(c->split_from, ids, sizeof ids);
        snprintf(line, sizeof line,
                 S_T(p, "%s, dont son signalement a été détaché : relais case show %s",
                     "%s, which its referral was moved out of: relais case show %s"),
                 ids, ids);
        s_field(p, 2, S_T(p, "Détaché de", "Split from"), line);
    }
}

static void s_print_header(const s_page_t *p)
{
    const relais_case_summary_t *c = p->c;
    char title[512], when[64], state[160], refs[1024] = "";
    snprintf(title, sizeof title, "%s%s %s%s%s", p->summary ? S_T(p, "Synthèse pour l'instance \xe2\x80\x94 ", "Summary for the meeting \xe2\x80\x94 ") : "",
             p->partner ? S_T(p, "Signalement", "Referral") : S_T(p, "Dossier", "Case"), c->case_id,
             *c->child_display ? " \xe2\x80\x94 " : "", c->child_display);
    s_title(p, title);
    s_state_long(p, c->state, state, sizeof state);
    s_field(p, 2, S_T(p, "État", "State"), state);
    s_field(p, 2, S_T(p, "Précision", "Sub-status"), c->sub_status);
    s_field(p, 2, S_T(p, "Motif", "Reason"), c->reason_code);
    s_field(p, 2, S_T(p, "Urgence", "Urgency"), s_urgency(p, c->urgency));
    for (size_t i = 0; i < c->referrer_count && i < RELAIS_MAX_REFERRERS; i++) {
        if (i)
            strncat(refs, ", ", sizeof refs - strlen(refs) - 1);
        strncat(refs, c->referrers[i], sizeof refs - strlen(refs) - 1);
    }
    if (!p->partner && *refs) {
        size_t used = strlen(refs);
        snprintf(refs + used, sizeof refs - used, S_T(p, " (%u signalement%s)", " (%u referral%s)"), c->referral_count,
                 c->referral_count == 1 ? "" : "s");
    }
    s_field(p, 2, S_T(p, "Signalé par", "Referred by"), refs);
    if (!p->partner) /* the hub sends a partner no owner; the page would not show one either */
        s_field(p, 2, S_T(p, "Référent", "Owner"), c->owner);
    relais_cli_date_time(c->opened_ms, p->lang, when, sizeof when);
    s_field(p, 2, p->partner ? S_T(p, "Envoyé le", "Sent") : S_T(p, "Ouvert le", "Opened"), when);
    relais_cli_date_time(c->updated_ms, p->lang, when, sizeof when);
    s_field(p, 2, S_T(p, "Mis à jour le", "Updated"), when);
    if (c->due_ms) {
        relais_cli_date_time(c->due_ms, p->lang, when, sizeof when);
        if (c->overdue)
            strncat(when, S_T(p, " \xe2\x80\x94 EN RETARD", " \xe2\x80\x94 OVERDUE"), sizeof when - strlen(when) - 1);
        s_field(p, 2, S_T(p, "Échéance", "Due"), when);
    }
    if (p->summary) /* the summary asks the meeting about them in its own words */
        return;
    s_print_duplicates(p);
    s_print_merges(p);
}

/* ---- The child -------------------------------------------------------------------------------- */

/* "BÉNALI LINA, 12/03/2014, collège Marie-Curie, 6e B": a child as one referral named it. */
static void s_child_line(const s_page_t *p, json_t *child, char *out, size_t cap)
{
    char given[512], born[64];
    s_given(child, given, sizeof given);
    relais_cli_date(s_str(child, "birth_date"), p->lang, born, sizeof born);
    snprintf(out, cap, "%s %s", s_str(child, "family_name"), given);
    const char *parts[] = {*s_str(child, "birth_date") ? born : "", s_str(child, "school"),
                           s_str(child, "class_name")};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!*parts[i])
            continue;
        strncat(out, ", ", cap - strlen(out) - 1);
        strncat(out, parts[i], cap - strlen(out) - 1);
    }
}

static void s_print_child(const s_page_t *p)
{
    if (!p->child)
        return;
    char given[512], born[64];
    s_heading(p, S_T(p, "Enfant", "Child"));
    s_given(p->child, given, sizeof given);
    s_field(p, 2, S_T(p, "Nom", "Family name"), s_str(p->child, "family_name"));
    s_field(p, 2, S_T(p, "Prénoms", "Given names"), given);
    relais_cli_date(s_str(p->child, "birth_date"), p->lang, born, sizeof born);
    s_field(p, 2, S_T(p, "Né(e) le", "Born"), *s_str(p->child, "birth_date") ? born : "");
    s_field(p, 2, S_T(p, "École", "School"), s_str(p->child, "school"));
    s_field(p, 2, S_T(p, "Classe", "Class"), s_str(p->child, "class_name"));
}

/* ---- Referrals -------------------------------------------------------------------------------- */

static int s_same_child(json_t *a, json_t *b)
{
    static const char *const keys[] = {"family_name", "birth_date", "school", "class_name"};
    char ga[512], gb[512];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(s_str(a, keys[i]), s_str(b, keys[i])) != 0)
            return 0;
    s_given(a, ga, sizeof ga);
    s_given(b, gb, sizeof gb);
    return strcmp(ga, gb) == 0;
}

/* How the family's agreement was recorded, or the parents' own request. */
static void s_print_basis(const s_page_t *p, json_t *ref)
{
    char text[1024], when[64];
    json_t *consent = json_object_get(ref, "consent");
    json_t *request = json_object_get(ref, "parental_request");
    if (consent) {
        relais_cli_date_time(s_int(consent, "recorded_ms"), p->lang, when, sizeof when);
        snprintf(text, sizeof text, S_T(p, "donné par %s ; recueilli le %s par %s", "given by %s; recorded on %s by %s"),
                 *s_str(consent, "given_by") ? s_str(consent, "given_by") : "?", when, s_str(consent, "recorded_by"));
        if (*s_str(consent, "document_ref")) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, S_T(p, " ; document %s", "; document %s"),
                     s_str(consent, "document_ref"));
        }
        s_field(p, 4, S_T(p, "Accord de la famille", "Family consent"), text);
    } else if (request) {
        relais_cli_date_time(s_int(request, "received_ms"), p->lang, when, sizeof when);
        snprintf(text, sizeof text, S_T(p, "%s%s%s%s, reçue le %s%s%s", "%s%s%s%s, received %s%s%s"),
                 s_str(request, "requester_name"), *s_str(request, "relationship") ? " (" : "",
                 s_str(request, "relationship"), *s_str(request, "relationship") ? ")" : "", when,
                 *s_str(request, "channel") ? S_T(p, ", par ", ", by ") : "", s_str(request, "channel"));
        s_field(p, 4, S_T(p, "Demande des parents", "Parents' request"), text);
    }
}

/* The corrections made to the referral (coordinator): the value shown is the corrected one. */
static void s_print_corrections(const s_page_t *p, json_t *entry)
{
    size_t i;
    json_t *fix;
    json_array_foreach(json_object_get(entry, "rectifications"), i, fix)
    {
        char when[64], num[32], text[1024];
        relais_cli_date_time(s_int(fix, "received_ms"), p->lang, when, sizeof when);
        s_number(p, s_int(fix, "by_record"), num, sizeof num);
        json_t *original = json_object_get(fix, "original");
        snprintf(text, sizeof text,
                 S_T(p, "%s le %s (%s) ; motif : %s ; valeur d'origine : %s",
                     "%s on %s (%s); reason: %s; original value: %s"),
                 s_str(fix, "field"), when, num, s_str(fix, "reason"),
                 json_is_string(original) ? json_string_value(original) : "-");
        s_field(p, 4, S_T(p, "Rectifié", "Corrected"), text);
    }
}

/* Whether the referral's referrer sees the case, and the command that shares it when not. */
static void s_print_sharing(const s_page_t *p, int64_t seq)
{
    char text[512], num[32], handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle((uint64_t)seq, handle);
    for (size_t i = 0; i < p->r->follower_count; i++) {
        const relais_case_follower_t *f = &p->r->followers[i];
        if ((int64_t)f->referral_seq != seq)
            continue;
        s_number(p, (int64_t)f->since_seq, num, sizeof num);
        snprintf(text, sizeof text, "%s %s%s", S_T(p, "depuis le", "since"), num,
                 f->since_seq == f->referral_seq ? S_T(p, " (son signalement l'a ouvert)", " (its referral opened it)")
                                                 : S_T(p, " (partagé)", " (shared)"));
        s_field(p, 4, S_T(p, "Voit le dossier", "Sees the case"), text);
        return;
    }
    s_field(p, 4, S_T(p, "Voit le dossier", "Sees the case"),
            S_T(p, "non, seulement l'arrivée de son signalement", "no, only its referral's arrival"));
    snprintf(text, sizeof text, "relais case share %s %s", p->c->case_id, handle);
    s_field(p, 4, S_T(p, "Pour le partager", "To share it"), text);
}

/* The number a referral's handle names: its own record's, or for a split's copy the record it
 * copies (the referral keeps its handle in its new case). */
static uint64_t s_referral_seq(json_t *entry)
{
    int64_t copy_of = s_int(entry, "copy_of");
    return (uint64_t)(copy_of ? copy_of : s_int(entry, "seq"));
}

static void s_print_referral(const s_page_t *p, json_t *entry)
{
    json_t *ref = json_object_get(s_message(entry), "referral");
    json_t *who = json_object_get(ref, "referrer");
    char handle[RELAIS_CASE_ID_LEN], when[64], text[1024];
    relais_referral_handle(s_referral_seq(entry), handle);
    relais_cli_date_time(s_int(entry, "received_ms"), p->lang, when, sizeof when);
    char line[1024];
    snprintf(line, sizeof line, S_T(p, "%s \xe2\x80\x94 reçu le %s de %s", "%s \xe2\x80\x94 received %s from %s"), handle,
             when, s_sender(entry));
    s_gap(p);
    s_block(p, 2, line);
    s_field(p, 4, S_T(p, "Organisme", "Organisation"), s_str(who, "organisation"));
    snprintf(text, sizeof text, "%s%s%s%s", s_str(who, "name"), *s_str(who, "name") ? " (" : "",
             s_role(p, s_str(who, "role")), *s_str(who, "name") ? ")" : "");
    s_field(p, 4, S_T(p, "Auteur", "Written by"), text);
    if (!p->summary) {
        s_field(p, 4, S_T(p, "Contact", "Contact"), s_str(who, "contact"));
        s_field(p, 4, S_T(p, "Référence", "Reference"), s_str(ref, "external_ref"));
    }
    s_field(p, 4, S_T(p, "Urgence", "Urgency"),
            s_urgency(p, relais_urgency_from_name(s_str(ref, "urgency")) ? relais_urgency_from_name(s_str(ref, "urgency"))
                                                                         : RELAIS_URGENCY_ROUTINE));
    text[0] = '\0';
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(ref, "domains"), i, d)
    {
        if (i)
            strncat(text, ", ", sizeof text - strlen(text) - 1);
        strncat(text, s_domain(p, json_string_value(d)), sizeof text - strlen(text) - 1);
    }
    s_field(p, 4, S_T(p, "Domaines", "Domains"), text);
    json_t *child = json_object_get(ref, "child");
    if (child && p->child && !s_same_child(child, p->child)) {
        s_child_line(p, child, text, sizeof text);
        s_field(p, 4, S_T(p, "Enfant nommé", "Child as named"), text);
    }
    if (!p->summary)
        s_print_basis(p, ref);
    s_text_field(p, 4, S_T(p, "Description", "Description"), s_str(ref, "description"));
    s_text_field(p, 4, S_T(p, "Déjà en place", "Support in place"), s_str(ref, "support_in_place"));
    if (p->summary)
        return;
    s_print_corrections(p, entry);
    if (!p->partner)
        s_print_sharing(p, (int64_t)s_referral_seq(entry));
}

static void s_print_referrals(const s_page_t *p)
{
    size_t i, n = 0;
    json_t *entry;
    json_array_foreach(p->timeline, i, entry) n += json_object_get(s_message(entry), "referral") != NULL;
    char title[64];
    snprintf(title, sizeof title, S_T(p, "Signalements (%zu)", "Referrals (%zu)"), n);
    s_heading(p, title);
    json_array_foreach(p->timeline, i, entry) if (json_object_get(s_message(entry), "referral")) s_print_referral(p, entry);
}

/* ---- The family ------------------------------------------------------------------------------- */

/* Two referrals name the same parent ("Samira Benali", "Samira Bénali"): once, with what each
 * gave. Compared folded as the child key folds names. */
static json_t *s_find_guardian(json_t *list, const char *name)
{
    char a[512], b[512];
    if (relais_cases_normalise_name(name, a, sizeof a) != 0)
        return NULL;
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) if (relais_cases_normalise_name(s_str(g, "name"), b, sizeof b) == 0 &&
                                       strcmp(a, b) == 0) return g;
    return NULL;
}

static json_t *s_guardians(const s_page_t *p)
{
    json_t *list = json_array();
    size_t i, k;
    json_t *entry, *g;
    json_array_foreach(p->timeline, i, entry)
    {
        json_array_foreach(json_object_get(json_object_get(s_message(entry), "referral"), "guardians"), k, g)
        {
            json_t *same = *s_str(g, "name") ? s_find_guardian(list, s_str(g, "name")) : NULL;
            if (!same) {
                json_array_append_new(list, json_deep_copy(g));
                continue;
            }
            const char *key;
            json_t *v;
            json_object_foreach(g, key, v) if (!json_object_get(same, key)) json_object_set(same, key, v);
        }
    }
    return list;
}

static void s_print_family(const s_page_t *p)
{
    json_t *list = s_guardians(p);
    if (!list)
        return;
    s_heading(p, S_T(p, "Famille : responsables légaux", "Family: parents and guardians"));
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g)
    {
        const char *rel = s_str(g, "relationship");
        char line[1024];
        snprintf(line, sizeof line, "%s%s%s%s", *s_str(g, "name") ? s_str(g, "name") : "?", *rel ? " (" : "", rel,
                 *rel ? ")" : "");
        s_block(p, 2, line);
        s_field(p, 4, S_T(p, "Téléphone", "Phone"), s_str(g, "phone"));
        s_field(p, 4, S_T(p, "Courriel", "E-mail"), s_str(g, "email"));
        s_text_field(p, 4, S_T(p, "Adresse", "Address"), s_str(g, "address"));
    }
    if (json_array_size(list) == 0)
        s_line(p, 2, S_T(p, "Aucun responsable légal indiqué.", "No parent or guardian given."));
    json_decref(list);
}

/* ---- The coordinator's work: diagnosis, pathway, reviews -------------------------------------- */

/* "03/12/2026 06:11 (n° 7, coordination)": when and by whom an update was made. */
static void s_update_line(const s_page_t *p, json_t *entry, const char *what)
{
    char when[64], num[32];
    relais_cli_date_time(s_int(entry, "received_ms"), p->lang, when, sizeof when);
    s_number(p, s_int(entry, "seq"), num, sizeof num);
    char line[1024];
    snprintf(line, sizeof line, "%s%s%s (%s, %s)", what, *what ? " " : "", when, num, s_sender(entry));
    s_block(p, 2, line);
}

static json_t *s_update(json_t *entry)
{
    return json_object_get(s_message(entry), "case_update");
}

static void s_print_diagnosis(const s_page_t *p)
{
    size_t i, n = 0;
    json_t *entry;
    s_heading(p, S_T(p, "Diagnostic", "Diagnosis"));
    json_array_foreach(p->timeline, i, entry)
    {
        const char *text = s_str(s_update(entry), "diagnosis");
        if (!*text)
            continue;
        if (n++)
            s_gap(p);
        s_update_line(p, entry, "");
        s_quote(p, 4, text);
    }
    if (!n)
        s_line(p, 2, S_T(p, "Aucun diagnostic enregistré.", "No diagnosis recorded."));
}

/* "1. Action collective — avec Médiathèque — à partir du 03/12/2026 — weekly": what, who, when. */
static void s_print_action(const s_page_t *p, size_t k, json_t *a)
{
    char line[1024], start[64];
    const char *kind = s_str(a, "kind");
    snprintf(line, sizeof line, "%zu. %s", k + 1,
             strcmp(kind, "COLLECTIVE") == 0 ? S_T(p, "Action collective", "Collective action")
             : strcmp(kind, "INDIVIDUAL") == 0 ? S_T(p, "Action individuelle", "Individual action")
                                               : S_T(p, "Action", "Action"));
    if (*s_str(a, "partner")) {
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, S_T(p, " \xe2\x80\x94 avec %s", " \xe2\x80\x94 with %s"),
                 s_str(a, "partner"));
    }
    if (*s_str(a, "start_date")) {
        size_t used = strlen(line);
        relais_cli_date(s_str(a, "start_date"), p->lang, start, sizeof start);
        snprintf(line + used, sizeof line - used, S_T(p, " \xe2\x80\x94 à partir du %s", " \xe2\x80\x94 from %s"),
                 start);
    }
    if (*s_str(a, "frequency")) {
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, " \xe2\x80\x94 %s", s_str(a, "frequency"));
    }
    s_block(p, 4, line);
    s_field(p, 7, S_T(p, "Responsable", "Responsible"), s_str(a, "responsible"));
    s_quote(p, 7, s_str(a, "description"));
}

static void s_print_pathway(const s_page_t *p)
{
    size_t i, k, n = 0;
    json_t *entry, *a;
    s_heading(p, S_T(p, "Parcours éducatif", "Educational pathway"));
    json_array_foreach(p->timeline, i, entry)
    {
        json_t *actions = json_object_get(s_update(entry), "pathway");
        if (!json_array_size(actions))
            continue;
        if (n++)
            s_gap(p);
        s_update_line(p, entry, S_T(p, "Proposé le", "Proposed"));
        json_array_foreach(actions, k, a) s_print_action(p, k, a);
    }
    if (!n)
        s_line(p, 2, S_T(p, "Aucun parcours proposé.", "No pathway proposed."));
}

static int s_is_review(json_t *entry)
{
    json_t *u = s_update(entry);
    return *s_str(u, "note") || *s_str(u, "next_review_date");
}

/* How many of `total` entries the page leaves out before the ones it shows (the summary's last
 * few), said in a line when it leaves any. */
static size_t s_left_out(const s_page_t *p, size_t total)
{
    if (!p->recent || total <= p->recent)
        return 0;
    char line[160];
    snprintf(line, sizeof line,
             S_T(p, "Les %zu derniers sur %zu ; les autres sont sur la page du dossier.",
                 "The last %zu of %zu; the others are on the case's page."),
             p->recent, total);
    s_line(p, 2, line);
    return total - p->recent;
}

static void s_print_reviews(const s_page_t *p)
{
    size_t i, n = 0, total = 0;
    json_t *entry;
    s_heading(p, S_T(p, "Suivi : bilans et notes", "Follow-up: reviews and notes"));
    json_array_foreach(p->timeline, i, entry) total += (size_t)s_is_review(entry);
    size_t skip = s_left_out(p, total), seen = 0;
    json_array_foreach(p->timeline, i, entry)
    {
        if (!s_is_review(entry) || seen++ < skip)
            continue;
        json_t *u = s_update(entry);
        const char *note = s_str(u, "note"), *review = s_str(u, "next_review_date");
        char date[64];
        if (n++)
            s_gap(p);
        s_update_line(p, entry, "");
        relais_cli_date(review, p->lang, date, sizeof date);
        s_field(p, 4, S_T(p, "Prochain bilan le", "Next review"), *review ? date : "");
        s_text_field(p, 4, S_T(p, "Note", "Note"), note);
    }
    if (!n)
        s_line(p, 2, S_T(p, "Aucun bilan ni note.", "No review or note."));
}

/* ---- Partnership meetings ------------------------------------------------------------------- */

/* "Mme Roux, psychologue, CMP de Sceaux": a professional present, the parts given. */
void relais_page_attendee(json_t *attendee, char *out, size_t cap)
{
    const char *parts[] = {s_str(attendee, "name"), s_str(attendee, "role"), s_str(attendee, "organisation")};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && used < cap; i++)
        if (*parts[i])
            used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", parts[i]);
}

/* The first line of a multi-line text, at most `max` characters, "…" when there is more. */
static void s_first_line(const char *text, size_t max, char *out, size_t cap)
{
    size_t at = 0, chars = 0, len = strcspn(text, "\r\n");
    uint32_t cp;
    for (size_t step; at < len && chars < max && (step = relais_utf8_next(text + at, len - at, &cp)) > 0; chars++)
        at += step;
    snprintf(out, cap, "%.*s%s", (int)at, text, text[at] ? "\xe2\x80\xa6" : "");
}

/* "instance du 10/12/2026 (M-20261210-a3f9) : Orientation vers le CMP… ; prochain bilan le 15/01/2027" */
static void s_meeting_words(const s_page_t *p, json_t *meeting, char *out, size_t cap)
{
    char date[64], decision[400];
    relais_cli_date(s_str(meeting, "date"), p->lang, date, sizeof date);
    s_first_line(s_str(meeting, "decision"), 80, decision, sizeof decision);
    int n = snprintf(out, cap, S_T(p, "instance du %s (%s) : %s", "meeting of %s (%s): %s"), date,
                     s_str(meeting, "meeting_id"), decision);
    size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap;
    if (*s_str(meeting, "next_review_date") && used < cap) {
        relais_cli_date(s_str(meeting, "next_review_date"), p->lang, date, sizeof date);
        snprintf(out + used, cap - used, S_T(p, " ; prochain bilan le %s", "; next review %s"), date);
    }
}

/* What the partnership meetings decided for the case, each in full; no section for a case no
 * meeting reviewed. */
static void s_print_meetings(const s_page_t *p)
{
    size_t i, k, n = 0;
    json_t *entry, *a;
    json_array_foreach(p->timeline, i, entry) n += json_object_get(s_message(entry), "meeting") != NULL;
    if (!n)
        return;
    s_heading(p, S_T(p, "Instances partenariales", "Partnership meetings"));
    size_t skip = s_left_out(p, n), seen = 0;
    n = 0;
    json_array_foreach(p->timeline, i, entry)
    {
        json_t *m = json_object_get(s_message(entry), "meeting");
        if (!m || seen++ < skip)
            continue;
        char date[64], what[256], who[1024];
        if (n++)
            s_gap(p);
        relais_cli_date(s_str(m, "date"), p->lang, date, sizeof date);
        snprintf(what, sizeof what, S_T(p, "Instance du %s (%s), enregistrée le", "Meeting of %s (%s), recorded"), date,
                 s_str(m, "meeting_id"));
        s_update_line(p, entry, what);
        json_array_foreach(json_object_get(m, "present"), k, a)
        {
            relais_page_attendee(a, who, sizeof who);
            s_field(p, 4, k ? "" : S_T(p, "Présents", "Present"), who);
        }
        s_text_field(p, 4, S_T(p, "Décision", "Decision"), s_str(m, "decision"));
        relais_cli_date(s_str(m, "next_review_date"), p->lang, date, sizeof date);
        s_field(p, 4, S_T(p, "Prochain bilan le", "Next review"), *s_str(m, "next_review_date") ? date : "");
    }
}

/* ---- History ---------------------------------------------------------------------------------- */

/* What an update did, in a few words: "en cours d'examen → retenu ; motif : out-of-scope". */
static void s_update_words(const s_page_t *p, json_t *u, char *out, size_t cap)
{
    relais_case_state_t from = relais_case_state_from_name(s_str(u, "from_state"));
    relais_case_state_t to = relais_case_state_from_name(s_str(u, "to_state"));
    char date[64];
    if (from == to)
        snprintf(out, cap, S_T(p, "%s (inchangé)", "%s (unchanged)"), s_state(p, from));
    else
        snprintf(out, cap, "%s \xe2\x86\x92 %s", s_state(p, from), s_state(p, to));
    struct {
        const char *key, *fr, *en;
    } extra[] = {{"sub_status", "précision", "sub-status"}, {"reason_code", "motif", "reason"},
                 {"redirected_to", "orienté vers", "redirected to"}, {"share_referral", "partagé avec", "shared with"},
                 {"owner", "référent", "owner"}, {"merge_into", "fusionné dans", "merged into"},
                 {"dismiss_duplicate", "pas un doublon de", "not a duplicate of"},
                 {"split_referral", "signalement détaché dans un dossier à part", "referral moved out into a case of its own"}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        size_t used = strlen(out);
        if (*s_str(u, extra[i].key) && used < cap)
            snprintf(out + used, cap - used, S_T(p, " ; %s : %s", "; %s: %s"), S_T(p, extra[i].fr, extra[i].en),
                     s_str(u, extra[i].key));
    }
    size_t used = strlen(out);
    if (*s_str(u, "diagnosis") && used < cap)
        used += (size_t)snprintf(out + used, cap - used, "%s", S_T(p, " ; diagnostic posé", "; diagnosis recorded"));
    if (json_array_size(json_object_get(u, "pathway")) && used < cap)
        used += (size_t)snprintf(out + used, cap - used,
                                 S_T(p, " ; parcours de %zu action%s", "; pathway of %zu action%s"),
                                 json_array_size(json_object_get(u, "pathway")),
                                 json_array_size(json_object_get(u, "pathway")) == 1 ? "" : "s");
    if (*s_str(u, "note") && used < cap)
        used += (size_t)snprintf(out + used, cap - used, "%s", S_T(p, " ; note", "; note"));
    if (*s_str(u, "next_review_date") && used < cap) {
        relais_cli_date(s_str(u, "next_review_date"), p->lang, date, sizeof date);
        snprintf(out + used, cap - used, S_T(p, " ; prochain bilan le %s", "; next review %s"), date);
    }
}

/* What a record was, in a few words, for the history's line. */
static void s_record_words(const s_page_t *p, json_t *entry, char *out, size_t cap)
{
    json_t *m = s_message(entry);
    json_t *ref = json_object_get(m, "referral"), *u = json_object_get(m, "case_update");
    json_t *priv = json_object_get(m, "privacy"), *meeting = json_object_get(m, "meeting");
    char handle[RELAIS_CASE_ID_LEN], words[768], num[32];
    if (ref) {
        relais_referral_handle(s_referral_seq(entry), handle);
        snprintf(words, sizeof words, S_T(p, "signalement %s (%s)", "referral %s (%s)"), handle,
                 s_str(json_object_get(ref, "referrer"), "organisation"));
    } else if (u) {
        s_update_words(p, u, words, sizeof words);
    } else if (meeting) {
        s_meeting_words(p, meeting, words, sizeof words);
    } else if (priv && strcmp(s_str(priv, "kind"), "RECTIFIED") == 0) {
        s_number(p, s_int(priv, "record_seq"), num, sizeof num);
        snprintf(words, sizeof words, S_T(p, "rectification du %s : %s ; motif : %s", "correction of %s: %s; reason: %s"),
                 num, s_str(priv, "field"), s_str(priv, "reason"));
    } else if (priv) {
        snprintf(words, sizeof words, S_T(p, "protection des données : %s ; motif : %s", "data protection: %s; reason: %s"),
                 s_str(priv, "kind"), s_str(priv, "reason"));
    } else {
        snprintf(words, sizeof words, "?");
    }
    snprintf(out, cap, S_T(p, "%s : %s", "%s: %s"), s_sender(entry), words);
}

/* One dated line of the history: when, the record's number, what it was. */
static void s_history_line(const s_page_t *p, int64_t when_ms, uint64_t seq, const char *what)
{
    char when[64], num[32];
    relais_cli_date_time(when_ms, p->lang, when, sizeof when);
    s_number(p, (int64_t)seq, num, sizeof num);
    p->sink->history(p->ctx, when, num, what);
}

/* The event's status, for an event the reader sees without its record (a partner's view of
 * the coordinator's moves after a share). */
static void s_status_words(const s_page_t *p, const relais_case_status_t *st, char *out, size_t cap)
{
    snprintf(out, cap, S_T(p, "état du dossier : %s", "case state: %s"), s_state(p, st->state));
    size_t used = strlen(out);
    if (*st->reason_code && used < cap)
        snprintf(out + used, cap - used, S_T(p, " ; motif : %s", "; reason: %s"), st->reason_code);
}

/* The records and the events side by side, by sequence number: the coordinator has a record
 * for each event; a partner has its referral's record and the statuses it may see. */
static void s_print_history(const s_page_t *p)
{
    const relais_reply_t *r = p->r;
    size_t i = 0, e = 0, n = json_array_size(p->timeline);
    char what[1024];
    s_heading(p, S_T(p, "Historique", "History"));
    while (i < n || e < r->event_count) {
        json_t *entry = json_array_get(p->timeline, i);
        uint64_t rseq = i < n ? (uint64_t)s_int(entry, "seq") : UINT64_MAX;
        uint64_t eseq = e < r->event_count ? r->events[e].seq : UINT64_MAX;
        if (rseq <= eseq) {
            s_record_words(p, entry, what, sizeof what);
            s_history_line(p, s_int(entry, "received_ms"), rseq, what);
            i++;
            e += rseq == eseq;
        } else {
            s_status_words(p, &r->events[e].status, what, sizeof what);
            s_history_line(p, r->events[e].status.updated_ms, eseq, what);
            e++;
        }
    }
    if (!n && !r->event_count)
        s_line(p, 2, "-");
}

/* ---- The page --------------------------------------------------------------------------------- */

/* The child as the first referral the reader may see names it. */
static json_t *s_first_child(json_t *timeline)
{
    size_t i;
    json_t *entry;
    json_array_foreach(timeline, i, entry)
    {
        json_t *child = json_object_get(json_object_get(s_message(entry), "referral"), "child");
        if (child)
            return child;
    }
    return NULL;
}

const char *relais_page_question(relais_case_state_t state, relais_cli_lang_t lang)
{
    s_page_t page = {.lang = lang}, *p = &page;
    switch (state) {
    case RELAIS_CASE_SUBMITTED:
    case RELAIS_CASE_TRIAGE:
        return S_T(p, "Retenir le signalement, le réorienter ou ne pas le retenir ?",
                   "Accept the referral, redirect it or decline it?");
    case RELAIS_CASE_AWAITING_AGREEMENT:
        return S_T(p, "L'accord de la famille est-il recueilli ?", "Has the family agreed?");
    case RELAIS_CASE_ACCEPTED:
        return S_T(p, "Quel diagnostic de la situation ?", "What is the diagnosis of the situation?");
    case RELAIS_CASE_DIAGNOSIS:
        return S_T(p, "Quel parcours éducatif proposer ?", "Which educational pathway to propose?");
    case RELAIS_CASE_PATHWAY_PROPOSED:
        return S_T(p, "La famille et les partenaires engagent-ils le parcours proposé ?",
                   "Do the family and the partners take up the pathway proposed?");
    case RELAIS_CASE_FOLLOW_UP:
        return S_T(p, "Poursuivre, adapter ou clore le parcours ?", "Continue, adapt or close the pathway?");
    case RELAIS_CASE_PAUSED:
        return S_T(p, "Reprendre le suivi, ou clore le dossier ?", "Resume the follow-up, or close the case?");
    default: return S_T(p, "Aucune : le dossier est clos.", "None: the case is closed.");
    }
}

void relais_page_review_day(int64_t due_ms, relais_cli_lang_t lang, char *out, size_t cap)
{
    time_t t = (time_t)((due_ms - 1) / 1000); /* a review is due at the end of its day */
    struct tm tm;
    char iso[16];
    if (due_ms <= 0 || !localtime_r(&t, &tm) || strftime(iso, sizeof iso, "%Y-%m-%d", &tm) == 0)
        snprintf(iso, sizeof iso, "-");
    relais_cli_date(iso, lang, out, cap);
}

/* What the meeting is asked to decide: the question the case's state puts, by when, and the
 * hub's flag of a possible duplicate, which only the coordinator can settle. */
static void s_print_pending(const s_page_t *p)
{
    const relais_case_summary_t *c = p->c;
    char when[64], ids[RELAIS_MAX_DUPLICATES * RELAIS_CASE_ID_LEN * 4], line[sizeof ids + 160];
    s_heading(p, S_T(p, "Décisions en attente", "Decisions pending"));
    s_field(p, 2, S_T(p, "Question", "Question"), relais_page_question(c->state, p->lang));
    int triage = c->state == RELAIS_CASE_SUBMITTED || c->state == RELAIS_CASE_TRIAGE;
    if (c->due_ms && triage)
        relais_cli_date_time(c->due_ms, p->lang, when, sizeof when);
    else if (c->due_ms)
        relais_page_review_day(c->due_ms, p->lang, when, sizeof when);
    if (c->due_ms && c->overdue)
        strncat(when, S_T(p, " \xe2\x80\x94 en retard", " \xe2\x80\x94 overdue"), sizeof when - strlen(when) - 1);
    s_field(p, 2, triage ? S_T(p, "À examiner avant le", "Triage due") : S_T(p, "Prochain bilan le", "Next review"),
            c->due_ms ? when : S_T(p, "aucun", "none"));
    if (c->duplicate_count) {
        relais_cli_ids(c->duplicates, c->duplicate_count, ids, sizeof ids);
        snprintf(line, sizeof line, S_T(p, "%s : même enfant ? (fusionner, ou pas un doublon)",
                                        "%s: the same child? (merge, or not a duplicate)"), ids);
        s_field(p, 2, S_T(p, "Doublon possible", "Possible duplicate"), line);
    }
}

/* The last reviews and meetings a summary shows, the rest being on the case's page. */
#define S_SUMMARY_RECENT 3

/* The case's page, or its summary for the partnership meeting: the same words, fewer sections. */
static int s_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r, relais_cli_lang_t lang,
                    int summary)
{
    if (!r || r->case_count == 0)
        return relais_status_set(RELAIS_E_INVALID, "the hub sent no summary of the case");
    s_page_t p = {.sink = sink, .ctx = ctx, .lang = lang, .r = r, .c = &r->cases[0], .summary = summary,
                  .recent = summary ? S_SUMMARY_RECENT : 0};
    /* A partner is answered under its referral's handle, never a case id. */
    p.partner = relais_referral_handle_seq(p.c->case_id) != 0;
    if (summary && p.partner)
        return relais_status_set(RELAIS_E_INVALID, "a partner's view has no summary for the meeting");
    p.timeline = relais_cli_timeline_json(r, 1);
    if (!p.timeline)
        return relais_status_set(RELAIS_E_NOMEM, "case show: the page");
    p.child = s_first_child(p.timeline);
    s_print_header(&p);
    if (summary)
        s_print_pending(&p);
    s_print_child(&p);
    s_print_referrals(&p);
    if (!summary) /* the meeting decides without the family's addresses and phones */
        s_print_family(&p);
    if (!p.partner) {
        s_print_diagnosis(&p);
        s_print_pathway(&p);
        s_print_reviews(&p);
        s_print_meetings(&p);
    }
    if (!summary)
        s_print_history(&p);
    json_decref(p.timeline);
    return RELAIS_OK;
}

int relais_case_page_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                            relais_cli_lang_t lang)
{
    return s_render(sink, ctx, r, lang, 0);
}

int relais_case_summary_render(const relais_page_sink_t *sink, void *ctx, const relais_reply_t *r,
                               relais_cli_lang_t lang)
{
    return s_render(sink, ctx, r, lang, 1);
}

int relais_case_page_print(FILE *out, const relais_reply_t *r, relais_cli_lang_t lang)
{
    int rc = relais_case_page_render(&s_text_sink, out, r, lang);
    if (rc)
        return rc;
    return fflush(out) == 0 ? RELAIS_OK : relais_status_set(RELAIS_E_IO, "case show: the page could not be written");
}

/* ---- The page's parts, for a meeting's pages ------------------------------------------------- */

const char *relais_page_state(relais_case_state_t state, relais_cli_lang_t lang)
{
    s_page_t p = {.lang = lang};
    return s_state(&p, state);
}

const char *relais_page_urgency(relais_urgency_t urgency, relais_cli_lang_t lang)
{
    s_page_t p = {.lang = lang};
    return s_urgency(&p, urgency);
}

void relais_page_title(FILE *out, const char *title)
{
    s_txt_title(out, title);
}

void relais_page_heading(FILE *out, const char *title)
{
    s_txt_heading(out, title);
}

void relais_page_field(FILE *out, int indent, const char *label, const char *value)
{
    s_txt_field(out, indent, label, value);
}

void relais_page_text(FILE *out, int indent, const char *label, const char *text)
{
    s_txt_text_field(out, indent, label, text);
}

/* The state a paused case resumes to: the from_state of the update that paused it. */
relais_case_state_t relais_page_paused_from(const relais_reply_t *r)
{
    relais_case_state_t found = RELAIS_CASE_UNSPECIFIED;
    for (size_t i = 0; i < r->record_count; i++) {
        relais_message_t *msg = NULL;
        relais_case_update_view_t u;
        if (relais_record_message_decode(r->records[i], r->record_lens[i], NULL, NULL, &msg))
            continue;
        if (relais_message_case_update(msg, &u) == RELAIS_OK && u.to_state == RELAIS_CASE_PAUSED &&
            u.from_state != RELAIS_CASE_PAUSED)
            found = u.from_state;
        relais_message_destroy(&msg);
    }
    return found;
}
