// CRC-32 (IEEE 802.3, reflected, as zlib.crc32 and binascii.crc32) for
// checking that a model file arrived whole. A 16-entry table: one lookup
// per nibble, no division, no writable data.
#ifndef EML_CRC32_H
#define EML_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Start value; feed bytes with eml_crc32_update, then eml_crc32_final.
#define EML_CRC32_INIT 0xFFFFFFFFu

static inline uint32_t eml_crc32_nibble(uint32_t crc) {
    static const uint32_t table[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
        0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    return (crc >> 4) ^ table[crc & 0x0Fu];
}

static inline uint32_t eml_crc32_update(uint32_t crc, const uint8_t *data, size_t length) {
    for (size_t i = 0; i < length; i++) {
        crc ^= data[i];
        crc = eml_crc32_nibble(crc);
        crc = eml_crc32_nibble(crc);
    }
    return crc;
}

static inline uint32_t eml_crc32_final(uint32_t crc) {
    return crc ^ 0xFFFFFFFFu;
}

#ifdef __cplusplus
}
#endif
#endif // EML_CRC32_H
