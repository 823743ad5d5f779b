"""Old name of emlearn_micropython.export.trees (the same module object)."""
import sys

from .export import trees

sys.modules[__name__] = trees
