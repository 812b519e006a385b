"""mathlib.positional: the sinusoidal encoding with the pair index (fact 1) and its rotations."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathlib.positional import positional_encoding, rotation


def test_position_0_is_sin0_cos0():
    assert positional_encoding(1, 4).tolist() == [[0.0, 1.0, 0.0, 1.0]]


def test_position_1_uses_the_pair_index():
    # d_model 4: pairs i = 0, 1 with frequencies 1 / 10000^(0/4) = 1 and 1 / 10000^(2/4) = 1/100, so
    # PE(1) = [sin 1, cos 1, sin 0.01, cos 0.01]; cos(0.01) sits in the LAST slot, not the second.
    expected = [0.8414709848078965, 0.5403023058681398, 0.009999833334166664, 0.9999500004166653]
    np.testing.assert_allclose(positional_encoding(2, 4)[1], expected, rtol=1e-15)
    np.testing.assert_allclose(positional_encoding(2, 4)[1], [0.841, 0.540, 0.010, 1.000], atol=5e-4)


def test_a_larger_table_by_the_formula():
    pe = positional_encoding(50, 6)
    # PE[p, 2i] = sin(p / 10000^(2i/6)), PE[p, 2i+1] = cos(...): p = 7, i = 1 → 7 / 10000^(1/3) = 7 / 21.5443
    angle = 7 / 10000 ** (1 / 3)
    assert pe.shape == (50, 6)
    np.testing.assert_allclose(pe[7, 2:4], [math.sin(angle), math.cos(angle)], rtol=1e-14)


@settings(max_examples=40)
@given(st.integers(1, 300), st.sampled_from([2, 4, 8, 16, 64]))
def test_values_lie_in_minus_one_to_one(n, d):
    pe = positional_encoding(n, d)
    assert np.all(np.abs(pe) <= 1.0)
    # each (sin, cos) pair is a point on the unit circle
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0, rtol=1e-14)


@settings(max_examples=40)
@given(st.integers(0, 200), st.integers(0, 50), st.sampled_from([2, 4, 8, 32]))
def test_shifting_by_k_is_a_fixed_rotation(p, k, d):
    pe = positional_encoding(p + k + 1, d)
    R = rotation(k, d)
    np.testing.assert_allclose(R @ pe[p], pe[p + k], atol=1e-12)
    np.testing.assert_allclose(R @ R.T, np.eye(d), atol=1e-14)     # a rotation: orthogonal


@pytest.mark.parametrize("args", [(0, 4), (3, 5), (2.5, 4), (3, 0), (True, 4)])
def test_bad_sizes(args):
    with pytest.raises(ValueError):
        positional_encoding(*args)
