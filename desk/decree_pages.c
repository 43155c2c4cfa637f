/* decree_pages.c -- the town's decrees on the reception's desk: what is in force at a street's number
 * on a day (the question a resident asks at the desk), the decrees listed and searched, and a
 * decree's page with its text. Reads only: publishing is the mayor's office's (`relais decree
 * publish`, an identity of its own), never the desk's.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "desk_internal.h"
#include "relais_reception.h"

#define T(lang, fr, en) DESK_T(lang, fr, en)

static int s_read_decree(relais_client_t *hub, const void *query, void *out, relais_error_t *err)
{
    return relais_client_decree(hub, query, out, err);
}

/* A decree's place in words: "Rue Houdan, n° 2 à 40, côté pair". */
static void s_place(const relais_decree_place_t *p, relais_cli_lang_t lang, desk_buf_t *b)
{
    desk_buf_text(b, p->street);
    if (p->from_number && p->from_number == p->to_number)
        desk_buf_printf(b, T(lang, ", n° %u", ", no. %u"), p->from_number);
    else if (p->from_number && !p->to_number)
        desk_buf_printf(b, T(lang, ", à partir du n° %u", ", from no. %u"), p->from_number);
    else if (p->to_number)
        desk_buf_printf(b, T(lang, ", n° %u à %u", ", nos. %u to %u"), p->from_number ? p->from_number : 1,
                        p->to_number);
    if (p->side == RELAIS_SIDE_EVEN)
        desk_buf_put(b, T(lang, ", côté pair", ", even side"));
    else if (p->side == RELAIS_SIDE_ODD)
        desk_buf_put(b, T(lang, ", côté impair", ", odd side"));
}

/* A decree as a section: its number (a link to its page), title, kind, days, places, repeal. */
static void s_decree(const relais_decree_record_t *r, relais_cli_lang_t lang, int heading, desk_buf_t *b)
{
    const relais_decree_t *d = &r->decree;
    char from[48], to[48], signed_on[48];
    relais_cli_date(d->effective_from, lang, from, sizeof from);
    relais_cli_date(d->effective_to, lang, to, sizeof to);
    relais_cli_date(d->signed_date, lang, signed_on, sizeof signed_on);
    desk_buf_t u = {0};
    desk_r_url_value(&u, d->number);
    desk_buf_printf(b, "<article class=\"decree\">\n<h%d><a href=\"/decrees/", heading);
    desk_buf_text(b, u.data ? u.data : "");
    desk_buf_printf(b, "\">%s ", T(lang, "Arrêté n°", "Decree no."));
    desk_buf_text(b, d->number);
    desk_buf_put(b, "</a> — ");
    desk_buf_text(b, d->title);
    desk_buf_printf(b, "</h%d>\n<dl>\n<dt>%s</dt><dd>%s, %s</dd>\n<dt>%s</dt><dd>", heading, T(lang, "Nature", "Kind"),
                    d->nature == RELAIS_DECREE_INDIVIDUAL ? T(lang, "individuel", "individual")
                                                          : T(lang, "réglementaire", "regulatory"),
                    d->duration == RELAIS_DECREE_TEMPORARY ? T(lang, "temporaire", "temporary")
                                                           : T(lang, "permanent", "permanent"),
                    T(lang, "En vigueur", "In force"));
    if (d->duration == RELAIS_DECREE_TEMPORARY && strcmp(d->effective_from, d->effective_to) == 0)
        desk_buf_printf(b, "%s %s", T(lang, "le", "on"), from);
    else if (d->effective_to[0])
        desk_buf_printf(b, "%s %s %s %s", T(lang, "du", "from"), from, T(lang, "au", "to"), to);
    else
        desk_buf_printf(b, "%s %s", T(lang, "à partir du", "from"), from);
    desk_buf_printf(b, "</dd>\n<dt>%s</dt><dd>", T(lang, "Lieux", "Places"));
    if (d->town_wide)
        desk_buf_put(b, T(lang, "toute la commune", "the whole town"));
    for (size_t i = 0; i < d->place_count && i < RELAIS_MAX_DECREE_PLACES; i++) {
        desk_buf_put(b, i || d->town_wide ? " ; " : "");
        s_place(&d->places[i], lang, b);
    }
    desk_buf_printf(b, "</dd>\n<dt>%s</dt><dd>%s ", T(lang, "Signé", "Signed"), T(lang, "le", "on"));
    desk_buf_printf(b, "%s, ", signed_on);
    desk_buf_text(b, d->signatory);
    desk_buf_put(b, "</dd>\n");
    if (r->repealed_by[0]) {
        char since[48];
        relais_cli_date(r->repealed_from, lang, since, sizeof since);
        desk_buf_printf(b, "<dt>%s</dt><dd>", T(lang, "Abrogé", "Repealed"));
        desk_buf_text(b, r->repealed_by);
        desk_buf_printf(b, ", %s %s</dd>\n", T(lang, "à compter du", "from"), since);
    }
    desk_buf_put(b, "</dl>\n</article>\n");
    desk_buf_free(&u);
}

