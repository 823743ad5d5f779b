"""Old name of emlearn_micropython.export.iir (the same module object)."""
import sys

from .export import iir

sys.modules[__name__] = iir
