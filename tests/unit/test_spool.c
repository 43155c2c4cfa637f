/* test_spool.c -- librelais's spool: order, removal, tags, and what survives a reopen or a killed writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "relais_proto.h"
#include "spool_internal.h"

typedef struct {
    char dir[256]; /* a fresh temporary folder for the spool */
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/relais-spool-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    /* the spool creates its own folder: point it one level below */
    strncat(f->dir, "/spool", sizeof f->dir - strlen(f->dir) - 1);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    char cmd[600];
    char *slash = strrchr(f->dir, '/');
    *slash = '\0';
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void s_put_text(relais_spool_t *sp, const char *text, const char *tag, uint64_t *key)
{
    assert_int_equal(relais_spool_put(sp, (const uint8_t *)text, strlen(text), tag, key), RELAIS_OK);
}

static void s_expect_next(relais_spool_t *sp, uint64_t after, const char *text, const char *tag, uint64_t *key)
{
    relais_spool_entry_t e;
    assert_int_equal(relais_spool_next(sp, after, &e), RELAIS_OK);
    assert_int_equal(e.len, strlen(text));
    assert_memory_equal(e.bytes, text, e.len);
    if (tag)
        assert_string_equal(e.tag, tag);
    else
        assert_null(e.tag);
    if (key)
        *key = e.key;
    relais_spool_entry_clear(&e);
}

static void test_order_and_remove(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    uint64_t k1, k2, k3;
    s_put_text(sp, "first", "a.json", &k1);
    s_put_text(sp, "second", NULL, &k2);
    s_put_text(sp, "third", "c.json", &k3);
    assert_true(k1 < k2 && k2 < k3);
    assert_int_equal(relais_spool_count(sp), 3);

    uint64_t k;
    s_expect_next(sp, 0, "first", "a.json", &k);
    assert_int_equal(k, k1);
    s_expect_next(sp, k1, "second", NULL, &k);
    s_expect_next(sp, k2, "third", "c.json", &k);
    relais_spool_entry_t e;
    assert_int_equal(relais_spool_next(sp, k3, &e), RELAIS_E_NOT_FOUND);

    /* removing from the middle keeps the order of the rest; removing twice is fine */
    assert_int_equal(relais_spool_remove(sp, k2), RELAIS_OK);
    assert_int_equal(relais_spool_remove(sp, k2), RELAIS_OK);
    s_expect_next(sp, k1, "third", "c.json", NULL);
    assert_int_equal(relais_spool_count(sp), 2);

    /* a new message goes after the newest, even once older ones are gone */
    assert_int_equal(relais_spool_remove(sp, k1), RELAIS_OK);
    uint64_t k4;
    s_put_text(sp, "fourth", NULL, &k4);
    assert_true(k4 > k3);
    s_expect_next(sp, 0, "third", "c.json", NULL);
    relais_spool_close(&sp);
    assert_null(sp);
    relais_spool_close(&sp); /* safe twice */
}

static void test_tags(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    uint64_t k1, k2, found = 0;
    s_put_text(sp, "x", "one.json", &k1);
    s_put_text(sp, "y", "two.json", &k2);
    assert_int_equal(relais_spool_find_tag(sp, "two.json", &found), RELAIS_OK);
    assert_int_equal(found, k2);
    assert_int_equal(relais_spool_find_tag(sp, "two", &found), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_spool_remove(sp, k2), RELAIS_OK);
    assert_int_equal(relais_spool_find_tag(sp, "two.json", &found), RELAIS_E_NOT_FOUND);
    relais_spool_close(&sp);
}

static void test_reopen_keeps_pending(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    uint64_t k1, k2;
    s_put_text(sp, "kept-1", "k1", &k1);
    s_put_text(sp, "kept-2", NULL, &k2);
    assert_int_equal(relais_spool_remove(sp, k1), RELAIS_OK);
    relais_spool_close(&sp);

    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    assert_int_equal(relais_spool_count(sp), 1);
    s_expect_next(sp, 0, "kept-2", NULL, NULL);
    relais_spool_close(&sp);
}

/* A writer killed right after put returned: what put acknowledged is there on reopen. The
 * process dies with SIGKILL, so nothing of close or atexit runs. */
static void test_crash_after_put(void **state)
{
    s_fixture_t *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        relais_spool_t *sp = NULL;
        if (relais_spool_open(f->dir, 0, &sp) != RELAIS_OK)
            _exit(3);
        for (int i = 0; i < 50; i++) {
            char text[32];
            snprintf(text, sizeof text, "message-%02d", i);
            if (relais_spool_put(sp, (const uint8_t *)text, strlen(text), NULL, NULL) != RELAIS_OK)
                _exit(4);
        }
        kill(getpid(), SIGKILL);
        _exit(5);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    assert_int_equal(relais_spool_count(sp), 50);
    uint64_t key = 0;
    for (int i = 0; i < 50; i++) {
        char text[32];
        snprintf(text, sizeof text, "message-%02d", i);
        s_expect_next(sp, key, text, NULL, &key);
    }
    relais_spool_close(&sp);
}

static void test_bad_input(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(NULL, 0, &sp), RELAIS_E_INVALID);
    assert_int_equal(relais_spool_open("", 0, &sp), RELAIS_E_INVALID);
    /* Under a file, no folder can be made (whoever runs the test: root too). */
    char blocked[300];
    snprintf(blocked, sizeof blocked, "%s-file", f->dir);
    FILE *file = fopen(blocked, "w");
    assert_non_null(file);
    fclose(file);
    strncat(blocked, "/spool", sizeof blocked - strlen(blocked) - 1);
    assert_int_equal(relais_spool_open(blocked, 0, &sp), RELAIS_E_IO);
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    assert_int_equal(relais_spool_put(sp, NULL, 0, NULL, NULL), RELAIS_E_INVALID);
    assert_int_equal(relais_spool_put(sp, (const uint8_t *)"", 0, NULL, NULL), RELAIS_E_INVALID);
    relais_spool_close(&sp);
}

