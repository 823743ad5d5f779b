"""Old name of emlearn_micropython.export.neighbors (the same module object)."""
import sys

from .export import neighbors

sys.modules[__name__] = neighbors
