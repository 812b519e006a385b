"""The notebook machinery guards for real.

`make test` runs nbval over chapters/ with the options and environment written in the
Makefile (NBVAL_OPTS, NBVAL_ENV). These tests read those two lines and show, each in a
subprocess on copies in a temporary directory, that this configuration:

(a) fails when one digit of one stored text output is changed, and passes on the copy
    that was not changed;
(b) `make execute`'s tool (tools/execute.py) writes byte-identical files when it executes a
    chapter twice, with the same text outputs as the committed chapter;
(c) fails when a cell emits a warning (warnings.warn in the cell, a numpy RuntimeWarning,
    a FutureWarning raised inside an imported module), also in a cell marked
    NBVAL_IGNORE_OUTPUT, and passes the same notebook without the warning.

They start kernels, so they are marked slow; `make test` runs them, `make unit` does not.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

pytestmark = pytest.mark.slow


def makefile_variable(name):
    m = re.search(rf"^{name}\s*:?=\s*(.*)$", (ROOT / "Makefile").read_text(), flags=re.M)
    assert m, f"Makefile has no {name} line"
    return shlex.split(m.group(1))


def nbval_run(notebooks, tmp_path):
    """Run nbval the way `make test` does; return {test id: outcome} and the output."""
    env = dict(os.environ)
    for assignment in makefile_variable("NBVAL_ENV"):
        key, _, value = assignment.partition("=")
        env[key] = value
    report = tmp_path / "nbval-report.xml"
    cmd = [sys.executable, "-m", "pytest", *makefile_variable("NBVAL_OPTS"), "-p", "no:cacheprovider",
           f"--junitxml={report}", "-o", "junit_family=xunit2", *map(str, notebooks)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                kind = child.tag
        outcomes[name] = kind
    return proc, outcomes


def smallest_chapter():
    assert CHAPTERS, "no chapters to test nbval with"
    return min(CHAPTERS, key=lambda p: sum(1 for c in nbformat.read(p, as_version=4).cells
                                            if c.cell_type == "code"))


def test_makefile_runs_nbval_strictly():
    opts = makefile_variable("NBVAL_OPTS")
    assert "--nbval" in opts and "--nbval-lax" not in opts, "nbval must compare every output"
    assert "--nbval-current-env" in opts, "the kernel must be the one of the test environment"
    assert "--nbdime" not in opts, "--nbdime would make nbval compare PNG bytes (machine-dependent)"
    for o in opts:
        if o.startswith("--nbval-sanitize-with"):
            assert (ROOT / o.partition("=")[2]).is_file(), f"{o}: no such file"
    env = dict(a.partition("=")[::2] for a in makefile_variable("NBVAL_ENV"))
    assert env.get("PYTHONWARNINGS", "").split(",")[0] == "error", "warnings must be errors in the kernel"


def first_checked_digit(nb):
    """(cell index, output index, mime or 'text') of the first stored text output holding a digit
    in a cell whose output nbval compares."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or re.search(r"#\s*NBVAL_(IGNORE_OUTPUT|SKIP)", cell.source):
            continue
        for j, out in enumerate(cell.get("outputs", [])):
            if out.output_type == "stream" and re.search(r"\d", out.text):
                return i, j, "text"
            for mime in ("text/latex", "text/markdown", "text/plain"):
                if mime in out.get("data", {}) and "image/png" not in out["data"] \
                        and re.search(r"\d", out["data"][mime]):
                    return i, j, mime
    raise AssertionError("no checked text output with a digit in the chapter")


def bump_first_digit(text):
    m = re.search(r"\d", text)
    return text[:m.start()] + str((int(m.group()) + 1) % 10) + text[m.end():]


