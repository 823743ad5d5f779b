// The RAM file store: see store.h.
#include "py/mperrno.h"
#include <string.h>

#include "store.h"

#define STORE_BYTES (3 * 1024 * 1024)
#define STORE_BLOCKS (STORE_BYTES / STORE_BLOCK)
#define BLK_END (-1)
#define BLK_FREE (-2)

typedef struct _store_t {
    store_entry_t files[STORE_FILES_MAX];
    int16_t next[STORE_BLOCKS]; // next block, BLK_END or BLK_FREE
    uint32_t free_hint;
    uint8_t data[STORE_BLOCKS][STORE_BLOCK];
} store_t;

// In code RAM, outside .bss: not zeroed at a soft reset.
__attribute__((section(".store"))) static store_t store;

void store_init(void) {
    memset(store.files, 0, sizeof(store.files));
    for (int b = 0; b < STORE_BLOCKS; b++) {
        store.next[b] = BLK_FREE;
    }
    store.free_hint = 0;
    // The root directory and /lib, where imports also look
    strcpy(store.files[0].name, "lib");
    store.files[0].is_dir = 1;
    store.files[0].first = BLK_END;
}

int store_path(const char *path, char *out) {
    // Drop "/", "." and empty parts; ".." goes up one level.
    size_t n = 0;
    while (*path) {
        while (*path == '/') {
            path++;
        }
        const char *end = path;
        while (*end && *end != '/') {
            end++;
        }
        size_t len = end - path;
        if (len == 0 || (len == 1 && path[0] == '.')) {
            // nothing
        } else if (len == 2 && path[0] == '.' && path[1] == '.') {
            while (n > 0 && out[n - 1] != '/') {
                n--;
            }
            if (n > 0) {
                n--;
            }
        } else {
            if (n + (n > 0) + len >= STORE_NAME_MAX) {
                return -MP_EINVAL;
            }
            if (n > 0) {
                out[n++] = '/';
            }
            memcpy(out + n, path, len);
            n += len;
        }
        path = end;
    }
    out[n] = '\0';
    return 0;
}

