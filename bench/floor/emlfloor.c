// emlfloor: the call floor for benchmarks. An empty native call that takes
// one array through the buffer protocol, as a function and as a method, so
// that every benchmark can report its time above the cost of just calling.
#include "emlmp.h"

static const mp_obj_fun_builtin_fixed_t call_obj;
static const mp_obj_fun_builtin_fixed_t new_obj;
static const mp_obj_fun_builtin_fixed_t run_obj;

mp_obj_full_type_t floor_type;
mp_map_elem_t floor_locals_table[1];
static MP_DEFINE_CONST_DICT(floor_locals, floor_locals_table);

typedef struct {
    mp_obj_base_t base;
} floor_obj_t;

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY

    emlmp_type_init(&floor_type, MP_QSTR_Floor);
    floor_locals_table[0] = (mp_map_elem_t){ MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&run_obj) };
    MP_OBJ_TYPE_SET_SLOT(&floor_type, locals_dict, (void *)&floor_locals, 0);

    mp_store_global(MP_QSTR_call, MP_OBJ_FROM_PTR(&call_obj));
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));

    MP_DYNRUNTIME_INIT_EXIT
}

// The work every real method does before its loop: get the buffer.
static mp_obj_t touch(mp_obj_t x_obj) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(x_obj, &buf, MP_BUFFER_READ);
    return MP_OBJ_NEW_SMALL_INT(0);
}

static mp_obj_t call(mp_obj_t x_obj) {
    return touch(x_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_1(call_obj, call);

static mp_obj_t new(void) {
    floor_obj_t *self = EMLMP_NEW_OBJ(floor_obj_t, &floor_type, "the floor object");
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(new_obj, new);

static mp_obj_t run(mp_obj_t self_in, mp_obj_t x_obj) {
    return touch(x_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_2(run_obj, run);
