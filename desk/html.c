/* html.c -- HTML made safe: a growing buffer, and every text from others written as text.
 *
 * A child's name, a note, a school or the hub's sentence is data, never markup: the characters
 * HTML gives a meaning to become references, and the controls the terminal's pages escape
 * (relais_text_escape: C0, DEL, C1, the line separators, the bidirectional overrides) are escaped
 * the same way first, so that no text can reorder or hide what is around it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_internal.h"

static int s_room(desk_buf_t *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) {
        free(b->data);
        *b = (desk_buf_t){.failed = 1};
        return 0;
    }
    b->data = grown;
    b->cap = cap;
    return 1;
}

void desk_buf_putn(desk_buf_t *b, const char *s, size_t n)
{
    if (!s_room(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void desk_buf_put(desk_buf_t *b, const char *s)
{
    desk_buf_putn(b, s, strlen(s));
}

void desk_buf_printf(desk_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !s_room(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* s[0..len) HTML-escaped. */
static void s_escape(desk_buf_t *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *ref = NULL;
        switch (s[i]) {
        case '&': ref = "&amp;"; break;
        case '<': ref = "&lt;"; break;
        case '>': ref = "&gt;"; break;
        case '"': ref = "&quot;"; break;
        case '\'': ref = "&#39;"; break;
        default: continue;
        }
        desk_buf_putn(b, s + start, i - start);
        desk_buf_put(b, ref);
        start = i + 1;
    }
    desk_buf_putn(b, s + start, len - start);
}

/* One line of text: controls escaped, then HTML. */
static void s_line(desk_buf_t *b, const char *s, size_t len)
{
    size_t cap = 4 * len + 1; /* an escape is at most 4 bytes a byte (\xHH) or 6 for 3 (\uHHHH) */
    char *safe = malloc(cap);
    if (!safe) {
        desk_buf_free(b);
        b->failed = 1;
        return;
    }
    relais_text_escape(s, len, safe, cap);
    s_escape(b, safe, strlen(safe));
    free(safe);
}

void desk_buf_text(desk_buf_t *b, const char *text)
{
    if (text)
        s_line(b, text, strlen(text));
}

void desk_buf_lines(desk_buf_t *b, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        s_line(b, text, len && text[len - 1] == '\r' ? len - 1 : len);
        if (nl)
            desk_buf_put(b, "\n");
        text = nl ? nl + 1 : text + len;
    }
}

void desk_buf_free(desk_buf_t *b)
{
    free(b->data);
    *b = (desk_buf_t){0};
}
