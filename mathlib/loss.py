"""Cross-entropy on logits, with optional label smoothing, and its gradient.

    loss = (1 / N) Σ over real target positions t of  −Σ_k q_t[k] · log softmax(z_t)[k]

z_t: the logits at position t; q_t: the target distribution, one-hot on the
correct token, or with label smoothing ε the mixture (1 − ε)·one-hot + ε/K
(K = vocab size: the same definition as torch.nn.functional.cross_entropy's
label_smoothing). Positions whose target is <pad> count for nothing, and N
counts only the real ones. The loss takes logits, not probabilities: the
log-softmax is computed stably (log-sum-exp), never log(softmax(z)).
"""
import numpy as np


def log_softmax(z, axis=-1):
    """z − logsumexp(z) along `axis`, with the maximum subtracted first (no overflow)."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def smoothed_targets(targets, vocab_size, label_smoothing=0.0, dtype=np.float64):
    """(..., K) target distributions: (1 − ε)·one-hot(targets) + ε/K.  targets: (...,) ids."""
    one_hot = (np.asarray(targets)[..., None] == np.arange(vocab_size)).astype(dtype)
    return (1 - label_smoothing) * one_hot + label_smoothing / vocab_size


def cross_entropy(logits, targets, pad_id=0, label_smoothing=0.0):
    """The mean cross-entropy over the non-padding targets (a float).

    logits: (..., m, K); targets: (..., m) ids, pad_id where there is no token.
    """
    logits, targets, real = _check(logits, targets, pad_id, label_smoothing)   # real: (..., m)
    q = smoothed_targets(targets, logits.shape[-1], label_smoothing)     # (..., m, K)
    per_position = -(q * log_softmax(logits)).sum(axis=-1)               # (..., m)
    return float(per_position[real].sum() / real.sum())


def cross_entropy_backward(logits, targets, pad_id=0, label_smoothing=0.0):
    """∂loss/∂logits = (softmax(z) − q) / N at real positions, 0 at padding.  → (..., m, K)."""
    logits, targets, real = _check(logits, targets, pad_id, label_smoothing)
    q = smoothed_targets(targets, logits.shape[-1], label_smoothing, logits.dtype)
    p = np.exp(log_softmax(logits))
    return (p - q) * real[..., None] / real.sum()


def _check(logits, targets, pad_id, label_smoothing):
    logits, targets = np.asarray(logits), np.asarray(targets)
    if logits.dtype.kind != "f":
        raise ValueError(f"logits must be floating-point, got dtype {logits.dtype}")
    if targets.dtype == bool or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be integer token ids, got dtype {targets.dtype}")
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits have shape {logits.shape} but targets {targets.shape}: need logits "
                         f"(..., m, vocab_size) and targets (..., m)")
    K = logits.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() >= K):
        raise ValueError(f"targets must lie in 0..{K - 1} (vocab_size {K}), got {targets.min()}..{targets.max()}")
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    if not np.isfinite(logits).all():
        raise ValueError(f"logits contain NaN or inf; shape {logits.shape}")
    real = targets != pad_id
    if not real.any():
        raise ValueError(f"every target is padding (pad_id={pad_id}): the mean over real tokens is undefined")
    return logits, targets, real
