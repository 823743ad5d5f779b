"""Host side of emlearn-micropython: convert scikit-learn and scipy models
into files that the native modules load on a MicroPython device.

Subpackages by job: export (model files), build (toolchains, linking, .mpy
inspection, release), targets (unix port, emulated and real boards), deploy
(copy modules to a board), bench (benchmark registry, runner, report); cli.py
is the `emlearn-mp` command line. `emlearn_micropython.trees`, `.neighbors`
and `.iir` are the exporters in export/, under their old names.
"""
import importlib

__all__ = ['convert']
_OLD_NAMES = ('trees', 'neighbors', 'iir')


def __getattr__(name):
    # Lazy, so that the build tools (python -m ...build.natmod_link) do not
    # import numpy.
    if name == 'convert':
        from .export import convert
        return convert
    if name in _OLD_NAMES:
        return importlib.import_module(f'{__name__}.export.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
