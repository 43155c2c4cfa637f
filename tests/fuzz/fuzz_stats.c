/* fuzz_stats.c -- libFuzzer target: the stored statistics, read back from bytes.
 *
 * The statistics outlive the cases, in a file or a store that may have been altered or cut.
 * Reading them may not crash; what reads is what the encoder writes again, byte for byte once
 * it has written it; and whatever reads can be published, at any threshold.
 */
#define _GNU_SOURCE /* fopencookie */
#include "fuzz_common.h"

#include "relais_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static FILE *s_sink; /* the published text goes nowhere: only its making is under test */

static ssize_t s_discard(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    (void)buf;
    return (ssize_t)size;
}

static void s_close(void)
{
    if (s_sink)
        fclose(s_sink);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    s_sink = fopencookie(NULL, "w", (cookie_io_functions_t){.write = s_discard});
    if (!s_sink)
        fuzz_fail("no stream to publish into", 0);
    atexit(s_close);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    relais_stats_t *stats = (relais_stats_t *)&stats; /* a refusal must leave NULL */
    int rc = relais_stats_decode(data, size, &stats);
    if (rc != RELAIS_OK) {
        FUZZ_CHECK(rc == RELAIS_E_MALFORMED || rc == RELAIS_E_VERSION || rc == RELAIS_E_NOMEM,
                   "stored statistics refused with another code", rc);
        FUZZ_CHECK(stats == NULL, "a refusal left statistics", rc);
        return 0;
    }
    /* canonical after one pass: decode(encode(x)) encodes to the same bytes */
    char *json = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    relais_stats_t *back = NULL;
    rc = relais_stats_encode(stats, &json, &len);
    FUZZ_CHECK(rc == RELAIS_OK, "statistics that decode do not encode", rc);
    rc = relais_stats_decode((const uint8_t *)json, len, &back);
    FUZZ_CHECK(rc == RELAIS_OK, "the encoder wrote what the decoder refuses", rc);
    FUZZ_CHECK(relais_stats_total(back) == relais_stats_total(stats), "the total changed on the way", 0);
    rc = relais_stats_encode(back, &again, &again_len);
    FUZZ_CHECK(rc == RELAIS_OK && again_len == len && memcmp(json, again, len) == 0,
               "the stored form is not the same after a round trip", rc);

    /* publishing: the threshold from the input, so that every branch of the rule is reached */
    unsigned threshold = size ? data[size - 1] % 12 : RELAIS_STATS_THRESHOLD_DEFAULT;
    char *published = NULL;
    rc = relais_stats_publish_json(stats, threshold, &published);
    FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_NOMEM, "statistics that decode do not publish", rc);
    rc = relais_stats_publish_text(stats, threshold, s_sink);
    FUZZ_CHECK(rc == RELAIS_OK || rc == RELAIS_E_NOMEM, "statistics that decode do not publish as text", rc);

    free(published);
    free(json);
    free(again);
    relais_stats_destroy(&back);
    relais_stats_destroy(&stats);
    return 0;
}
