"""mathlib.transformer: the layers, the stacks and the model, checked structurally and as properties."""
import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathlib import transformer as T
from mathlib.attention import causal_mask, multi_head_attention
from mathlib.layers import feed_forward, layer_norm
from mathlib.positional import positional_encoding

SMALL = T.Config(d_model=6, n_heads=2, d_k=2, d_v=4, d_ff=10, n_encoder_layers=2, n_decoder_layers=3,
                 vocab_size=9, max_len=12)


@pytest.fixture(scope="module")
def params():
    return T.init_params(SMALL, np.random.default_rng(0))


def randomise_norms(params, rng):
    """gamma/beta away from 1/0, so that a test notices which norm is applied where."""
    for layer in params.encoder_layers + params.decoder_layers:
        for norm in (v for v in vars(layer).values() if hasattr(v, "gamma")):
            norm.gamma = rng.uniform(0.5, 1.5, size=norm.gamma.shape)
            norm.beta = rng.normal(size=norm.beta.shape)
    return params


def test_config_base_is_the_paper():
    c = T.Config.base()
    assert (c.d_model, c.n_heads, c.d_k, c.d_v, c.d_ff, c.n_encoder_layers, c.n_decoder_layers) == \
        (512, 8, 64, 64, 2048, 6, 6)


def test_init_params_shapes_and_determinism():
    p = T.init_params(SMALL, np.random.default_rng(5))
    q = T.init_params(SMALL, np.random.default_rng(5))
    a = p.decoder_layers[1].cross_attn
    assert a.W_Q.shape == (6, 4) and a.W_K.shape == (6, 4) and a.W_V.shape == (6, 8) and a.W_O.shape == (8, 6)
    assert p.embedding.shape == (9, 6) and p.W_out.shape == (6, 9)
    assert len(p.encoder_layers) == 2 and len(p.decoder_layers) == 3
    assert np.array_equal(a.W_O, q.decoder_layers[1].cross_attn.W_O)
    # every layer draws its own weights
    assert not np.array_equal(p.decoder_layers[0].cross_attn.W_Q, p.decoder_layers[1].cross_attn.W_Q)
    assert not np.array_equal(p.decoder_layers[0].self_attn.W_Q, p.decoder_layers[0].cross_attn.W_Q)
    assert p.encoder_norm is None
    final = T.init_params(dataclasses.replace(SMALL, final_norm=True), np.random.default_rng(5))
    assert final.encoder_norm.gamma.tolist() == [1.0] * 6 and final.decoder_norm.beta.tolist() == [0.0] * 6


def test_init_params_needs_an_explicit_generator():
    with pytest.raises(TypeError, match="np.random.Generator"):
        T.init_params(SMALL, 0)


def test_cast_params_converts_every_array_and_copies(params):
    p32 = T.cast_params(params, np.float32)
    arrays = []

    def collect(o):
        if isinstance(o, np.ndarray):
            arrays.append(o)
        elif isinstance(o, list):
            for x in o:
                collect(x)
        elif hasattr(o, "__dataclass_fields__"):
            for x in vars(o).values():
                collect(x)
    collect(p32)
    assert arrays and all(a.dtype == np.float32 for a in arrays)
    assert params.embedding.dtype == np.float64                          # the original is untouched
    assert T.count_parameters(p32) == T.count_parameters(params)
    np.testing.assert_allclose(p32.decoder_layers[2].ffn.W2, params.decoder_layers[2].ffn.W2, rtol=1e-7)


def test_encoder_layer_is_two_residual_sublayers_each_with_its_own_norm(params):
    rng = np.random.default_rng(1)
    p = randomise_norms(T.init_params(SMALL, rng), rng).encoder_layers[0]
    X = rng.normal(size=(4, 6))
    X1 = layer_norm(X + multi_head_attention(X, X, p.self_attn, 2), p.norm1.gamma, p.norm1.beta)
    expected = layer_norm(X1 + feed_forward(X1, p.ffn), p.norm2.gamma, p.norm2.beta)
    np.testing.assert_allclose(T.encoder_layer(X, p, SMALL), expected, atol=1e-13)


def test_decoder_layer_is_three_residual_sublayers_each_with_its_own_norm():
    rng = np.random.default_rng(2)
    p = randomise_norms(T.init_params(SMALL, rng), rng).decoder_layers[0]
    Y, memory = rng.normal(size=(3, 6)), rng.normal(size=(5, 6))
    Y1 = layer_norm(Y + multi_head_attention(Y, Y, p.self_attn, 2, causal_mask(3)), p.norm1.gamma, p.norm1.beta)
    Y2 = layer_norm(Y1 + multi_head_attention(Y1, memory, p.cross_attn, 2), p.norm2.gamma, p.norm2.beta)
    expected = layer_norm(Y2 + feed_forward(Y2, p.ffn), p.norm3.gamma, p.norm3.beta)
    out, w = T.decoder_layer(Y, memory, p, SMALL, return_weights=True)
    np.testing.assert_allclose(out, expected, atol=1e-13)
    assert w["self"].shape == (2, 3, 3) and w["cross"].shape == (2, 3, 5)


