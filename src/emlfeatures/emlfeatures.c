// emlfeatures: statistics and band energies of sensor windows, as a native
// module. The maths is in lib/emlearn/eml_features.h.
// fx = emlfeatures.new(window, channels, features, magnitude=False, jerk=False)
// fx.compute(samples, out): samples array('h') or array('f') of window *
// channels interleaved values, out array('f') of fx.n_features; allocates
// nothing. fx.names(): the output names. fx.n_features.
#include "emlmp.h"
#include "eml_features.h"

typedef struct {
    mp_obj_base_t base;
    EmlFeatures fx;           // fx.data...: one float buffer allocated here
    uint8_t kinds[EmlFeatureKinds];  // each kind at most once
} features_obj_t;

mp_obj_full_type_t features_type;
static const mp_obj_fun_builtin_var_t new_obj;
static void features_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&features_type, MP_QSTR_Features);
    MP_OBJ_TYPE_SET_SLOT(&features_type, attr, features_attr, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

static bool same(const char *a, size_t len, const char *b) {
    size_t i = 0;
    while (i < len && b[i] && a[i] == b[i]) {
        i++;
    }
    return i == len && b[i] == '\0';
}

// The kind of one feature name; "band:K" also sets *bands.
static int parse_name(mp_obj_t name, mp_int_t *bands) {
    size_t len;
    const char *s = mp_obj_str_get_data(name, &len);
    for (int kind = 0; kind < EmlFeatureKinds; kind++) {
        if (kind != EmlFeatureBand && same(s, len, eml_features_kind_name(kind))) {
            return kind;
        }
    }
    if (len > 5 && len < 10 && same(s, 5, "band:")) {
        mp_int_t k = 0;
        for (size_t i = 5; i < len && k >= 0; i++) {
            k = (s[i] >= '0' && s[i] <= '9') ? 10 * k + (s[i] - '0') : -1;
        }
        if (k > 0) {
            *bands = k;
            return EmlFeatureBand;
        }
    }
    EMLMP_RAISE(&mp_type_ValueError, "unknown feature %r", EMLMP_OBJ(name));
}

// The kinds of the tuple or list of names into o->kinds; returns their count.
static int parse_features(features_obj_t *o, mp_obj_t features, mp_int_t *bands) {
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(features, &n, &items);
    if (n == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("features must name at least one feature"));
    }
    uint32_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        const int kind = parse_name(items[i], bands);
        if (seen & (1u << kind)) {
            EMLMP_RAISE(&mp_type_ValueError, "feature %r given twice", EMLMP_OBJ(items[i]));
        }
        seen |= 1u << kind;
        o->kinds[i] = (uint8_t)kind;
    }
    return (int)n;
}

static void check_sizes(mp_int_t window, mp_int_t channels, int spectral, mp_int_t bands) {
    if (window < EML_FEATURES_MIN_WINDOW || window > EML_FEATURES_MAX_WINDOW) {
        EMLMP_RAISE(&mp_type_ValueError, "window must be %d..%d, got %d", EMLMP_INT(EML_FEATURES_MIN_WINDOW),
                    EMLMP_INT(EML_FEATURES_MAX_WINDOW), EMLMP_INT(window));
    }
    if (channels < 1 || channels > EML_FEATURES_MAX_CHANNELS) {
        EMLMP_RAISE(&mp_type_ValueError, "channels must be 1..%d, got %d", EMLMP_INT(EML_FEATURES_MAX_CHANNELS),
                    EMLMP_INT(channels));
    }
    if (spectral && (window & (window - 1)) != 0) {
        EMLMP_RAISE(&mp_type_ValueError, "band and dominant_freq need a power-of-two window, got %d",
                    EMLMP_INT(window));
    }
    if (bands < 1 || bands > window / 2) {
        EMLMP_RAISE(&mp_type_ValueError, "band:K needs K in 1..window/2 = %d, got %d", EMLMP_INT(window / 2),
                    EMLMP_INT(bands));
    }
}