/* A first run: the folders above the spool (~/.relais) are made too. */
static void test_missing_parents(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    char nested[300];
    snprintf(nested, sizeof nested, "%s/relais/spool-college", f->dir);
    assert_int_equal(relais_spool_open(nested, 0, &sp), RELAIS_OK);
    s_put_text(sp, "kept", NULL, NULL);
    relais_spool_close(&sp);
    assert_int_equal(relais_spool_open(nested, 0, &sp), RELAIS_OK);
    assert_int_equal(relais_spool_count(sp), 1);
    relais_spool_close(&sp);
}

/* A spool whose map is full says STORE_FULL and keeps what it had. */
static void test_full(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 256 * 1024, &sp), RELAIS_OK);
    static uint8_t blob[16 * 1024];
    memset(blob, 'z', sizeof blob);
    int rc = RELAIS_OK, stored = 0;
    for (int i = 0; i < 64 && rc == RELAIS_OK; i++)
        if ((rc = relais_spool_put(sp, blob, sizeof blob, NULL, NULL)) == RELAIS_OK)
            stored++;
    assert_int_equal(rc, RELAIS_E_STORE_FULL);
    assert_true(stored > 0);
    assert_int_equal(relais_spool_count(sp), stored);
    relais_spool_close(&sp);
}

/* A settled message leaves the spool and its outcome stays, found by its id after a reopen; a key
 * settled twice (two agents) records once; the outcomes are listed newest first and the oldest go
 * beyond RELAIS_SPOOL_OUTCOMES. */
static void test_outcomes(void **state)
{
    s_fixture_t *f = *state;
    relais_spool_t *sp = NULL;
    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    uint64_t k1, k2;
    s_put_text(sp, "first", "case update C-12", &k1);
    s_put_text(sp, "second", NULL, &k2);
    relais_spool_entry_t e;
    assert_int_equal(relais_spool_next(sp, 0, &e), RELAIS_OK);
    assert_true(e.spooled_ms > 1700000000000LL);
    int64_t spooled = e.spooled_ms;
    relais_spool_entry_clear(&e);

    relais_spool_outcome_t refused = {.msg_id = {1}, .spooled_ms = spooled, .settled_ms = spooled + 5000,
                                      .refused = 1};
    snprintf(refused.code, sizeof refused.code, "BAD_TRANSITION");
    snprintf(refused.sentence, sizeof refused.sentence, "le dossier C-12 est clos");
    snprintf(refused.tag, sizeof refused.tag, "case update C-12");
    assert_int_equal(relais_spool_settle(sp, k1, &refused), RELAIS_OK);
    relais_spool_outcome_t acked = {.msg_id = {2}, .settled_ms = spooled + 6000, .seq = 42};
    snprintf(acked.case_id, sizeof acked.case_id, "A-42");
    assert_int_equal(relais_spool_settle(sp, k2, &acked), RELAIS_OK);
    relais_spool_outcome_t again = acked;
    again.msg_id[0] = 3;
    assert_int_equal(relais_spool_settle(sp, k2, &again), RELAIS_OK); /* gone already: nothing kept */
    assert_int_equal(relais_spool_count(sp), 0);
    relais_spool_close(&sp);

    assert_int_equal(relais_spool_open(f->dir, 0, &sp), RELAIS_OK);
    relais_spool_outcome_t got;
    assert_int_equal(relais_spool_outcome(sp, refused.msg_id, &got), RELAIS_OK);
    assert_true(got.refused);
    assert_int_equal(got.spooled_ms, spooled);
    assert_string_equal(got.code, "BAD_TRANSITION");
    assert_string_equal(got.sentence, "le dossier C-12 est clos");
    assert_string_equal(got.tag, "case update C-12");
    assert_int_equal(relais_spool_outcome(sp, again.msg_id, &got), RELAIS_E_NOT_FOUND);
    relais_spool_outcome_t *list = NULL;
    size_t n = 0;
    assert_int_equal(relais_spool_outcomes(sp, &list, &n), RELAIS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].seq, 42);
    assert_string_equal(list[0].case_id, "A-42");
    assert_true(list[1].refused);
    free(list);

    /* beyond the bound, the oldest go: the refusal first */
    for (int i = 0; i < RELAIS_SPOOL_OUTCOMES; i++) {
        uint64_t k;
        s_put_text(sp, "more", NULL, &k);
        relais_spool_outcome_t o = {.settled_ms = spooled + 10000 + i, .seq = (uint64_t)i};
        o.msg_id[0] = 9;
        memcpy(o.msg_id + 1, &i, sizeof i);
        assert_int_equal(relais_spool_settle(sp, k, &o), RELAIS_OK);
    }
    assert_int_equal(relais_spool_outcomes(sp, &list, &n), RELAIS_OK);
    assert_int_equal(n, RELAIS_SPOOL_OUTCOMES);
    free(list);
    assert_int_equal(relais_spool_outcome(sp, refused.msg_id, &got), RELAIS_E_NOT_FOUND);
    assert_int_equal(relais_spool_outcome(sp, acked.msg_id, &got), RELAIS_E_NOT_FOUND);
    relais_spool_close(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_remove, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tags, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_pending, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_crash_after_put, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_missing_parents, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_outcomes, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
