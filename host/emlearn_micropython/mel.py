"""emlearn_micropython.mel, the name the README uses: emlearn_micropython.export.mel (the same
module object)."""
import sys

from .export import mel

sys.modules[__name__] = mel
