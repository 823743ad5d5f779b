// Float ABI probe, used by `emlearn-mp deploy` on boards with an FPU: twice(x)
// returns x + x computed here. A firmware whose calling convention differs
// from this module's (an RP2350 firmware built with -mfloat-abi=softfp that
// reports armv7emsp) loads it without complaint but returns a wrong number.
#include "py/dynruntime.h"

static const mp_obj_fun_builtin_fixed_t twice_obj;

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_twice, MP_OBJ_FROM_PTR(&twice_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

static mp_obj_t twice(mp_obj_t x_in) {
    mp_float_t x = mp_obj_get_float(x_in);
    return mp_obj_new_float(x + x);
}
static MP_DEFINE_CONST_FUN_OBJ_1(twice_obj, twice);
