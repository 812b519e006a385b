"""Write mathlib/data/training_snapshots.json: chapter 11's training run
(train.TOY_SETTINGS from example.PARAMS, the run behind the stored
checkpoint), recorded every 10 steps for the training explorer
(mathlib.explore.training): the loss of every step, the greedy translation
of every corpus sentence and the last decoder layer's cross-attention.

Training is chaotic: another CPU kernel or numpy may give other digits
after ~100 steps, so the explorer reads this file instead of a live run.
tests/test_explorers.py checks that this script reproduces the file here.

    python tools/make_training_snapshots.py [output.json]
"""
import ctypes
import glob
import json
import os
import sys

import numpy as np

from mathlib import explore


def openblas_core():
    """The OpenBLAS kernel numpy runs on ("Haswell", "SkylakeX", …), or None when
    it cannot be told (another BLAS, or another numpy build)."""
    folder = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
    for lib in glob.glob(os.path.join(folder, "*openblas*")):
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                     "openblas_get_corename64_", "openblas_get_corename"):
            f = getattr(ctypes.CDLL(lib), name, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return None


def main(path=explore.SNAPSHOTS):
    data, _ = explore.training_snapshots()
    data["openblas_core"] = openblas_core()     # the kernel the digits belong to
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: {len(data['losses'])} steps, "
          f"{len(data['snapshots'])} snapshots")


if __name__ == "__main__":
    main(*sys.argv[1:])
