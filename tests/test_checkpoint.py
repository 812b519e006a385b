"""The book's stored trained model (mathlib/data/toy_trained.npz, toy_runs.npz):
what example.trained_params() and example.stored_runs() give, and that
tools/make_checkpoint.py makes those files again, bit for bit, on a machine with the
arithmetic that made them (recorded in the file as made_with)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mathlib import corpus, example, train

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_checkpoint  # noqa: E402

TRAIN, HELD_OUT = corpus.load()


def test_trained_params_are_read_only_cached_and_the_toy_config():
    p = example.trained_params()
    assert p is example.trained_params()                 # read once
    assert p.config == example.CONFIG
    arrays = train.named_arrays(p)
    assert len(arrays) == len(train.named_arrays(example.PARAMS))
    assert all(not a.flags.writeable for a in arrays.values())
    with pytest.raises(ValueError):
        p.W_out[0, 0] = 1.0
    assert make_checkpoint.numbers(p).size == 3366
    assert not np.array_equal(make_checkpoint.numbers(p), make_checkpoint.numbers(example.PARAMS))


def test_the_stored_model_translates_every_training_pair():
    p = example.trained_params()
    assert train.translate("Hello World", p, example.VOCAB) == "hola mundo <eos>"
    assert train.exact_matches(p, TRAIN, example.VOCAB) == len(TRAIN)


def test_stored_runs():
    runs = example.stored_runs()
    steps = train.TOY_SETTINGS["steps"]
    assert sorted(runs) == ["delta", "exact", "exact_perturbed", "loss", "loss_perturbed"]
    assert all(a.shape == (steps,) and not a.flags.writeable for a in runs.values())
    assert runs["exact"][-1] == len(TRAIN)
    assert runs["delta"][0] < 1e-5 and runs["delta"][-1] > 1e-2   # they start together, then part
    # the loss of step 1 is the untrained model's: the same in both runs to ~1e-10
    assert abs(runs["loss"][0] - runs["loss_perturbed"][0]) < 1e-9
    p = example.trained_params()
    batch = corpus.to_batch(TRAIN, example.VOCAB)
    assert train.teacher_forced_exact(p, batch).sum() == runs["exact"][-1]


def test_the_checkpoint_is_made_by_the_book_s_settings():
    made_with = json.loads(str(np.load(make_checkpoint.CHECKPOINT)["made_with"]))
    assert set(made_with) == {"machine", "system", "numpy", "blas_core"}


@pytest.mark.slow                      # trains the toy model twice (seconds)
def test_the_script_reproduces_the_stored_checkpoint_bit_for_bit():
    with np.load(make_checkpoint.CHECKPOINT) as f:
        made_with = json.loads(str(f["made_with"]))
    here = json.loads(make_checkpoint.arithmetic())
    kernel = {k: here[k] for k in ("machine", "system", "blas_core")}
    if kernel != {k: made_with[k] for k in kernel}:
        pytest.skip(f"this machine's arithmetic {kernel} is not the one that made the "
                    f"checkpoint {made_with} (OPENBLAS_CORETYPE set to another kernel, "
                    f"another BLAS or CPU): training is chaotic, and another arithmetic "
                    f"trains another model by design (chapter 11)")
    params, runs = make_checkpoint.make()
    bad = make_checkpoint.differences(params, runs)
    if bad and here["numpy"] != made_with["numpy"]:
        pytest.skip(f"the checkpoint was made with numpy {made_with['numpy']}, this is "
                    f"numpy {here['numpy']}: its arithmetic trains another model")
    assert not bad, (f"tools/make_checkpoint.py no longer makes the stored checkpoint "
                     f"({', '.join(bad[:5])}): run it and commit mathlib/data/*.npz")
