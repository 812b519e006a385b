"""mathlib.grad: every backward pass against finite differences, and the training forward.

One harness (`check_case`), one parametrized test that runs every backward
through it. A case builds random inputs (shapes drawn by hypothesis), a scalar
function f() of them — Σ forward(...) · R for a fixed random R, whose gradient
is the backward applied to R — and the gradients its backward computes; the
harness compares each with grad.numerical_gradient (central differences,
float64): relative error ≤ 1e-6.
"""
import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathlib import example
from mathlib import grad as G
from mathlib import transformer as T
from mathlib.train import named_arrays
from mathlib.attention import (causal_mask, merge_heads, multi_head_attention, scaled_dot_product_attention,
                               softmax, split_heads)
from mathlib.embedding import embed
from mathlib.layers import feed_forward, layer_norm, linear, relu
from mathlib.loss import cross_entropy, cross_entropy_backward

TOL = 1e-6
ZERO = 1e-7   # below this norm both gradients are 0 up to rounding: no relative error to speak of


# --- one layer run for training: the inference layer with a cache (grad.Tape) ------------------

def attention_forward(X_q, X_kv, p, mask=None):
    tape = G.Tape()
    out, _ = multi_head_attention(X_q, X_kv, p, mask, tape)
    return out, G.AttentionCache(*tape[0])


def feed_forward_forward(x, p):
    tape = G.Tape()
    return feed_forward(x, p, tape), G.FeedForwardCache(*tape[0])


def encoder_layer_forward(X, p, mask, p_drop, rng):
    tape = G.Tape(p_drop, rng)
    return T.encoder_layer(X, p, mask, tape)[0], G.EncoderLayerCache(p, *tape)


def decoder_layer_forward(Y, memory, p, self_mask, memory_mask, p_drop, rng):
    tape = G.Tape(p_drop, rng)
    out = T.decoder_layer(Y, memory, p, self_mask, memory_mask, tape)[0]
    return out, G.DecoderLayerCache(p, *tape)


# --- random inputs -------------------------------------------------------------------------------

def sizes(data, n=1, lo=1, hi=4):
    return [data.draw(st.integers(lo, hi)) for _ in range(n)]


def lead_shape(data):
    """Zero, one or two leading batch dimensions."""
    return tuple(sizes(data, data.draw(st.integers(0, 2)), 1, 3))


def away_from_zero(x, margin=1e-2):
    """x pushed at least `margin` from 0, so that no finite difference straddles ReLU's kink."""
    return x + margin * np.where(x >= 0, 1.0, -1.0)


def random_mask(rng, kind, lead, n_q, n_k):
    """A bool mask (True = may attend) in which every query sees at least one key, or None."""
    if kind == "none":
        return None
    if kind == "causal":
        return causal_mask(n_q)                         # needs n_q == n_k
    if kind == "padding":                               # key padding at the end of each row
        lengths = rng.integers(1, n_k + 1, size=lead)
        return (np.arange(n_k) < np.asarray(lengths)[..., None])[..., None, :]
    mask = rng.random(lead + (n_q, n_k)) < 0.6          # "random"
    mask[..., 0] = True
    return mask


def random_layer_config(data, **kw):
    d_model = 2 * data.draw(st.integers(2, 3))   # with d_model = 2, layer norm saturates (±1): gradients ≈ 0
    return T.Config(d_model=d_model, n_heads=data.draw(st.integers(1, 2)), d_k=data.draw(st.integers(1, 3)),
                    d_v=data.draw(st.integers(1, 3)), d_ff=data.draw(st.integers(1, 5)), vocab_size=5, **kw)


def random_layer(kind, c, rng):
    """An EncoderLayerParams or DecoderLayerParams for config c, every array moved at random."""
    return perturbed(T.init_layer(kind, c, rng, T.glorot), rng)


def perturbed(params, rng):
    """params with every array moved by a random amount: biases ≠ 0 and gammas ≠ 1, so a
    backward that forgets a bias or a gamma is caught."""
    for a in _arrays(params):
        a += rng.normal(0, 0.3, size=a.shape)
    return params


def _arrays(node):
    if isinstance(node, np.ndarray):
        return [node]
    if isinstance(node, list):
        return [a for x in node for a in _arrays(x)]
    if dataclasses.is_dataclass(node):
        return [a for x in vars(node).values() for a in _arrays(x)]
    return []


