/* streets_internal.h -- what the list (streets.c) and the matcher (match.c) share; not installed. */
#ifndef RELAIS_STREETS_INTERNAL_H
#define RELAIS_STREETS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "relais_streets.h"

/* Room for a normalised name or text: expanding abbreviations ("dr" -> "docteur") at most
 * triples a text, and folding a Latin-1 byte gives at most two letters. */
#define STREETS_NORM_CAP (4 * RELAIS_STREETS_NAME_MAX + 1)

/* A name or a typed text as the matcher compares it. */
typedef struct {
    char text[STREETS_NORM_CAP]; /* words joined by one space, the type word first when there is one */
    size_t len;                  /* strlen(text) */
    size_t core;                 /* offset of the name after the type word (0 when no type) */
    int type;                    /* 1 + index of the type word in the matcher's table; 0 none */
    int guessed;                 /* the type word was typed with a typo ("reu"): never exact */
} streets_norm_t;

/* One street of a list. One allocation holds the three strings, starting at `name`. */
typedef struct {
    char *name;                                  /* nom_voie, as the BAN writes it (owns the block) */
    const char *commune;                         /* nom_commune, in name's block */
    const char *norm;                            /* normalised name, in name's block */
    uint16_t norm_len;                           /* strlen(norm) */
    uint16_t core;                               /* offset of the name after the type word in norm */
    uint8_t type;                                /* streets_norm_t.type */
    char postcode[6];                            /* 5 digits, or "" */
    char insee[6];                               /* the commune's INSEE code */
    char fantoir[RELAIS_STREETS_FANTOIR_MAX + 1]; /* id_fantoir, or "" */
} streets_street_t;

struct relais_streets {
    streets_street_t *items; /* count streets, sorted by norm, then name, then insee */
    size_t count;            /* streets in items */
    size_t cap;              /* room in items */
    char *source;            /* where the list came from */
    int several_communes;    /* the list spans more than one INSEE code: sentences name the commune */
};

/* Normalises text[0..len) into *out: a name of the list and a text typed alike (bytes that are
 * not UTF-8, which only a typed text holds, read as Latin-1). `guess`: a first word one typo
 * away from a common type word is taken for it ("reu" -> rue), for what is typed; the form
 * without the guess is the one compared for an exact match, so that every street is found
 * exactly by its own name. Never fails: what does not fit STREETS_NORM_CAP is cut at a word,
 * which bounded inputs never reach. */
void streets_normalize(const char *text, size_t len, int guess, streets_norm_t *out);

#endif
