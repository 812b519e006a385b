"""Train the book's toy model and store it: the checkpoint that chapter 11, appendix C
and the explorers analyse after training.

usage:  python tools/make_checkpoint.py           write the two files below
        python tools/make_checkpoint.py --check   re-train and compare, bit for bit

It trains mathlib.example.PARAMS with train.TOY_SETTINGS on the corpus's training
pairs, exactly as chapter 11 does, and writes

  mathlib/data/toy_trained.npz   the trained parameters: `theta`, every number in
                                 train.named_arrays' order (float64, 27 KB), and `config`,
                                 the model's Config as JSON (train.save would write 255
                                 named arrays, 100 KB); read them with
                                 mathlib.example.trained_params()
  mathlib/data/toy_runs.npz      the record of that run and of a second one whose
                                 start differs by a relative 1e-10 (chapter 11's
                                 section on chaos; mathlib.example.stored_runs()):
                                 loss, exact (training pairs exact after each step),
                                 loss_perturbed, exact_perturbed, and delta, the
                                 largest |θ − θ'| over all parameters after each step

Training is chaotic (chapter 11): another machine's arithmetic (another OpenBLAS
kernel, Apple's Accelerate, another numpy) trains a model that translates as well but
differs in every digit. That is why the book stores the model instead of quoting a
live run's digits. tests/test_checkpoint.py checks that this script reproduces the
stored arrays bit for bit on the machine that made them.
"""
import argparse
import ctypes
import dataclasses
import json
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mathlib import corpus, example, train  # noqa: E402
from mathlib.transformer import map_arrays  # noqa: E402

DATA = ROOT / "mathlib" / "data"
CHECKPOINT = DATA / "toy_trained.npz"
RUNS = DATA / "toy_runs.npz"
NUDGE, NUDGE_SEED = 1e-10, 1   # the second run: θ(1 + 1e-10 z), z ~ N(0, 1)


def nudged(params, relative=NUDGE, seed=NUDGE_SEED):
    """A copy of `params` with every number multiplied by 1 + relative · z."""
    rng = np.random.default_rng(seed)
    return map_arrays(lambda path, a: a * (1 + relative * rng.standard_normal(a.shape)),
                      params)


def numbers(params):
    """Every number of params, one flat vector, in train.named_arrays' order (the order
    in which map_arrays walks the tree: example.trained_params reads them back so)."""
    return np.concatenate([a.ravel() for a in train.named_arrays(params).values()])


def run(start, pairs, vocab, batch):
    """Train from `start` with TOY_SETTINGS; (params, losses, exact, every step's θ)."""
    exact, thetas = [], []

    def record(step, loss, params):
        exact.append(int(train.teacher_forced_exact(params, batch).sum()))
        thetas.append(numbers(params))

    params, losses = train.train(start, pairs, vocab, callback=record, every=1,
                                 **train.TOY_SETTINGS)
    return params, np.array(losses), np.array(exact), np.array(thetas)


def make():
    """(trained params, {name: array} of the runs' record)."""
    pairs, _ = corpus.load()
    vocab = example.VOCAB
    batch = corpus.to_batch(pairs, vocab)
    params, loss, exact, theta = run(example.PARAMS, pairs, vocab, batch)
    _, loss_p, exact_p, theta_p = run(nudged(example.PARAMS), pairs, vocab, batch)
    delta = np.abs(theta - theta_p).max(axis=1)
    return params, dict(loss=loss, exact=exact, loss_perturbed=loss_p,
                        exact_perturbed=exact_p, delta=delta)


def arithmetic():
    """What decides a training run's digits on this machine: the platform, numpy's
    version, and the OpenBLAS kernels numpy uses (OPENBLAS_CORETYPE may change them)."""
    return json.dumps(dict(machine=platform.machine(), system=platform.system(),
                           numpy=np.__version__, blas_core=blas_core()))


def blas_core():
    """The name of the OpenBLAS kernels numpy's BLAS runs here (e.g. "Haswell"), or
    None when numpy uses another BLAS (Accelerate, MKL)."""
    folder = Path(np.__file__).parent.parent / "numpy.libs"
    names = ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
             "openblas_get_corename64_", "openblas_get_corename")
    for lib in sorted(folder.glob("*openblas*")):
        so = ctypes.CDLL(str(lib))
        for name in names:
            f = getattr(so, name, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return None


def save_flat(path, params):
    """Write params as one flat vector, their config (example.trained_params reads
    both) and the arithmetic that trained them (made_with)."""
    config = json.dumps(dataclasses.asdict(params.config))
    np.savez(path, theta=numbers(params), config=np.array(config),
             made_with=np.array(arithmetic()))


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def differences(params, runs):
    """What differs between (params, runs) and the stored files: a list of names."""
    stored = example.trained_params()
    bad = [name for (name, a), b in zip(train.named_arrays(params).items(),
                                        train.named_arrays(stored).values())
           if not same_bits(a, b)]
    if stored.config != params.config:
        bad.append("config")
    with np.load(RUNS, allow_pickle=False) as f:
        if sorted(f.files) != sorted(runs):
            bad.append(f"{RUNS.name}: arrays {sorted(f.files)}")
        bad += [f"{RUNS.name}: {k}" for k in runs if k in f.files and not same_bits(f[k], runs[k])]
    return bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored files instead of writing them")
    args = parser.parse_args(argv)
    params, runs = make()
    if args.check:
        bad = differences(params, runs)
        if bad:
            print("differs from the stored checkpoint:", ", ".join(bad[:10]),
                  f"({len(bad)} in all)" if len(bad) > 10 else "")
            return 1
        print("the stored checkpoint is reproduced bit for bit")
        return 0
    save_flat(CHECKPOINT, params)
    np.savez(RUNS, **runs)
    for path in (CHECKPOINT, RUNS):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
    print(f"loss at the end: {runs['loss'][-1]:.4f}; training pairs exact: "
          f"{train.exact_matches(params, corpus.load()[0], example.VOCAB)}/20")
    return 0


if __name__ == "__main__":
    sys.exit(main())
