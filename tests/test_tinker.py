"""A reader who changes the sentence, the target or the seed and re-runs must not hit a wall of errors.

Every chapter's setup cell marks the lines a reader is invited to change with `# try it`:

    SOURCE = "Hello World"        # try it: another sentence from example.VOCAB
    TARGET = "Hola Mundo"         # try it (chapters that translate)
    params = example.PARAMS       # try it: example.example_params(seed=7)

This test rewrites those lines in a copy of each chapter, executes the copy top to bottom
in a fresh kernel, and fails on any error. A sentence of the text that is true only of the
book's example is checked with `example.claim(...)`, which prints a note instead of
raising, so the reader's run goes on.
"""
import asyncio
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))
from execute import KERNEL_NAME, ThisEnvironmentKernelManager  # noqa: E402  (make execute's kernel)
from test_preface import experiment_lines  # noqa: E402  (the preface's three moves)
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
TRY_IT = re.compile(r"^(?P<indent>\s*)(?P<name>SOURCE|TARGET|params)\s*=\s*(?P<value>.+?)"
                    r"(?P<comment>\s*#\s*try it\b.*)$")



YOUR_OWN_VECTOR = TRY_IT.match(experiment_lines()[2]).group("value")   # example.with_embedding("hello", …)

# (name of the variant, replacements for the marked lines). The other seed rides along with the
# longer sentence, and the preface's "your own vector" (for "hello") with a one-word sentence that
# uses it: two runs of each chapter, every marked line and all three of the preface's moves tried.
VARIANTS = [
    ("longer sentence, another seed", {"SOURCE": '"goodbye world hello !"', "TARGET": '"adios mundo hola !"',
                                       "params": "example.example_params(seed=7)"}),
    ("one word, your own vector", {"SOURCE": '"hello"', "TARGET": '"hola"', "params": YOUR_OWN_VECTOR}),
]


def try_it_lines(nb):
    """(cell index, line index, name) of every line marked `# try it` in a code cell."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for j, line in enumerate("".join(cell["source"]).split("\n")):
            m = TRY_IT.match(line)
            if m:
                found.append((i, j, m.group("name")))
    return found


def tinkered(nb, replacements):
    """A copy of the notebook with the marked lines' values replaced; outputs cleared."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        lines = "".join(cell["source"]).split("\n")
        for j, line in enumerate(lines):
            m = TRY_IT.match(line)
            if m and m.group("name") in replacements:
                lines[j] = f"{m.group('indent')}{m.group('name')} = {replacements[m.group('name')]}{m.group('comment')}"
        cell["source"] = "\n".join(lines)
    return nb


async def run(path, env):
    """Execute the notebook at `path` top to bottom in a fresh kernel (the one `make execute` uses,
    with `env`, in the notebook's folder); return (0, "") or (1, the end of the error)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, kernel_manager_class=ThisEnvironmentKernelManager,
                            timeout=900, resources={"metadata": {"path": str(Path(path).parent)}})
    try:
        await client.async_execute(env=env)
    except Exception as exc:        # a cell raised (CellExecutionError), the kernel died, a timeout
        text = re.sub(r"\x1b\[[0-9;]*m", "", f"{type(exc).__name__}: {exc}")     # no terminal colours
        return 1, "\n".join(text.strip().splitlines()[-25:])
    return 0, ""


async def run_all(paths, env):
    """run() every notebook of `paths` at the same time (one kernel each); their results in order."""
    return await asyncio.gather(*(run(path, env) for path in paths))


def test_the_rewriting_replaces_exactly_the_marked_lines():
    nb = {"cells": [{"cell_type": "code", "outputs": [], "execution_count": 1, "source": [
        'SOURCE = "Hello World"   # try it: another sentence\n',
        'other = "Hello World"\n',
        'params = example.PARAMS  # try it\n']}]}
    out = tinkered(nb, {"SOURCE": '"goodbye"', "params": "example.example_params(seed=7)"})
    assert out["cells"][0]["source"].split("\n") == [
        'SOURCE = "goodbye"   # try it: another sentence',
        'other = "Hello World"',
        'params = example.example_params(seed=7)  # try it', '']
    assert [name for _, _, name in try_it_lines(nb)] == ["SOURCE", "params"]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_marks_its_sentence(path):
    names = {name for _, _, name in try_it_lines(json.loads(path.read_text()))}
    assert "SOURCE" in names and "params" in names, (
        f"{path.name}: the setup cell must mark the sentence (SOURCE = ...  # try it) and the "
        f"parameters (params = example.PARAMS  # try it) a reader is invited to change; found {sorted(names)}")


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_with_another_sentence_and_seed(path, tmp_path):
    nb = json.loads(path.read_text())
    env = dict(os.environ, PYTHONWARNINGS="error,ignore::PendingDeprecationWarning:ipykernel.kernelbase")
    jobs = []
    for k, (variant, replacements) in enumerate(VARIANTS):
        copy = tmp_path / f"{k}-{path.name}"
        copy.write_text(json.dumps(tinkered(nb, replacements)))
        jobs.append((variant, copy))
    results = asyncio.run(run_all([copy for _, copy in jobs], env))
    failed = [f"--- {variant}:\n{tail}" for (variant, _), (code, tail) in zip(jobs, results) if code != 0]
    assert not failed, f"{path.name} raises when a reader tinkers:\n" + "\n".join(failed)