def paired(params_tree, grads_tree, prefix=""):
    """[(name, parameter array, its gradient)] for two trees of the same shape (a tied array once)."""
    params, grads = named_arrays(params_tree), named_arrays(grads_tree)
    assert list(params) == list(grads)
    return [(prefix + "." + name, a, grads[name]) for name, a in params.items()]


# --- the cases: each returns f and [(name, array, analytic gradient)] ------------------------------

def case_linear(data, rng):
    d_in, d_out = sizes(data, 2)
    x, W, b = rng.normal(size=lead_shape(data) + (d_in,)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    R = rng.normal(size=x.shape[:-1] + (d_out,))
    d_x, d_W, d_b = G.linear_backward(R, x, W)
    return (lambda: np.sum(linear(x, W, b) * R)), [("x", x, d_x), ("W", W, d_W), ("b", b, d_b)]


def case_relu(data, rng):
    x = away_from_zero(rng.normal(size=lead_shape(data) + (sizes(data)[0],)))
    R = rng.normal(size=x.shape)
    return (lambda: np.sum(relu(x) * R)), [("x", x, G.relu_backward(R, x))]


def case_softmax(data, rng):
    x = 3 * rng.normal(size=lead_shape(data) + (sizes(data, 1, 1, 6)[0],))
    R = rng.normal(size=x.shape)
    return (lambda: np.sum(softmax(x) * R)), [("x", x, G.softmax_backward(R, softmax(x)))]


def case_attention(data, rng):
    lead, (n_q, n_k, d_k, d_v) = lead_shape(data), sizes(data, 4)
    kind = data.draw(st.sampled_from(["none", "causal", "padding", "random"]))
    if kind == "causal":
        n_k = n_q
    mask = random_mask(rng, kind, lead, n_q, n_k)
    Q, K, V = (rng.normal(size=lead + s) for s in ((n_q, d_k), (n_k, d_k), (n_k, d_v)))
    R = rng.normal(size=lead + (n_q, d_v))
    _, weights = scaled_dot_product_attention(Q, K, V, mask)
    d_Q, d_K, d_V = G.scaled_dot_product_attention_backward(R, Q, K, V, weights)
    if mask is not None:
        hidden_everywhere = ~np.broadcast_to(mask, lead + (n_q, n_k)).any(axis=-2)   # keys no query sees
        assert np.all(d_K[hidden_everywhere] == 0) and np.all(d_V[hidden_everywhere] == 0)
    f = lambda: np.sum(scaled_dot_product_attention(Q, K, V, mask)[0] * R)  # noqa: E731
    return f, [("Q", Q, d_Q), ("K", K, d_K), ("V", V, d_V)]


def case_split_heads(data, rng):
    h, n, d = sizes(data, 3)
    X = rng.normal(size=lead_shape(data) + (n, h * d))
    R = rng.normal(size=X.shape[:-2] + (h, n, d))
    return (lambda: np.sum(split_heads(X, h) * R)), [("X", X, G.split_heads_backward(R))]


def case_merge_heads(data, rng):
    h, n, d = sizes(data, 3)
    X = rng.normal(size=lead_shape(data) + (h, n, d))
    R = rng.normal(size=X.shape[:-3] + (n, h * d))
    return (lambda: np.sum(merge_heads(X) * R)), [("X", X, G.merge_heads_backward(R, h))]


def case_multi_head_attention(data, rng):
    c = random_layer_config(data)
    lead, (n_q, n_k) = lead_shape(data), sizes(data, 2)
    self_attention = data.draw(st.booleans())
    kind = data.draw(st.sampled_from(["none", "causal", "padding", "random"]))
    if self_attention or kind == "causal":
        n_k = n_q
    mask = random_mask(rng, kind, lead, n_q, n_k)
    p = random_layer(T.EncoderLayerParams, c, rng).self_attn
    X_q = rng.normal(size=lead + (n_q, c.d_model))
    X_kv = X_q if self_attention else rng.normal(size=lead + (n_k, c.d_model))
    R = rng.normal(size=X_q.shape)
    out, cache = attention_forward(X_q, X_kv, p, mask)
    d_X_q, d_X_kv, g = G.multi_head_attention_backward(R, cache)
    f = lambda: np.sum(attention_forward(X_q, X_kv, p, mask)[0] * R)  # noqa: E731
    inputs = [("X", X_q, d_X_q + d_X_kv)] if self_attention else [("X_q", X_q, d_X_q), ("X_kv", X_kv, d_X_kv)]
    return f, inputs + paired(p, g, "p")


def case_layer_norm(data, rng):
    d = sizes(data, 1, 1, 6)[0]
    eps = data.draw(st.sampled_from([1e-5, 1e-2, 1.0]))
    x = rng.normal(size=lead_shape(data) + (d,))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    R = rng.normal(size=x.shape)
    d_x, d_gamma, d_beta = G.layer_norm_backward(R, x, gamma, eps)
    f = lambda: np.sum(layer_norm(x, gamma, beta, eps) * R)  # noqa: E731
    return f, [("x", x, d_x), ("gamma", gamma, d_gamma), ("beta", beta, d_beta)]


def case_feed_forward(data, rng):
    c = random_layer_config(data)
    p = random_layer(T.EncoderLayerParams, c, rng).ffn
    x = rng.normal(size=lead_shape(data) + (sizes(data)[0], c.d_model))
    R = rng.normal(size=x.shape)
    d_x, g = G.feed_forward_backward(R, feed_forward_forward(x, p)[1])
    return (lambda: np.sum(feed_forward_forward(x, p)[0] * R)), [("x", x, d_x)] + paired(p, g, "p")


def case_dropout(data, rng):
    p, seed = data.draw(st.sampled_from([0.0, 0.1, 0.5, 0.9])), data.draw(st.integers(0, 2 ** 32 - 1))
    x = rng.normal(size=lead_shape(data) + (sizes(data)[0],))
    R = rng.normal(size=x.shape)
    _, keep = G.dropout(x, p, np.random.default_rng(seed))
    f = lambda: np.sum(G.dropout(x, p, np.random.default_rng(seed))[0] * R)  # the same mask every time  # noqa: E731
    return f, [("x", x, G.dropout_backward(R, keep))]


def case_embedding(data, rng):
    vocab, d = sizes(data, 1, 2, 6)[0], 2 * sizes(data)[0]
    ids = rng.integers(0, vocab, size=lead_shape(data) + (sizes(data, 1, 1, 6)[0],))   # repeats are likely
    scale = data.draw(st.sampled_from([1.0, math.sqrt(d)]))
    table = rng.normal(size=(vocab, d))
    R = rng.normal(size=ids.shape + (d,))
    f = lambda: np.sum((embed(ids, table) * scale) * R)  # noqa: E731
    return f, [("table", table, G.embedding_backward(R, ids, vocab, scale))]


def case_cross_entropy(data, rng):
    K, m = sizes(data, 1, 2, 6)[0], sizes(data)[0]
    logits = 2 * rng.normal(size=lead_shape(data) + (m, K))
    targets = rng.integers(0, K, size=logits.shape[:-1])
    targets.reshape(-1)[0] = 1                                       # at least one real (non-zero) target
    eps = data.draw(st.sampled_from([0.0, 0.1, 0.5]))
    f = lambda: cross_entropy(logits, targets, pad_id=0, label_smoothing=eps)  # noqa: E731
    return f, [("logits", logits, cross_entropy_backward(logits, targets, pad_id=0, label_smoothing=eps))]


def case_encoder_layer(data, rng):
    c = random_layer_config(data, eps=data.draw(st.sampled_from([1e-5, 0.1])))
    lead, n = lead_shape(data), sizes(data)[0]
    mask = random_mask(rng, data.draw(st.sampled_from(["none", "padding", "random"])), lead, n, n)
    p_drop, seed = data.draw(st.sampled_from([0.0, 0.3])), data.draw(st.integers(0, 2 ** 32 - 1))
    p = random_layer(T.EncoderLayerParams, c, rng)
    X = rng.normal(size=lead + (n, c.d_model))
    R = rng.normal(size=X.shape)

    def run():
        return encoder_layer_forward(X, p, mask, p_drop, np.random.default_rng(seed))
    d_X, g = G.encoder_layer_backward(R, run()[1])
    return (lambda: np.sum(run()[0] * R)), [("X", X, d_X)] + paired(p, g, "p")


def case_decoder_layer(data, rng):
    c = random_layer_config(data)
    lead, (m, n) = lead_shape(data), sizes(data, 2)
    self_mask = None if data.draw(st.booleans()) else causal_mask(m) & random_mask(rng, "padding", lead, m, m)
    memory_mask = random_mask(rng, data.draw(st.sampled_from(["none", "padding", "random"])), lead, m, n)
    p_drop, seed = data.draw(st.sampled_from([0.0, 0.3])), data.draw(st.integers(0, 2 ** 32 - 1))
    p = random_layer(T.DecoderLayerParams, c, rng)
    Y, memory = rng.normal(size=lead + (m, c.d_model)), rng.normal(size=lead + (n, c.d_model))
    R = rng.normal(size=Y.shape)

    def run():
        return decoder_layer_forward(Y, memory, p, self_mask, memory_mask, p_drop, np.random.default_rng(seed))
    d_Y, d_memory, g = G.decoder_layer_backward(R, run()[1])
    return (lambda: np.sum(run()[0] * R)), [("Y", Y, d_Y), ("memory", memory, d_memory)] + paired(p, g, "p")


def case_model(data, rng):
    """The whole model and the loss: padded batch, label smoothing, dropout, final norms,
    embedding scale, tied weights; every parameter (a shared embedding table) checked."""
    c = T.Config(d_model=4, n_heads=2, d_k=data.draw(st.integers(1, 2)), d_v=2, d_ff=3,
                 n_encoder_layers=data.draw(st.integers(0, 2)), n_decoder_layers=data.draw(st.integers(1, 2)),
                 vocab_size=6, max_len=8, final_norm=data.draw(st.booleans()),
                 scale_embeddings=data.draw(st.booleans()), tie_embeddings=data.draw(st.booleans()))
    params = perturbed(T.init_params(c, rng), rng)
    batch, n, m = sizes(data, 3, 1, 3)
    src = rng.integers(1, c.vocab_size, size=(batch, n))
    tgt_in, tgt_out = rng.integers(1, c.vocab_size, size=(2, batch, m))
    src[0, 1:] = tgt_in[0, 1:] = tgt_out[0, 1:] = c.pad_id              # the first sentence is padded
    eps_ls, p_drop = data.draw(st.sampled_from([0.0, 0.1])), data.draw(st.sampled_from([0.0, 0.2]))
    seed = data.draw(st.integers(0, 2 ** 32 - 1))

    def run():
        return G.forward(src, tgt_in, params, p_drop, np.random.default_rng(seed))
    logits, cache = run()
    g = G.backward(cross_entropy_backward(logits, tgt_out, c.pad_id, eps_ls), cache)
    f = lambda: cross_entropy(run()[0], tgt_out, c.pad_id, eps_ls)  # noqa: E731
    return f, paired(params, g, "params")


# case: (build, hypothesis examples)
CASES = {
    "linear": (case_linear, 30), "relu": (case_relu, 20), "softmax": (case_softmax, 30),
    "scaled_dot_product_attention": (case_attention, 40), "split_heads": (case_split_heads, 15),
    "merge_heads": (case_merge_heads, 15), "multi_head_attention": (case_multi_head_attention, 30),
    "layer_norm": (case_layer_norm, 30), "feed_forward": (case_feed_forward, 20), "dropout": (case_dropout, 20),
    "embedding": (case_embedding, 20), "cross_entropy": (case_cross_entropy, 30),
    "encoder_layer": (case_encoder_layer, 20), "decoder_layer": (case_decoder_layer, 20),
    "model": (case_model, 12),
}


def check_case(build, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    f, checks = build(data, rng)
    assert checks
    for name, x, analytic in checks:
        assert analytic.shape == x.shape, name
        numeric = G.numerical_gradient(f, x)
        if max(np.linalg.norm(analytic), np.linalg.norm(numeric)) < ZERO:
            continue           # a gradient that is 0 in exact arithmetic, e.g. b_K's (below)
        err = G.relative_error(analytic, numeric)
        assert err <= TOL, f"{name}: relative error {err:.2e} (analytic {analytic.ravel()[:4]}, " \
                           f"numeric {numeric.ravel()[:4]})"


@pytest.mark.parametrize("case", CASES)
def test_every_backward_matches_finite_differences(case):
    build, examples = CASES[case]

    @settings(max_examples=examples, derandomize=True)
    @given(st.data())
    def run(data):
        check_case(build, data)
    run()


def test_the_key_bias_gets_no_gradient():
    """q·(k_j + b_K) = q·k_j + q·b_K adds the same number to every score of a row, which softmax
    ignores: b_K's gradient is 0 (up to rounding), which is why check_case skips such gradients."""
    rng = np.random.default_rng(0)
    c = T.Config(d_model=4, n_heads=2, d_k=3, d_v=3, d_ff=8, vocab_size=5)
    p = random_layer(T.EncoderLayerParams, c, rng).self_attn
    X = rng.normal(size=(5, 4))
    _, cache = attention_forward(X, X, p, causal_mask(5))
    _, _, g = G.multi_head_attention_backward(rng.normal(size=(5, 4)), cache)
    assert np.abs(g.b_K).max() < 1e-14 and np.abs(g.b_Q).min() > 1e-6


# --- the helper itself --------------------------------------------------------------------------

def test_numerical_gradient_of_a_known_function_and_restores_x():
    x = np.array([1.0, -2.0, 0.5])
    before = x.copy()
    g = G.numerical_gradient(lambda: np.sum(x ** 3), x)             # d/dx x³ = 3x²
    np.testing.assert_allclose(g, [3.0, 12.0, 0.75], rtol=1e-9)
    assert np.array_equal(x, before)                                 # the same bits after the check


def test_numerical_gradient_refuses_float32_and_read_only_arrays():
    with pytest.raises(ValueError, match="float64"):
        G.numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))
    with pytest.raises(ValueError, match="read-only"):
        G.numerical_gradient(lambda: 0.0, example.PARAMS.W_out)


