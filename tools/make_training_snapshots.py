"""Write mathlib/data/training_snapshots.json: chapter 11's training run
(train.TOY_SETTINGS from example.PARAMS on the training pairs: the run of
tools/make_checkpoint.py, whose last step is the stored model), recorded every
10 steps for the training explorer (mathlib.explore.training): the loss of
every step, the greedy translation of every corpus sentence and the last
decoder layer's cross-attention for "Hello World".

Training is chaotic: another arithmetic (OpenBLAS kernel, BLAS, CPU) gives
other digits after ~100 steps, so the explorer reads this file instead of a
live run. The file records the arithmetic that made it (made_with, as the
checkpoint does); tests/test_explorers.py checks that this script reproduces
the file, and that its last step is the stored checkpoint, on that arithmetic.

    python tools/make_training_snapshots.py [output.json]
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import make_checkpoint  # noqa: E402
from mathlib import example, explore, train  # noqa: E402


def make():
    """(the snapshots as plain JSON values, the trained params)."""
    data, trained = explore.training_snapshots()
    data["made_with"] = json.loads(make_checkpoint.arithmetic())
    return data, trained


def same_as_checkpoint(trained):
    return make_checkpoint.same_bits(train.flatten(trained),
                                     train.flatten(example.trained_params()))


def main(path=explore.SNAPSHOTS):
    data, trained = make()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: {len(data['losses'])} steps, "
          f"{len(data['snapshots'])} snapshots; last step = stored checkpoint: "
          f"{same_as_checkpoint(trained)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=explore.SNAPSHOTS,
                        help="where to write the JSON (default: %(default)s)")
    main(parser.parse_args().output)