static void s_today(char out[RELAIS_DATE_LEN])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || !strftime(out, RELAIS_DATE_LEN, "%Y-%m-%d", &tm))
        out[0] = '\0';
}

/* ---- What is in force here on that day, and the list ------------------------------------------------- */

static enum MHD_Result s_decrees(desk_request_t *r)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    struct MHD_Connection *conn = r->conn;
    const char *street = desk_r_arg(conn, "street"), *number = desk_r_arg(conn, "number"), *on = desk_r_arg(conn, "on");
    int asked = *street || *number || *on;
    unsigned status = MHD_HTTP_OK;
    const char *title = T(lang, "Arrêtés", "Decrees");
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "decrees", &b);
    desk_buf_printf(&b, "<h1>%s</h1>\n", title);

    /* the question first: the agent has a resident in front of them */
    desk_r_view_t v = {.form = "inforce"};
    relais_request_t q = {.kind = RELAIS_REQ_DECREE_IN_FORCE};
    relais_reply_t reply = {0};
    char why[512];
    int rc = 0, read = 0;
    if (asked) {
        snprintf(q.house_number, sizeof q.house_number, "%s", number);
        if (*on)
            snprintf(q.on_date, sizeof q.on_date, "%s", on);
        else
            s_today(q.on_date);
        if (!*street)
            status = desk_r_refuse(&v, "street", T(lang, "quelle rue ?", "which street?"), lang);
        else if (!relais_calendar_date(q.on_date, NULL, NULL, NULL))
            status = desk_r_refuse(&v, "on", T(lang, "le jour attend une date (2026-12-14).", "the day expects a date (2026-12-14)."),
                                   lang);
        else if (desk_r_street(desk, street, q.street, sizeof q.street, &v, lang) != 0)
            status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        else if ((rc = desk_r_read(desk, s_read_decree, &q, &reply, lang, why, sizeof why)) != 0)
            status = desk_r_read_status(rc);
        else
            read = 1;
    }
    desk_buf_printf(&b, "<section aria-labelledby=\"inforce-title\">\n<h2 id=\"inforce-title\">%s</h2>\n",
                    T(lang, "Ce qui est en vigueur à une adresse, un jour", "What is in force at an address on a day"));
    /* the typed words are the query's: the view shows them again through a form of its own */
    desk_form_t typed = {0};
    size_t n = 0;
    static const char *const keys[] = {"street", "number", "on"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(typed.extra[n].key, sizeof typed.extra[n].key, "%s", keys[i]);
        typed.extra[n++].value = (char *)desk_r_arg(conn, keys[i]);
    }
    typed.extra_count = n;
    v.typed = &typed;
    desk_r_alert(&v, "inforce", &b);
    desk_buf_printf(&b, "<form method=\"get\" action=\"/decrees\" class=\"filters\"%s>\n",
                    v.alert[0] ? " aria-describedby=\"inforce-error\"" : "");
    desk_r_input(&b, &v, "inforce", "text", "street", T(lang, "Rue", "Street"),
                 T(lang, "cherchée dans la liste des voies de la ville (« r. houdan »)",
                   "looked up in the town's street list (\"r. houdan\")"),
                 desk_r_value(&v, "inforce", "street"), 1);
    desk_r_input(&b, &v, "inforce", "text", "number", T(lang, "Numéro", "Number"), NULL,
                 desk_r_value(&v, "inforce", "number"), 0);
    desk_r_input(&b, &v, "inforce", "date", "on", T(lang, "Le", "On"), T(lang, "aujourd'hui si vide", "today when empty"),
                 desk_r_value(&v, "inforce", "on"), 0);
    desk_buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Chercher", "Look up"));
    if (rc)
        desk_r_trouble(&b, why);
    if (read) {
        char day[48];
        relais_cli_date(q.on_date, lang, day, sizeof day);
        desk_buf_printf(&b, "<p role=\"status\">%s %s, ", T(lang, "Le", "On"), day);
        desk_buf_text(&b, q.house_number);
        desk_buf_put(&b, q.house_number[0] ? " " : "");
        desk_buf_text(&b, q.street);
        if (reply.decree_count)
            desk_buf_printf(&b, T(lang, " : %zu arrêté%s en vigueur.</p>\n", ": %zu decree%s in force.</p>\n"),
                            reply.decree_count, reply.decree_count > 1 ? "s" : "");
        else
            desk_buf_put(&b, T(lang, " : aucun arrêté en vigueur, ni de la commune entière ni de cette rue.</p>\n",
                               ": no decree in force, neither of the whole town nor of this street.</p>\n"));
        for (size_t i = 0; i < reply.decree_count; i++)
            s_decree(&reply.decrees[i], lang, 3, &b);
    }
    relais_reply_clear(&reply);
    desk_buf_put(&b, "</section>\n");

    /* the register of decrees, searched */
    relais_request_t l = {.kind = RELAIS_REQ_DECREE_LIST};
    snprintf(l.search, sizeof l.search, "%s", desk_r_arg(conn, "q"));
    uint64_t before;
    if (relais_cli_parse_u64(desk_r_arg(conn, "before"), &before) == 0)
        l.before = before;
    desk_buf_printf(&b, "<section aria-labelledby=\"list-title\">\n<h2 id=\"list-title\">%s</h2>\n"
                        "<form method=\"get\" action=\"/decrees\" class=\"filters\" role=\"search\" aria-label=\"%s\">\n",
                    T(lang, "Registre des arrêtés", "The register of decrees"),
                    T(lang, "Chercher un arrêté", "Search the decrees"));
    desk_r_input(&b, NULL, "decrees", "search", "q", T(lang, "Rechercher", "Search"),
                 T(lang, "numéro, titre, rue", "number, title, street"), desk_r_arg(conn, "q"), 0);
    desk_buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n", T(lang, "Chercher", "Search"));
    int lrc = desk_r_read(desk, s_read_decree, &l, &reply, lang, why, sizeof why);
    if (lrc) {
        desk_r_trouble(&b, why);
        if (status == MHD_HTTP_OK)
            status = desk_r_read_status(lrc);
    } else if (!reply.decree_count) {
        desk_buf_printf(&b, "<p>%s</p>\n", T(lang, "Aucun arrêté.", "No decree."));
    }
    for (size_t i = 0; !lrc && i < reply.decree_count; i++)
        s_decree(&reply.decrees[i], lang, 3, &b);
    static const char *const list_keys[] = {"q"};
    if (!lrc && reply.next_seq)
        desk_r_next_link(&b, conn, "/decrees", list_keys, 1, reply.next_seq, T(lang, "Arrêtés plus anciens", "Older decrees"),
                         lang);
    relais_reply_clear(&reply);
    desk_buf_put(&b, "</section>\n");
    desk_page_end(lang, &b);
    return desk_http_send(desk, conn, status, &b, r->made, NULL);
}

