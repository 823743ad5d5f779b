// emlmp.h: the glue every native module shares: checked allocation,
// exceptions with formatted messages, typed arrays. Modules include it
// instead of py/dynruntime.h. Only static inline functions, so a module's
// mpy_init stays the first function defined in its .c file.
#ifndef EMLMP_H
#define EMLMP_H

#include "py/dynruntime.h"

// Any item count, for emlmp_array.
#define EMLMP_ANY_LENGTH ((size_t)-1)

// One value for EMLMP_RAISE; the format says which member: %d and %c an
// integer (EMLMP_INT), %s a C string (EMLMP_STR), %r an object (EMLMP_OBJ).
typedef union {
    mp_int_t i;
    const char *s;
    mp_obj_t o;
} emlmp_arg_t;
#define EMLMP_INT(v) {.i = (mp_int_t)(v)}
#define EMLMP_STR(v) {.s = (v)}
#define EMLMP_OBJ(v) {.o = (v)}

// Raise `type` (a const mp_obj_type_t *) with the message fmt % (values),
// formatted by the firmware's str % tuple; one to eight values. Example:
//   EMLMP_RAISE(&mp_type_ValueError, "line %d: %s", EMLMP_INT(n), EMLMP_STR(what));
// The values stay plain C until the error is raised: call sites stay small.
#define EMLMP_RAISE(type, fmt, ...) \
    emlmp_raise((type), (fmt), (const emlmp_arg_t[]){__VA_ARGS__}, \
                sizeof((const emlmp_arg_t[]){__VA_ARGS__}) / sizeof(emlmp_arg_t))

// Exception types that dynruntime.h has no macro for.
#define EMLMP_MEMORY_ERROR ((const mp_obj_type_t *)MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_MemoryError)))
#define EMLMP_OVERFLOW_ERROR ((const mp_obj_type_t *)MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_OverflowError)))

// `count` items of C type `T`, or MemoryError naming `what`.
#define EMLMP_NEW(T, count, what) ((T *)emlmp_alloc((count), sizeof(T), (what)))
// An object: C struct `T` (starting with mp_obj_base_t) of Python type `type`.
#define EMLMP_NEW_OBJ(T, type, what) ((T *)emlmp_alloc_obj(sizeof(T), (const mp_obj_type_t *)(type), (what)))

// Start a class made in mpy_init: its type, flags and name; the caller
// then sets the slots (make_new, attr, locals_dict) it needs.
static inline void emlmp_type_init(mp_obj_full_type_t *type, qstr name) {
    type->base.type = (void *)&mp_type_type;
    type->flags = MP_TYPE_FLAG_NONE;
    type->name = name;
}

static inline mp_obj_t emlmp_str(const char *s) {
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return mp_obj_new_str(s, n);
}

static inline NORETURN void emlmp_raise(const mp_obj_type_t *type, const char *fmt,
                                        const emlmp_arg_t *args, size_t n_args) {
    mp_obj_t items[8];
    size_t n = 0;
    for (const char *p = fmt; *p && n < n_args && n < 8; p++) {
        if (p[0] != '%' || p[1] == '\0') {
            continue;
        }
        const char c = *++p;
        if (c != '%') {
            items[n] = (c == 's') ? emlmp_str(args[n].s) : (c == 'r') ? args[n].o : mp_obj_new_int(args[n].i);
            n++;
        }
    }
    mp_obj_t msg = mp_binary_op(MP_BINARY_OP_MODULO, emlmp_str(fmt), mp_obj_new_tuple(n, items));
    mp_raise_type_arg(type, msg);
}

// count * size bytes (at least 1) from the GC heap. MicroPython 1.23's
// dynruntime m_malloc returns NULL when the heap is full instead of
// raising: this raises MemoryError naming `what`.
static inline void *emlmp_alloc(size_t count, size_t size, const char *what) {
    void *p = NULL;
    if (count <= ((size_t)-1) / size) {
        p = m_malloc(count * size > 0 ? count * size : 1);
    }
    if (p == NULL) {
        EMLMP_RAISE(EMLMP_MEMORY_ERROR, "not enough memory for %s: %d items of %d bytes",
                    EMLMP_STR(what), EMLMP_INT(count), EMLMP_INT(size));
    }
    return p;
}

static inline void *emlmp_alloc_obj(size_t size, const mp_obj_type_t *type, const char *what) {
    mp_obj_base_t *base = emlmp_alloc(1, size, what);
    base->type = type;
    return base;
}

// The items of `obj`, which must be an array with typecode `a` or `b` (the
// same twice for one; each one of f i I h H b B), writable if `writable`,
// of `length` items (or EMLMP_ANY_LENGTH); `name` is the argument's name
// for the message. `*n_items` and `*found`, when not NULL, get the item
// count and the typecode. Raises TypeError "x must be array('f')" (or
// "x must be array('f') or array('h')") for another type or typecode (or a
// read-only buffer when writable), ValueError "x must be array('f') of
// length 4, got 3". One buffer lookup: fit for hot paths.
static inline void *emlmp_array_of(mp_obj_t obj, char a, char b, bool writable, size_t length,
                                   const char *name, size_t *n_items, char *found) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(obj, &buf, writable ? MP_BUFFER_RW : MP_BUFFER_READ) || (buf.typecode != a && buf.typecode != b)) {
        if (a == b) {
            EMLMP_RAISE(&mp_type_TypeError, "%s must be array('%c')", EMLMP_STR(name), EMLMP_INT(a));
        }
        EMLMP_RAISE(&mp_type_TypeError, "%s must be array('%c') or array('%c')", EMLMP_STR(name),
                    EMLMP_INT(a), EMLMP_INT(b));
    }
    const char tc = (char)buf.typecode;
    // log2 of the item size: shifts, no division on any call
    const unsigned shift = (tc == 'f' || tc == 'i' || tc == 'I') ? 2 : (tc == 'h' || tc == 'H') ? 1 : 0;
    if (length != EMLMP_ANY_LENGTH && (buf.len >> shift) != length) {
        EMLMP_RAISE(&mp_type_ValueError, "%s must be array('%c') of length %d, got %d",
                    EMLMP_STR(name), EMLMP_INT(tc), EMLMP_INT(length), EMLMP_INT(buf.len >> shift));
    }
    if (n_items != NULL) {
        *n_items = buf.len >> shift;
    }
    if (found != NULL) {
        *found = tc;
    }
    return buf.buf;
}

// emlmp_array_of for one typecode `tc`.
static inline void *emlmp_array(mp_obj_t obj, char tc, bool writable, size_t length,
                                const char *name, size_t *n_items) {
    return emlmp_array_of(obj, tc, tc, writable, length, name, n_items, NULL);
}

#endif  // EMLMP_H