def test_relative_error():
    assert G.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0 and G.relative_error([0.0], [0.0]) == 0.0
    assert G.relative_error([3.0, 4.0], [3.0, 4.0 + 5e-6]) == pytest.approx(1e-6)   # ‖(0, 5e-6)‖ / 5
    assert G.relative_error([1.0], [-1.0]) == 2.0


def test_a_wrong_gradient_fails_the_check():
    """The harness can fail: a softmax backward that forgets the −Σ d_y·y term is caught."""
    rng = np.random.default_rng(0)
    x, R = rng.normal(size=5), rng.normal(size=5)
    wrong = softmax(x) * R
    assert G.relative_error(wrong, G.numerical_gradient(lambda: np.sum(softmax(x) * R), x)) > 0.1


# --- by hand ---------------------------------------------------------------------------------------

def test_linear_backward_by_hand():
    # y = x W with x = [1, 2], W = [[1, 0, 2], [0, 1, 3]]; d_y = [1, 0, −1]
    # d_x = d_y Wᵀ = [1·1 + 0·0 + (−1)·2, 1·0 + 0·1 + (−1)·3] = [−1, −3]
    # d_W = xᵀ d_y = [[1, 0, −1], [2, 0, −2]];  d_b = d_y
    d_x, d_W, d_b = G.linear_backward(np.array([1.0, 0, -1]), np.array([1.0, 2]),
                                      np.array([[1.0, 0, 2], [0, 1, 3]]))
    assert d_x.tolist() == [-1, -3] and d_W.tolist() == [[1, 0, -1], [2, 0, -2]] and d_b.tolist() == [1, 0, -1]
    # two positions share W: their contributions add
    _, d_W2, d_b2 = G.linear_backward(np.array([[1.0, 0, -1], [0, 1, 0]]), np.array([[1.0, 2], [3, 4]]),
                                      np.eye(2, 3))
    assert d_W2.tolist() == [[1, 3, -1], [2, 4, -2]] and d_b2.tolist() == [1, 1, -1]


