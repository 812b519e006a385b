"""Check that a chapter which trains shows the same outputs from a nudged start.

usage:  python tools/nbval_perturbed.py NOTEBOOK... [--seed N]

Training is chaotic (chapter 11): another machine's arithmetic (Apple's Accelerate,
ARM, another numpy or OpenBLAS kernel) turns rounding differences into large ones.
A relative nudge of 1e-10 of the starting parameters stands in for that machine.
For each notebook this tool writes a copy into a temporary folder with one cell
inserted after the front matter; that cell wraps mathlib.train.train so that every
training run in the notebook starts from its parameters times (1 + 1e-10 z), z drawn
from N(0, 1) (a new draw per run). It then runs nbval on the copy the way `make test`
does: every stored text output must come out unchanged. Nothing of this lives in
mathlib: the wrapper exists only in the copy's kernel.

Exit status: pytest's (0 when every output is unchanged). .ci/run runs this on the
chapters that train.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

NUDGE_CELL = """\
# NBVAL_IGNORE_OUTPUT
# Inserted by tools/nbval_perturbed.py (not part of the book): every training run
# starts from its parameters nudged by a relative 1e-10.
import numpy as _np
import mathlib.train as _train
from mathlib.transformer import map_arrays as _map_arrays

_train_unnudged, _runs = _train.train, [0]


def _nudged_train(params, *args, **kwargs):
    _runs[0] += 1
    rng, new = _np.random.default_rng({seed} + _runs[0]), {{}}

    def nudge(path, a):
        if path == "W_out" and params.config.tie_embeddings:
            return new["embedding"].T              # tied weights stay tied
        new[path] = a * (1 + 1e-10 * rng.standard_normal(a.shape))
        return new[path]
    return _train_unnudged(_map_arrays(nudge, params), *args, **kwargs)


_train.train = _nudged_train
"""


def nudged_copy(notebook, folder, seed):
    nb = nbformat.read(notebook, as_version=4)
    cell = nbformat.v4.new_code_cell(NUDGE_CELL.format(seed=seed))
    cell.id = "nudge-by-1e-10"
    at = 1 if nb.cells and nb.cells[0].cell_type == "raw" else 0
    nb.cells.insert(at, cell)
    out = Path(folder) / Path(notebook).name
    nbformat.write(nb, out)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--seed", type=int, default=1000,
                        help="the draws of run k use default_rng(seed + k)")
    args = parser.parse_args(argv)
    env = dict(os.environ,
               PYTHONWARNINGS="error,ignore::PendingDeprecationWarning:ipykernel.kernelbase")
    with tempfile.TemporaryDirectory() as folder:
        copies = [str(nudged_copy(nb, folder, args.seed)) for nb in args.notebooks]
        cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
               "--nbval-cell-timeout=300", "-p", "no:cacheprovider", "-q",
               "--rootdir", folder, *copies]
        return subprocess.run(cmd, cwd=folder, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
