// emlmp_text.h: the glue side of the self-checking end line (issue 18,
// lib/emlearn/eml_text.h): the strict keyword and the errors users read.
// Included after emlmp.h; only static inline functions.
#ifndef EMLMP_TEXT_H
#define EMLMP_TEXT_H

#include "eml_text.h"

// strict=True|False by keyword; `pos` positional arguments come first.
// `strict` is MP_QSTR_strict (qstrs are collected from the module's .c).
static inline bool emlmp_strict_arg(size_t n_args, size_t pos, const mp_obj_t *args, mp_map_t *kw, qstr strict_q) {
    bool strict = (n_args > pos) ? mp_obj_is_true(args[pos]) : true;
    for (size_t i = 0; kw != NULL && i < kw->alloc; i++) {
        const mp_obj_t key = kw->table[i].key;
        if (key == MP_OBJ_NULL || key == MP_OBJ_SENTINEL) {
            continue;
        }
        if (key != MP_OBJ_NEW_QSTR(strict_q)) {
            mp_raise_TypeError(MP_ERROR_TEXT("unexpected keyword argument: only strict"));
        }
        strict = mp_obj_is_true(kw->table[i].value);
    }
    return strict;
}

// Checks the end line `line` (file line number `line_no`) against the
// counts; `expected` names them for the message ("end,<items>,<crc32>").
static inline void emlmp_check_end(EmlTextCheck *k, const char *line, size_t len, const int32_t *counts,
                                   int32_t n_counts, mp_int_t line_no, const char *expected) {
    const EmlError err = eml_text_check_end(k, line, len, counts, n_counts);
    if (err == EmlBadArgument) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: malformed end line: expected %s with 8 hex digits",
                    EMLMP_INT(line_no), EMLMP_STR(expected));
    } else if (err == EmlSizeMismatch) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: end line counts differ from the file (%s)",
                    EMLMP_INT(line_no), EMLMP_STR(expected));
    } else if (err != EmlOk) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: checksum mismatch: the file is damaged", EMLMP_INT(line_no));
    }
}

static inline NORETURN void emlmp_missing_end(void) {
    mp_raise_ValueError(MP_ERROR_TEXT("missing end line: the file is incomplete (strict=False reads old files)"));
}

// The length of a UTF-8 byte order mark at the start of s (0 or 3).
static inline size_t emlmp_bom(const char *s, size_t len) {
    return (len >= 3 && (uint8_t)s[0] == 0xef && (uint8_t)s[1] == 0xbb && (uint8_t)s[2] == 0xbf) ? 3 : 0;
}

// Line `line_no` (from 1) of a file: the text `readline` (the file's bound
// readline method: str or bytes) returns, without the UTF-8 byte order mark
// an editor may put before line 1. *len is 0 at the end of the file.
static inline const char *emlmp_readline(mp_obj_t readline, mp_int_t line_no, size_t *len) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(mp_call_function_n_kw(readline, 0, 0, NULL), &buf, MP_BUFFER_READ);
    const size_t bom = (line_no == 1) ? emlmp_bom(buf.buf, buf.len) : 0;
    *len = buf.len - bom;
    return (const char *)buf.buf + bom;
}

// A float32 field that must be finite: nan and inf are refused by name, so
// that they never reach a computation whose error would blame the input.
static inline NORETURN void emlmp_not_finite(mp_int_t line_no, mp_int_t field) {
    EMLMP_RAISE(&mp_type_ValueError, "line %d: field %d is not a finite float32 (nan or inf)",
                EMLMP_INT(line_no), EMLMP_INT(field));
}

#endif // EMLMP_TEXT_H
