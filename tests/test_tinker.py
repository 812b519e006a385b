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
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
TRY_IT = re.compile(r"^(?P<indent>\s*)(?P<name>SOURCE|TARGET|params)\s*=\s*(?P<value>.+?)"
                    r"(?P<comment>\s*#\s*try it\b.*)$")



def preface_moves():
    """The three one-line moves of the preface's "How to experiment" (index.qmd), as written there."""
    text = (ROOT / "index.qmd").read_text(encoding="utf-8")
    text = text[text.index("## How to experiment"):]
    text = text[:text.index("\n## ")]
    return [block.strip() for block in re.findall(r"```python\n(.*?)```", text, re.S)]


YOUR_OWN_VECTOR = TRY_IT.match(preface_moves()[2]).group("value")   # example.with_embedding("hello", …)

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


def run(path, env):
    """Execute the notebook at `path` in place; return (returncode, last lines of output)."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), str(path)],
                          capture_output=True, text=True, env=env, timeout=900)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    return proc.returncode, tail


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
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: (job[0], *run(job[1], env)), jobs))
    failed = [f"--- {variant}:\n{tail}" for variant, code, tail in results if code != 0]
    assert not failed, f"{path.name} raises when a reader tinkers:\n" + "\n".join(failed)
