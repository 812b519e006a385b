"""mathlib.loss: cross-entropy on logits, label smoothing, padding left out of the mean.

The gradient is checked against finite differences in tests/test_grad.py (the
"cross_entropy" case) and against torch in tests/test_crosscheck_torch_grad.py.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathlib.loss import cross_entropy, cross_entropy_backward, log_softmax, smoothed_targets


def test_cross_entropy_by_hand():
    # two equal logits: p = [½, ½], loss = −log ½ = log 2
    assert cross_entropy(np.array([[0.0, 0.0]]), np.array([1])) == pytest.approx(math.log(2), rel=1e-15)
    # logits [2, 0, 0], target 0: log p_0 = 2 − log(e² + 2) = 2 − log 9.3890561 = −0.2395448
    assert cross_entropy(np.array([[2.0, 0.0, 0.0]]), np.array([0]), pad_id=-1) == pytest.approx(0.2395448, abs=1e-7)


def test_label_smoothing_by_hand():
    # ε = 0.1, K = 3: q = [0.9 + 0.1/3, 0.1/3, 0.1/3] = [0.93333, 0.03333, 0.03333]
    # log p = [−0.2395448, −2.2395448, −2.2395448]
    # loss = 0.9333333 · 0.2395448 + 2 · 0.0333333 · 2.2395448 = 0.2235751 + 0.1493030 = 0.3728781
    loss = cross_entropy(np.array([[2.0, 0.0, 0.0]]), np.array([0]), pad_id=-1, label_smoothing=0.1)
    assert loss == pytest.approx(0.3728781, abs=1e-7)
    np.testing.assert_allclose(smoothed_targets(np.array([0]), 3, 0.1), [[0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3]], rtol=1e-15)


def test_padding_is_left_out_of_the_mean():
    logits = np.array([[[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [50.0, -9.0, 3.0]]])
    targets = np.array([[1, 2, 0]])                           # the last position is padding (id 0)
    by_hand = ((math.log(math.exp(2) + 2) - 0) + math.log(3)) / 2   # two real positions, not three
    assert cross_entropy(logits, targets) == pytest.approx(by_hand, rel=1e-14)
    d = cross_entropy_backward(logits, targets)
    assert np.all(d[0, 2] == 0)                                # no gradient at padding
    p = np.exp(log_softmax(logits[0, 0]))
    np.testing.assert_allclose(d[0, 0], (p - [0, 1, 0]) / 2, rtol=1e-14)   # (p − one-hot) / N, N = 2


def test_the_gradient_is_p_minus_the_smoothed_target_over_n():
    logits = np.array([[1.0, 2.0, -1.0, 0.5], [0.0, 0.0, 3.0, 1.0]])
    targets = np.array([2, 3])
    q = np.array([[0.025, 0.025, 0.925, 0.025], [0.025, 0.025, 0.025, 0.925]])   # ε = 0.1, K = 4
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(cross_entropy_backward(logits, targets, pad_id=0, label_smoothing=0.1),
                               (p - q) / 2, rtol=1e-13)
    # its rows sum to 0: probabilities and targets both sum to 1
    np.testing.assert_allclose(cross_entropy_backward(logits, targets, label_smoothing=0.1).sum(-1), 0, atol=1e-16)


def test_huge_logits_do_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0]])
    assert cross_entropy(logits, np.array([1])) == pytest.approx(1000.0, rel=1e-15)   # log p_1 = −1000
    assert np.isfinite(cross_entropy_backward(logits, np.array([1]))).all()


@settings(max_examples=60)
@given(seed=st.integers(0, 2 ** 32 - 1), shift=st.floats(-100, 100), eps=st.sampled_from([0.0, 0.1, 0.3]))
def test_loss_ignores_a_constant_added_to_a_rows_logits(seed, shift, eps):
    rng = np.random.default_rng(seed)
    logits, targets = rng.normal(size=(2, 3, 5)), rng.integers(1, 5, size=(2, 3))
    a = cross_entropy(logits, targets, label_smoothing=eps)
    b = cross_entropy(logits + shift, targets, label_smoothing=eps)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    assert a >= 0


@settings(max_examples=40)
@given(seed=st.integers(0, 2 ** 32 - 1), eps=st.sampled_from([0.05, 0.1, 0.3]))
def test_smoothing_has_its_lowest_loss_at_the_smoothed_target_not_at_the_one_hot(seed, eps):
    """With ε > 0 a confident correct answer is not the best: the loss is lowest where p = q,
    and there it equals the entropy of q (the loss never reaches 0)."""
    rng = np.random.default_rng(seed)
    K, target = 5, int(rng.integers(1, 5))
    q = smoothed_targets(np.array([target]), K, eps)
    at_q = cross_entropy(np.log(q), np.array([target]), label_smoothing=eps)
    assert at_q == pytest.approx(-(q * np.log(q)).sum(), rel=1e-12)
    confident = np.full((1, K), -20.0)
    confident[0, target] = 20.0
    assert cross_entropy(confident, np.array([target]), label_smoothing=eps) > at_q
    other = np.log(q) + rng.normal(0, 0.5, size=(1, K))
    assert cross_entropy(other, np.array([target]), label_smoothing=eps) >= at_q


def test_bad_input_is_named():
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"logits have shape \(2, 3\) but targets \(3,\)"):
        cross_entropy(logits, np.array([1, 1, 1]))
    with pytest.raises(ValueError, match=r"targets must lie in 0..2"):
        cross_entropy(logits, np.array([1, 3]))
    with pytest.raises(ValueError, match="every target is padding"):
        cross_entropy(logits, np.array([0, 0]))
    with pytest.raises(ValueError, match="integer token ids"):
        cross_entropy(logits, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        cross_entropy_backward(logits, np.array([1, 2]), label_smoothing=1.0)
    with pytest.raises(ValueError, match="NaN or inf"):
        cross_entropy(np.array([[0.0, np.nan, 0.0], [0, 0, 0]]), np.array([1, 2]))
