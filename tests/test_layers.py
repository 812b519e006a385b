"""mathlib.layers: linear, ReLU, feed-forward and layer norm, by hand and as properties."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathlib.layers import FeedForwardParams, LayerNormParams, add_and_norm, feed_forward, layer_norm, linear, relu


def test_linear_by_hand():
    # [1, 2] · [[1, 0, 2], [0, 1, 3]] = [1·1 + 2·0, 1·0 + 2·1, 1·2 + 2·3] = [1, 2, 8]; + [1, 1, 1] = [2, 3, 9]
    W = np.array([[1.0, 0, 2], [0, 1, 3]])
    assert linear(np.array([1.0, 2.0]), W, np.ones(3)).tolist() == [2.0, 3.0, 9.0]
    assert linear(np.array([1.0, 2.0]), W).tolist() == [1.0, 2.0, 8.0]


def test_linear_applies_the_same_weights_to_every_row_and_batch():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    y = linear(x, W, b)
    assert y.shape == (2, 3, 5)
    for i in range(2):
        for t in range(3):
            np.testing.assert_allclose(y[i, t], x[i, t] @ W + b, rtol=1e-13)


def test_relu():
    x = np.array([-2.0, 0.0, 3.0])
    assert relu(x).tolist() == [0.0, 0.0, 3.0]
    assert x.tolist() == [-2.0, 0.0, 3.0]           # a new array: the input is not overwritten


FFN = FeedForwardParams(W1=np.array([[1.0, -1.0], [1.0, 1.0]]), b1=np.array([0.5, 0.5]),
                        W2=np.array([[2.0, 0.0], [0.0, 3.0]]), b2=np.array([0.0, 1.0]))


def test_feed_forward_by_hand():
    # x W1 = [1·1 + (−1)·1, 1·(−1) + (−1)·1] = [0, −2]; + b1 = [0.5, −1.5]; ReLU → [0.5, 0]
    # · W2 = [0.5·2 + 0·0, 0.5·0 + 0·3] = [1, 0]; + b2 = [1, 1]
    assert feed_forward(np.array([[1.0, -1.0]]), FFN).tolist() == [[1.0, 1.0]]
    # x = [2, 1]: x W1 = [3, −1] + b1 = [3.5, −0.5] → ReLU [3.5, 0] → [7, 0] + b2 = [7, 1]
    assert feed_forward(np.array([[1.0, -1.0], [2.0, 1.0]]), FFN).tolist() == [[1.0, 1.0], [7.0, 1.0]]


def test_feed_forward_keeps_float32_and_does_not_touch_its_input():
    x = np.array([[1.0, -1.0], [2.0, 1.0]], dtype=np.float32)
    x.setflags(write=False)
    y = feed_forward(x, FeedForwardParams(*(a.astype(np.float32) for a in (FFN.W1, FFN.b1, FFN.W2, FFN.b2))))
    assert y.dtype == np.float32 and y.tolist() == [[1.0, 1.0], [7.0, 1.0]]
    assert x.tolist() == [[1.0, -1.0], [2.0, 1.0]]


# layer norm of [1, 2, 3, 4]: mean 2.5, deviations [−1.5, −0.5, 0.5, 1.5],
# population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 (dividing by n, fact 12),
# √(1.25 + 1e−5) = 1.1180384608 (eps inside the root, fact 7), so
# 1.5 / 1.1180384608 = 1.34163542 and 0.5 / 1.1180384608 = 0.44721181.
LN_1234 = [-1.34163542, -0.44721181, 0.44721181, 1.34163542]


def test_layer_norm_of_1_2_3_4():
    y = layer_norm(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), np.zeros(4), eps=1e-5)
    np.testing.assert_allclose(y, LN_1234, rtol=1e-8)
    # the sample variance (n − 1) would give 1.5 / √(5/3) = 1.1619: not what we compute
    assert abs(y[3] - 1.1619) > 0.1


def test_layer_norm_gamma_and_beta():
    y = layer_norm(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 1.0, 2.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    # x̂ · gamma + beta
    np.testing.assert_allclose(y, [-1.34163542, -0.89442362, 1.44721181, 3.68327084], rtol=1e-8)


def test_layer_norm_puts_eps_inside_the_square_root():
    # x = [0, 0.002]: deviations ±0.001, variance 1e−6.
    # inside:  −0.001 / √(1e−6 + 1e−5) = −0.001 / 0.0033166 = −0.30151
    # outside: −0.001 / (√1e−6 + 1e−5) = −0.001 / 0.00101   = −0.99010
    y = layer_norm(np.array([0.0, 0.002]), np.ones(2), np.zeros(2), eps=1e-5)
    np.testing.assert_allclose(y, [-0.30151134, 0.30151134], rtol=1e-7)


def test_layer_norm_of_a_constant_row_is_beta():
    y = layer_norm(np.array([3.0, 3.0, 3.0]), np.array([5.0, 5.0, 5.0]), np.array([1.0, 2.0, 3.0]))
    assert y.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_keeps_the_dtype(dtype):
    y = layer_norm(np.array([1, 2, 3, 4], dtype=dtype), np.ones(4, dtype), np.zeros(4, dtype))
    assert y.dtype == dtype
    np.testing.assert_allclose(y, LN_1234, rtol=1e-6 if dtype == np.float32 else 1e-8)


def test_linear_dtypes_follow_numpy():
    """float32 data and float32 weights stay float32; integers become float64; mixed float32 and
    float64 give float64 (numpy's promotion: cast the parameters to compute in float32)."""
    W = np.ones((2, 3))
    assert linear(np.ones(2, dtype=np.float32), W.astype(np.float32)).dtype == np.float32
    assert linear(np.ones(2, dtype=np.float32), W).dtype == np.float64
    assert linear(np.ones(2), W).dtype == np.float64
    assert linear(np.ones(2, dtype=np.int64), W).tolist() == [2.0, 2.0, 2.0]


well_scaled_rows = hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 16)),
                              elements=st.floats(-100, 100))