def test_softmax_backward_by_hand():
    # y = softmax([0, 0]) = [½, ½]; d_y = [1, 0]: Σ d_y·y = ½, d_x = y ⊙ (d_y − ½) = [¼, −¼]
    assert G.softmax_backward(np.array([1.0, 0.0]), np.array([0.5, 0.5])).tolist() == [0.25, -0.25]
    # a masked entry (y = 0) gets exactly 0
    assert G.softmax_backward(np.array([1.0, 5.0, 2.0]), np.array([0.25, 0.0, 0.75]))[1] == 0.0


def test_embedding_backward_adds_the_rows_of_a_repeated_token():
    d_X = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    d_table = G.embedding_backward(d_X, np.array([3, 1, 3]), vocab_size=4, scale=2.0)
    assert d_table.tolist() == [[0, 0], [20, 40], [0, 0], [202, 404]]   # 2 · (row 0 + row 2)


def test_masked_keys_get_no_gradient_at_all():
    rng = np.random.default_rng(3)
    Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    mask = np.array([[True, True, False, False]])               # keys 2 and 3 are padding
    _, w = scaled_dot_product_attention(Q, K, V, mask)
    assert np.all(w[:, 2:] == 0)
    _, d_K, d_V = G.scaled_dot_product_attention_backward(rng.normal(size=(3, 2)), Q, K, V, w)
    assert np.all(d_K[2:] == 0) and np.all(d_V[2:] == 0)


