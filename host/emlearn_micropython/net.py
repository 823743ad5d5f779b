"""emlearn_micropython.net, the name the README uses: emlearn_micropython.export.net (the same
module object)."""
import sys

from .export import net

sys.modules[__name__] = net
