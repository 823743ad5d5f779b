// emliir: IIR filters as cascades of second-order sections, with
// scipy.signal's sos layout. Features: module functions new() and load()
// that return a filter object (methods run, reset), float32 arrays (float
// path) or int16 arrays (fixed-point path) through the buffer protocol, a
// text loader for exact float32 coefficients, no allocation after
// construction. The maths is in lib/emlearn/eml_iir.h and eml_iir_q.h.
#include "emlmp.h"
#include "eml_fft.h"
#include "eml_iir.h"
#include "eml_iir_q.h"

// Frequencies (pi k / IIR_GAIN_POINTS) at which the fixed-point path
// estimates the sections' gains when it quantizes the coefficients.
#define IIR_GAIN_POINTS 512
#include "emlmp_text.h"

typedef struct {
    mp_obj_base_t base;
    // iir.coefficients (6 per stage) and iir.states (2 per stage) are
    // copies allocated here, owned by this object; so are iir_q's
    // coefficients and states (quantized from the same rows at construction).
    EmlIIR iir;
    EmlIIRQ iir_q;
    bool q_ok;     // false when the rows do not fit the fixed-point formats
    char path;     // typecode of the blocks since the last reset, or 0
} iir_obj_t;

mp_obj_full_type_t iir_type;
mp_map_elem_t iir_locals_table[2];
static MP_DEFINE_CONST_DICT(iir_locals_dict, iir_locals_table);

static const mp_obj_fun_builtin_fixed_t iir_new_obj;
static const mp_obj_fun_builtin_var_t iir_load_obj;
static const mp_obj_fun_builtin_fixed_t iir_run_obj;
static const mp_obj_fun_builtin_fixed_t iir_reset_obj;

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&iir_type, MP_QSTR_IIR);
    iir_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&iir_run_obj)};
    iir_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_reset), MP_OBJ_FROM_PTR(&iir_reset_obj)};
    MP_OBJ_TYPE_SET_SLOT(&iir_type, locals_dict, (void *)&iir_locals_dict, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&iir_new_obj));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&iir_load_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

// The fixed-point copy of the rows (checked, 6 per stage); false when they
// do not fit its formats. The gain table and scratch are garbage after.
static bool iir_quantize(iir_obj_t *o, const float *rows, int n_stages) {
    float *table = EMLMP_NEW(float, 2 * IIR_GAIN_POINTS, "the gain table");
    float *power = EMLMP_NEW(float, IIR_GAIN_POINTS + 1 + n_stages, "the gain table");
    int *g = EMLMP_NEW(int, n_stages, "the gain table");
    int32_t *coefficients = EMLMP_NEW(int32_t, EML_IIR_Q_COEFFICIENTS * n_stages, "the int16 filter coefficients");
    int32_t *states = EMLMP_NEW(int32_t, EML_IIR_Q_STATES(n_stages), "the int16 filter states");
    EmlFFT cosines;
    if (eml_fft_init(&cosines, 2 * IIR_GAIN_POINTS, table) != EmlOk) {
        return false;
    }
    eml_iir_q_gains(rows, n_stages, table, IIR_GAIN_POINTS, power, g);
    return eml_iir_q_init(&o->iir_q, rows, n_stages, g, coefficients, states) == EmlOk;
}

// The first row whose poles are not strictly inside the unit circle, or
// -1. For z^2 + a1 z + a2 (a0 is 1) both roots are inside exactly when
// |a2| < 1 and |a1| < 1 + a2 (Jury's test).
static int unstable_row(const float *coefficients, int n_stages) {
    for (int s = 0; s < n_stages; s++) {
        const float a1 = coefficients[6 * s + 4], a2 = coefficients[6 * s + 5];
        if (!(a2 < 1.0f && a2 > -1.0f && a1 < 1.0f + a2 && -a1 < 1.0f + a2)) {
            return s;
        }
    }
    return -1;
}

// Non-finite samples (NaN, +-inf) raise before the state sees them: one
// would make every later output NaN or inf until reset().
static void check_finite(const float *samples, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if ((eml_text_float_bits(samples[i]) & 0x7f800000u) == 0x7f800000u) {
            EMLMP_RAISE(&mp_type_ValueError, "samples[%d] is not finite (nan or inf)", EMLMP_INT(i));
        }
    }
}