static mp_obj_t features_new(size_t n_args, const mp_obj_t *args, mp_map_t *kw_args) {
    mp_arg_t allowed[5] = {
        {MP_QSTR_window, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0}},
        {MP_QSTR_channels, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0}},
        {MP_QSTR_features, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = mp_const_none}},
        {MP_QSTR_magnitude, MP_ARG_BOOL, {.u_bool = false}},
        {MP_QSTR_jerk, MP_ARG_BOOL, {.u_bool = false}},
    };
    mp_arg_val_t v[5];
    mp_arg_parse_all(n_args, args, kw_args, 5, allowed, v);
    features_obj_t *o = EMLMP_NEW_OBJ(features_obj_t, &features_type, "the features object");
    mp_int_t bands = 1;
    const int n_kinds = parse_features(o, v[2].u_obj, &bands);
    const mp_int_t window = v[0].u_int, channels = v[1].u_int;
    const int spectral = eml_features_spectral(o->kinds, n_kinds);
    check_sizes(window, channels, spectral, bands);
    for (int i = 0; i < n_kinds; i++) {
        if (o->kinds[i] == EmlFeatureCorr && channels < 2) {
            mp_raise_ValueError(MP_ERROR_TEXT("corr needs at least 2 channels"));
        }
    }
    const int mag = v[3].u_bool, jerk = v[4].u_bool;
    const int length = eml_features_buffer_length((int)window, (int)channels, mag, jerk, spectral);
    float *buffer = EMLMP_NEW(float, length, "the features buffer");
    const EmlError err = eml_features_init(&o->fx, (int)window, (int)channels, mag, jerk, o->kinds, n_kinds,
                                           (int)bands, buffer);
    if (err != EmlOk) {
        EMLMP_RAISE(&mp_type_ValueError, "features: %s", EMLMP_STR(eml_error_str(err)));
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(new_obj, 3, features_new);

static mp_obj_t features_compute(mp_obj_t self_in, mp_obj_t samples, mp_obj_t out_in) {
    features_obj_t *o = MP_OBJ_TO_PTR(self_in);
    const size_t n = (size_t)o->fx.window * o->fx.channels;
    char tc;
    const void *s = emlmp_array_of(samples, 'h', 'f', false, n, "samples", NULL, &tc);
    float *out = emlmp_array(out_in, 'f', true, o->fx.n_features, "out", NULL);
    const bool is_int = tc == 'h';
    if (eml_features_compute(&o->fx, is_int ? s : NULL, is_int ? NULL : s, out) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("samples must be finite (found nan or inf)"));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(compute_obj, features_compute);

// Channel c's name into s: x, y, z (c0..c7 beyond 3 inputs), mag, d prefix
// for jerk channels.
static size_t channel_name(const EmlFeatures *f, int c, char *s) {
    size_t len = 0;
    const int base = f->channels + f->magnitude;
    if (c >= base) {
        s[len++] = 'd';
        c -= base;
    }
    if (c == f->channels) {
        s[len++] = 'm', s[len++] = 'a', s[len++] = 'g';
    } else if (f->channels <= 3) {
        s[len++] = (char)('x' + c);
    } else {
        s[len++] = 'c', s[len++] = (char)('0' + c);
    }
    return len;
}

static size_t append(char *s, size_t len, const char *t) {
    while (*t) {
        s[len++] = *t++;
    }
    return len;
}

// b (0..9999) in decimal.
static size_t append_int(char *s, size_t len, int b) {
    for (int div = 1000; div > 1; div /= 10) {
        if (b >= div) {
            s[len++] = (char)('0' + b / div % 10);
        }
    }
    s[len++] = (char)('0' + b % 10);
    return len;
}

static mp_obj_t features_names(mp_obj_t self_in) {
    const EmlFeatures *f = &((features_obj_t *)MP_OBJ_TO_PTR(self_in))->fx;
    mp_obj_t list = mp_obj_new_list(0, NULL);
    char s[32];
    for (int c = 0; c < f->total_channels; c++) {
        for (int i = 0; i < f->n_kinds; i++) {
            const int kind = f->kinds[i];
            for (int b = 0; kind != EmlFeatureCorr && b < (kind == EmlFeatureBand ? f->bands : 1); b++) {
                size_t len = channel_name(f, c, s);
                s[len++] = '_';
                len = append(s, len, eml_features_kind_name(kind));
                len = kind == EmlFeatureBand ? append_int(s, len, b) : len;
                mp_obj_list_append(list, mp_obj_new_str(s, len));
            }
        }
    }
    for (int i = 0; i < f->n_kinds; i++) {
        for (int a = 0; f->kinds[i] == EmlFeatureCorr && a < f->channels; a++) {
            for (int b = a + 1; b < f->channels; b++) {
                size_t len = append(s, 0, "corr_");
                len += channel_name(f, a, s + len);
                len += channel_name(f, b, s + len);
                mp_obj_list_append(list, mp_obj_new_str(s, len));
            }
        }
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(names_obj, features_names);

// Methods and the read-only counts, looked up without a locals dict.
static void features_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;
    }
    const EmlFeatures *f = &((features_obj_t *)MP_OBJ_TO_PTR(self_in))->fx;
    if (attr == MP_QSTR_compute || attr == MP_QSTR_names) {
        dest[0] = MP_OBJ_FROM_PTR(attr == MP_QSTR_compute ? (const void *)&compute_obj : (const void *)&names_obj);
        dest[1] = self_in;
    } else if (attr == MP_QSTR_n_features) {
        dest[0] = mp_obj_new_int(f->n_features);
    } else if (attr == MP_QSTR_window) {
        dest[0] = mp_obj_new_int(f->window);
    } else if (attr == MP_QSTR_channels) {
        dest[0] = mp_obj_new_int(f->channels);
    }
}
