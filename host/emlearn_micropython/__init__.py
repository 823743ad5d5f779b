"""Host side of emlearn-micropython: convert scikit-learn and scipy models
into files that the native modules load on a MicroPython device."""
from .trees import convert

__all__ = ['convert']
