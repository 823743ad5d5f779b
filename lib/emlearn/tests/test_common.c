#include <string.h>
#include "eml_common.h"
#include "eml_test.h"

int main(void) {
    for (int e = EmlOk; e < EmlErrors; e++) {
        CHECK(strcmp(eml_error_str((EmlError)e), "invalid error code") != 0);
    }
    CHECK(strcmp(eml_error_str(EmlErrors), "invalid error code") == 0);
    TEST_DONE("eml_common");
    return 0;
}
