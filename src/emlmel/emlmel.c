// emlmel: log-mel spectrogram frames of a streamed signal, equal to
// librosa.feature.melspectrogram(center=False) + power_to_db (README
// section emlmel). Features: keyword-only new(), a class with methods and
// read-only attributes, int16 or float32 chunks of any length, no
// allocation in process(). The maths is in lib/emlearn/eml_mel.h.
#include "emlmp.h"
#include "eml_mel.h"

typedef struct {
    mp_obj_base_t base;
    EmlMel mel;    // all its buffers allocated in mel_new, owned by this object
    mp_obj_t sr;   // the sr given to new()
} mel_obj_t;

mp_obj_full_type_t mel_type;
mp_map_elem_t mel_locals_table[2];
static MP_DEFINE_CONST_DICT(mel_locals_dict, mel_locals_table);
static const mp_obj_fun_builtin_var_t mel_new_obj;
static const mp_obj_fun_builtin_fixed_t mel_process_obj;
static const mp_obj_fun_builtin_fixed_t mel_reset_obj;
static void mel_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&mel_type, MP_QSTR_Mel);
    MP_OBJ_TYPE_SET_SLOT(&mel_type, attr, mel_attr, 0);
    mel_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_process), MP_OBJ_FROM_PTR(&mel_process_obj)};
    mel_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_reset), MP_OBJ_FROM_PTR(&mel_reset_obj)};
    MP_OBJ_TYPE_SET_SLOT(&mel_type, locals_dict, (void *)&mel_locals_dict, 1);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&mel_new_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

enum { ARG_sr, ARG_n_fft, ARG_hop_length, ARG_n_mels, ARG_fmin, ARG_fmax, ARG_htk, ARG_norm,
       ARG_power, ARG_log, N_ARGS };

static NORETURN void bad(const char *what) {
    EMLMP_RAISE(&mp_type_ValueError, "%s", EMLMP_STR(what));
}

static mp_float_t number(mp_obj_t o) {
    return mp_obj_get_float(o);
}

// The config from new()'s keyword values, each checked with its own message.
static EmlMelConfig mel_config(const mp_arg_val_t *v) {
    EmlMelConfig c;
    const mp_float_t sr = number(v[ARG_sr].u_obj);
    const mp_int_t n_fft = v[ARG_n_fft].u_int, hop = v[ARG_hop_length].u_int, n_mels = v[ARG_n_mels].u_int;
    if (!(sr > 0) || sr > 1e7) {
        bad("sr must be a positive number of Hz (at most 1e7)");
    }
    if (n_fft < EML_MEL_MIN_FFT || n_fft > EML_MEL_MAX_FFT || (n_fft & (n_fft - 1)) != 0) {
        bad("n_fft must be a power of two from 32 to 4096");
    }
    if (hop < 1 || hop > 0x100000) {
        bad("hop_length must be 1..1048576");
    }
    if (n_mels < 1 || n_mels > n_fft / 2 + 1) {
        bad("n_mels must be 1..n_fft/2+1");
    }
    const mp_float_t fmin = number(v[ARG_fmin].u_obj);
    const mp_float_t fmax = v[ARG_fmax].u_obj == mp_const_none ? sr / 2 : number(v[ARG_fmax].u_obj);
    if (!(fmax <= sr / 2)) {
        bad("fmax must be at most sr/2");
    }
    if (!(fmin >= 0 && fmin < fmax)) {
        bad("fmin must be at least 0 and below fmax");
    }
    const mp_obj_t norm = v[ARG_norm].u_obj;
    if (norm != mp_const_none && mp_binary_op(MP_BINARY_OP_EQUAL, norm, MP_OBJ_NEW_QSTR(MP_QSTR_slaney)) != mp_const_true) {
        bad("norm must be 'slaney' or None");
    }
    const mp_float_t power = number(v[ARG_power].u_obj);
    if (power != 1 && power != 2) {
        bad("power must be 1.0 or 2.0");
    }
    c.sr = (float)sr;
    c.n_fft = (int)n_fft;
    c.hop = (int)hop;
    c.n_mels = (int)n_mels;
    c.fmin = (float)fmin;
    c.fmax = (float)fmax;
    c.htk = mp_obj_is_true(v[ARG_htk].u_obj);
    c.slaney_norm = norm != mp_const_none;
    c.magnitude = power == 1;
    c.log = mp_obj_is_true(v[ARG_log].u_obj);
    return c;
}

static void mel_parse(size_t n_args, const mp_obj_t *pos, mp_map_t *kw, mp_arg_val_t *vals) {
    const mp_obj_t none = mp_const_none;
    const mp_arg_t allowed[N_ARGS] = {
        {MP_QSTR_sr, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(16000)}},
        {MP_QSTR_n_fft, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 512}},
        {MP_QSTR_hop_length, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 256}},
        {MP_QSTR_n_mels, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 40}},
        {MP_QSTR_fmin, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(0)}},
        {MP_QSTR_fmax, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = none}},
        {MP_QSTR_htk, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_false}},
        {MP_QSTR_norm, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_QSTR(MP_QSTR_slaney)}},
        {MP_QSTR_power, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = MP_OBJ_NEW_SMALL_INT(2)}},
        {MP_QSTR_log, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_true}},
    };
    mp_arg_parse_all(n_args, pos, kw, N_ARGS, allowed, vals);
}

