// The semihost module: copy a file from the host computer into the RAM
// store through ARM semihosting, far faster than the emulated UART.
// Only on QEMU (started with -semihosting); the test runner uses it for
// bulk data, and mpremote cp keeps working as on a real board.
#include <string.h>

#include "hal.h"
#include "py/mperrno.h"
#include "py/runtime.h"
#include "store.h"

#define SYS_OPEN (0x01)
#define SYS_CLOSE (0x02)
#define SYS_READ (0x06)
#define SYS_FLEN (0x0c)
#define MODE_RB (1)

void file_path(mp_obj_t path_in, char *out);

// fetch(host_path, name): the number of bytes copied.
static mp_obj_t semihost_fetch(mp_obj_t host_in, mp_obj_t name_in) {
    size_t host_len;
    const char *host = mp_obj_str_get_data(host_in, &host_len);
    char name[STORE_NAME_MAX];
    file_path(name_in, name);
    uint32_t open_args[3] = { (uint32_t)host, MODE_RB, host_len };
    int32_t handle = hal_semihost(SYS_OPEN, open_args);
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
        uint32_t read_args[3] = { handle, (uint32_t)buf, sizeof(buf) };
        size_t n = sizeof(buf) - hal_semihost(SYS_READ, read_args);
        if (n == 0) {
            break;
        }
        if (store_write(&cur, buf, n) < n) {
            file = -MP_ENOSPC;
        }
        total += n;
    }
    uint32_t close_args[1] = { handle };
    hal_semihost(SYS_CLOSE, close_args);
    if (file < 0) {
        mp_raise_OSError(-file);
    }
    return mp_obj_new_int_from_uint(total);
}
static MP_DEFINE_CONST_FUN_OBJ_2(semihost_fetch_obj, semihost_fetch);

static const mp_rom_map_elem_t semihost_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_semihost) },
    { MP_ROM_QSTR(MP_QSTR_fetch), MP_ROM_PTR(&semihost_fetch_obj) },
};
static MP_DEFINE_CONST_DICT(semihost_module_globals, semihost_module_globals_table);

const mp_obj_module_t semihost_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&semihost_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_semihost, semihost_module);
