// The semihost module: copy a file from the host computer into the RAM
// store, and send what a script prints to a host file, through the
// emulator's semihosting (hal_host_*), far faster than the emulated UART.
// Only on QEMU (started with -semihosting); the test runner uses it for bulk
// data and results, and mpremote keeps working as on a real board.
#include <string.h>

#include "hal.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "store.h"

void file_path(mp_obj_t path_in, char *out);

// fetch(host_path, name): the number of bytes copied.
static mp_obj_t semihost_fetch(mp_obj_t host_in, mp_obj_t name_in) {
    size_t host_len;
    const char *host = mp_obj_str_get_data(host_in, &host_len);
    char name[STORE_NAME_MAX];
    file_path(name_in, name);
    int handle = hal_host_open(host, host_len);
    if (handle < 0) {
        mp_raise_OSError_with_filename(MP_ENOENT, host);
    }
    int file = store_create(name);
    store_cursor_t cur;
    if (file >= 0) {
        store_cursor(&cur, file, 0);
    }
    uint8_t buf[2048];
    size_t total = 0;
    while (file >= 0) {
        size_t n = hal_host_read(handle, buf, sizeof(buf));
        if (n == 0) {
            break;
        }
        if (store_write(&cur, buf, n) < n) {
            file = -MP_ENOSPC;
        }
        total += n;
    }
    hal_host_close(handle);
    if (file < 0) {
        mp_raise_OSError(-file);
    }
    return mp_obj_new_int_from_uint(total);
}
static MP_DEFINE_CONST_FUN_OBJ_2(semihost_fetch_obj, semihost_fetch);

// capture(host_path): what the running raw-REPL script prints from now on
// goes to the host file (created or emptied), not the UART, until the script
// ends; an error it raises still goes to the UART.
static mp_obj_t semihost_capture(mp_obj_t host_in) {
    size_t host_len;
    const char *host = mp_obj_str_get_data(host_in, &host_len);
    int handle = hal_host_create(host, host_len);
    if (handle < 0) {
        mp_raise_OSError_with_filename(MP_EACCES, host);
    }
    stdout_capture(handle);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(semihost_capture_obj, semihost_capture);

static const mp_rom_map_elem_t semihost_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_semihost) },
    { MP_ROM_QSTR(MP_QSTR_fetch), MP_ROM_PTR(&semihost_fetch_obj) },
    { MP_ROM_QSTR(MP_QSTR_capture), MP_ROM_PTR(&semihost_capture_obj) },
};
static MP_DEFINE_CONST_DICT(semihost_module_globals, semihost_module_globals_table);

const mp_obj_module_t semihost_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&semihost_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_semihost, semihost_module);
