// emlmp_labels.h: class labels in model files (issue 18.3), the line
//     y,int,<label>,...   or   y,str,<label>,...
// (export/labels.py writes it), read by emltrees and emlneighbors.
// Included after emlmp.h and eml_text.h; only static inline functions.
#ifndef EMLMP_LABELS_H
#define EMLMP_LABELS_H

// The labels after the y tag into a new array of max(count, room) objects
// (ints or strs, in class order); *n gets the count. ValueError naming the
// line when the line is malformed.
static inline mp_obj_t *emlmp_read_labels(EmlTextCursor *c, mp_int_t line, size_t room, size_t *n) {
    const char *s;
    size_t len;
    if (!eml_text_next(c, &s, &len) || !(eml_text_is(s, len, "int") || eml_text_is(s, len, "str"))) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: malformed y line: expected y,int,... or y,str,...",
                    EMLMP_INT(line));
    }
    const bool ints = s[0] == 'i';
    EmlTextCursor count = *c;
    *n = 0;
    while (eml_text_next(&count, &s, &len)) {
        *n += 1;
    }
    mp_obj_t *items = EMLMP_NEW(mp_obj_t, *n > room ? *n : room, "the class labels");
    for (size_t i = 0; i < *n; i++) {
        int32_t v;
        eml_text_next(c, &s, &len);
        if (ints && !eml_text_int(s, len, &v)) {
            EMLMP_RAISE(&mp_type_ValueError, "line %d: malformed integer label", EMLMP_INT(line));
        }
        items[i] = ints ? mp_obj_new_int(v) : mp_obj_new_str(s, len);
    }
    return items;
}

#endif // EMLMP_LABELS_H
