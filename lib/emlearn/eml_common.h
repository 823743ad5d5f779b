// Shared definitions for the emlearn C core: error codes and checks.
#ifndef EML_COMMON_H
#define EML_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

// Every function that can fail returns one of these. Keep eml_error_str()
// in step (a host test checks that every code has a string).
typedef enum {
    EmlOk = 0,
    EmlSizeMismatch,
    EmlUnsupported,
    EmlUninitialized,
    EmlPostconditionFailed,
    EmlUnknownError,
    EmlBadArgument,
    EmlCapacityExceeded,
    EmlOutOfRange,
    EmlErrors,
} EmlError;

static inline const char *eml_error_str(EmlError e) {
    // A switch, not a pointer table: native modules cannot relocate data.
    switch (e) {
        case EmlOk: return "ok";
        case EmlSizeMismatch: return "size mismatch";
        case EmlUnsupported: return "unsupported";
        case EmlUninitialized: return "uninitialized";
        case EmlPostconditionFailed: return "postcondition failed";
        case EmlUnknownError: return "unknown error";
        case EmlBadArgument: return "bad argument";
        case EmlCapacityExceeded: return "capacity exceeded";
        case EmlOutOfRange: return "out of range";
        case EmlErrors: break;
    }
    return "invalid error code";
}

// Return `code` from the calling function when `expr` is false.
#define EML_PRECONDITION(expr, code) \
    do { \
        if (!(expr)) { \
            return (code); \
        } \
    } while (0)

// Propagate a failing EmlError.
#define EML_CHECK(call) \
    do { \
        EmlError eml_check_err_ = (call); \
        if (eml_check_err_ != EmlOk) { \
            return eml_check_err_; \
        } \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif // EML_COMMON_H
