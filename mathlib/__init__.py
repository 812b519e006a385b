"""mathlib: the small numpy package behind "Hello, Transformer".

One module per concept; `import mathlib` imports numpy and nothing heavier
(matplotlib and IPython load only inside the functions of `plot` and `show`),
and builds no parameters (example.PARAMS is built on first use).
"""
from . import attention, embedding, example, generate, layers, positional, tokens, transformer  # noqa: F401
from . import corpus, grad, loss, train  # noqa: F401  (Part III: training)

__version__ = "0.1.0"

PAGE_MODULES = ("show", "layout", "plot", "diagram", "flow")


def __getattr__(name):
    """`from mathlib import show` (or plot, diagram, flow, layout) imports mathlib/page/<name>.py."""
    if name in PAGE_MODULES:
        import importlib
        module = importlib.import_module(f"{__name__}.page.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
