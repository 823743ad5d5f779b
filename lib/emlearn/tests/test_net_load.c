#include <string.h>
#include "eml_net_load.h"
#include "eml_test.h"

// dense 2 -> 2 (weights 1, 2, 3, 4; bias 0.5, -0.5), relu; float32
static const char *const LINES[] = {
    "emlnet,1,0,1,1,1,2,3f800000\n",
    "layer,1,1,0,0,0,0,0,0,0,1,1,2,00000000,3f800000\n",
    "w,3f80000040000000\n",
    "w,4040000040800000\n",
    "b,3f000000bf000000\n",
};

static uint64_t memory[64];

// Feed the lines then an end line; the first error, or EmlOk.
static EmlError load(EmlNetLoader *ld, const char *end_line, int n_lines) {
    uint8_t *free_mem = (uint8_t *)memory;
    eml_net_loader_start(ld);
    for (int i = 0; i <= n_lines; i++) {
        const char *line = i < n_lines ? LINES[i] : end_line;
        EmlError err = eml_net_loader_line(ld, line, strlen(line));
        if (err != EmlOk) {
            return err;
        }
        if (ld->need_bytes) {
            CHECK(ld->need_bytes <= sizeof(memory) - (size_t)(free_mem - (uint8_t *)memory));
            eml_net_loader_give(ld, free_mem);
            free_mem += (ld->need_bytes + 7) & ~(size_t)7;
            free_mem += 64;
        }
    }
    return EmlOk;
}

int main(void) {
    uint32_t crc = EML_CRC32_INIT;
    for (int i = 0; i < 5; i++) {
        crc = eml_crc32_update(crc, (const uint8_t *)LINES[i], strlen(LINES[i]));
    }
    char end[64];
    snprintf(end, sizeof(end), "end,1,5,%08x\n", (unsigned)eml_crc32_final(crc));
    EmlNetLoader ld;
    CHECK(load(&ld, end, 5) == EmlOk && ld.done);
    float b0[2] = {1.0f, -1.0f}, b1[2];
    EmlNet net;
    CHECK(eml_net_init(&net, ld.layers, ld.n_layers, 0, b0, b1) == EmlOk);
    const float *y = eml_net_run(&net);
    CHECK(y[0] == 0.0f && y[1] == 0.0f);  // relu(0.5 + 1 - 2), relu(-0.5 + 3 - 4)
    b0[0] = 2.0f;
    y = eml_net_run(&net);
    CHECK(y[0] == 0.5f && y[1] == 1.5f);
    // a changed byte, a missing value, a short line count
    char bad[64];
    strcpy(bad, end);
    bad[strlen(bad) - 2] ^= 1;
    CHECK(load(&ld, bad, 5) == EmlBadArgument && strstr(ld.why, "crc32"));
    CHECK(load(&ld, end, 4) == EmlBadArgument && strstr(ld.why, "ends before"));
    CHECK(ld.line == 5);
    snprintf(bad, sizeof(bad), "end,1,4,%08x\n", (unsigned)eml_crc32_final(crc));
    CHECK(load(&ld, bad, 5) == EmlBadArgument && strstr(ld.why, "line count"));
    CHECK(load(&ld, "b,3f00000\n", 5) == EmlBadArgument && strstr(ld.why, "without a layer"));
    TEST_DONE("eml_net_load");
    return 0;
}
