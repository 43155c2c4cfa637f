/* assets.c -- what the desk's pages load, served from the binary: one style sheet and one small
 * script, nothing from elsewhere (the Content-Security-Policy allows 'self' only, and no inline
 * script or style).
 *
 * The style: readable text, contrasts of 4.5:1 and more (RGAA / WCAG 2.1 AA), a focus that shows
 * on every control, a skip link, no meaning carried by colour alone. The script: follows the
 * desk's event stream (Server-Sent Events) and refreshes the work list in place, saying so in a
 * live region; on a case's page it says the case has changed rather than read it again (a read
 * of a case is logged at the hub, the person decides). Without it every page works the same,
 * only not live.
 */
#include <string.h>

#include "desk_internal.h"

static const char s_css[] =
    ":root{color-scheme:light;--fg:#1b1b1b;--bg:#fff;--accent:#00468c;--alert:#a40000;--line:#b8b8b8;"
    "--focus:#ffbf47}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    "a{color:var(--accent)}\n"
    ":focus-visible{outline:3px solid #000;outline-offset:2px;box-shadow:0 0 0 6px var(--focus)}\n"
    ".skip{position:absolute;left:-10000px;top:0}\n"
    ".skip:focus{position:static;display:block;padding:.5rem 1rem;background:var(--focus);color:#000}\n"
    ".site{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.5rem 1rem;"
    "background:var(--accent);color:#fff}\n"
    ".site a{color:#fff}\n"
    ".site .name{font-weight:700;margin-right:auto}\n"
    ".site form{margin:0}\n"
    ".site button{background:transparent;border:1px solid #fff;color:#fff;padding:.2rem .8rem}\n"
    "main{padding:1rem;max-width:96rem}\n"
    "h1{font-size:1.6rem;margin:.5rem 0 1rem}\n"
    "h2{font-size:1.3rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line)}\n"
    "h3{font-size:1.1rem;margin:1rem 0 .25rem}\n"
    "h4{font-size:1rem;margin:.75rem 0 .25rem}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
    "th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}\n"
    "thead th{border-bottom:2px solid var(--fg)}\n"
    "tbody th{font-weight:600}\n"
    ".overdue{color:var(--alert);font-weight:700}\n"
    ".text{white-space:pre-wrap;margin:0}\n"
    "blockquote.text{border-left:3px solid var(--line);padding-left:.75rem;margin:.25rem 0 .5rem}\n"
    "dl{display:grid;grid-template-columns:minmax(10rem,max-content) 1fr;gap:.2rem 1rem;margin:.25rem 0 .75rem}\n"
    "dt{grid-column:1;font-weight:600}\n"
    "dd{grid-column:2;margin:0}\n"
    ".alert{border-left:5px solid var(--alert);background:#fdecea;padding:.5rem 1rem;margin:.5rem 0}\n"
    ".notice{border-left:5px solid var(--accent);background:#e8f0fa;padding:.5rem 1rem;margin:.5rem 0}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:flex-end;margin-bottom:1rem}\n"
    ".pages{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;margin:.75rem 0}\n"
    ".pages [aria-current]{font-weight:600}\n"
    ".field{margin:.75rem 0}\n"
    ".filters .field{margin:0}\n"
    "label{display:block;font-weight:600}\n"
    ".choice{display:flex;gap:.5rem;align-items:baseline;margin:.2rem 0}\n"
    ".choice label{display:inline;font-weight:400}\n"
    ".hint{display:block;font-weight:400;font-size:.95rem}\n"
    "input[type=text],input[type=search],input[type=date],textarea,select{font:inherit;padding:.3rem .4rem;"
    "border:1px solid #595959;border-radius:2px;width:100%;max-width:40rem;background:#fff;color:var(--fg)}\n"
    "input[type=checkbox],input[type=radio]{width:1.1rem;height:1.1rem}\n"
    "fieldset{border:1px solid var(--line);margin:.75rem 0;padding:.5rem 1rem;max-width:44rem}\n"
    "legend{font-weight:600;padding:0 .25rem}\n"
    "button{font:inherit;padding:.4rem 1.2rem;background:var(--accent);color:#fff;border:2px solid var(--accent);"
    "border-radius:3px;cursor:pointer}\n"
    ".visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}\n"
    "[hidden]{display:none!important}\n"
    ".site nav a+a{margin-left:1rem}\n"
    ".site nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}\n"
    /* the charts: each beside its table when there is room, the wide ones above it */
    ".pair{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}\n"
    ".pair figure{flex:0 1 auto;margin:0;min-width:0}\n"
    ".pair .scroll{flex:1 1 22rem}\n"
    ".pair.wide .scroll{flex-basis:100%}\n"
    "svg.chart{display:block;max-width:100%;height:auto}\n"
    "table.figures td{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.figures .sum th,table.figures .sum td{font-weight:700;border-top:2px solid var(--fg)}\n"
    ".hint-inline{font-weight:400}\n"
    "@media (max-width:40rem){dl{grid-template-columns:1fr}dd{grid-column:1;margin-left:1rem}}\n"
    "@page{size:A4;margin:12mm}\n"
    "@media print{.site,.skip,#move,#duplicates,.filters{display:none}"
    "body{font-size:10pt}main{padding:0;max-width:none}a{color:inherit}"
    ".chart-section{break-inside:avoid}.pair{display:block}.pair figure{max-width:none;margin-bottom:.5rem}"
    "svg.chart{max-height:200mm}.scroll{overflow:visible}"
    "table.figures th,table.figures td{padding:.1rem .3rem}"
    /* the reception's register extract: black on white, every cell ruled, its head on each page */
    "body{color:#000;background:#fff}form{display:none}"
    "table.register{border:1px solid #000}table.register th,table.register td{border:1px solid #000;"
    "padding:.1rem .3rem}table.register thead{display:table-header-group}table.register tr{break-inside:avoid}}\n";