int store_find(const char *name) {
    for (int i = 0; i < STORE_FILES_MAX; i++) {
        if (store.files[i].name[0] && strcmp(store.files[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

const store_entry_t *store_entry(int file) {
    return &store.files[file];
}

static int is_child(const char *dir, const char *name) {
    size_t n = strlen(dir);
    if (n > 0) {
        if (strncmp(name, dir, n) != 0 || name[n] != '/') {
            return 0;
        }
        name += n + 1;
    }
    return strchr(name, '/') == NULL;
}

int store_next_child(const char *dir, int after) {
    for (int i = after + 1; i < STORE_FILES_MAX; i++) {
        if (store.files[i].name[0] && is_child(dir, store.files[i].name)) {
            return i;
        }
    }
    return -1;
}

// 0 when the parent directory of name exists.
static int parent_ok(const char *name) {
    const char *slash = strrchr(name, '/');
    if (slash == NULL) {
        return 0;
    }
    char parent[STORE_NAME_MAX];
    memcpy(parent, name, slash - name);
    parent[slash - name] = '\0';
    int i = store_find(parent);
    if (i < 0) {
        return -MP_ENOENT;
    }
    return store.files[i].is_dir ? 0 : -MP_ENOTDIR;
}

static void free_chain(int32_t b) {
    while (b >= 0) {
        int32_t next = store.next[b];
        store.next[b] = BLK_FREE;
        if ((uint32_t)b < store.free_hint) {
            store.free_hint = b;
        }
        b = next;
    }
}

static int new_entry(const char *name) {
    if (name[0] == '\0') {
        return -MP_EEXIST; // the root
    }
    int err = parent_ok(name);
    if (err) {
        return err;
    }
    for (int i = 0; i < STORE_FILES_MAX; i++) {
        if (store.files[i].name[0] == '\0') {
            strcpy(store.files[i].name, name);
            store.files[i].size = 0;
            store.files[i].first = BLK_END;
            store.files[i].is_dir = 0;
            return i;
        }
    }
    return -MP_ENOSPC;
}

int store_create(const char *name) {
    int i = store_find(name);
    if (i >= 0) {
        if (store.files[i].is_dir) {
            return -MP_EISDIR;
        }
        free_chain(store.files[i].first);
        store.files[i].first = BLK_END;
        store.files[i].size = 0;
        return i;
    }
    return new_entry(name);
}

int store_mkdir(const char *name) {
    if (name[0] == '\0' || store_find(name) >= 0) {
        return -MP_EEXIST;
    }
    int i = new_entry(name);
    if (i >= 0) {
        store.files[i].is_dir = 1;
        return 0;
    }
    return i;
}

int store_remove(const char *name, int is_dir) {
    int i = store_find(name);
    if (i < 0) {
        return -MP_ENOENT;
    }
    if (store.files[i].is_dir != is_dir) {
        return is_dir ? -MP_ENOTDIR : -MP_EISDIR;
    }
    if (is_dir && store_next_child(name, -1) >= 0) {
        return -MP_EACCES;
    }
    free_chain(store.files[i].first);
    memset(&store.files[i], 0, sizeof(store_entry_t));
    return 0;
}

int store_rename(const char *from, const char *to) {
    int i = store_find(from);
    if (i < 0) {
        return -MP_ENOENT;
    }
    if (store.files[i].is_dir) {
        return -MP_EPERM; // keep it simple: children would need renaming too
    }
    int err = parent_ok(to);
    if (err) {
        return err;
    }
    int j = store_find(to);
    if (j == i) {
        return 0;
    }
    if (j >= 0) {
        err = store_remove(to, 0);
        if (err) {
            return err;
        }
    }
    strcpy(store.files[i].name, to);
    return 0;
}

void store_cursor(store_cursor_t *cur, int file, uint32_t pos) {
    cur->file = file;
    cur->pos = pos;
    cur->blk = -1;
    cur->blk_pos = 0;
}

// The block holding the cursor's position, or BLK_END past the chain.
static int32_t locate(store_cursor_t *cur) {
    if (cur->blk < 0 || cur->blk_pos > cur->pos) {
        cur->blk = store.files[cur->file].first;
        cur->blk_pos = 0;
    }
    while (cur->blk >= 0 && cur->pos - cur->blk_pos >= STORE_BLOCK) {
        int32_t next = store.next[cur->blk];
        if (next < 0) {
            return BLK_END; // keep blk at the last block for appending
        }
        cur->blk = next;
        cur->blk_pos += STORE_BLOCK;
    }
    return cur->blk;
}

size_t store_read(store_cursor_t *cur, void *buf, size_t len) {
    uint32_t size = store.files[cur->file].size;
    size_t done = 0;
    while (done < len && cur->pos < size) {
        int32_t b = locate(cur);
        if (b < 0) {
            break;
        }
        uint32_t off = cur->pos - cur->blk_pos;
        size_t n = STORE_BLOCK - off;
        if (n > len - done) {
            n = len - done;
        }
        if (n > size - cur->pos) {
            n = size - cur->pos;
        }
        memcpy((uint8_t *)buf + done, &store.data[b][off], n);
        done += n;
        cur->pos += n;
    }
    return done;
}

static int32_t alloc_block(void) {
    for (uint32_t b = store.free_hint; b < STORE_BLOCKS; b++) {
        if (store.next[b] == BLK_FREE) {
            store.next[b] = BLK_END;
            store.free_hint = b + 1;
            return b;
        }
    }
    return -1;
}

size_t store_write(store_cursor_t *cur, const void *buf, size_t len) {
    store_entry_t *f = &store.files[cur->file];
    size_t done = 0;
    while (done < len) {
        int32_t b = locate(cur);
        if (b < 0) {
            // Past the chain: add a block after the last one.
            int32_t fresh = alloc_block();
            if (fresh < 0) {
                break;
            }
            if (cur->blk < 0) {
                f->first = fresh;
                cur->blk_pos = 0;
            } else {
                store.next[cur->blk] = fresh;
                cur->blk_pos += STORE_BLOCK;
            }
            cur->blk = b = fresh;
        }
        uint32_t off = cur->pos - cur->blk_pos;
        size_t n = STORE_BLOCK - off;
        if (n > len - done) {
            n = len - done;
        }
        memcpy(&store.data[b][off], (const uint8_t *)buf + done, n);
        done += n;
        cur->pos += n;
        if (cur->pos > f->size) {
            f->size = cur->pos;
        }
    }
    return done;
}

void store_usage(uint32_t *blocks_total, uint32_t *blocks_free) {
    uint32_t n = 0;
    for (int b = 0; b < STORE_BLOCKS; b++) {
        n += store.next[b] == BLK_FREE;
    }
    *blocks_total = STORE_BLOCKS;
    *blocks_free = n;
}
