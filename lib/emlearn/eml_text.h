// Text model/config files, read a line at a time: fields, integers,
// exact-width hex, float32 bits, and the self-check end line shared by
// every file format (issue 18):
//
//     end,<count>,...,<crc>
//
// where <crc> is exactly 8 lowercase hex digits of zlib.crc32 over all
// bytes before the end line, and the end line itself ends with '\n'.
// No allocation, no floats, no libc calls.
#ifndef EML_TEXT_H
#define EML_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "eml_common.h"
#include "eml_crc32.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EML_TEXT_INLINE static inline __attribute__((always_inline))
#else
#define EML_TEXT_INLINE static inline
#endif

// Float32 bits <-> float through a union (no memcpy: a library call).
EML_TEXT_INLINE uint32_t eml_text_float_bits(float f) {
    union {
        float f;
        uint32_t u;
    } v;
    v.f = f;
    return v.u;
}

EML_TEXT_INLINE float eml_text_bits_float(uint32_t u) {
    union {
        float f;
        uint32_t u;
    } v;
    v.u = u;
    return v.f;
}

// A line being read. Fields are separated by commas or white space; '['
// and ']' separate too, so emlearn's 8-bit leaves ("l,[  0 255]") read as
// numbers.
typedef struct {
    const char *p;
    const char *end;
} EmlTextCursor;

static inline int eml_text_is_sep(char c) {
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '[' || c == ']';
}

// The next non-empty field; returns 0 at the end of the line.
static inline int eml_text_next(EmlTextCursor *c, const char **field, size_t *len) {
    while (c->p < c->end && eml_text_is_sep(*c->p)) {
        c->p++;
    }
    *field = c->p;
    while (c->p < c->end && !eml_text_is_sep(*c->p)) {
        c->p++;
    }
    *len = (size_t)(c->p - *field);
    return *len > 0;
}

// Whether the field s equals the NUL-terminated word.
static inline int eml_text_is(const char *s, size_t len, const char *word) {
    size_t i = 0;
    for (; i < len && word[i] && s[i] == word[i]; i++) {
    }
    return i == len && !word[i];
}

// [+-]digits, within int32. Returns 0 when malformed.
static inline int eml_text_int(const char *s, size_t len, int32_t *out) {
    const int neg = len > 0 && s[0] == '-';
    size_t i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == len) {
        return 0;
    }
    uint32_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > 214748364u) {
            return 0;
        }
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 0x7fffffffu + (neg ? 1u : 0u)) {
        return 0;
    }
    *out = neg ? (int32_t)(0u - v) : (int32_t)v;
    return 1;
}

// Exactly 8 lowercase hex digits. Returns 0 otherwise.
static inline int eml_text_hex32(const char *s, size_t len, uint32_t *out) {
    if (len != 8) {
        return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        const char ch = s[i];
        uint32_t d;
        if (ch >= '0' && ch <= '9') {
            d = (uint32_t)(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = (uint32_t)(ch - 'a' + 10);
        } else {
            return 0;
        }
        v = (v << 4) | d;
    }
    *out = v;
    return 1;
}

// "0x" and exactly 8 lowercase hex digits: a float32 bit pattern.
static inline int eml_text_bits(const char *s, size_t len, uint32_t *out) {
    return len == 10 && s[0] == '0' && s[1] == 'x' && eml_text_hex32(s + 2, 8, out);
}

static inline size_t eml_text_skip_digits(const char *s, size_t i, size_t len, size_t *count) {
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        *count += 1;
    }
    return i;
}

// Whether s is [+-]digits[.digits][(e|E)[+-]digits] with at least one
// mantissa digit (so no nan, inf or hex): safe to hand to a float parser.
static inline int eml_text_is_decimal(const char *s, size_t len) {
    size_t digits = 0, exp_digits = 0;
    size_t i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    i = eml_text_skip_digits(s, i, len, &digits);
    if (i < len && s[i] == '.') {
        i = eml_text_skip_digits(s, i + 1, len, &digits);
    }
    if (digits == 0) {
        return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += (i < len && (s[i] == '-' || s[i] == '+')) ? 1 : 0;
        i = eml_text_skip_digits(s, i, len, &exp_digits);
        if (exp_digits == 0) {
            return 0;
        }
    }
    return i == len;
}

// ---- The self-check: CRC of every line before the end line ----

typedef struct {
    uint32_t crc;   // running CRC (EML_CRC32_INIT at the start)
    int ended;      // an end line was read
} EmlTextCheck;

static inline void eml_text_check_init(EmlTextCheck *k) {
    k->crc = EML_CRC32_INIT;
    k->ended = 0;
}

// Whether a raw line (as read, with its newline) is an end line.
static inline int eml_text_is_end(const char *line, size_t len) {
    return len >= 4 && line[0] == 'e' && line[1] == 'n' && line[2] == 'd' && line[3] == ',';
}

// Adds a line that is not the end line to the CRC.
static inline void eml_text_check_line(EmlTextCheck *k, const char *line, size_t len) {
    k->crc = eml_crc32_update(k->crc, (const uint8_t *)line, len);
}

// Checks the end line against the counts the reader found and the CRC.
// EmlBadArgument: malformed (wrong field count, not ending in '\n', crc not
// 8 lowercase hex digits); EmlSizeMismatch: a count differs;
// EmlPostconditionFailed: the checksum differs (the file is damaged).
static inline EmlError eml_text_check_end(EmlTextCheck *k, const char *line, size_t len,
                                          const int32_t *counts, int32_t n_counts) {
    EML_PRECONDITION(eml_text_is_end(line, len) && line[len - 1] == '\n', EmlBadArgument);
    EmlTextCursor c = {line + 4, line + len - 1};
    EmlError err = EmlOk;
    for (int32_t i = 0; i < n_counts; i++) {
        const char *s;
        size_t n;
        int32_t v;
        EML_PRECONDITION(eml_text_next(&c, &s, &n) && eml_text_int(s, n, &v), EmlBadArgument);
        err = (v != counts[i]) ? EmlSizeMismatch : err;
    }
    const char *s, *extra;
    size_t n, extra_len;
    uint32_t crc;
    EML_PRECONDITION(eml_text_next(&c, &s, &n) && eml_text_hex32(s, n, &crc), EmlBadArgument);
    EML_PRECONDITION(!eml_text_next(&c, &extra, &extra_len), EmlBadArgument);
    EML_PRECONDITION(s + n == line + len - 1, EmlBadArgument);
    EML_PRECONDITION(crc == eml_crc32_final(k->crc), EmlPostconditionFailed);
    k->ended = 1;
    return err;
}

#ifdef __cplusplus
}
#endif
#endif // EML_TEXT_H
