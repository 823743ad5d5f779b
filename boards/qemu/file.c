// open(), file objects, and the import hooks over the RAM store (store.c).
#include "py/mperrno.h"
#include <string.h>

#include "py/builtin.h"
#include "py/lexer.h"
#include "py/mperrno.h"
#include "py/reader.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "store.h"

typedef struct _file_obj_t {
    mp_obj_base_t base;
    store_cursor_t cur;
    bool readable;
    bool writable;
    bool closed;
} file_obj_t;

// Normalised path of a Python string, raising OSError on a bad one.
void file_path(mp_obj_t path_in, char *out) {
    int err = store_path(mp_obj_str_get_str(path_in), out);
    if (err) {
        mp_raise_OSError(-err);
    }
}

static file_obj_t *file_check(mp_obj_t self_in, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->closed) {
        *errcode = MP_EBADF;
        return NULL;
    }
    return self;
}

static mp_uint_t file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = file_check(self_in, errcode);
    if (self == NULL) {
        return MP_STREAM_ERROR;
    }
    if (!self->readable) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    return store_read(&self->cur, buf, size);
}

static mp_uint_t file_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = file_check(self_in, errcode);
    if (self == NULL) {
        return MP_STREAM_ERROR;
    }
    if (!self->writable) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    size_t n = store_write(&self->cur, buf, size);
    if (n < size) {
        *errcode = MP_ENOSPC;
        return MP_STREAM_ERROR;
    }
    return n;
}

static mp_uint_t file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_CLOSE) {
        self->closed = true;
        return 0;
    }
    if (file_check(self_in, errcode) == NULL) {
        return MP_STREAM_ERROR;
    }
    if (request == MP_STREAM_FLUSH) {
        return 0;
    }
    if (request == MP_STREAM_SEEK) {
        struct mp_stream_seek_t *s = (struct mp_stream_seek_t *)arg;
        mp_int_t size = store_entry(self->cur.file)->size;
        mp_int_t base = s->whence == 0 ? 0 : s->whence == 1 ? (mp_int_t)self->cur.pos : size;
        mp_int_t pos = base + s->offset;
        // The store has no holes: positions stay within the data.
        pos = pos < 0 ? 0 : pos > size ? size : pos;
        self->cur.pos = pos;
        s->offset = pos;
        return 0;
    }
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}

static const mp_rom_map_elem_t file_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_flush), MP_ROM_PTR(&mp_stream_flush_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
};
static MP_DEFINE_CONST_DICT(file_locals_dict, file_locals_table);

static const mp_stream_p_t fileio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
};

static const mp_stream_p_t textio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
    .is_text = true,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    file_fileio_type, MP_QSTR_FileIO, MP_TYPE_FLAG_ITER_IS_STREAM,
    protocol, &fileio_stream_p,
    locals_dict, &file_locals_dict);

static MP_DEFINE_CONST_OBJ_TYPE(
    file_textio_type, MP_QSTR_TextIOWrapper, MP_TYPE_FLAG_ITER_IS_STREAM,
    protocol, &textio_stream_p,
    locals_dict, &file_locals_dict);

// open(path, mode='r'): modes r, w, a, x with b/t and +
static mp_obj_t file_open(size_t n_args, const mp_obj_t *args, mp_map_t *kwargs) {
    const char *mode = n_args > 1 ? mp_obj_str_get_str(args[1]) : "r";
    mp_map_elem_t *kw = mp_map_lookup(kwargs, MP_OBJ_NEW_QSTR(MP_QSTR_mode), MP_MAP_LOOKUP);
    if (kw != NULL) {
        mode = mp_obj_str_get_str(kw->value);
    }
    char name[STORE_NAME_MAX];
    file_path(args[0], name);
    bool text = strchr(mode, 'b') == NULL;
    bool plus = strchr(mode, '+') != NULL;
    int file = store_find(name);
    bool readable = true, writable = plus;
    if (strchr(mode, 'w') || strchr(mode, 'x')) {
        if (strchr(mode, 'x') && file >= 0) {
            mp_raise_OSError(MP_EEXIST);
        }
        file = store_create(name);
        readable = plus;
        writable = true;
    } else if (strchr(mode, 'a')) {
        if (file < 0) {
            file = store_create(name);
        }
        readable = plus;
        writable = true;
    } else if (file < 0) {
        file = -MP_ENOENT;
    }
    if (file < 0) {
        mp_raise_OSError(-file);
    }
    if (store_entry(file)->is_dir) {
        mp_raise_OSError(MP_EISDIR);
    }
    file_obj_t *o = mp_obj_malloc_with_finaliser(file_obj_t, text ? &file_textio_type : &file_fileio_type);
    store_cursor(&o->cur, file, strchr(mode, 'a') ? store_entry(file)->size : 0);
    o->readable = readable;
    o->writable = writable;
    o->closed = false;
    return MP_OBJ_FROM_PTR(o);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, file_open);

mp_import_stat_t mp_import_stat(const char *path) {
    char name[STORE_NAME_MAX];
    if (store_path(path, name) != 0) {
        return MP_IMPORT_STAT_NO_EXIST;
    }
    int file = store_find(name);
    if (name[0] == '\0' || (file >= 0 && store_entry(file)->is_dir)) {
        return MP_IMPORT_STAT_DIR;
    }
    return file >= 0 ? MP_IMPORT_STAT_FILE : MP_IMPORT_STAT_NO_EXIST;
}

// Reader for import and exec of .py and .mpy files, in chunks.
typedef struct _file_reader_t {
    store_cursor_t cur;
    uint16_t len;
    uint16_t pos;
    uint16_t eofs; // reads past the end
    uint8_t buf[128];
} file_reader_t;

static mp_uint_t file_reader_readbyte(void *data) {
    file_reader_t *r = data;
    if (r->pos >= r->len) {
        r->len = store_read(&r->cur, r->buf, sizeof(r->buf));
        r->pos = 0;
        if (r->len == 0) {
            // The lexer reads a few bytes past the end; MicroPython 1.23's
            // .mpy loader keeps reading a truncated file forever (EOF looks
            // like a continued varint), so stop it with an exception.
            if (++r->eofs > 64) {
                mp_raise_ValueError(MP_ERROR_TEXT("truncated file"));
            }
            return MP_READER_EOF;
        }
    }
    return r->buf[r->pos++];
}

static void file_reader_close(void *data) {
    m_del_obj(file_reader_t, data);
}

void mp_reader_new_file(mp_reader_t *reader, qstr filename) {
    char name[STORE_NAME_MAX];
    int file = store_path(qstr_str(filename), name) ? -1 : store_find(name);
    if (file < 0 || store_entry(file)->is_dir) {
        mp_raise_OSError_with_filename(MP_ENOENT, qstr_str(filename));
    }
    file_reader_t *r = m_new_obj(file_reader_t);
    store_cursor(&r->cur, file, 0);
    r->len = 0;
    r->pos = 0;
    r->eofs = 0;
    reader->data = r;
    reader->readbyte = file_reader_readbyte;
    reader->close = file_reader_close;
}