# --- properties --------------------------------------------------------------------------------

@settings(max_examples=50)
@given(seed=st.integers(0, 2 ** 32 - 1), d=st.integers(3, 8))
def test_layer_norm_gradient_ignores_shifts_and_scales_of_its_input(seed, d):
    """LN(x + c) = LN(x) and, with eps = 0, LN(a·x) = LN(x): d_x has zero sum and is orthogonal to x − mean."""
    rng = np.random.default_rng(seed)
    x, gamma = rng.normal(size=(3, d)), rng.normal(size=d)
    d_x, _, _ = G.layer_norm_backward(rng.normal(size=(3, d)), x, gamma, eps=0.0)   # exact invariance
    centred = x - x.mean(-1, keepdims=True)
    size = np.linalg.norm(d_x, axis=-1) * np.linalg.norm(centred, axis=-1)      # cosines, not raw dot products
    assert np.all(np.abs(d_x.sum(axis=-1)) <= 1e-12 * np.sqrt(d) * np.linalg.norm(d_x, axis=-1) * 10)
    assert np.all(np.abs((centred * d_x).sum(axis=-1)) <= 1e-10 * size)


@settings(max_examples=50)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 6))
def test_softmax_gradient_ignores_a_constant_added_to_every_score(seed, n):
    rng = np.random.default_rng(seed)
    y = softmax(rng.normal(size=(2, n)))
    np.testing.assert_allclose(G.softmax_backward(rng.normal(size=(2, n)), y).sum(axis=-1), 0, atol=1e-12)


