// The os module over the RAM store: enough for mpremote (cp, ls, rm,
// mkdir) and for scripts.
#include <string.h>

#include "py/mperrno.h"
#include "py/objstr.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "store.h"

void file_path(mp_obj_t path_in, char *out);

static void check(int err) {
    if (err < 0) {
        mp_raise_OSError(-err);
    }
}

// Index of an existing entry (-1 for the root), or OSError ENOENT.
static int lookup(size_t n_args, const mp_obj_t *args, char *name) {
    if (n_args == 0) {
        name[0] = '\0';
    } else {
        file_path(args[0], name);
    }
    if (name[0] == '\0') {
        return -1;
    }
    int file = store_find(name);
    if (file < 0) {
        mp_raise_OSError(MP_ENOENT);
    }
    return file;
}

static mp_obj_t os_stat(mp_obj_t path_in) {
    char name[STORE_NAME_MAX];
    int file = lookup(1, &path_in, name);
    bool is_dir = file < 0 || store_entry(file)->is_dir;
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(10, NULL));
    for (int i = 0; i < 10; i++) {
        t->items[i] = MP_OBJ_NEW_SMALL_INT(0);
    }
    t->items[0] = MP_OBJ_NEW_SMALL_INT(is_dir ? 0x4000 : 0x8000);
    t->items[6] = mp_obj_new_int_from_uint(is_dir ? 0 : store_entry(file)->size);
    return MP_OBJ_FROM_PTR(t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_stat_obj, os_stat);

// Entries of a directory: names, or (name, type, inode, size) tuples.
static mp_obj_t list_dir(size_t n_args, const mp_obj_t *args, bool tuples) {
    char name[STORE_NAME_MAX];
    int dir = lookup(n_args, args, name);
    if (dir >= 0 && !store_entry(dir)->is_dir) {
        mp_raise_OSError(MP_ENOTDIR);
    }
    mp_obj_t list = mp_obj_new_list(0, NULL);
    size_t skip = name[0] ? strlen(name) + 1 : 0;
    for (int i = store_next_child(name, -1); i >= 0; i = store_next_child(name, i)) {
        const store_entry_t *e = store_entry(i);
        mp_obj_t leaf = mp_obj_new_str(e->name + skip, strlen(e->name + skip));
        if (tuples) {
            mp_obj_t items[4] = {
                leaf,
                MP_OBJ_NEW_SMALL_INT(e->is_dir ? 0x4000 : 0x8000),
                MP_OBJ_NEW_SMALL_INT(0),
                mp_obj_new_int_from_uint(e->size),
            };
            leaf = mp_obj_new_tuple(4, items);
        }
        mp_obj_list_append(list, leaf);
    }
    return list;
}

static mp_obj_t os_listdir(size_t n_args, const mp_obj_t *args) {
    return list_dir(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_listdir_obj, 0, 1, os_listdir);

static mp_obj_t os_ilistdir(size_t n_args, const mp_obj_t *args) {
    return mp_getiter(list_dir(n_args, args, true), NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_ilistdir_obj, 0, 1, os_ilistdir);

static mp_obj_t os_mkdir(mp_obj_t path_in) {
    char name[STORE_NAME_MAX];
    file_path(path_in, name);
    check(store_mkdir(name));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_mkdir_obj, os_mkdir);

static mp_obj_t remove_entry(mp_obj_t path_in, int is_dir) {
    char name[STORE_NAME_MAX];
    file_path(path_in, name);
    check(name[0] ? store_remove(name, is_dir) : -MP_EPERM);
    return mp_const_none;
}

static mp_obj_t os_remove(mp_obj_t path_in) {
    return remove_entry(path_in, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_remove_obj, os_remove);

static mp_obj_t os_rmdir(mp_obj_t path_in) {
    return remove_entry(path_in, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_rmdir_obj, os_rmdir);

static mp_obj_t os_rename(mp_obj_t from_in, mp_obj_t to_in) {
    char from[STORE_NAME_MAX], to[STORE_NAME_MAX];
    file_path(from_in, from);
    file_path(to_in, to);
    check(store_rename(from, to));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(os_rename_obj, os_rename);

static mp_obj_t os_getcwd(void) {
    return MP_OBJ_NEW_QSTR(MP_QSTR__slash_);
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_getcwd_obj, os_getcwd);

// The working directory is always the root.
static mp_obj_t os_chdir(mp_obj_t path_in) {
    char name[STORE_NAME_MAX];
    file_path(path_in, name);
    if (name[0]) {
        mp_raise_OSError(MP_EPERM);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_chdir_obj, os_chdir);

static mp_obj_t os_statvfs(mp_obj_t path_in) {
    uint32_t total, avail;
    store_usage(&total, &avail);
    mp_obj_t items[10] = {
        MP_OBJ_NEW_SMALL_INT(STORE_BLOCK), MP_OBJ_NEW_SMALL_INT(STORE_BLOCK),
        MP_OBJ_NEW_SMALL_INT(total), MP_OBJ_NEW_SMALL_INT(avail), MP_OBJ_NEW_SMALL_INT(avail),
        MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0),
        MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(STORE_NAME_MAX),
    };
    return mp_obj_new_tuple(10, items);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_statvfs_obj, os_statvfs);

static mp_obj_t os_sync(void) {
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_sync_obj, os_sync);

static const mp_rom_map_elem_t os_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_os) },
    { MP_ROM_QSTR(MP_QSTR_sep), MP_ROM_QSTR(MP_QSTR__slash_) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&os_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_listdir), MP_ROM_PTR(&os_listdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&os_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&os_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&os_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&os_rename_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&os_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&os_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&os_statvfs_obj) },
    { MP_ROM_QSTR(MP_QSTR_sync), MP_ROM_PTR(&os_sync_obj) },
};
static MP_DEFINE_CONST_DICT(os_module_globals, os_module_globals_table);

const mp_obj_module_t os_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&os_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_os, os_module);