/* ---- A decree's page ------------------------------------------------------------------------------------ */

static enum MHD_Result s_decree_page(desk_request_t *r, const char *number)
{
    relais_desk_t *desk = r->desk;
    relais_cli_lang_t lang = r->s->lang;
    relais_request_t q = {.kind = RELAIS_REQ_DECREE_SHOW};
    char why[512];
    if (!*number || strlen(number) >= sizeof q.decree_number)
        return desk_http_say(desk, r->conn, MHD_HTTP_NOT_FOUND, r->s, lang, T(lang, "Pas de tel arrêté", "No such decree"),
                             T(lang, "Un arrêté se nomme par son numéro (2026-148).", "A decree is named by its number (2026-148)."),
                             r->made);
    snprintf(q.decree_number, sizeof q.decree_number, "%s", number);
    relais_reply_t reply = {0};
    int rc = desk_r_read(desk, s_read_decree, &q, &reply, lang, why, sizeof why);
    /* read first: the count is the reply's once the read filled it */
    rc = desk_r_one(rc, &reply, reply.decree_count, T(lang, "le hub n'a pas envoyé l'arrêté", "the hub sent no decree"),
                    why, sizeof why);
    if (rc)
        return desk_r_unread(r, rc, T(lang, "Arrêté non lu", "Decree not read"), why);
    const relais_decree_record_t *d = &reply.decrees[0];
    char title[RELAIS_DECREE_NUMBER_LEN + 32], when[48];
    snprintf(title, sizeof title, "%s %s", T(lang, "Arrêté n°", "Decree no."), d->decree.number);
    desk_buf_t b = {0};
    desk_page_begin(desk, r->s, lang, title, "decrees", &b);
    desk_buf_printf(&b, "<p><a href=\"/decrees\">%s</a></p>\n<h1>", T(lang, "← Les arrêtés", "← The decrees"));
    desk_buf_text(&b, title);
    desk_buf_put(&b, "</h1>\n");
    s_decree(d, lang, 2, &b);
    desk_r_when(d->received_ms, lang, when, sizeof when);
    desk_buf_printf(&b, "<p>%s %s %s ", T(lang, "Publié dans le registre le", "Published in the register on"), when,
                    T(lang, "par", "by"));
    desk_buf_text(&b, d->sender);
    desk_buf_printf(&b, " (%s %" PRIu64 ").</p>\n", T(lang, "enregistrement", "record"), d->seq);
    if (d->decree.has_pdf) {
        char hex[65];
        for (size_t i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d->decree.pdf_sha256[i]);
        desk_buf_printf(&b, "<p>%s <code>%s</code></p>\n", T(lang, "PDF signé, SHA-256 :", "Signed PDF, SHA-256:"), hex);
    }
    /* the text is in the signed record alone */
    relais_message_t *msg = NULL;
    relais_decree_t whole;
    const char *text = NULL;
    if (reply.record_count &&
        relais_record_message_decode(reply.records[0], reply.record_lens[0], NULL, NULL, &msg) == 0 &&
        relais_message_decree(msg, &whole, &text) == 0 && text && text[0]) {
        desk_buf_printf(&b, "<h2>%s</h2>\n<div class=\"decree-text\">", T(lang, "Texte", "Text"));
        desk_buf_lines(&b, text);
        desk_buf_put(&b, "</div>\n");
    }
    relais_message_destroy(&msg);
    relais_reply_clear(&reply);
    desk_page_end(lang, &b);
    return desk_http_send(desk, r->conn, MHD_HTTP_OK, &b, r->made, NULL);
}

int desk_decree_route(desk_request_t *r, enum MHD_Result *answer)
{
    if (!r->get)
        return 0;
    if (strcmp(r->url, "/decrees") == 0) {
        *answer = s_decrees(r);
        return 1;
    }
    if (strncmp(r->url, "/decrees/", 9) == 0 && !strchr(r->url + 9, '/')) {
        *answer = s_decree_page(r, r->url + 9);
        return 1;
    }
    return 0;
}
