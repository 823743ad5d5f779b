// A small file store in RAM outside the GC heap: it survives soft resets
// (mpremote resets the board between commands) but not a power cycle.
//
// Paths are normalised to "dir/name" without a leading slash ("" is the
// root). Each file is a chain of fixed-size blocks, like a tiny FAT:
// next[b] gives the block after b. Directories are entries without data.
#ifndef QEMU_STORE_H
#define QEMU_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_NAME_MAX (96)
#define STORE_FILES_MAX (160)
#define STORE_BLOCK (1024)

typedef struct _store_entry_t {
    char name[STORE_NAME_MAX]; // normalised path, "" when the slot is free
    uint32_t size;             // bytes of data
    int32_t first;             // first block, -1 when empty
    uint8_t is_dir;
} store_entry_t;

// A position in an open file; remembers its block for sequential access.
typedef struct _store_cursor_t {
    int file;
    uint32_t pos;
    int32_t blk;      // block holding blk_pos, or -1 (start from the file's first)
    uint32_t blk_pos; // file offset of the start of blk
} store_cursor_t;

void store_init(void);
// Normalise path into out (STORE_NAME_MAX bytes); 0 or a negative errno.
int store_path(const char *path, char *out);
// Index of a normalised path, or -1.
int store_find(const char *name);
const store_entry_t *store_entry(int file);
// Next entry after index `after` whose parent directory is `dir`, or -1.
int store_next_child(const char *dir, int after);
// Create (or truncate) a file: its index, or a negative errno.
int store_create(const char *name);
int store_mkdir(const char *name);
int store_remove(const char *name, int is_dir);
int store_rename(const char *from, const char *to);
void store_cursor(store_cursor_t *cur, int file, uint32_t pos);
size_t store_read(store_cursor_t *cur, void *buf, size_t len);
// Writes at the cursor, growing the file; bytes written (short when full).
size_t store_write(store_cursor_t *cur, const void *buf, size_t len);
void store_usage(uint32_t *blocks_total, uint32_t *blocks_free);

#endif
