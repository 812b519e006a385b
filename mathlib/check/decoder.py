"""The self-checking exercises of Part II, Decoder and generation (chapters 8–9).

    check.causal_mask(f)          chapter 8      check.sample_probabilities(f)  ch. 9

Each runs the reader's answer against mathlib and prints the verdict (mathlib.check.verdict).
"""
import numpy as np

from .. import attention, generate
from .verdict import run


# --- chapter 8 ----------------------------------------------------------------------------

def causal_mask(answer):
    """causal_mask(n) → (n, n) bool, True where position i may look (j ≤ i)."""
    cases = [dict(n=3), dict(n=5), dict(n=1)]
    mistakes = [
        (lambda n: np.triu(np.ones((n, n), dtype=bool)),
         "True above the diagonal lets each position see the future; a position "
         "may look at itself and the past: True on and below the diagonal."),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1),
         "the diagonal is False: a position must see itself (else the first row "
         "sees nothing and its softmax is 0/0)."),
        (lambda n: ~np.tril(np.ones((n, n), dtype=bool)),
         "True and False are swapped: in mathlib True means 'may attend'."),
    ]

    def generic(args, got, want):
        got = np.asarray(got)
        if got.shape == want.shape and got.dtype != bool:
            return ("the values are right but not booleans: mathlib's masks are bool "
                    "(dtype=bool, or compare, e.g. j <= i).")
    run("causal_mask", answer, cases, attention.causal_mask, mistakes, generic)


# --- chapter 9 ----------------------------------------------------------------------------

def sample_probabilities(answer):
    """sample_probabilities(logits, temperature, top_k) → (V,) probabilities."""
    z = np.array([2.0, 1.0, 0.5, -1.0, 0.0])
    cases = [dict(logits=z, temperature=1.0, top_k=None),
             dict(logits=z, temperature=0.5, top_k=None),
             dict(logits=z, temperature=2.0, top_k=3),
             dict(logits=np.array([0.3, 1.2, -0.7, 1.2]), temperature=1.0, top_k=1),
             dict(logits=np.array([1.0, -np.inf, 3.0, 0.0]), temperature=1.5, top_k=2)]
    sm = attention.softmax

    def keep_top(p, k):
        if k is None:
            return p
        out = np.zeros_like(p)
        best = np.argsort(-p, kind="stable")[:k]
        out[best] = p[best]
        return out
    mistakes = [
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            logits * temperature, 1.0, top_k),
         "the logits are multiplied by T: divide them, softmax(z / T), so a small "
         "T sharpens the distribution."),
        (lambda logits, temperature, top_k: keep_top(sm(logits / temperature), top_k),
         "the probabilities outside the top k were set to 0 after the softmax, so "
         "they no longer sum to 1: keep the top k logits first (the others -inf), "
         "then take the softmax."),
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            -logits, temperature, top_k) if top_k else sm(logits / temperature),
         "the k smallest logits were kept: keep the k largest."),
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            logits, 1.0, top_k),
         "the temperature is ignored: divide the logits by T before the softmax."),
    ]
    run("sample_probabilities", answer, cases, generate.sample_probabilities, mistakes)
