"""Cross-entropy on logits, with optional label smoothing, and its gradient.

    loss = (1/N) Σ over real target positions t of −Σ_c ỹ_t[c] log p_t[c]

p_t = softmax(z_t), z_t the logits at position t; ỹ_t the target
distribution (the book's one name for it): one-hot on the token position t
must predict, y_(t+1), or, with label smoothing ε_ls,
(1 − ε_ls)·one-hot + ε_ls/|V| (|V| = vocab_size;
torch.nn.functional.cross_entropy's label_smoothing is the same).
Positions whose target is <pad> count for nothing, and N counts
only the real ones. The loss takes logits, not probabilities: log p is
computed stably as z − logsumexp(z), never as log(softmax(z)).
"""
import numpy as np

from . import _checks


def log_softmax(z, axis=-1):
    """z − log Σ exp(z) along `axis`, the maximum subtracted first.

    >>> log_softmax(np.array([0.0, 0.0])).round(6).tolist()
    [-0.693147, -0.693147]
    """
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def smoothed_targets(targets, vocab_size, label_smoothing=0.0,
                     dtype=np.float64):
    """(..., |V|) targets ỹ = (1 − ε_ls)·one-hot + ε_ls/|V|.

    targets: (...,) ids.

    >>> smoothed_targets(np.array([1]), 4, 0.1).tolist()
    [[0.025, 0.925, 0.025, 0.025]]
    """
    ids = np.asarray(targets)[..., None]
    one_hot = (ids == np.arange(vocab_size)).astype(dtype)
    return (1 - label_smoothing) * one_hot + label_smoothing / vocab_size


def cross_entropy(logits, targets, pad_id=0, label_smoothing=0.0):
    """The mean cross-entropy over the targets that are not padding.

    logits: (..., m, |V|); targets: (..., m) ids, pad_id where none.

    >>> round(cross_entropy(np.array([[0.0, 0.0]]), np.array([1])), 6)
    0.693147
    """
    real = targets != pad_id                               # (..., m)
    y_tilde = smoothed_targets(targets, logits.shape[-1], label_smoothing)
    per_position = -(y_tilde * log_softmax(logits)).sum(-1)   # (..., m)
    return float(per_position[real].sum() / real.sum())


def cross_entropy_backward(logits, targets, pad_id=0,
                           label_smoothing=0.0):
    """∂loss/∂logits: (softmax(z) − ỹ) / N at real positions, 0 at
    padding.  → (..., m, |V|)."""
    real = targets != pad_id
    vocab_size = logits.shape[-1]
    y_tilde = smoothed_targets(targets, vocab_size, label_smoothing,
                               logits.dtype)
    p = np.exp(log_softmax(logits))
    return (p - y_tilde) * real[..., None] / real.sum()


# --- the doors: what a caller hands in is checked once ------------------

def _args(logits, targets, pad_id, label_smoothing):
    logits, targets = np.asarray(logits), np.asarray(targets)
    if logits.dtype.kind != "f":
        raise ValueError(f"logits must be floating-point, got dtype "
                         f"{logits.dtype}")
    if targets.dtype == bool or targets.dtype.kind not in "iu":
        raise ValueError(f"targets must be integer token ids, got dtype "
                         f"{targets.dtype}")
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits have shape {logits.shape} but targets "
                         f"{targets.shape}: need logits (..., m, "
                         f"vocab_size) and targets (..., m)")
    K = logits.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() >= K):
        raise ValueError(f"targets must lie in 0..{K - 1} (vocab_size "
                         f"{K}), got {targets.min()}..{targets.max()}")
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got "
                         f"{label_smoothing!r}")
    if not np.isfinite(logits).all():
        raise ValueError(f"logits contain NaN or inf; shape {logits.shape}")
    if not (targets != pad_id).any():
        raise ValueError(f"every target is padding (pad_id={pad_id}): the "
                         f"mean over real tokens is undefined")
    return logits, targets, pad_id, label_smoothing


cross_entropy = _checks.checked(cross_entropy, _args, result=False)
cross_entropy_backward = _checks.checked(cross_entropy_backward, _args,
                                         result=False)