def test_decoder_self_attention_is_causal_by_default(params):
    rng = np.random.default_rng(3)
    p = params.decoder_layers[0]
    Y, memory = rng.normal(size=(4, 6)), rng.normal(size=(5, 6))
    out, w = T.decoder_layer(Y, memory, p, SMALL, return_weights=True)
    assert np.all(w["self"][:, ~causal_mask(4)] == 0.0)             # no position sees the future (fact 8)
    np.testing.assert_allclose(out, T.decoder_layer(Y, memory, p, SMALL, self_mask=causal_mask(4)), atol=0)
    unmasked = T.decoder_layer(Y, memory, p, SMALL, self_mask=np.ones((4, 4), dtype=bool))
    assert not np.allclose(out[:3], unmasked[:3])                  # so the default really is masked
    np.testing.assert_allclose(out[3], unmasked[3], atol=1e-13)      # the last row sees everything anyway


@settings(max_examples=25)
@given(st.integers(1, 6), st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_changing_later_tokens_never_changes_earlier_outputs(m, t, seed):
    t = min(t, m - 1)
    rng = np.random.default_rng(seed)
    p = T.init_params(SMALL, rng)
    Y, memory = rng.normal(size=(m, 6)), rng.normal(size=(4, 6))
    Y_changed = Y.copy()
    Y_changed[t + 1:] = rng.normal(size=(m - t - 1, 6)) * 3
    a, b = T.decoder_stack(Y, memory, p, SMALL), T.decoder_stack(Y_changed, memory, p, SMALL)
    np.testing.assert_allclose(a[:t + 1], b[:t + 1], atol=1e-12)
    # and through the ids, with embeddings and positions: logits at positions ≤ t are unchanged
    src = rng.integers(1, 9, size=4)
    tgt = rng.integers(1, 9, size=m)
    tgt2 = tgt.copy()
    tgt2[t + 1:] = rng.integers(1, 9, size=m - t - 1)
    np.testing.assert_allclose(T.forward(src, tgt, p, SMALL)[:t + 1], T.forward(src, tgt2, p, SMALL)[:t + 1],
                               atol=1e-12)


def test_cross_attention_reads_the_final_encoder_output_in_every_layer(params, monkeypatch):
    calls = []
    real = T.multi_head_attention

    def spy(X_q, X_kv, p, n_heads, mask=None, return_weights=False):
        calls.append((np.array(X_q), np.array(X_kv), p))
        return real(X_q, X_kv, p, n_heads, mask, return_weights)

    monkeypatch.setattr(T, "multi_head_attention", spy)
    src, tgt = np.array([3, 4, 5, 8]), np.array([1, 6, 7, 2])   # same length: nothing tells the two apart by shape
    memory = T.encode(src, params, SMALL)
    calls.clear()
    T.decode(tgt, memory, src, params, SMALL)
    cross = [(q, kv, p) for q, kv, p in calls if q.shape != kv.shape or not np.array_equal(q, kv)]
    assert len(cross) == SMALL.n_decoder_layers
    for layer, (_, kv, p) in zip(params.decoder_layers, cross):
        assert np.array_equal(kv, memory)                  # the final encoder output, every time (fact 15)
        assert p is layer.cross_attn                        # each layer with its own W_Q, W_K, W_V, W_O
    # the encoder's intermediate outputs are not what the decoder reads
    first_layer_out = T.encoder_layer(T.embed_with_positions(src, params, SMALL), params.encoder_layers[0], SMALL)
    assert not np.allclose(first_layer_out, memory)


def test_final_norm_option_adds_one_layer_norm_per_stack():
    c = dataclasses.replace(SMALL, final_norm=True)
    rng = np.random.default_rng(4)
    p = T.init_params(c, rng)
    p.encoder_norm.gamma, p.encoder_norm.beta = rng.uniform(0.5, 2, 6), rng.normal(size=6)
    X = rng.normal(size=(5, 6))
    without = T.encoder_stack(X, p, SMALL)                 # same layers, final_norm=False
    np.testing.assert_allclose(T.encoder_stack(X, p, c),
                               layer_norm(without, p.encoder_norm.gamma, p.encoder_norm.beta), atol=1e-13)
    Y = rng.normal(size=(3, 6))
    dec = T.decoder_stack(Y, without, p, SMALL)
    np.testing.assert_allclose(T.decoder_stack(Y, without, p, c),
                               layer_norm(dec, p.decoder_norm.gamma, p.decoder_norm.beta), atol=1e-13)


def test_embed_with_positions_scales_then_adds_the_encoding(params):
    ids = np.array([2, 7, 7])
    expected = params.embedding[ids] * math.sqrt(6) + positional_encoding(3, 6)
    np.testing.assert_allclose(T.embed_with_positions(ids, params, SMALL), expected, rtol=1e-15)
    unscaled = T.embed_with_positions(ids, params, dataclasses.replace(SMALL, scale_embeddings=False))
    np.testing.assert_allclose(unscaled, params.embedding[ids] + positional_encoding(3, 6), rtol=1e-15)


def test_forward_is_embed_stacks_and_output_layer(params):
    src, tgt = np.array([3, 4, 0]), np.array([1, 5])
    src_mask = np.array([[True, True, False]])           # the padding column is hidden
    memory = T.encoder_stack(T.embed_with_positions(src, params, SMALL), params, SMALL, src_mask)
    Y = T.decoder_stack(T.embed_with_positions(tgt, params, SMALL), memory, params, SMALL, causal_mask(2),
                        src_mask)
    logits = T.forward(src, tgt, params, SMALL)
    assert logits.shape == (2, 9)
    np.testing.assert_allclose(logits, Y @ params.W_out + params.b_out, atol=1e-13)


def test_padding_in_the_source_does_not_change_the_translation(params):
    # more padding on the source changes nothing for the real tokens
    tgt = np.array([1, 5, 6])
    a = T.forward(np.array([3, 4]), tgt, params, SMALL)
    b = T.forward(np.array([3, 4, 0, 0]), tgt, params, SMALL)
    np.testing.assert_allclose(a, b, atol=1e-12)


@settings(max_examples=15)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(0, 2**32 - 1))
def test_forward_batched_equals_stacking_unbatched(batch, seed):
    rng = np.random.default_rng(seed)
    p = T.init_params(SMALL, rng)
    src = rng.integers(1, 9, size=(*batch, 4))
    src[..., 3] = 0                                        # padding at the end of every source
    tgt = rng.integers(1, 9, size=(*batch, 3))
    logits = T.forward(src, tgt, p, SMALL)
    assert logits.shape == (*batch, 3, 9)
    for idx in np.ndindex(*batch):
        np.testing.assert_allclose(logits[idx], T.forward(src[idx], tgt[idx], p, SMALL), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_in_float32_out_everywhere(params, dtype):
    p = T.cast_params(params, dtype)
    rng = np.random.default_rng(6)
    X, memory = rng.normal(size=(2, 4, 6)).astype(dtype), rng.normal(size=(2, 5, 6)).astype(dtype)
    assert T.encoder_layer(X, p.encoder_layers[0], SMALL).dtype == dtype
    assert T.decoder_layer(X, memory, p.decoder_layers[0], SMALL).dtype == dtype
    assert T.encoder_stack(X, p, SMALL).dtype == dtype
    assert T.decoder_stack(X, memory, p, SMALL).dtype == dtype
    assert T.forward(np.array([3, 4]), np.array([1, 2, 5]), p, SMALL).dtype == dtype
    # float32 inputs with float64 parameters still give float32
    assert T.encoder_layer(X.astype(np.float32), params.encoder_layers[0], SMALL).dtype == np.float32


def test_float32_forward_agrees_with_float64(params):
    src, tgt = np.array([[3, 4, 5], [6, 7, 0]]), np.array([[1, 2], [1, 8]])
    np.testing.assert_allclose(T.forward(src, tgt, T.cast_params(params, np.float32), SMALL),
                               T.forward(src, tgt, params, SMALL), atol=1e-4)


def test_count_parameters_of_the_base_model():
    c = T.Config.base(vocab_size=1000)
    # per attention layer 4·512·512 + 4·512; per FFN 2·512·2048 + 2048 + 512; per norm 2·512
    attn, ffn, norm = 4 * 512 * 512 + 4 * 512, 2 * 512 * 2048 + 2048 + 512, 2 * 512
    encoder = 6 * (attn + ffn + 2 * norm)
    decoder = 6 * (2 * attn + ffn + 3 * norm)
    embedding_and_output = 1000 * 512 + 512 * 1000 + 1000
    p = T.init_params(dataclasses.replace(c, n_encoder_layers=1, n_decoder_layers=1), np.random.default_rng(0))
    assert T.count_parameters(p) == encoder / 6 + decoder / 6 + embedding_and_output
