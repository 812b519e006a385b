"""The self-checking exercises of Part III, Learning (chapters 10–11).

    check.cross_entropy(f)        chapter 10     check.warmup_lr(f)        chapter 11

Each runs the reader's answer against mathlib and prints the verdict (mathlib.check.verdict).
"""
import numpy as np

from .. import loss, train
from .verdict import run


# --- chapter 10 ---------------------------------------------------------------------------

def cross_entropy(answer):
    """cross_entropy(logits, targets, pad_id) → the mean over non-padding targets."""
    rng = np.random.default_rng(10)
    cases = [dict(logits=np.array([[2.0, 0.5, -1.0]]), targets=np.array([0]), pad_id=2),
             dict(logits=np.round(rng.normal(size=(3, 5)), 2), targets=np.array([4, 1, 0]),
                  pad_id=0),
             dict(logits=np.round(rng.normal(size=(2, 4, 5)), 2),
                  targets=np.array([[3, 2, 0, 0], [1, 4, 2, 0]]), pad_id=0)]

    def picked(logits, targets):
        return np.take_along_axis(loss.log_softmax(logits), targets[..., None], -1)[..., 0]
    mistakes = [
        (lambda logits, targets, pad_id: float(-picked(logits, targets).mean()),
         "the padding positions are counted: leave out every target equal to pad_id "
         "(in the sum and in the count)."),
        (lambda logits, targets, pad_id: float(-picked(logits, targets)[targets != pad_id].sum()),
         "that is the sum over the real targets: the loss is their mean."),
        (lambda logits, targets, pad_id: float(picked(logits, targets)[targets != pad_id].mean()),
         "the sign: the loss is minus the mean log-probability (it is ≥ 0)."),
        (lambda logits, targets, pad_id: float(-np.take_along_axis(
            logits, targets[..., None], -1)[..., 0][targets != pad_id].mean()),
         "the raw logit of the target was used: take the log of its softmax "
         "probability, log_softmax(z)[target]."),
    ]

    def generic(args, got, want):
        if not np.isscalar(got) and np.asarray(got).shape != ():
            return "the loss is one number: the mean over the real positions."
    run("cross_entropy", answer, cases,
        lambda logits, targets, pad_id: loss.cross_entropy(logits, targets, pad_id),
        mistakes, generic)


# --- chapter 11 ---------------------------------------------------------------------------

def warmup_lr(answer):
    """warmup_lr(step, d_model, warmup) → the paper's learning rate at `step`."""
    cases = [dict(step=1, d_model=4, warmup=100), dict(step=50, d_model=4, warmup=100),
             dict(step=100, d_model=4, warmup=100), dict(step=400, d_model=4, warmup=100),
             dict(step=4000, d_model=512, warmup=4000)]

    def ref(step, d_model, warmup):
        return float(train.warmup_lr(step, d_model, warmup))
    mistakes = [
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** 0.5, step * warmup ** -1.5),
         "after the warm-up the rate decays as step^−0.5 (1/√step), yours keeps rising (step^0.5 instead of step^−0.5?)."),
        (lambda step, d_model, warmup: d_model ** -0.5 * max(step ** -0.5, step * warmup ** -1.5),
         "max instead of min: the rate is the smaller of the two branches (the rising "
         "line during warm-up, the 1/√step decay after)."),
        (lambda step, d_model, warmup: min(step ** -0.5, step * warmup ** -1.5),
         "the factor d_model^−0.5 is missing."),
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** -0.5, step * warmup ** -0.5),
         "the warm-up branch is step · warmup^−1.5, not warmup^−0.5: the two "
         "branches meet at step = warmup."),
    ]
    run("warmup_lr", answer, cases, ref, mistakes)