# --- dropout --------------------------------------------------------------------------------------

def test_dropout_zeroes_about_p_and_keeps_the_mean():
    x = np.ones((200, 500))
    y, keep = G.dropout(x, 0.1, np.random.default_rng(0))
    dropped = np.mean(y == 0)
    assert 0.095 < dropped < 0.105                               # 100 000 draws: ±0.003 is 3 σ
    assert set(np.unique(y)) == {0.0, 1 / 0.9}                   # survivors scaled by 1/(1 − p)
    assert abs(y.mean() - 1) < 0.01
    assert np.array_equal(G.dropout_backward(np.ones_like(x), keep), y)


def test_dropout_is_reproducible_and_off_at_zero():
    x = np.arange(12.0).reshape(3, 4)
    a, _ = G.dropout(x, 0.5, np.random.default_rng(7))
    b, _ = G.dropout(x, 0.5, np.random.default_rng(7))
    assert np.array_equal(a, b)
    rng = np.random.default_rng(7)
    y, keep = G.dropout(x, 0.0, rng)
    assert y is x and keep is None
    assert rng.random() == np.random.default_rng(7).random()    # p = 0 draws nothing


# --- the training forward is the inference forward --------------------------------------------

def test_training_forward_without_dropout_is_transformer_forward_to_the_last_bit():
    src = np.array([[3, 4, 0], [5, 4, 9]])                       # padded source
    tgt = np.array([[1, 6, 7, 0], [1, 8, 7, 9]])                 # padded decoder input
    logits, _ = G.forward(src, tgt, example.PARAMS)
    assert np.array_equal(logits, T.forward(src, tgt, example.PARAMS))
    for tie in (False, True):
        c = T.Config(d_model=8, n_heads=2, d_k=3, d_v=5, d_ff=6, n_encoder_layers=2, n_decoder_layers=3,
                     vocab_size=10, final_norm=True, scale_embeddings=True, tie_embeddings=tie)
        params = perturbed(T.init_params(c, np.random.default_rng(1)), np.random.default_rng(2))
        logits, _ = G.forward(src, tgt, params)
        assert np.array_equal(logits, T.forward(src, tgt, params))
        one, _ = G.forward(src[1], tgt[1], params)               # unbatched
        assert np.array_equal(one, T.forward(src[1], tgt[1], params))


