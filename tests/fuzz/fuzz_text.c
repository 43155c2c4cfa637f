/* fuzz_text.c -- libFuzzer target: text others write that relais shows (escapes), connects to or listens on (endpoints, the desk's and the agent's addresses) or compares (children's names). */
#include "fuzz_common.h"

#include "relais_cases.h"
#include "relais_endpoint.h"
#include "relais_proto.h"

#include <stdlib.h>
#include <string.h>

/* The escape of any bytes is well-formed UTF-8 without a control, and text that has neither a
 * control nor a bad byte comes out as it went in. */
static void s_escape(const uint8_t *data, size_t size)
{
    size_t cap = 4 * size + 1;
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL, "no memory", 0);
    relais_text_escape((const char *)data, size, out, cap);
    size_t len = strlen(out), clean = 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = relais_utf8_next(out + i, len - i, &cp);
        FUZZ_CHECK(n > 0, "the escaped text is not UTF-8", 0);
        FUZZ_CHECK(!relais_text_is_control(cp), "a control survived the escape", 0);
        i += n;
    }
    for (size_t i = 0; i < size && clean;) {
        uint32_t cp;
        size_t n = relais_utf8_next((const char *)data + i, size - i, &cp);
        clean = n > 0 && !relais_text_is_control(cp);
        i += n ? n : 1;
    }
    if (clean)
        FUZZ_CHECK(len == size && memcmp(out, data, size) == 0, "clean text changed in the escape", 0);
    free(out);
}

/* An endpoint that parses is one zmq takes as is, and parses again to itself. */
static void s_endpoint(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "no memory", 0);
    memcpy(text, data, size);
    text[size] = '\0';
    relais_endpoint_t ep, again;
    int rc = relais_endpoint_parse(text, &ep);
    free(text);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_INVALID, "an endpoint refused with a code other than INVALID", rc);
        return;
    }
    int tcp = strncmp(ep.zmq, "tcp://", 6) == 0;
    FUZZ_CHECK(tcp || strncmp(ep.zmq, "ipc://", 6) == 0, "an endpoint of another transport", 0);
    if (tcp) {
        long port = strtol(ep.port, NULL, 10);
        FUZZ_CHECK(ep.host[0] && port >= 1 && port <= 65535, "a tcp endpoint without host or port", 0);
    }
    rc = relais_endpoint_parse(ep.zmq, &again);
    FUZZ_CHECK(rc == RELAIS_OK && strcmp(again.zmq, ep.zmq) == 0 && strcmp(again.host, ep.host) == 0 &&
                   strcmp(again.port, ep.port) == 0,
               "a parsed endpoint does not parse to itself", rc);
}

/* The addresses the desk and the agent take: a listen address that parses names this machine and
 * a port that prints back as it was written (leading zeros aside); a URL that passes is on this
 * machine, printable, short, with a port from 1 to 65535. */
static void s_loopback(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "no memory", 0);
    memcpy(text, data, size);
    text[size] = '\0';
    unsigned port = 70000;
    int rc = relais_endpoint_loopback_port(text, "fuzz", "fuzz", &port);
    if (rc == RELAIS_OK) {
        FUZZ_CHECK(strncmp(text, "127.0.0.1:", 10) == 0 || strncmp(text, "localhost:", 10) == 0,
                   "a listen address off this machine passed", 0);
        FUZZ_CHECK(port <= 65535 && strtoul(text + 10, NULL, 10) == port, "a listen port read wrong", (int)port);
    } else {
        FUZZ_CHECK(rc == RELAIS_E_INVALID && port == 70000, "a refused listen address changed the port", rc);
    }
    rc = relais_endpoint_loopback_url(text);
    if (rc == RELAIS_OK) {
        FUZZ_CHECK(strncmp(text, "http://127.0.0.1:", 17) == 0 || strncmp(text, "http://localhost:", 17) == 0,
                   "a URL off this machine passed", 0);
        unsigned long p = strtoul(text + 17, NULL, 10);
        FUZZ_CHECK(p >= 1 && p <= 65535 && strlen(text) < 500, "a URL with a bad port or length passed", (int)p);
        for (const char *c = text; *c; c++)
            FUZZ_CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f, "a URL with a control passed", *c);
    } else {
        FUZZ_CHECK(rc == RELAIS_E_INVALID, "a URL refused with a code other than INVALID", rc);
    }
    free(text);
}

/* Names as a blocking entry keeps them: what unpacks packs back to the same bytes; any names a
 * partner may write get a phonetic key or a clear refusal, and the rule judges them without
 * reading past them, the same both ways. */
static void s_names(const uint8_t *data, size_t size)
{
    char buf[RELAIS_CASES_NAMES_MAX], packed[RELAIS_CASES_NAMES_MAX], key[128];
    const char *given[RELAIS_CASES_NAMES_GIVEN_MAX];
    relais_referral_view_t view;
    size_t len = 0;
    if (size < sizeof buf && relais_cases_names_unpack(data, size, buf, sizeof buf, given, &view) == RELAIS_OK) {
        int rc = relais_cases_names_pack(&view, packed, sizeof packed, &len);
        FUZZ_CHECK(rc == RELAIS_OK && len == size && memcmp(packed, data, size) == 0,
                   "unpacked names do not pack back", rc);
        rc = relais_cases_phonetic_key(view.family_name, key, sizeof key);
        FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_MALFORMED || rc == RELAIS_E_INVALID,
                   "a phonetic key refused with another code", rc);
        relais_referral_view_t swapped = view;
        const char *family[1] = {view.family_name};
        if (view.given_count) {
            swapped.family_name = view.given_names[0];
            swapped.given_names = family;
            swapped.given_count = 1;
        }
        int ab = relais_cases_names_close(&view, &swapped), ba = relais_cases_names_close(&swapped, &view);
        FUZZ_CHECK(ab == ba, "the name rule is not the same both ways", ab);
        FUZZ_CHECK(relais_cases_names_close(&view, &view) != 0 || !view.family_name[0],
                   "names are not close to themselves", 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_escape(data, size);
    s_endpoint(data, size);
    s_loopback(data, size);
    s_names(data, size);
    return 0;
}
