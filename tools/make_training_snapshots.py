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
import json
import sys

from mathlib import explore


def main(path=explore.SNAPSHOTS):
    data, _ = explore.training_snapshots()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: {len(data['losses'])} steps, "
          f"{len(data['snapshots'])} snapshots")


if __name__ == "__main__":
    main(*sys.argv[1:])
