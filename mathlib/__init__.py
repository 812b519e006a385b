"""mathlib: the small numpy package behind "Hello, Transformer".

One module per concept; `import mathlib` imports numpy and the model of Parts I
and II, nothing heavier (matplotlib and IPython load only inside the functions
of `plot` and `show`), and builds no parameters (example.PARAMS is built on
first use). Part III's modules (training) and the page-making modules
(mathlib/page/) load when first named: `from mathlib import train, show`.
"""
from . import attention, embedding, example, generate, layers, positional, tokens, transformer  # noqa: F401

__version__ = "0.1.0"

PAGE_MODULES = ("show", "layout", "plot", "diagram", "flow", "explore")
LATER_MODULES = ("corpus", "grad", "gradcheck", "interop", "loss", "train")   # Part III, and torch


def __getattr__(name):
    """mathlib.train (Part III) or mathlib.show (mathlib/page/show.py), imported on first use."""
    if name in PAGE_MODULES or name in LATER_MODULES:
        import importlib
        module = importlib.import_module(f"{__name__}.page.{name}" if name in PAGE_MODULES else f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
