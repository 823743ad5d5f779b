// Entry point for armv6m native modules. MicroPython's mpy_ld reaches
// mpy_init from the start of the text with a 16-bit Thumb branch (+-2 KB),
// and static functions from the included headers that gcc did not inline
// come before the module's own mpy_init (836 bytes of them in emltrees).
// The link step (host/emlearn_micropython/natmod_link.py) renames the
// module's mpy_init to natmod_mpy_init and links this object first, so this
// mpy_init sits at the start of the text and calls it with a full-range bl.
// mp_obj_t and the argument pointers are all plain pointers here.
#include <stddef.h>

void *natmod_mpy_init(void *self, size_t n_args, size_t n_kw, void *args);
void *mpy_init(void *self, size_t n_args, size_t n_kw, void *args);

void *mpy_init(void *self, size_t n_args, size_t n_kw, void *args) {
    return natmod_mpy_init(self, n_args, n_kw, args);
}
