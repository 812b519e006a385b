"""Shared test set-up.

Cross-check tests (marked `@pytest.mark.crosscheck`) compare mathlib with
PyTorch. Without torch they skip on a developer's machine, but when the
environment variable CI is "true" a missing torch is a failure, never a skip:
CI must not go green without having compared anything.
"""
import os

import pytest

try:
    from hypothesis import settings
except ImportError:  # hypothesis is a test extra; the tests that need it import it themselves
    settings = None

if settings is not None:
    # The machines that run the suite are shared and small: wall-clock deadlines make
    # property tests flaky there without finding anything.
    settings.register_profile("mathlib", deadline=None)
    settings.load_profile("mathlib")


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def import_torch_or_skip():
    """torch, or skip the test (locally) / fail it (CI=true) if torch cannot be imported."""
    try:
        import torch
        return torch
    except ImportError as exc:
        problem = str(exc)
    if in_ci():
        pytest.fail(f"CI=true but torch cannot be imported ({problem}); the crosscheck tests are required "
                    f"in CI: install the 'crosscheck' extra (pip install torch)", pytrace=False)
    pytest.skip(f"torch is not installed ({problem}); the crosscheck tests run in CI")


@pytest.fixture(autouse=True)
def _torch_for_crosscheck(request):
    """Every test marked crosscheck skips or fails here, before its body runs, without torch."""
    if request.node.get_closest_marker("crosscheck") is not None:
        import_torch_or_skip()


@pytest.fixture
def torch():
    """The torch module (skips or fails the test like the autouse fixture above without it)."""
    torch = import_torch_or_skip()
    return torch


@pytest.fixture
def no_open_figures():
    """Every plot or diagram function closes its figure in pyplot; nothing is left open
    (test_plot.py and test_diagram.py use it for every test)."""
    import matplotlib.pyplot as plt
    plt.close("all")
    yield
    assert plt.get_fignums() == []


# The longest files, first: make test's two workers (pytest-xdist, --dist loadfile) then finish
# together instead of one of them starting test_tinker's minute of notebook runs at the end.
LONGEST_FIRST = ("tests/test_tinker.py", "chapters/12-beyond-hello-world.ipynb", "chapters/11-training.ipynb")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.path.relative_to(config.rootpath).as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)                                  # stable: each file's order is kept
