"""mathlib as a package: light to import, its doctests pass, its metadata is consistent."""
import doctest
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mathlib

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(m.name for m in pkgutil.walk_packages(mathlib.__path__, "mathlib.") if not m.ispkg)
HEAVY = ("matplotlib", "IPython", "torch")


def modules_after(code):
    """The top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_package_has_modules():
    assert {"mathlib.example", "mathlib.page.show"} <= set(MODULES), MODULES


def test_import_mathlib_leaves_matplotlib_and_ipython_out():
    loaded = modules_after("import mathlib")
    assert "numpy" in loaded and "mathlib" in loaded  # the probe does see imports
    assert not loaded & set(HEAVY), f"import mathlib imported {sorted(loaded & set(HEAVY))}"


def test_importing_every_module_stays_light():
    """plot and show import matplotlib / IPython inside their functions, interop imports torch lazily."""
    loaded = modules_after("\n".join(f"import {m}" for m in MODULES))
    assert not loaded & set(HEAVY), f"importing {MODULES} imported {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"


def doctest_examples(module):
    finder = doctest.DocTestFinder(exclude_empty=True)
    return sum(len(t.examples) for t in finder.find(module))


@pytest.mark.parametrize("name", ["mathlib.attention", "mathlib.embedding", "mathlib.layers", "mathlib.positional",
                                  "mathlib.tokens", "mathlib.transformer", "mathlib.page.show"])
def test_the_math_modules_have_doctests(name):
    """Each module a chapter imports from shows at least one worked example that runs."""
    assert doctest_examples(importlib.import_module(name)) >= 1, f"{name} has no doctest example"


def test_a_wrong_doctest_fails(tmp_path):
    """The doctest runner used above does report a wrong example (so a zero-failure result means something)."""
    import types
    module = types.ModuleType("wrong")
    exec('def f():\n    """\n    >>> 1 + 1\n    3\n    """\n', module.__dict__)
    runner = doctest.DocTestRunner(verbose=False)
    for test in doctest.DocTestFinder().find(module, "wrong", globs={}):
        runner.run(test, out=lambda s: None)
    assert runner.summarize(verbose=False).failed == 1


def test_the_functions_the_chapters_display_fit_the_page():
    """Every function source shown with show.code (a python block in a Markdown output) has lines of at
    most 74 characters, what the code column holds (tools/check_pages/ measures it)."""
    shown = 0
    for nb_path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                md = "".join(out.get("data", {}).get("text/markdown", ""))
                if md.startswith("```python"):
                    shown += 1
                    long = [line for line in md.splitlines() if len(line) > 74]
                    assert not long, f"{nb_path.name}: {long}"
    assert shown >= 10


def test_pyproject_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = meta["project"]
    assert project["name"] == "mathlib"
    assert project["version"] == mathlib.__version__, "pyproject version and mathlib.__version__ differ"
    assert project["requires-python"] == ">=3.10"
    runtime = {d.split(">")[0].split("<")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    assert runtime == {"numpy", "matplotlib"}, f"runtime dependencies must stay numpy + matplotlib: {runtime}"
    extras = project["optional-dependencies"]
    assert {"test", "crosscheck", "lab"} <= set(extras)
    assert not any(d.lower().startswith("torch") for d in project["dependencies"]), "torch is never a runtime dep"
    markers = meta["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("slow:") for m in markers) and any(m.startswith("crosscheck:") for m in markers)


def test_a_plain_install_ships_every_package_and_data_file():
    """Colab installs mathlib with `pip install git+…`, not editable: every package of mathlib/
    is listed in [tool.setuptools] packages and every other file (data, the explorers' CSS and
    scripts) is matched by [tool.setuptools.package-data]."""
    import fnmatch
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "mathlib").rglob("__init__.py")}
    assert set(setup["packages"]) == on_disk
    files = [p for p in (ROOT / "mathlib").rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert any(p.suffix == ".js" for p in files)
    for path in files:
        package = max((pkg for pkg in on_disk if path.is_relative_to(ROOT / pkg.replace(".", "/"))), key=len)
        inside = path.relative_to(ROOT / package.replace(".", "/")).as_posix()
        globs = setup["package-data"].get(package, [])
        assert any(fnmatch.fnmatch(inside, g) for g in globs), f"{path.relative_to(ROOT)} is not package data of {package}"


def test_the_page_modules_import_as_the_chapters_import_them():
    """The page-making modules live in mathlib/page/; `from mathlib import show` still reaches them."""
    from mathlib import diagram, flow, layout, plot, show
    from mathlib.page import diagram as d, flow as f, layout as lay, plot as p, show as s
    assert (show, plot, diagram, flow, layout) == (s, p, d, f, lay)
    with pytest.raises(AttributeError):
        mathlib.no_such_module


def test_the_chapters_reach_the_split_out_figures_through_their_old_modules():
    """plot, diagram and flow re-export the figures that live in modules of their own."""
    from mathlib import diagram, flow, plot
    from mathlib.page import blocks, charts, graph, neurons
    assert (plot.curves, plot.bars) == (charts.curves, charts.bars)
    assert (diagram.encoder_block, diagram.decoder_block) == (blocks.encoder_block, blocks.decoder_block)
    assert diagram.network is neurons.network
    assert flow.computation_graph is graph.computation_graph


def test_no_module_is_over_400_lines():
    """A module a reader can hold in one sitting (issue 17): at most 400 lines, one concept each."""
    lines = {str(path.relative_to(ROOT)): len(path.read_text("utf-8").splitlines())
             for path in sorted((ROOT / "mathlib").rglob("*.py"))}
    assert len(lines) >= len(MODULES)
    long = {path: n for path, n in lines.items() if n > 400}
    assert not long, f"modules over 400 lines (split them by concept): {long}"
