// emlfft: in-place FFT of power-of-two sizes, as numpy.fft.fft/rfft
// (unnormalized forward transform). Features: a class with make_new, two
// methods that take float32 arrays (float path) or int16 arrays (q15 path
// with block floating point: they return the exponent), no allocation after
// construction. The maths is in lib/emlearn/eml_fft.h and eml_fft_q15.h.
#include "emlmp.h"
#include "eml_fft_q15.h"

typedef struct {
    mp_obj_base_t base;
    // Both twiddle tables are allocated at construction (n floats and
    // eml_fft_q15_twiddles_length(n) int16, owned by this object); the q15
    // one is rounded from the float one.
    EmlFFT fft;
    EmlFFTQ15 fft_q15;
} fft_obj_t;

mp_obj_full_type_t fft_type;
mp_map_elem_t fft_locals_table[2];
static MP_DEFINE_CONST_DICT(fft_locals_dict, fft_locals_table);

static mp_obj_t fft_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                             const mp_obj_t *args);
static const mp_obj_fun_builtin_fixed_t fft_run_obj;
static const mp_obj_fun_builtin_var_t fft_rfft_obj;

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&fft_type, MP_QSTR_FFT);
    MP_OBJ_TYPE_SET_SLOT(&fft_type, make_new, fft_make_new, 0);
    fft_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&fft_run_obj)};
    fft_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_rfft), MP_OBJ_FROM_PTR(&fft_rfft_obj)};
    MP_OBJ_TYPE_SET_SLOT(&fft_type, locals_dict, (void *)&fft_locals_dict, 1);
    mp_store_global(MP_QSTR_FFT, MP_OBJ_FROM_PTR(&fft_type));
    MP_DYNRUNTIME_INIT_EXIT
}

// True when the arrays a (a_len items) and b (b_len items) of `size`-byte
// items share memory.
static bool overlap(const void *a, size_t a_len, const void *b, size_t b_len, size_t size) {
    const char *pa = a, *pb = b;
    return pa < pb + b_len * size && pb < pa + a_len * size;
}

// FFT(n): n a power of two from 2 to EML_FFT_MAX_LENGTH.
static mp_obj_t fft_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                             const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    const mp_int_t n = mp_obj_get_int(args[0]);
    if (n < 2 || n > EML_FFT_MAX_LENGTH || (n & (n - 1)) != 0) {
        EMLMP_RAISE(&mp_type_ValueError, "n must be a power of two from 2 to %d, got %d",
                    EMLMP_INT(EML_FFT_MAX_LENGTH), EMLMP_INT(n));
    }
    fft_obj_t *o = EMLMP_NEW_OBJ(fft_obj_t, type, "the FFT object");
    float *twiddles = EMLMP_NEW(float, n, "the FFT twiddles");
    int16_t *twiddles_q15 = EMLMP_NEW(int16_t, eml_fft_q15_twiddles_length((int)n), "the q15 FFT twiddles");
    if (eml_fft_init(&o->fft, (int)n, twiddles) != EmlOk ||
        eml_fft_q15_init(&o->fft_q15, &o->fft, twiddles_q15) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("fft init failed"));
    }
    return MP_OBJ_FROM_PTR(o);
}

// The typecode of `obj` when it is a buffer with 'f' or 'h' items, else 'f'
// (so that emlmp_array's message names the float path for other types).
static char path_of(mp_obj_t obj) {
    mp_buffer_info_t buf;
    return mp_get_buffer(obj, &buf, MP_BUFFER_READ) && buf.typecode == 'h' ? 'h' : 'f';
}

// The items of `obj`: an array with typecode tc of `length` items. An array
// of the other path's typecode raises TypeError naming both arguments.
static void *path_array(mp_obj_t obj, char tc, size_t length, const char *name, const char *first) {
    if (path_of(obj) != tc) {
        mp_buffer_info_t buf;
        if (mp_get_buffer(obj, &buf, MP_BUFFER_READ) && (buf.typecode == 'f' || buf.typecode == 'h')) {
            EMLMP_RAISE(&mp_type_TypeError, "%s must be array('%c') like %s, got array('%c')",
                        EMLMP_STR(name), EMLMP_INT(tc), EMLMP_STR(first), EMLMP_INT(buf.typecode));
        }
    }
    return emlmp_array(obj, tc, true, length, name, NULL);
}

// fft.run(real, imag): forward FFT in place on two arrays of length n:
// array('f') (returns None) or array('h') (q15, returns the exponent e:
// the spectrum is (real + 1j*imag) * 2**e).
static mp_obj_t fft_run(mp_obj_t self_in, mp_obj_t real_in, mp_obj_t imag_in) {
    fft_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const size_t n = self->fft.length;
    const char tc = path_of(real_in);
    void *re = path_array(real_in, tc, n, "real", "real");
    void *im = path_array(imag_in, tc, n, "imag", "real");
    if (overlap(re, n, im, n, tc == 'h' ? 2 : 4)) {
        mp_raise_ValueError(MP_ERROR_TEXT("real and imag must be different arrays"));
    }
    if (tc == 'h') {
        return mp_obj_new_int(eml_fft_q15_forward(&self->fft_q15, re, im));
    }
    eml_fft_forward(&self->fft, re, im);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fft_run_obj, fft_run);

// fft.rfft(x, real, imag): spectrum of the n real samples in x (unchanged)
// into real and imag, of length n/2 + 1 (bins 0..n/2): all array('f')
// (returns None) or all array('h') (q15, returns the exponent e).
static mp_obj_t fft_rfft(size_t n_args, const mp_obj_t *args) {
    fft_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const size_t n = self->fft.length, bins = n / 2 + 1;
    const char tc = path_of(args[1]);
    const size_t size = tc == 'h' ? 2 : 4;
    const void *x = path_array(args[1], tc, n, "x", "x");
    void *re = path_array(args[2], tc, bins, "real", "x");
    void *im = path_array(args[3], tc, bins, "imag", "x");
    if (overlap(re, bins, im, bins, size) || overlap(x, n, re, bins, size) ||
        overlap(x, n, im, bins, size)) {
        mp_raise_ValueError(MP_ERROR_TEXT("x, real and imag must be different arrays"));
    }
    if (tc == 'h') {
        return mp_obj_new_int(eml_fft_q15_rfft(&self->fft_q15, x, re, im));
    }
    eml_fft_rfft(&self->fft, x, re, im);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fft_rfft_obj, 4, 4, fft_rfft);
