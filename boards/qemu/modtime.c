// The time module over the board clock (hal.c: the MPS2 25 MHz counter,
// SysTick wake-ups every millisecond). Under QEMU with -icount shift=0
// the clock counts instructions: 1000 per microsecond.
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/smallint.h"

#define TICKS_PERIOD (MICROPY_PY_TIME_TICKS_PERIOD)
#define TICKS_MAX (TICKS_PERIOD - 1)
#define TICKS_HALF (TICKS_PERIOD / 2)

static mp_obj_t time_ticks_ms(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_ms() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_ms_obj, time_ticks_ms);

static mp_obj_t time_ticks_us(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_us() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_us_obj, time_ticks_us);

static mp_obj_t time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t end = MP_OBJ_SMALL_INT_VALUE(end_in);
    mp_uint_t start = MP_OBJ_SMALL_INT_VALUE(start_in);
    mp_int_t diff = ((end - start + TICKS_HALF) & TICKS_MAX) - TICKS_HALF;
    return MP_OBJ_NEW_SMALL_INT(diff);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_diff_obj, time_ticks_diff);

static mp_obj_t time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_uint_t ticks = MP_OBJ_SMALL_INT_VALUE(ticks_in);
    mp_uint_t delta = mp_obj_get_int(delta_in);
    return MP_OBJ_NEW_SMALL_INT((ticks + delta) & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_add_obj, time_ticks_add);

// Wait, sleeping between SysTick interrupts, and let Ctrl-C through.
static void wait_us(uint64_t us) {
    uint64_t end = hal_time_us64() + us;
    while (hal_time_us64() < end) {
        mp_handle_pending(true);
        if (end - hal_time_us64() > 1000) {
            hal_wait();
        }
    }
}

static mp_obj_t time_sleep_ms(mp_obj_t ms_in) {
    mp_int_t ms = mp_obj_get_int(ms_in);
    wait_us(ms > 0 ? (uint64_t)ms * 1000 : 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_ms_obj, time_sleep_ms);

static mp_obj_t time_sleep_us(mp_obj_t us_in) {
    mp_int_t us = mp_obj_get_int(us_in);
    wait_us(us > 0 ? us : 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_us_obj, time_sleep_us);

static mp_obj_t time_sleep(mp_obj_t s_in) {
    mp_float_t s = mp_obj_get_float(s_in);
    wait_us(s > 0 ? (uint64_t)(s * 1000000) : 0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_obj, time_sleep);

// Seconds since power-on: the board has no real-time clock.
static mp_obj_t time_time(void) {
    return mp_obj_new_int_from_ull(hal_time_us64() / 1000000);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_obj, time_time);

static mp_obj_t time_time_ns(void) {
    return mp_obj_new_int_from_ull(hal_time_us64() * 1000);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_ns_obj, time_time_ns);

static const mp_rom_map_elem_t time_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&time_ticks_add_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_time), MP_ROM_PTR(&time_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_time_ns), MP_ROM_PTR(&time_time_ns_obj) },
};
static MP_DEFINE_CONST_DICT(time_module_globals, time_module_globals_table);

const mp_obj_module_t time_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&time_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_time, time_module);