def test_nbval_fails_on_a_changed_number(tmp_path):
    src = smallest_chapter()
    nb = nbformat.read(src, as_version=4)
    i, j, mime = first_checked_digit(nb)
    nb.cells = nb.cells[:i + 1]                 # the chapter up to the changed cell: what nbval runs
    out = nb.cells[i].outputs[j]
    if mime == "text":
        out.text = bump_first_digit(out.text)
    else:
        out.data[mime] = bump_first_digit(out.data[mime])
    head = nbformat.read(src, as_version=4)
    head.cells = head.cells[:i + 1]
    nbformat.write(head, tmp_path / "original.ipynb")
    nbformat.write(nb, tmp_path / "changed.ipynb")
    code_index = sum(1 for c in nb.cells[:i] if c.cell_type == "code")

    proc, outcomes = nbval_run(["original.ipynb", "changed.ipynb"], tmp_path)
    log = proc.stdout[-3000:] + proc.stderr[-2000:]
    original = {k: v for k, v in outcomes.items() if "changed" not in k}
    changed = {k: v for k, v in outcomes.items() if "changed" in k}
    assert original and set(original.values()) == {"passed"}, f"the unchanged chapter must pass:\n{log}"
    failed = [k for k, v in changed.items() if v != "passed"]
    assert failed == [next(k for k in changed if k.endswith(f"Cell {code_index}"))], \
        f"exactly the changed cell (code cell {code_index}, {mime}) must fail, got {failed}:\n{log}"
    assert proc.returncode == 1


def test_execute_is_deterministic(tmp_path):
    src = smallest_chapter()
    copies = [tmp_path / "first.ipynb", tmp_path / "second.ipynb"]
    for c in copies:
        shutil.copy(src, c)
    env = dict(os.environ)
    for assignment in makefile_variable("NBVAL_ENV"):
        key, _, value = assignment.partition("=")
        env[key] = value
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), *map(str, copies)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    first, second = (json.loads(c.read_text()) for c in copies)

    def outputs(nb):
        return [(c.get("execution_count"), c.get("outputs")) for c in nb["cells"] if c["cell_type"] == "code"]

    assert outputs(first) == outputs(second), "two executions of the same chapter differ"
    assert any(o for _, outs in outputs(first) for o in outs), "the executed chapter has no outputs"
    assert all("execution" not in c["metadata"] for c in first["cells"]), "timing metadata was stored"
    assert copies[0].read_bytes() == copies[1].read_bytes(), "the two executed files differ byte for byte"
    # The text outputs equal the committed ones (PNG bytes are machine-dependent, nbval skips them).
    stored = json.loads(src.read_text())

    def texts(nb):
        return [[{k: v for k, v in o.get("data", {}).items() if k != "image/png"} or o.get("text")
                 for o in c.get("outputs", [])] for c in nb["cells"] if c["cell_type"] == "code"]

    assert texts(first) == texts(stored), "re-executing the chapter changes its stored text outputs"


def warning_notebook(path, cell_source, stored_outputs=()):
    """A small executed-looking notebook whose second cell is `cell_source`."""
    cells = [new_code_cell("x = 6 * 7\nprint(x)", execution_count=1,
                           outputs=[new_output("stream", name="stdout", text="42\n")]),
             new_code_cell(cell_source, execution_count=2, outputs=list(stored_outputs))]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.write(nb, path)
    return path.name


def test_a_warning_fails_nbval(tmp_path):
    names = {
        "control": warning_notebook(tmp_path / "control.ipynb", "y = x + 1"),
        "warn": warning_notebook(tmp_path / "warn.ipynb", 'import warnings\nwarnings.warn("x")\ny = x + 1'),
        "warn_ignored": warning_notebook(
            tmp_path / "warn_ignored.ipynb", '# NBVAL_IGNORE_OUTPUT\nimport warnings\nwarnings.warn("x")'),
        "numpy_warning": warning_notebook(
            tmp_path / "numpy_warning.ipynb", "import numpy as np\nnp.log(np.zeros(1))\ny = 1"),
        # raised inside a library module, in a cell whose output nbval does not compare
        "library_warning": warning_notebook(
            tmp_path / "library_warning.ipynb", "# NBVAL_IGNORE_OUTPUT\nimport noisy\nnoisy.f()"),
    }
    (tmp_path / "noisy.py").write_text("import warnings\n\ndef f():\n    warnings.warn('old', FutureWarning)\n")
    proc, outcomes = nbval_run(list(names.values()), tmp_path)
    log = proc.stdout[-4000:]

    def outcome(name, cell):
        return outcomes[f"{name}::Cell {cell}"]

    assert outcome(names["control"], 0) == outcome(names["control"], 1) == "passed", log
    for key in ("warn", "warn_ignored", "numpy_warning", "library_warning"):
        assert outcome(names[key], 0) == "passed", log
        assert outcome(names[key], 1) == "failure", f"{key}: a warning did not fail nbval:\n{log}"
    assert proc.returncode == 1