// emlmel.new(sr=16000, n_fft=512, hop_length=256, n_mels=40, fmin=0.0,
// fmax=None, htk=False, norm='slaney', power=2.0, log=True)
static mp_obj_t mel_new(size_t n_args, const mp_obj_t *pos, mp_map_t *kw) {
    mp_arg_val_t v[N_ARGS];
    mel_parse(n_args, pos, kw, v);
    const EmlMelConfig c = mel_config(v);
    mel_obj_t *o = EMLMP_NEW_OBJ(mel_obj_t, &mel_type, "the mel object");
    o->sr = v[ARG_sr].u_obj;
    const int n = c.n_fft;
    float *twiddles = EMLMP_NEW(float, n, "the mel FFT twiddles");
    float *samples = EMLMP_NEW(float, n, "the mel sample buffer");
    float *spectrum = EMLMP_NEW(float, n + 2, "the mel spectrum");
    uint16_t *bands = EMLMP_NEW(uint16_t, c.n_mels + 2, "the mel filter bands");
    float *ramps = EMLMP_NEW(float, n / 2 + 1, "the mel filter ramps");
    float *scales = c.slaney_norm ? EMLMP_NEW(float, c.n_mels, "the mel filter scales") : NULL;
    const EmlError err = eml_mel_init(&o->mel, &c, twiddles, samples, spectrum, bands, ramps, scales);
    if (err == EmlSizeMismatch) {
        EMLMP_RAISE(&mp_type_ValueError, "n_mels %d too large for n_fft %d: filter %d is empty",
                    EMLMP_INT(c.n_mels), EMLMP_INT(c.n_fft), EMLMP_INT(eml_mel_empty_filter(&o->mel)));
    }
    if (err != EmlOk) {
        EMLMP_RAISE(&mp_type_ValueError, "mel config: %s", EMLMP_STR(eml_error_str(err)));
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(mel_new_obj, 0, mel_new);

// The index of the first sample of x[0..n) that is NaN or infinite, or -1.
static int first_nonfinite(const float *x, int n) {
    for (int i = 0; i < n; i++) {
        if (!(x[i] - x[i] == 0.0f)) {
            return i;
        }
    }
    return -1;
}

// mel.process(chunk, out) -> number of frames written to out.
static mp_obj_t mel_process(mp_obj_t self_in, mp_obj_t chunk_in, mp_obj_t out_in) {
    mel_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const int n_mels = self->mel.config.n_mels;
    size_t n;
    char tc;
    const void *samples = emlmp_array_of(chunk_in, 'h', 'f', false, EMLMP_ANY_LENGTH, "chunk", &n, &tc);
    size_t n_out = 0;
    float *out = emlmp_array(out_in, 'f', true, EMLMP_ANY_LENGTH, "out", &n_out);
    if (n > 0x3fffffff || n_out > 0x3fffffff) {
        mp_raise_ValueError(MP_ERROR_TEXT("chunk or out too long"));
    }
    if ((n_out / n_mels) * n_mels != n_out) {
        EMLMP_RAISE(&mp_type_ValueError, "out must hold whole frames: its length a multiple of n_mels=%d, got %d",
                    EMLMP_INT(n_mels), EMLMP_INT(n_out));
    }
    const int frames = eml_mel_frames(&self->mel, (int)n);
    if ((size_t)frames * n_mels > n_out) {
        EMLMP_RAISE(&mp_type_ValueError, "out has room for %d frames, this chunk completes %d",
                    EMLMP_INT(n_out / n_mels), EMLMP_INT(frames));
    }
    const char *c = samples, *o = (const char *)out;
    if (frames > 0 && c < o + 4 * n_out && o < c + (n << (tc == 'f' ? 2 : 1))) {
        mp_raise_ValueError(MP_ERROR_TEXT("chunk and out must be different arrays"));
    }
    const float *x = tc == 'f' ? samples : NULL;
    const int bad_at = x ? first_nonfinite(x, (int)n) : -1;
    if (bad_at >= 0) {
        EMLMP_RAISE(&mp_type_ValueError, "chunk has a non-finite sample at index %d", EMLMP_INT(bad_at));
    }
    return mp_obj_new_int(eml_mel_push(&self->mel, x, x ? NULL : samples, (int)n, out));
}
static MP_DEFINE_CONST_FUN_OBJ_3(mel_process_obj, mel_process);

// mel.reset(): forget the samples held for the next frame.
static mp_obj_t mel_reset(mp_obj_t self_in) {
    mel_obj_t *self = MP_OBJ_TO_PTR(self_in);
    eml_mel_reset(&self->mel);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mel_reset_obj, mel_reset);

// Read-only n_mels, n_fft, hop_length, sr; methods from the locals dict.
static void mel_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;
    }
    const mel_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const EmlMelConfig *c = &self->mel.config;
    if (attr == MP_QSTR_n_mels) {
        dest[0] = mp_obj_new_int(c->n_mels);
    } else if (attr == MP_QSTR_n_fft) {
        dest[0] = mp_obj_new_int(c->n_fft);
    } else if (attr == MP_QSTR_hop_length) {
        dest[0] = mp_obj_new_int(c->hop);
    } else if (attr == MP_QSTR_sr) {
        dest[0] = self->sr;
    } else {
        dest[1] = MP_OBJ_SENTINEL;
    }
}
