// Host tests of eml_text.h: fields, integers, exact-width hex, decimals
// and the end line (checked against zlib.crc32 values).
#include <string.h>
#include "eml_text.h"
#include "eml_test.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_numbers(void) {
    int32_t v = 0;
    uint32_t u = 0;
    CHECK(eml_text_int(S("-2147483648"), &v) && v == INT32_MIN);
    CHECK(eml_text_int(S("2147483647"), &v) && v == INT32_MAX);
    CHECK(!eml_text_int(S("2147483648"), &v) && !eml_text_int(S("99999999999"), &v));
    CHECK(!eml_text_int(S("-"), &v) && !eml_text_int(S("1x"), &v) && !eml_text_int(S(""), &v));
    CHECK(eml_text_bits(S("0x3f800000"), &u) && u == 0x3f800000u);
    CHECK(eml_text_hex32(S("cbf43926"), &u) && u == 0xcbf43926u);
    // exact width, lowercase only
    const char *bad_bits[] = {"0x3f80000", "0x3f8000000", "0X3f800000", "0x3F800000", "0x", "3f800000", "0x3g800000"};
    for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
        CHECK(!eml_text_bits(bad_bits[i], strlen(bad_bits[i]), &u));
    }
    CHECK(!eml_text_hex32(S("cbf4392"), &u) && !eml_text_hex32(S("CBF43926"), &u));
    CHECK(eml_text_bits_float(0x3fc00000u) == 1.5f && eml_text_float_bits(-2.0f) == 0xc0000000u);
    const char *good[] = {"1", "-1.5", "+.5", "5.", "1e-06", "2.45E+3", "0.000001"};
    const char *bad[] = {"", ".", "-", "e5", "1e", "1e+", "nan", "inf", "1.2.3", "0x10", "1,2"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(eml_text_is_decimal(good[i], strlen(good[i])));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!eml_text_is_decimal(bad[i], strlen(bad[i])));
    }
    CHECK(eml_text_is(S("lb"), "lb") && !eml_text_is(S("l"), "lb") && !eml_text_is(S("lbx"), "lb"));
}

static void test_fields(void) {
    const char *line = "l,[  0 255   0]\r\n";
    EmlTextCursor c = {line, line + strlen(line)};
    const char *f;
    size_t len;
    const char *expect[] = {"l", "0", "255", "0"};
    for (int i = 0; i < 4; i++) {
        CHECK(eml_text_next(&c, &f, &len) && len == strlen(expect[i]) && !memcmp(f, expect[i], len));
    }
    CHECK(!eml_text_next(&c, &f, &len));
}

// zlib.crc32(b'f,2\nc,0\n') == 0x5feea33e
static EmlError check(const char *end_line, int32_t a, int32_t b) {
    EmlTextCheck k;
    eml_text_check_init(&k);
    eml_text_check_line(&k, S("f,2\n"));
    eml_text_check_line(&k, S("c,0\n"));
    const int32_t counts[2] = {a, b};
    return eml_text_check_end(&k, end_line, strlen(end_line), counts, 2);
}

static void test_end_line(void) {
    CHECK(eml_crc32_final(eml_crc32_update(EML_CRC32_INIT, (const uint8_t *)"f,2\nc,0\n", 8)) == 0x5feea33eu);
    CHECK(check("end,3,4,5feea33e\n", 3, 4) == EmlOk);
    CHECK(check("end,3,5,5feea33e\n", 3, 4) == EmlSizeMismatch);
    CHECK(check("end,3,4,5feea33f\n", 3, 4) == EmlPostconditionFailed);
    const char *malformed[] = {"end,3,4,5feea33e", "end,3,4,3a1a0bb\n", "end,3,4,5FEEA33E\n", "end,3,5feea33e\n",
                               "end,3,4,5feea33e,1\n", "end,3,4,5feea33e \n", "end,3,4\n", "end,\n", "en\n",
                               "end,3,x,5feea33e\n"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        CHECK(check(malformed[i], 3, 4) == EmlBadArgument);
    }
    CHECK(eml_text_is_end(S("end,1\n")) && !eml_text_is_end(S("en")) && !eml_text_is_end(S("endx,1")));
}

int main(void) {
    test_numbers();
    test_fields();
    test_end_line();
    TEST_DONE("eml_text");
    return 0;
}