// Check the coefficient rows, then build a filter object that owns
// `coefficients` (allocated by the caller, 6 per stage).
static mp_obj_t iir_make(float *coefficients, size_t count) {
    if (count == 0 || count % 6 != 0) {
        EMLMP_RAISE(&mp_type_ValueError, "coefficients must be a positive multiple of 6 values "
                    "(b0 b1 b2 a0 a1 a2 per stage), got %d", EMLMP_INT(count));
    }
    const int n_stages = (int)(count / 6);
    const int bad = eml_iir_bad_stage(coefficients, n_stages);
    if (bad >= 0) {
        if (coefficients[6 * bad + 3] != 1.0f) {
            EMLMP_RAISE(&mp_type_ValueError, "coefficients row %d: a0 must be 1, got %r",
                        EMLMP_INT(bad), EMLMP_OBJ(mp_obj_new_float(coefficients[6 * bad + 3])));
        }
        EMLMP_RAISE(&mp_type_ValueError, "coefficients row %d: values must be finite", EMLMP_INT(bad));
    }
    const int unstable = unstable_row(coefficients, n_stages);
    if (unstable >= 0) {
        EMLMP_RAISE(&mp_type_ValueError, "coefficients row %d: unstable section (poles on or outside "
                    "the unit circle: a1=%r, a2=%r)", EMLMP_INT(unstable),
                    EMLMP_OBJ(mp_obj_new_float(coefficients[6 * unstable + 4])),
                    EMLMP_OBJ(mp_obj_new_float(coefficients[6 * unstable + 5])));
    }
    iir_obj_t *o = EMLMP_NEW_OBJ(iir_obj_t, &iir_type, "the filter object");
    float *states = EMLMP_NEW(float, 2 * n_stages, "the filter states");
    if (eml_iir_init(&o->iir, n_stages, coefficients, states) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("iir init failed"));
    }
    o->path = 0;
    o->q_ok = iir_quantize(o, coefficients, n_stages);
    return MP_OBJ_FROM_PTR(o);
}

// emliir.new(coefficients): coefficients is array('f'), 6 values per
// stage in scipy's sos row order; copied into the filter.
static mp_obj_t iir_new(mp_obj_t coefficients_in) {
    size_t count;
    const float *in = emlmp_array(coefficients_in, 'f', false, EMLMP_ANY_LENGTH, "coefficients", &count);
    float *coefficients = EMLMP_NEW(float, count, "the filter coefficients");
    for (size_t i = 0; i < count; i++) {
        coefficients[i] = in[i];
    }
    return iir_make(coefficients, count);
}
static MP_DEFINE_CONST_FUN_OBJ_1(iir_new_obj, iir_new);

// True for the characters that separate words.
static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Parse `text`: words of exactly 8 lowercase hex digits, each the IEEE-754
// bits of one float32 coefficient, separated by whitespace; '#' starts a
// comment to the end of the line. Stores the values when `out` is not
// NULL; returns their count.
static size_t parse_words(const char *text, size_t len, float *out) {
    size_t count = 0, line = 1;
    for (size_t i = 0; i < len;) {
        if (text[i] == '#') {
            while (i < len && text[i] != '\n') {
                i++;
            }
            continue;
        }
        if (is_space(text[i])) {
            line += text[i++] == '\n';
            continue;
        }
        size_t end = i;
        while (end < len && !is_space(text[end])) {
            end++;
        }
        uint32_t bits;
        if (!eml_text_hex32(text + i, end - i, &bits)) {
            EMLMP_RAISE(&mp_type_ValueError, "coefficient file line %d: word %d must be 8 hex digits, got %r",
                        EMLMP_INT(line), EMLMP_INT(count + 1),
                        EMLMP_OBJ(mp_obj_new_bytes((const byte *)text + i, end - i < 16 ? end - i : 16)));
        }
        if (out) {
            out[count] = eml_text_bits_float(bits);
        }
        count++;
        i = end;
    }
    return count;
}