@settings(max_examples=60)
@given(well_scaled_rows)
def test_layer_norm_rows_have_mean_zero_and_variance_one(x):
    assume(np.all(x.std(axis=-1) > 0.1))          # well scaled: eps is negligible against the variance
    y = layer_norm(x, np.ones(x.shape[-1]), np.zeros(x.shape[-1]))
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    # the variance is var / (var + eps), within 1e−5 / 0.01 = 1e−3 of 1
    np.testing.assert_allclose(y.var(axis=-1), 1.0, atol=1e-3)
    var = x.var(axis=-1)
    np.testing.assert_allclose(y.var(axis=-1), var / (var + 1e-5), rtol=1e-10)


@settings(max_examples=30)
@given(st.lists(st.integers(1, 3), max_size=2), st.integers(0, 2**32 - 1))
def test_feed_forward_batched_equals_row_by_row(batch, seed):
    rng = np.random.default_rng(seed)
    p = FeedForwardParams(W1=rng.normal(size=(4, 8)), b1=rng.normal(size=8),
                          W2=rng.normal(size=(8, 4)), b2=rng.normal(size=4))
    x = rng.normal(size=(*batch, 3, 4))
    y = feed_forward(x, p)
    for idx in np.ndindex(*x.shape[:-1]):
        expected = np.maximum(x[idx] @ p.W1 + p.b1, 0) @ p.W2 + p.b2
        np.testing.assert_allclose(y[idx], expected, rtol=1e-12, atol=1e-12)
    assert math.isfinite(float(y.sum()))


def test_add_and_norm_is_the_layer_norm_of_the_sum_with_the_norms_own_eps():
    # x + sublayer_out = [0, 0.002], the row of the eps test above: ±0.30151 with eps 1e-5;
    # with eps 1e-12 the root is √(1e-6 + 1e-12) ≈ 0.001, so the result is ±0.9999995.
    x, out = np.array([0.0, 0.0015]), np.array([0.0, 0.0005])
    np.testing.assert_allclose(add_and_norm(x, out, LayerNormParams(np.ones(2), np.zeros(2), eps=1e-5)),
                               [-0.30151134, 0.30151134], rtol=1e-7)
    np.testing.assert_allclose(add_and_norm(x, out, LayerNormParams(np.ones(2), np.zeros(2), eps=1e-12)),
                               [-0.9999995, 0.9999995], rtol=1e-7)