def test_training_forward_with_dropout_differs_and_does_not_touch_the_parameters():
    src, tgt = np.array([[3, 4]]), np.array([[1, 6, 7]])
    before = T.forward(src, tgt, example.PARAMS)
    dropped, _ = G.forward(src, tgt, example.PARAMS, 0.1, np.random.default_rng(0))
    assert not np.allclose(dropped, before)
    assert np.array_equal(T.forward(src, tgt, example.PARAMS), before)


def test_the_training_forward_checks_its_input_once_at_the_door():
    src, tgt = np.array([[3, 4]]), np.array([[1, 6, 7]])
    with pytest.raises(TypeError, match="np.random.Generator"):
        G.forward(src, tgt, example.PARAMS, 0.1)
    with pytest.raises(ValueError, match=r"p_drop must be a number in \[0, 1\)"):
        G.forward(src, tgt, example.PARAMS, 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="tgt_ids must lie in 0..9"):         # transformer.forward's checks
        G.forward(src, np.array([[1, 6, 10]]), example.PARAMS)
    with pytest.raises(ValueError, match="starts with padding"):
        G.forward(src, np.array([[0, 6, 7]]), example.PARAMS)


def test_the_gradients_come_back_in_the_parameters_own_tree():
    src, tgt, out = np.array([[3, 4]]), np.array([[1, 6, 7]]), np.array([[6, 7, 2]])
    logits, cache = G.forward(src, tgt, example.PARAMS)
    g = G.backward(cross_entropy_backward(logits, out), cache)
    assert type(g) is T.TransformerParams and g.config == example.CONFIG
    pairs = paired(example.PARAMS, g)
    assert len(pairs) == len(_arrays(example.PARAMS))
    for name, p, d in pairs:
        assert d.shape == p.shape and d.dtype == np.float64, name
    assert np.all(g.embedding[[0, 2, 5, 8, 9]] == 0)              # tokens not in the batch: no gradient


def test_a_tied_matrix_gets_the_sum_of_the_gradients_of_its_three_uses():
    """Tied: W_out is embeddingᵀ. The same numbers untied (W_out a copy of embeddingᵀ) give the
    same logits; the tied gradient is the untied embedding gradient (source + target lookups)
    plus the output layer's gradient, transposed."""
    c = T.Config(d_model=4, n_heads=2, d_k=2, d_v=2, d_ff=6, n_encoder_layers=1, n_decoder_layers=2,
                 vocab_size=10, scale_embeddings=True, tie_embeddings=True)
    tied = perturbed(T.init_params(c, np.random.default_rng(4)), np.random.default_rng(5))
    assert np.shares_memory(tied.W_out, tied.embedding)
    untied = T.cast_params(tied, np.float64)
    untied = dataclasses.replace(untied, config=dataclasses.replace(c, tie_embeddings=False),
                                 W_out=untied.embedding.T.copy())
    src, tgt, out = np.array([[3, 4, 9]]), np.array([[1, 6, 7]]), np.array([[6, 7, 2]])
    (lt, ct), (lu, cu) = G.forward(src, tgt, tied), G.forward(src, tgt, untied)
    assert np.array_equal(lt, lu)
    gt, gu = G.backward(cross_entropy_backward(lt, out), ct), G.backward(cross_entropy_backward(lu, out), cu)
    np.testing.assert_allclose(gt.embedding, gu.embedding + gu.W_out.T, rtol=1e-12, atol=1e-15)
    assert np.shares_memory(gt.W_out, gt.embedding)              # one gradient for the one array
    assert len(named_arrays(gt)) == len(named_arrays(gu)) - 1
