// emlfft: in-place FFT of power-of-two sizes, as numpy.fft.fft/rfft
// (unnormalized forward transform). Features: a class with make_new, two
// methods, float32 arrays through the buffer protocol, no allocation after
// construction. The maths is in lib/emlearn/eml_fft.h.
#include "emlmp.h"
#include "eml_fft.h"

typedef struct {
    mp_obj_base_t base;
    EmlFFT fft;  // fft.twiddles: allocated here, length n (owned by this object)
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

// The items of `obj`, a writable array('f') of `length` items.
#define FLOAT_ARRAY(obj, name, length) ((float *)emlmp_array((obj), 'f', true, (length), (name), NULL))

// True when the arrays a (a_len floats) and b (b_len floats) share memory.
static bool overlap(const float *a, size_t a_len, const float *b, size_t b_len) {
    return a < b + b_len && b < a + a_len;
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
    if (eml_fft_init(&o->fft, (int)n, twiddles) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("fft init failed"));
    }
    return MP_OBJ_FROM_PTR(o);
}

// fft.run(real, imag): forward FFT in place on two array('f') of length n.
static mp_obj_t fft_run(mp_obj_t self_in, mp_obj_t real_in, mp_obj_t imag_in) {
    fft_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const size_t n = self->fft.length;
    float *re = FLOAT_ARRAY(real_in, "real", n);
    float *im = FLOAT_ARRAY(imag_in, "imag", n);
    if (overlap(re, n, im, n)) {
        mp_raise_ValueError(MP_ERROR_TEXT("real and imag must be different arrays"));
    }
    eml_fft_forward(&self->fft, re, im);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fft_run_obj, fft_run);

// fft.rfft(x, real, imag): spectrum of the n real samples in x (unchanged)
// into real and imag, array('f') of length n/2 + 1 (bins 0..n/2).
static mp_obj_t fft_rfft(size_t n_args, const mp_obj_t *args) {
    fft_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    const size_t n = self->fft.length, bins = n / 2 + 1;
    const float *x = FLOAT_ARRAY(args[1], "x", n);
    float *re = FLOAT_ARRAY(args[2], "real", bins);
    float *im = FLOAT_ARRAY(args[3], "imag", bins);
    if (overlap(re, bins, im, bins) || overlap(x, n, re, bins) || overlap(x, n, im, bins)) {
        mp_raise_ValueError(MP_ERROR_TEXT("x, real and imag must be different arrays"));
    }
    eml_fft_rfft(&self->fft, x, re, im);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fft_rfft_obj, 4, 4, fft_rfft);
