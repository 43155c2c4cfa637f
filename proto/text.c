/* text.c -- text that reaches people: which characters are controls, the hub's rule for fields, escaping. */
#include "proto_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

size_t relais_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    if (len == 0)
        return 0;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    if (n == 0 || len < n)
        return 0;
    uint32_t v = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    /* the shortest form only, no surrogates, nothing past U+10FFFF */
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

size_t relais_utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80;
    return n;
}

int relais_text_is_control(uint32_t cp)
{
    /* C0, DEL and C1 move the cursor, clear the screen or retitle the window; U+2028 and
     * U+2029 break lines where \n is not looked for; the bidirectional embeddings, overrides
     * and isolates make a line read in another order than it is stored. */
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The name a person can look up, for the detail sentence of a refusal. */
static const char *s_control_name(uint32_t cp)
{
    static const char *const c0[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF",
                                     "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
                                     "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
    if (cp < 0x20)
        return c0[cp];
    if (cp == 0x7f)
        return "DEL";
    if (cp <= 0x9f)
        return "C1 control";
    if (cp == 0x2028 || cp == 0x2029)
        return "line or paragraph separator";
    return "bidirectional control";
}

/* Whether the byte at `p` can start a control: every control is ASCII, or a C1 (C2 80..9F),
 * or one of U+2028..202E and U+2066..2069 (E2 80 A8..AE, E2 81 A6..A9). Text is mostly
 * printable ASCII and letters: those bytes are passed over without decoding. */
static int s_may_start_control(const uint8_t *p)
{
    return p[0] < 0x20 || p[0] == 0x7f || p[0] == 0xc2 || p[0] == 0xe2;
}

int relais_proto_check_text(const char *s, int multiline, const char *path)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        if (!s_may_start_control((const uint8_t *)s + i)) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = relais_utf8_next(s + i, len - i, &cp);
        if (n == 0) /* the UTF-8 check, made before, says where */
            return path ? relais_status_set(RELAIS_E_MALFORMED, "%s: not valid UTF-8", path) : RELAIS_E_MALFORMED;
        int allowed = multiline && (cp == '\n' || cp == '\t' || (cp == '\r' && s[i + 1] == '\n'));
        if (relais_text_is_control(cp) && !allowed) {
            if (!path)
                return RELAIS_E_MALFORMED;
            return relais_status_set(RELAIS_E_MALFORMED, "%s: control character U+%04X (%s) at byte %zu; %s", path,
                                     (unsigned)cp, s_control_name(cp), i,
                                     multiline ? "this text may hold line breaks (\\n or \\r\\n) and tabs, no other "
                                                 "control"
                                               : "a one-line field holds no line break, tab or other control");
        }
        i += n;
    }
    return RELAIS_OK;
}

/* Appends `piece` when it fits whole; 0 when it does not (the output stops there). */
static int s_put(char *out, size_t cap, size_t *used, const char *piece, size_t n)
{
    if (*used + n >= cap)
        return 0;
    memcpy(out + *used, piece, n);
    *used += n;
    return 1;
}

char *relais_text_escape(const char *s, size_t len, char *out, size_t cap)
{
    if (!out || cap == 0)
        return out;
    size_t used = 0;
    for (size_t i = 0; s && i < len;) {
        uint32_t cp = 0;
        size_t n = relais_utf8_next(s + i, len - i, &cp);
        char esc[16];
        int ok;
        if (n == 0) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)(uint8_t)s[i]);
            ok = s_put(out, cap, &used, esc, 4);
            n = 1;
        } else if (!relais_text_is_control(cp)) {
            ok = s_put(out, cap, &used, s + i, n);
        } else {
            const char *named = cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : cp == '\t' ? "\\t" : NULL;
            int k = named ? snprintf(esc, sizeof esc, "%s", named)
                    : cp < 0x80 ? snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp)
                                : snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            ok = s_put(out, cap, &used, esc, (size_t)k);
        }
        if (!ok)
            break;
        i += n;
    }
    out[used] = '\0';
    return out;
}

/* ---- Folding: how relais compares names and words --------------------------------------- */

/* ASCII folding of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), lower
 * case; NULL keeps the character (the two signs, x and the division sign). */
static const char *const s_fold[] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* U+00C0 */
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss", /* U+00D0 */
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* U+00E0 */
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y", /* U+00F0 */
    "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", /* U+0100 */
    "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", /* U+0110 */
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", /* U+0120 */
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", /* U+0130 */
    "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", /* U+0140 */
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", /* U+0150 */
    "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", /* U+0160 */
    "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", /* U+0170 */
};

/* The code point at `s` (a byte that starts no sequence stands for itself: the codec has refused
 * invalid UTF-8 already), and its length in *len. */
static unsigned s_fold_next(const unsigned char *s, size_t *len)
{
    if (s[0] >= 0x80 && (s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *len = 2;
        return ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
    }
    if (s[0] >= 0x80 && (s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        *len = 3;
        return ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    }
    *len = 1;
    return s[0] < 0x80 ? s[0] : 0xfffd;
}

/* Spaces, hyphens and apostrophes, ASCII and typographic: "Ben-Ali", "N'Diaye", "N’Diaye". */
static int s_is_separator(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '-' || cp == '\'' || cp == 0x00a0 || cp == 0x2010 || cp == 0x2011 ||
           cp == 0x2019 || cp == 0x02bc;
}

typedef struct {
    char *out;    /* destination */
    size_t cap;   /* its room */
    size_t len;   /* bytes written */
    int space;    /* a separator is pending */
    int overflow; /* something did not fit */
} s_norm_t;

static void s_emit(s_norm_t *n, const char *bytes, size_t len)
{
    if (n->space && n->len > 0) {
        if (n->len + 1 >= n->cap) {
            n->overflow = 1;
            return;
        }
        n->out[n->len++] = ' ';
    }
    n->space = 0;
    if (n->len + len >= n->cap) {
        n->overflow = 1;
        return;
    }
    memcpy(n->out + n->len, bytes, len);
    n->len += len;
}

int relais_text_fold(const char *in, char *out, size_t cap)
{
    if (!in || !out || cap == 0)
        return RELAIS_E_INVALID;
    s_norm_t n = {out, cap, 0, 0, 0};
    const unsigned char *s = (const unsigned char *)in;
    while (*s) {
        size_t len;
        unsigned cp = s_fold_next(s, &len);
        if (s_is_separator(cp)) {
            n.space = 1;
        } else if (cp < 0x80) {
            char c = (char)tolower(cp);
            s_emit(&n, &c, 1);
        } else if (cp >= 0xc0 && cp < 0x180 && s_fold[cp - 0xc0]) {
            s_emit(&n, s_fold[cp - 0xc0], strlen(s_fold[cp - 0xc0]));
        } else {
            s_emit(&n, (const char *)s, len);
        }
        s += len;
    }
    out[n.len] = '\0';
    return n.overflow ? relais_status_set(RELAIS_E_INVALID, "name too long to normalise") : 0;
}

