"""One file per benchmark case: it defines CASE = registry.Case(...) with
its prepare function (the inputs, reference answers and peers it writes)."""
