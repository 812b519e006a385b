"""mathlib.attention: exact small cases worked out by hand, and properties checked with hypothesis."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mathlib.attention import (AttentionParams, causal_mask, merge_heads, multi_head_attention, padding_mask,
                               scaled_dot_product_attention, softmax, split_heads)

LN2, LN3 = math.log(2), math.log(3)


def random_params(rng, d_model, n_heads, d_k, d_v, dtype=np.float64):
    def m(*shape):
        return rng.normal(0, 1 / math.sqrt(shape[0]), size=shape).astype(dtype)
    return AttentionParams(W_Q=m(d_model, n_heads * d_k), W_K=m(d_model, n_heads * d_k),
                           W_V=m(d_model, n_heads * d_v), W_O=m(n_heads * d_v, d_model),
                           b_Q=rng.normal(size=n_heads * d_k).astype(dtype),
                           b_K=rng.normal(size=n_heads * d_k).astype(dtype),
                           b_V=rng.normal(size=n_heads * d_v).astype(dtype),
                           b_O=rng.normal(size=d_model).astype(dtype), n_heads=n_heads)


# --- softmax -------------------------------------------------------------------

def test_softmax_of_logs_is_the_normalised_numbers():
    # exp(0), exp(ln 2), exp(ln 3) = 1, 2, 3; the sum is 6, so [1/6, 2/6, 3/6].
    np.testing.assert_allclose(softmax(np.array([0.0, LN2, LN3])), [1 / 6, 1 / 3, 1 / 2], rtol=1e-15)


def test_softmax_works_row_by_row_and_along_another_axis():
    x = np.array([[0.0, LN3], [LN2, LN2]])
    # row 0: [1, 3] / 4; row 1: [2, 2] / 4
    np.testing.assert_allclose(softmax(x), [[0.25, 0.75], [0.5, 0.5]], rtol=1e-15)
    # columns: column 0 is [1, 2] / 3, column 1 is [3, 2] / 5
    np.testing.assert_allclose(softmax(x, axis=0), [[1 / 3, 0.6], [2 / 3, 0.4]], rtol=1e-15)


def test_softmax_of_huge_scores_does_not_overflow():
    # exp(1000) overflows float64; after subtracting the max the exponents are 0 and -1 (fact 10).
    e = math.exp(-1)
    np.testing.assert_allclose(softmax(np.array([1000.0, 999.0])), [1 / (1 + e), e / (1 + e)], rtol=1e-15)
    np.testing.assert_allclose(softmax(np.array([1e4, 1e4], dtype=np.float32)), [0.5, 0.5])


def test_softmax_gives_masked_positions_exactly_zero():
    w = softmax(np.array([LN3, -np.inf, 0.0]))
    assert w[1] == 0.0
    np.testing.assert_allclose(w, [0.75, 0.0, 0.25], rtol=1e-15)


def test_softmax_keeps_float32_and_makes_ints_float64():
    assert softmax(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert softmax(np.zeros(3)).dtype == np.float64
    w = softmax(np.array([0, 0]))
    assert w.dtype == np.float64 and w.tolist() == [0.5, 0.5]


def test_softmax_does_not_modify_its_input():
    x = np.array([1.0, 2.0, 3.0])
    x.setflags(write=False)
    softmax(x)
    assert x.tolist() == [1.0, 2.0, 3.0]


rows = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(-1e4, 1e4))


@settings(max_examples=60)
@given(rows)
def test_softmax_rows_sum_to_one_without_nan(x):
    w = softmax(x)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)


@settings(max_examples=60)
@given(rows, st.data())
def test_softmax_is_unchanged_by_adding_a_constant_per_row(x, data):
    c = data.draw(hnp.arrays(np.float64, x.shape[:-1] + (1,), elements=st.floats(-1e3, 1e3)))
    np.testing.assert_allclose(softmax(x + c), softmax(x), atol=1e-12)


# --- masks -----------------------------------------------------------------------

def test_causal_mask_of_three():
    expected = np.array([[True, False, False],   # position 0 sees only itself
                         [True, True, False],    # position 1 sees 0 and 1
                         [True, True, True]])    # position 2 sees everything before it
    m = causal_mask(3)
    assert m.dtype == bool and np.array_equal(m, expected)


def test_padding_mask_hides_the_padding_columns():
    m = padding_mask(np.array([[5, 3, 0, 0], [5, 3, 4, 0]]), pad_id=0)
    assert m.shape == (2, 1, 4)
    assert m.tolist() == [[[True, True, False, False]], [[True, True, True, False]]]


# --- scaled dot-product attention ------------------------------------------------

# d_k = 4, so the scores are divided by √4 = 2.  q0·k0 = 2 ln 3, q0·k1 = 0, q1·k = 0.
Q_2x2 = np.array([[2 * LN3, 0, 0, 0], [0, 0, 0, 0]])
K_2x2 = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
V_2x2 = np.array([[4.0, 0], [0, 8.0]])


def test_attention_two_by_two_by_hand():
    out, w = scaled_dot_product_attention(Q_2x2, K_2x2, V_2x2)
    # row 0: scores [2 ln 3 / 2, 0] = [ln 3, 0] → weights [3/4, 1/4] → 3/4·[4, 0] + 1/4·[0, 8] = [3, 2]
    # row 1: scores [0, 0] → weights [1/2, 1/2] → [2, 4]
    np.testing.assert_allclose(w, [[0.75, 0.25], [0.5, 0.5]], rtol=1e-14)
    np.testing.assert_allclose(out, [[3.0, 2.0], [2.0, 4.0]], rtol=1e-14)


def test_attention_two_by_two_with_the_causal_mask():
    out, w = scaled_dot_product_attention(Q_2x2, K_2x2, V_2x2, causal_mask(2))
    # row 0 may only look at key 0: weights [1, 0], output V[0] = [4, 0]; row 1 is unchanged
    assert w[0, 1] == 0.0
    np.testing.assert_allclose(w, [[1.0, 0.0], [0.5, 0.5]], rtol=1e-14)
    np.testing.assert_allclose(out, [[4.0, 0.0], [2.0, 4.0]], rtol=1e-14)


def test_attention_keeps_float32():
    out, w = scaled_dot_product_attention(*(a.astype(np.float32) for a in (Q_2x2, K_2x2, V_2x2)))
    assert out.dtype == np.float32 and w.dtype == np.float32
    np.testing.assert_allclose(out, [[3.0, 2.0], [2.0, 4.0]], rtol=1e-6)


def test_a_hidden_key_stays_hidden_however_large_its_score():
    # d_k = 1: scores q·k = [0, 20000]. The second key is masked; with -1e4 added instead of -inf it
    # would still score 10000 and take all the weight (fact 14), with -inf it gets exactly 0.
    out, w = scaled_dot_product_attention(np.array([[1.0]]), np.array([[0.0], [20000.0]]),
                                          np.array([[1.0], [2.0]]), np.array([[True, False]]))
    assert w.tolist() == [[1.0, 0.0]] and out.tolist() == [[1.0]]


@settings(max_examples=40)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_attention_rows_are_convex_combinations_of_values(n_q, n_k, d, seed):
    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(size=(n_q, d)), rng.normal(size=(n_k, d)), rng.normal(size=(n_k, 3))
    out, w = scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(out, w @ V, rtol=1e-12)


# --- heads -----------------------------------------------------------------------

def test_merge_heads_transposes_back_before_concatenating():
    # heads[j, t, k] = 100 j + 10 t + k: head j, token t, dimension k (2 heads, 3 tokens, d = 2)
    heads = np.array([[[100 * j + 10 * t + k for k in range(2)] for t in range(3)] for j in range(2)])
    # token t's row is [head 0 of t, head 1 of t]; a bare reshape would give [0, 1, 10, 11] as row 0 (fact 13)
    expected = np.array([[0, 1, 100, 101],
                         [10, 11, 110, 111],
                         [20, 21, 120, 121]])
    assert np.array_equal(merge_heads(heads), expected)
    assert np.array_equal(split_heads(expected, 2), heads)


def test_split_heads_slices_columns_per_head():
    X = np.arange(12).reshape(2, 6)                # 2 tokens, 3 heads of width 2
    H = split_heads(X, 3)
    assert H.shape == (3, 2, 2)
    assert H[1].tolist() == [[2, 3], [8, 9]]         # columns 2, 3 of both tokens


def head_loop(X_q, X_kv, p, n_heads, mask=None):
    """Multi-head attention the slow, obvious way: one head at a time, then concatenate."""
    d_k, d_v = p.W_Q.shape[1] // n_heads, p.W_V.shape[1] // n_heads
    heads = []
    for j in range(n_heads):
        q = X_q @ p.W_Q[:, j * d_k:(j + 1) * d_k] + p.b_Q[j * d_k:(j + 1) * d_k]
        k = X_kv @ p.W_K[:, j * d_k:(j + 1) * d_k] + p.b_K[j * d_k:(j + 1) * d_k]
        v = X_kv @ p.W_V[:, j * d_v:(j + 1) * d_v] + p.b_V[j * d_v:(j + 1) * d_v]
        s = q @ k.T / math.sqrt(d_k)
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        heads.append((e / e.sum(axis=1, keepdims=True)) @ v)
    return np.concatenate(heads, axis=1) @ p.W_O + p.b_O


sizes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([2, 4, 6]), st.integers(1, 3),
                  st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))


@settings(max_examples=40)
@given(sizes, st.booleans())
def test_batched_heads_equal_a_loop_over_heads(size, masked):
    n_q, n_k, d_model, h, d_k, d_v, seed = size
    rng = np.random.default_rng(seed)
    p = random_params(rng, d_model, h, d_k, d_v)
    X_q, X_kv = rng.normal(size=(n_q, d_model)), rng.normal(size=(n_k, d_model))
    mask = None
    if masked:
        mask = rng.random((n_q, n_k)) < 0.6
        mask[np.arange(n_q), rng.integers(0, n_k, n_q)] = True   # every query sees at least one key
    out, w = multi_head_attention(X_q, X_kv, p, mask)
    assert out.shape == (n_q, d_model) and w.shape == (h, n_q, n_k)
    np.testing.assert_allclose(out, head_loop(X_q, X_kv, p, h, mask), atol=1e-12)


@settings(max_examples=40)
@given(sizes.filter(lambda s: s[0] >= 2), st.data())
def test_self_attention_without_positions_is_permutation_equivariant(size, data):
    n, _, d_model, h, d_k, d_v, seed = size
    rng = np.random.default_rng(seed)
    p = random_params(rng, d_model, h, d_k, d_v)
    X = rng.normal(size=(n, d_model))
    perm = np.array(data.draw(st.permutations(range(n))))
    np.testing.assert_allclose(multi_head_attention(X[perm], X[perm], p)[0],
                               multi_head_attention(X, X, p)[0][perm], atol=1e-12)


@settings(max_examples=30)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(0, 2**32 - 1))
def test_leading_batch_dimensions_broadcast(batch, seed):
    rng = np.random.default_rng(seed)
    p, h = random_params(rng, 4, 2, 3, 2), 2
    X_q, X_kv = rng.normal(size=(*batch, 3, 4)), rng.normal(size=(*batch, 5, 4))
    mask = rng.random((*batch, 3, 5)) < 0.5
    mask[..., 0] = True
    out, w = multi_head_attention(X_q, X_kv, p, mask)
    assert out.shape == (*batch, 3, 4) and w.shape == (*batch, h, 3, 5)
    for idx in np.ndindex(*batch):
        o, ww = multi_head_attention(X_q[idx], X_kv[idx], p, mask[idx])
        np.testing.assert_allclose(out[idx], o, atol=1e-13)
        np.testing.assert_allclose(w[idx], ww, atol=1e-13)
    # a mask without batch dimensions is shared by the whole batch
    shared, _ = multi_head_attention(X_q, X_kv, p, mask.reshape(-1, 3, 5)[0])
    first = (0,) * len(batch)
    np.testing.assert_allclose(shared[first], multi_head_attention(X_q[first], X_kv[first], p,
                                                                   mask.reshape(-1, 3, 5)[0])[0], atol=1e-13)


def test_cross_attention_takes_queries_and_keys_of_different_lengths():
    rng = np.random.default_rng(0)
    p = random_params(rng, 4, 2, 3, 3)
    Y, memory = rng.normal(size=(2, 4)), rng.normal(size=(5, 4))
    out, w = multi_head_attention(Y, memory, p)
    assert out.shape == (2, 4) and w.shape == (2, 2, 5)
    np.testing.assert_allclose(out, head_loop(Y, memory, p, 2), atol=1e-13)


def identity_head(d):
    """One head whose projections are all the identity and whose biases are 0."""
    eye, zero = np.eye(d), np.zeros(d)
    return AttentionParams(eye, eye, eye, eye, zero, zero, zero, zero, n_heads=1)


def test_cross_attention_by_hand_reads_keys_and_values_from_the_memory():
    # One query q = [√2 ln 3, 0] from the decoder, memory rows m0 = [1, 0], m1 = [0, 0] (d = 2).
    # Scores q·m / √2 = [ln 3, 0] → weights [3/4, 1/4]; output 3/4 m0 + 1/4 m1 = [0.75, 0].
    # Had the keys or values come from the query side, the single key would get weight 1 and
    # the output would be q itself.
    q = np.array([[math.sqrt(2) * LN3, 0.0]])
    memory = np.array([[1.0, 0.0], [0.0, 0.0]])
    out, w = multi_head_attention(q, memory, identity_head(2))
    np.testing.assert_allclose(w, [[[0.75, 0.25]]], rtol=1e-14)
    np.testing.assert_allclose(out, [[0.75, 0.0]], rtol=1e-14, atol=1e-15)


def test_two_heads_by_hand():
    # d_model 2, two heads of d_k = d_v = 1: head 0 reads dimension 0, head 1 dimension 1.
    # X = [[ln 3, 0], [0, 2 ln 2]] (self-attention, scores divided by √1):
    #   head 0: q = k = v = [ln 3, 0]: scores [[ln²3, 0], [0, 0]] → row 1 is [1/2, 1/2]
    #   head 1: q = k = v = [0, 2 ln 2]: row 0 is [1/2, 1/2]; row 1 scores [0, 4 ln²2] → weights ∝ [1, e^(4 ln²2)]
    # W_O swaps the two heads' outputs and b_O adds [10, 20].
    eye, swap, zero = np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2)
    p = AttentionParams(eye, eye, eye, swap, zero, zero, zero, np.array([10.0, 20.0]), n_heads=2)
    a, b = LN3, 2 * LN2
    X = np.array([[a, 0.0], [0.0, b]])
    out, w = multi_head_attention(X, X, p)
    e0 = np.exp(a * a)                               # head 0, row 0: weights [e^(ln²3), 1] / sum
    e1 = np.exp(b * b)                               # head 1, row 1: weights [1, e^(4 ln²2)] / sum
    np.testing.assert_allclose(w[0], [[e0 / (e0 + 1), 1 / (e0 + 1)], [0.5, 0.5]], rtol=1e-14)
    np.testing.assert_allclose(w[1], [[0.5, 0.5], [1 / (1 + e1), e1 / (1 + e1)]], rtol=1e-14)
    head0 = np.array([e0 / (e0 + 1) * a, 0.5 * a])   # (2,): the value sum of head 0 per token
    head1 = np.array([0.5 * b, e1 / (1 + e1) * b])
    np.testing.assert_allclose(out, np.stack([head1 + 10, head0 + 20], axis=1), rtol=1e-14)


def test_masked_keys_get_weight_exactly_zero_in_every_head():
    rng = np.random.default_rng(1)
    p = random_params(rng, 4, 2, 2, 2)
    X = rng.normal(size=(3, 4))
    _, w = multi_head_attention(X, X, p, causal_mask(3))
    assert np.all(w[:, ~causal_mask(3)] == 0.0)


def test_float32_inputs_and_parameters_stay_float32():
    rng = np.random.default_rng(2)
    p = random_params(rng, 4, 2, 3, 3, dtype=np.float32)
    X = rng.normal(size=(3, 4)).astype(np.float32)
    out, w = multi_head_attention(X, X, p, causal_mask(3))
    assert out.dtype == np.float32 and w.dtype == np.float32
    p64 = random_params(np.random.default_rng(2), 4, 2, 3, 3)
    np.testing.assert_allclose(out, head_loop(X.astype(np.float64), X.astype(np.float64), p64, 2, causal_mask(3)),
                               rtol=1e-5, atol=1e-5)


def test_attention_params_hold_their_heads_and_become_float_arrays():
    W = np.arange(24).reshape(4, 6)                  # integers: stored as float64
    p = AttentionParams(W, W, W, W.T, [0] * 6, [0] * 6, [0] * 6, [1, 2, 3, 4], n_heads=3)
    assert p.n_heads == 3 and p.W_Q.dtype == np.float64 and p.b_O.tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="not a multiple of n_heads=4"):
        AttentionParams(W, W, W, W.T, [0] * 6, [0] * 6, [0] * 6, [0] * 4, n_heads=4)
