"""Host side of emlearn-micropython: convert scikit-learn and scipy models
into files that the native modules load on a MicroPython device.

Subpackages by job: export (model files), build (toolchains, linking, .mpy
inspection, release), targets (unix port, emulated and real boards), deploy
(copy modules to a board), bench (benchmark registry, runner, report); cli.py
is the `emlearn-mp` command line. `emlearn_micropython.trees`, `.neighbors`
and `.iir` are the exporters in export/, under their old names.
"""
__all__ = ['convert']


def __getattr__(name):
    # Lazy, so that the build tools (python -m ...build.natmod_link) do not
    # import numpy. The old module names are the files trees.py, iir.py and
    # neighbors.py here, which hand over the export/ modules.
    if name == 'convert':
        from .export import convert
        return convert
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
