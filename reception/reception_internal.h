/* reception_internal.h -- what the registers' rules share (reception.c, lost.c, decree.c). */
#ifndef RELAIS_RECEPTION_INTERNAL_H
#define RELAIS_RECEPTION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Copies decoded text into a record's buffer; the verifier's limits keep it within. */
void reception_set(char *dst, size_t cap, const char *src);

/* A refusal: *status gets `code`, why (room cap) the sentence. Returns 0: a refusal is no error. */
int reception_refuse(int *status, char *why, size_t cap, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A step's refusal: its status and its sentence (a step with members `status` and `why[]`). */
#define RECEPTION_REFUSE(out, code, ...) reception_refuse(&(out)->status, (out)->why, sizeof(out)->why, code, __VA_ARGS__)

/* The error of a rebuild that meets a record the rules refuse: `what` the record's kind ("a
 * reception record"), `made` what cannot be made ("the register"). RELAIS_E_CORRUPT. */
int reception_refused_in_log(uint64_t seq, int status, const char *why, const char *what, const char *made);

#endif
