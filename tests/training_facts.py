"""What chapter 11 states of a live training run, measured for one start.

usage:  python tests/training_facts.py [SEED]    prints the facts as JSON

SEED: none for example.PARAMS itself; an integer nudges every starting parameter by a
relative 1e-10 (θ(1 + 1e-10 z), z ~ N(0, 1) drawn with that seed), the stand-in for
another machine's arithmetic. tests/test_training_runs.py runs this for several starts
and under another OpenBLAS kernel (OPENBLAS_CORETYPE), and checks every property the
chapter states of a live run. The nudge lives here, in the tests, never in mathlib.
"""
import json
import sys

import numpy as np

from mathlib import corpus, example, train
from mathlib.transformer import Config, map_arrays

TRAIN, HELD_OUT = corpus.load()
VOCAB = example.VOCAB


def nudged(params, seed, relative=1e-10):
    """params with every number times 1 + relative · z (tied weights stay tied)."""
    rng = np.random.default_rng(seed)
    new = {}

    def nudge(path, a):
        if path == "W_out" and params.config.tie_embeddings:
            return new["embedding"].T
        new[path] = a * (1 + relative * rng.standard_normal(a.shape))
        return new[path]
    return map_arrays(nudge, params)


def facts(seed=None):
    start = example.PARAMS if seed is None else nudged(example.PARAMS, seed)
    batch = corpus.to_batch(TRAIN, VOCAB)
    settings = train.TOY_SETTINGS
    exact = []

    def watch(step, loss, model):
        exact.append(int(train.teacher_forced_exact(model, batch).sum()))

    trained, losses = train.train(start, TRAIN, VOCAB, callback=watch, every=1, **settings)
    first = next((s for s, k in enumerate(exact, 1) if k == len(TRAIN)), None)
    out = dict(
        seed=seed,
        hello_world=train.translate("Hello World", trained, VOCAB),
        exact_end=exact[-1], first_all=first,
        exact_greedy_end=train.exact_matches(trained, TRAIN, VOCAB),
        lost_after_first=(sum(k < len(TRAIN) for k in exact[first:]) if first else None),
        loss=[losses[s - 1] for s in (1, 10, 50, 100, 200, 300, 400)],
        loss_end=losses[-1], loss_min_last100=min(losses[-100:]),
        held=[train.translate(en, trained, VOCAB) for en, _ in HELD_OUT],
        held_exact=train.exact_matches(trained, HELD_OUT, VOCAB),
    )
    # the constant rate: the schedule's peak from step 1, with the same cool-down
    peak = settings["lr"] * train.warmup_lr(settings["warmup"], 4, settings["warmup"])
    const = dict(settings, lr=peak, warmup=None)
    c_params, c_losses = train.train(start, TRAIN, VOCAB, **const)
    out["const"] = dict(loss=[c_losses[s - 1] for s in (1, 10, 50, 100, 200, 400)],
                        exact_end=train.exact_matches(c_params, TRAIN, VOCAB),
                        hello_world=train.translate("Hello World", c_params, VOCAB))
    # no label smoothing
    s_params, s_losses = train.train(start, TRAIN, VOCAB, **dict(settings, label_smoothing=0.0))
    out["no_smoothing"] = dict(exact_end=train.exact_matches(s_params, TRAIN, VOCAB),
                               held_exact=train.exact_matches(s_params, HELD_OUT, VOCAB),
                               loss_end=s_losses[-1])
    # exercise 1: dropout
    d_params, d_losses = train.train(start, TRAIN, VOCAB, **dict(settings, p_drop=0.1))
    out["dropout"] = dict(exact_end=train.exact_matches(d_params, TRAIN, VOCAB),
                          loss_end=d_losses[-1],
                          jumps=float(np.abs(np.diff(d_losses[-100:])).mean()),
                          calm=float(np.abs(np.diff(losses[-100:])).mean()))
    # exercise 2: tied embeddings
    tied_config = Config(**{**vars(example.CONFIG), "tie_embeddings": True})
    tied = example.example_params(config=tied_config)
    if seed is not None:
        tied = nudged(tied, seed)
    t_params, t_losses = train.train(tied, TRAIN, VOCAB, **settings)
    out["tied"] = dict(exact_end=train.exact_matches(t_params, TRAIN, VOCAB),
                       loss=[t_losses[0], t_losses[-1]])
    # exercise 3: the schedule itself, lr = 1
    f_params, f_losses = train.train(start, TRAIN, VOCAB, **dict(settings, lr=1.0))
    outs = sorted({train.translate(en, f_params, VOCAB) for en, _ in TRAIN})
    out["lr1"] = dict(exact_end=train.exact_matches(f_params, TRAIN, VOCAB),
                      loss_end=f_losses[-1], outputs=outs)
    return out


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "none"
    print(json.dumps(facts(None if arg == "none" else int(arg))))