// Where the end line starts in text (after the last newline before a line
// "end,..."), or len when there is none; *line_no gets its line number.
static size_t find_end(const char *text, size_t len, mp_int_t *line_no) {
    size_t at = len;
    mp_int_t line = 1;
    *line_no = 0;
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && eml_text_is_end(text + i, len - i)) {
            at = i;
            *line_no = line;
        }
        line += text[i] == '\n';
    }
    return at;
}

// emliir.load(source, strict=True): a filter from coefficient text (str or
// bytes), or from a file-like object whose read() returns it. The text is
// what emlearn_micropython.iir.save() writes: exact float32 bit patterns,
// then the end line end,<sections>,<crc32> (strict=False reads files
// without it).
static mp_obj_t iir_load(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    const bool strict = emlmp_strict_arg(n_args, 1, args, kw, MP_QSTR_strict);
    mp_obj_t source = args[0];
    mp_buffer_info_t buf;
    if (!mp_get_buffer(source, &buf, MP_BUFFER_READ)) {
        mp_obj_t read = mp_load_attr(source, MP_QSTR_read);
        source = mp_call_function_n_kw(read, 0, 0, NULL);
        if (!mp_get_buffer(source, &buf, MP_BUFFER_READ)) {
            mp_raise_TypeError(MP_ERROR_TEXT("source must be str, bytes or a file"));
        }
    }
    const size_t bom = emlmp_bom(buf.buf, buf.len);
    const char *text = (const char *)buf.buf + bom;
    mp_int_t end_line;
    const size_t body = find_end(text, buf.len - bom, &end_line);
    const size_t count = parse_words(text, body, NULL);
    if (body < buf.len - bom) {
        EmlTextCheck check;
        eml_text_check_init(&check);
        eml_text_check_line(&check, text, body);
        const int32_t counts[1] = {(int32_t)(count / 6)};
        emlmp_check_end(&check, text + body, buf.len - bom - body, counts, 1, end_line,
                        "end,<sections>,<crc32>");
    } else if (strict) {
        emlmp_missing_end();
    }
    float *coefficients = EMLMP_NEW(float, count, "the filter coefficients");
    parse_words(text, body, coefficients);
    return iir_make(coefficients, count);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(iir_load_obj, 1, iir_load);

// filter.run(samples): filter an array('f') (float32) or array('h') (int16,
// fixed point, saturating at +-32767) in place; the state carries over to
// the next call, so blocks between two resets must share one typecode. An
// empty array is allowed and changes nothing; a NaN or inf float sample
// raises ValueError and changes nothing.
static mp_obj_t iir_run(mp_obj_t self_in, mp_obj_t samples_in) {
    iir_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t buf;
    const char tc = mp_get_buffer(samples_in, &buf, MP_BUFFER_READ) && buf.typecode == 'h' ? 'h' : 'f';
    size_t n;
    void *samples = emlmp_array(samples_in, tc, true, EMLMP_ANY_LENGTH, "samples", &n);
    if (self->path != 0 && self->path != tc) {
        EMLMP_RAISE(&mp_type_TypeError, "samples must be array('%c') like the blocks before, "
                    "got array('%c'): call reset() to switch", EMLMP_INT(self->path), EMLMP_INT(tc));
    }
    if (tc == 'h') {
        if (!self->q_ok) {
            mp_raise_ValueError(MP_ERROR_TEXT("samples: array('h') needs coefficients that fit "
                                              "the fixed-point formats (below 8 after gain moves)"));
        }
        eml_iir_q_run(&self->iir_q, samples, (int)n);
    } else {
        check_finite(samples, n);
        eml_iir_run(&self->iir, samples, (int)n);
    }
    self->path = tc;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(iir_run_obj, iir_run);

// filter.reset(): zero the state, as before the first sample.
static mp_obj_t iir_reset(mp_obj_t self_in) {
    iir_obj_t *self = MP_OBJ_TO_PTR(self_in);
    eml_iir_reset(&self->iir);
    if (self->q_ok) {
        eml_iir_q_reset(&self->iir_q);
    }
    self->path = 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(iir_reset_obj, iir_reset);
