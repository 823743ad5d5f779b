// Host test of eml_quantize.h: rounding half away from zero, clipping, NaN.
#include <math.h>
#include "eml_quantize.h"
#include "eml_test.h"

int main(void) {
    const float x[6] = {0.5f, -0.5f, 1.49f, 1e9f, -1e9f, 2.0f};
    const float offset[6] = {0, 0, 0, 0, 0, 1.0f};
    const float scale[6] = {1, 1, 1, 1, 1, 3.0f};
    int16_t out[6];
    CHECK(eml_quantize_int16(x, offset, scale, out, 6) == -1);
    CHECK(out[0] == 1 && out[1] == -1 && out[2] == 1 && out[3] == 32767 && out[4] == -32768 && out[5] == 3);
    const float y[2] = {1.0f, NAN};
    CHECK(eml_quantize_int16(y, offset, scale, out, 2) == 1);
    TEST_DONE("eml_quantize");
    return 0;
}
