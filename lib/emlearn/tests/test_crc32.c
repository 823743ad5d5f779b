#include <string.h>
#include "eml_crc32.h"
#include "eml_test.h"

static uint32_t crc_of(const char *s, size_t n) {
    return eml_crc32_final(eml_crc32_update(EML_CRC32_INIT, (const uint8_t *)s, n));
}

int main(void) {
    // zlib.crc32(b'123456789') == 0xcbf43926, zlib.crc32(b'') == 0
    CHECK(crc_of("123456789", 9) == 0xCBF43926u);
    CHECK(crc_of("", 0) == 0u);
    // zlib.crc32(b'The quick brown fox jumps over the lazy dog') == 0x414fa339
    const char *fox = "The quick brown fox jumps over the lazy dog";
    CHECK(crc_of(fox, strlen(fox)) == 0x414FA339u);
    // fed in pieces == fed at once
    uint32_t crc = EML_CRC32_INIT;
    for (size_t i = 0; i < strlen(fox); i += 5) {
        size_t n = strlen(fox) - i < 5 ? strlen(fox) - i : 5;
        crc = eml_crc32_update(crc, (const uint8_t *)fox + i, n);
    }
    CHECK(eml_crc32_final(crc) == 0x414FA339u);
    TEST_DONE("eml_crc32");
    return 0;
}
