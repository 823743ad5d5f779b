"""emlearn_micropython.features, the name the README uses: emlearn_micropython.export.features (the same
module object)."""
import sys

from .export import features

sys.modules[__name__] = features