static const char s_js[] =
    "/* desk.js -- follows the desk's event stream: the work list refreshed in place, a case's page told\n"
    " * that its case has changed. Served by relais desk; no data leaves the page but to the desk. */\n"
    "(function () {\n"
    "  'use strict';\n"
    "  var body = document.body;\n"
    "  var page = body.getAttribute('data-page');\n"
    "  if (!window.EventSource || !window.fetch || !window.DOMParser || !page) return;\n"
    "  var live = document.getElementById('live');\n"
    "  var busy = false, again = false;\n"
    "  function say(text) { if (live) live.textContent = text; }\n"
    "  function refresh() {\n"
    "    if (busy) { again = true; return; }\n"
    "    busy = true;\n"
    "    fetch(location.pathname + location.search, {credentials: 'same-origin', cache: 'no-store',\n"
    "                                                headers: {'X-Relais-Refresh': '1'}})\n"
    "      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })\n"
    "      .then(function (html) {\n"
    "        var doc = new DOMParser().parseFromString(html, 'text/html');\n"
    "        var fresh = doc.getElementById('worklist'), old = document.getElementById('worklist');\n"
    "        if (!fresh || !old) return;\n"
    "        var focused = document.activeElement && old.contains(document.activeElement) ?\n"
    "          document.activeElement.getAttribute('href') : null;\n"
    "        old.replaceWith(document.importNode(fresh, true));\n"
    "        if (focused) {\n"
    "          var again_focus = document.querySelector('#worklist a[href=\"' + focused + '\"]');\n"
    "          if (again_focus) again_focus.focus();\n"
    "        }\n"
    "        say(body.getAttribute('data-said-refreshed') || '');\n"
    "      })\n"
    "      .catch(function () { say(body.getAttribute('data-said-stale') || ''); })\n"
    "      .then(function () { busy = false; if (again) { again = false; refresh(); } });\n"
    "  }\n"
    "  var events = new EventSource('/events');\n"
    "  events.addEventListener('case', function (e) {\n"
    "    var d;\n"
    "    try { d = JSON.parse(e.data); } catch (x) { return; }\n"
    "    if (page === 'list') { refresh(); return; }\n"
    "    if (page === 'case' && d['case'] === body.getAttribute('data-case')) {\n"
    "      var note = document.getElementById('changed');\n"
    "      if (note && note.hidden) { note.hidden = false; say(note.textContent); }\n"
    "    }\n"
    "  });\n"
    "  events.addEventListener('reload', function () { if (page === 'list') refresh(); });\n"
    "  events.addEventListener('end', function () { events.close(); });\n"
    "})();\n";

static const desk_asset_t s_assets[] = {
    {"/assets/desk.css", "text/css; charset=utf-8", s_css},
    {"/assets/desk.js", "text/javascript; charset=utf-8", s_js},
};

const desk_asset_t *desk_asset(const char *path)
{
    for (size_t i = 0; i < sizeof s_assets / sizeof s_assets[0]; i++)
        if (strcmp(path, s_assets[i].path) == 0)
            return &s_assets[i];
    return NULL;
}
