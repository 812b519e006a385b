"""What chapter 11 prints of its live training runs, measured for one start.

usage:  python tests/training_facts.py [SEED]    prints the facts as JSON

SEED: "none" trains from example.PARAMS itself; an integer nudges every starting
parameter by a relative 1e-10 (θ(1 + 1e-10 z), z ~ N(0, 1) drawn with that seed), the
stand-in for another machine's arithmetic. tests/test_training_runs.py runs this for
several starts and under another OpenBLAS kernel (OPENBLAS_CORETYPE) and checks every
property the chapter states of a live run. The nudge lives here, in the tests, never
in mathlib. Each run below is one the chapter makes, with the chapter's settings.
"""
import json
import sys

import numpy as np

from mathlib import corpus, example, train
from mathlib.loss import cross_entropy
from mathlib.transformer import Config, forward, map_arrays

TRAIN, HELD_OUT = corpus.load()
VOCAB = example.VOCAB
SETTINGS = train.TOY_SETTINGS


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
    n = len(TRAIN)
    hello = lambda p: train.translate("Hello World", p, VOCAB)   # noqa: E731
    out = {"seed": seed}

    # Step 4: the training loop, with the callback that counts exact pairs
    exact = []
    trained, losses = train.train(
        start, TRAIN, VOCAB, every=1, **SETTINGS,
        callback=lambda s, l, p: exact.append(
            int(train.teacher_forced_exact(p, batch).sum())))
    first = next((s for s, k in enumerate(exact, 1) if k == n), None)
    out["main"] = dict(
        hello_world=hello(trained),
        printed=[[s, round(losses[s - 1], 4), exact[s - 1]] for s in (1, 10, 50)],
        exact_end=exact[-1], first_all_exact=first,
        steps_lost_after_first=(sum(k < n for k in exact[first:]) if first else None),
        loss_end=losses[-1],
        held=[train.translate(en, trained, VOCAB) for en, _ in HELD_OUT],
        held_exact=train.exact_matches(trained, HELD_OUT, VOCAB))

    # warm-up or a constant rate: the schedule's peak from step 1, same cool-down
    peak = max(train.learning_rate(s, SETTINGS["steps"], 4, SETTINGS["lr"],
                                   SETTINGS["warmup"], SETTINGS["cooldown"])
               for s in range(1, SETTINGS["steps"] + 1))
    flat, flat_losses = train.train(start, TRAIN, VOCAB,
                                    **dict(SETTINGS, lr=peak, warmup=None))
    out["constant"] = dict(hello_world=hello(flat), loss_10=round(flat_losses[9], 4),
                           exact_end=train.exact_matches(flat, TRAIN, VOCAB),
                           loss_end=flat_losses[-1])

    # two runs that should be the same: the chapter's own nudge, on top of `start`
    twin, twin_losses = train.train(nudged(start, 1), TRAIN, VOCAB, **SETTINGS)
    gap = np.abs(np.array(losses) - np.array(twin_losses))
    out["twin"] = dict(hello_world=hello(twin), gap_1_50=float(gap[:50].max()),
                       gap_150_end=float(gap[149:].max()),
                       first_gap_above_1e_3=int(np.argmax(gap > 1e-3)) + 1)

    # Step 7: no label smoothing
    sharp, sharp_losses = train.train(start, TRAIN, VOCAB,
                                      **dict(SETTINGS, label_smoothing=0.0))
    ce = cross_entropy(forward(batch.src, batch.tgt_in, sharp), batch.tgt_out, example.PAD)
    smoothed = example.trained_params()
    ce_smoothed = cross_entropy(forward(batch.src, batch.tgt_in, smoothed), batch.tgt_out,
                                example.PAD)
    out["no_smoothing"] = dict(hello_world=hello(sharp), cross_entropy=float(ce),
                               lowest_over_smoothed=float(min(sharp_losses) / ce_smoothed),
                               exact_end=train.exact_matches(sharp, TRAIN, VOCAB),
                               held_exact=train.exact_matches(sharp, HELD_OUT, VOCAB))

    # Exercise 1: dropout
    dropped, d_losses = train.train(start, TRAIN, VOCAB, **dict(SETTINGS, p_drop=0.1))
    jumps = float(np.abs(np.diff(d_losses[-100:])).mean())
    calm = float(np.abs(np.diff(losses[-100:])).mean())
    out["dropout"] = dict(exact_end=train.exact_matches(dropped, TRAIN, VOCAB),
                          jump_ratio=jumps / calm)

    # Exercise 2: tied embeddings
    tied = example.example_params(
        config=Config(**{**vars(example.CONFIG), "tie_embeddings": True}))
    if seed is not None:
        tied = nudged(tied, seed)
    t_params, t_losses = train.train(tied, TRAIN, VOCAB, **SETTINGS)
    out["tied"] = dict(hello_world=hello(t_params), loss_1=round(t_losses[0], 4),
                       exact_end=train.exact_matches(t_params, TRAIN, VOCAB))

    # Exercise 3: the schedule itself, lr = 1
    stuck, _ = train.train(start, TRAIN, VOCAB, **dict(SETTINGS, lr=1.0))
    answers = sorted({train.translate(en, stuck, VOCAB) for en, _ in TRAIN})
    out["lr_1"] = dict(answers=answers,
                       exact_end=train.exact_matches(stuck, TRAIN, VOCAB))
    return out


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else "none"
    print(json.dumps(facts(None if arg == "none" else int(arg))))
