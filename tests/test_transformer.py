"""mathlib.transformer: building parameters, the layers, the stacks and the model.

Expected values come from tests/reference.py (plain numpy loops written from the
paper, sharing no code with mathlib) or are worked out by hand in the test.
"""
import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference as ref
from mathlib import transformer as T
from mathlib.attention import causal_mask, padding_mask

SMALL = T.Config(d_model=6, n_heads=2, d_k=2, d_v=4, d_ff=10, n_encoder_layers=2, n_decoder_layers=3,
                 vocab_size=9, max_len=12)


@pytest.fixture(scope="module")
def params():
    return T.init_params(SMALL, np.random.default_rng(0))


def arrays_of(p):
    found = []
    T.map_arrays(lambda path, a: found.append((path, a)) or a, p)
    return found


def lively(config, seed):
    """Parameters with every bias and norm drawn away from 0 / 1, so a test notices where each one is used."""
    rng = np.random.default_rng(seed)

    def draw(_, path, shape):
        name = path.rsplit(".", 1)[-1]
        if name == "gamma":
            return rng.uniform(0.5, 1.5, size=shape)
        return rng.normal(0, 0.5, size=shape)
    return T.init_params(config, None, draw=draw)


# --- Config and building ---------------------------------------------------------------

def test_config_defaults_are_the_papers_base_model():
    c = T.Config()
    assert (c.d_model, c.n_heads, c.d_k, c.d_v, c.d_ff, c.n_encoder_layers, c.n_decoder_layers) == \
        (512, 8, 64, 64, 2048, 6, 6)
    assert (c.vocab_size, c.max_len, c.final_norm, c.scale_embeddings, c.tie_embeddings) == \
        (37000, 512, False, True, False)
    assert c.eps == 1e-5                      # torch.nn.LayerNorm's default, as in the torch cross-check


def test_eps_has_one_default():
    """layer norm's eps is written once (layers.EPS): Config's default, layer_norm's and its backward's
    read it, and below Config a LayerNormParams must be given its eps (init_params passes config.eps)."""
    import inspect
    from mathlib import grad, layers
    assert T.Config().eps == layers.EPS == 1e-5
    for f in (layers.layer_norm, grad.layer_norm_backward):
        assert inspect.signature(f).parameters["eps"].default is layers.EPS, f
    with pytest.raises(TypeError, match="eps"):
        layers.LayerNormParams(np.ones(2), np.zeros(2))
    tiny = T.init_params(T.Config(d_model=4, n_heads=2, d_k=2, d_v=2, d_ff=8, n_encoder_layers=1,
                                  n_decoder_layers=1, vocab_size=6, max_len=4, eps=0.5), np.random.default_rng(0))
    assert {n.eps for layer in tiny.encoder_layers + tiny.decoder_layers
            for n in vars(layer).values() if isinstance(n, layers.LayerNormParams)} == {0.5}


def test_init_params_shapes_and_determinism():
    p = T.init_params(SMALL, np.random.default_rng(5))
    q = T.init_params(SMALL, np.random.default_rng(5))
    a = p.decoder_layers[1].cross_attn
    assert a.W_Q.shape == (6, 4) and a.W_K.shape == (6, 4) and a.W_V.shape == (6, 8) and a.W_O.shape == (8, 6)
    assert a.n_heads == 2 and p.decoder_layers[1].norm3.eps == 1e-5
    assert p.embedding.shape == (9, 6) and p.W_out.shape == (6, 9) and p.config is SMALL
    assert len(p.encoder_layers) == 2 and len(p.decoder_layers) == 3 and p.encoder_norm is None
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(arrays_of(p), arrays_of(q)))
    # every layer draws its own weights
    assert not np.array_equal(p.decoder_layers[0].cross_attn.W_Q, p.decoder_layers[1].cross_attn.W_Q)
    assert not np.array_equal(p.decoder_layers[0].self_attn.W_Q, p.decoder_layers[0].cross_attn.W_Q)
    final = T.init_params(dataclasses.replace(SMALL, final_norm=True), np.random.default_rng(5))
    assert final.encoder_norm.gamma.tolist() == [1.0] * 6 and final.decoder_norm.beta.tolist() == [0.0] * 6


def test_init_params_draws_every_parameter_once_in_a_fixed_order():
    c = dataclasses.replace(SMALL, n_encoder_layers=1, n_decoder_layers=1, final_norm=True)
    seen = []

    def draw(rng, path, shape):
        seen.append((path, shape))
        return np.ones(shape)
    T.init_params(c, None, draw=draw)
    attn = ["W_Q", "W_K", "W_V", "W_O", "b_Q", "b_K", "b_V", "b_O"]
    enc = [f"encoder_layers[0].self_attn.{k}" for k in attn] + ["encoder_layers[0].norm1.gamma",
           "encoder_layers[0].norm1.beta"] + [f"encoder_layers[0].ffn.{k}" for k in ("W1", "b1", "W2", "b2")] \
        + ["encoder_layers[0].norm2.gamma", "encoder_layers[0].norm2.beta"]
    dec = [f"decoder_layers[0].{part}.{k}" for part, names in (
        ("self_attn", attn), ("norm1", ["gamma", "beta"]), ("cross_attn", attn), ("norm2", ["gamma", "beta"]),
        ("ffn", ["W1", "b1", "W2", "b2"]), ("norm3", ["gamma", "beta"])) for k in names]
    tail = ["embedding", "W_out", "b_out", "encoder_norm.gamma", "encoder_norm.beta", "decoder_norm.gamma",
            "decoder_norm.beta"]
    assert [path for path, _ in seen] == enc + dec + tail
    shapes = dict(seen)
    assert shapes["decoder_layers[0].cross_attn.W_V"] == (6, 8) and shapes["encoder_layers[0].ffn.b1"] == (10,)
    seen.clear()
    T.init_params(dataclasses.replace(c, tie_embeddings=True), None, draw=draw)
    assert "W_out" not in [path for path, _ in seen]          # tied: W_out is the embedding, not drawn


def test_default_initialisation_is_glorot_uniform_with_small_embeddings():
    c = T.Config(d_model=64, n_heads=4, d_k=16, d_v=16, d_ff=192, n_encoder_layers=1, n_decoder_layers=0,
                 vocab_size=2000, max_len=8)
    p = T.init_params(c, np.random.default_rng(1))
    a, f = p.encoder_layers[0].self_attn, p.encoder_layers[0].ffn
    for W, fan in ((a.W_Q, 64 + 64), (f.W1, 64 + 192), (p.W_out, 64 + 2000)):
        bound = math.sqrt(6 / fan)                    # Glorot: U(-√(6/(in+out)), +√(6/(in+out)))
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.97 * bound
        assert abs(W.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)   # a uniform's std
    # embeddings N(0, 1/d_model): 128 000 draws, std 1/8 within 2 %
    assert abs(p.embedding.std() - 0.125) < 0.0025 and abs(p.embedding.mean()) < 0.003
    assert not a.b_Q.any() and not f.b2.any() and not p.b_out.any()
    assert p.encoder_layers[0].norm1.gamma.tolist() == [1.0] * 64 and not p.encoder_layers[0].norm2.beta.any()


def test_init_params_needs_an_explicit_generator():
    with pytest.raises(TypeError, match="np.random.Generator"):
        T.init_params(SMALL, 0)


def test_cast_params_converts_every_array_into_a_new_one(params):
    for dtype in (np.float32, np.float64):
        cast = T.cast_params(params, dtype)
        pairs = list(zip(arrays_of(params), arrays_of(cast)))
        assert len(pairs) == len(arrays_of(params)) > 40
        for (path, a), (path2, b) in pairs:
            assert path == path2 and b.dtype == dtype and not np.shares_memory(a, b), path
            np.testing.assert_allclose(b, a, rtol=1e-7)
        cast.decoder_layers[2].ffn.W2[0, 0] += 1.0                       # the copy is its own
        assert cast.decoder_layers[2].ffn.W2[0, 0] != params.decoder_layers[2].ffn.W2[0, 0]
    assert params.embedding.dtype == np.float64


def test_count_parameters_by_hand(params):
    # SMALL: d 6, 2 heads of d_k 2 and d_v 4, d_ff 10, 2 + 3 layers, vocabulary 9.
    # attention: W_Q, W_K 6·4 each + b 4 each = 56; W_V 6·8 + 8 = 56; W_O 8·6 + 6 = 54 → 166
    # feed-forward: 6·10 + 10 + 10·6 + 6 = 136; a norm 12
    attention, ffn, norm = 166, 136, 12
    encoder = 2 * (attention + ffn + 2 * norm)         # 652
    decoder = 3 * (2 * attention + ffn + 3 * norm)     # 1512
    embedding, output = 9 * 6, 6 * 9 + 9
    assert T.count_parameters(params) == encoder + decoder + embedding + output == 2281
    assert T.count_parameters(params.decoder_layers[0]) == 2 * attention + ffn + 3 * norm
    assert T.count_parameters(params.encoder_layers[0].self_attn) == attention
    counts = T.parameter_counts(SMALL)
    assert (counts["attention"], counts["feed_forward"], counts["layer_norm"]) == (attention, ffn, norm)
    assert (counts["encoder"], counts["decoder"], counts["embedding"], counts["output"]) == \
        (encoder, decoder, embedding, output)
    assert counts["stacks"] == encoder + decoder and counts["total"] == 2281


def test_parameter_counts_of_the_base_model():
    # per attention layer 4·512·512 + 4·512; per FFN 2·512·2048 + 2048 + 512; per norm 2·512
    attn, ffn, norm = 4 * 512 * 512 + 4 * 512, 2 * 512 * 2048 + 2048 + 512, 2 * 512
    counts = T.parameter_counts(T.Config())
    assert counts["attention"] == 1_050_624 == attn and counts["feed_forward"] == 2_099_712 == ffn
    assert counts["stacks"] == 6 * (attn + ffn + 2 * norm) + 6 * (2 * attn + ffn + 3 * norm) == 44_138_496
    assert counts["total"] == 44_138_496 + 37000 * 512 + 512 * 37000 + 37000
    tied = T.parameter_counts(T.Config(tie_embeddings=True))
    assert tied["output"] == 37000 and tied["total"] == counts["total"] - 512 * 37000


@pytest.mark.parametrize("changes", [{}, {"final_norm": True}, {"tie_embeddings": True},
                                     {"n_encoder_layers": 0, "d_v": 3}])
def test_counting_arrays_agrees_with_counting_sizes(changes):
    c = dataclasses.replace(SMALL, **changes)
    assert T.count_parameters(T.init_params(c, np.random.default_rng(0))) == T.parameter_counts(c)["total"]


# --- tied embeddings ----------------------------------------------------------------------

def test_tied_embeddings_are_one_array_used_twice():
    c = dataclasses.replace(SMALL, tie_embeddings=True)
    p = T.init_params(c, np.random.default_rng(3))
    assert np.shares_memory(p.W_out, p.embedding) and np.array_equal(p.W_out, p.embedding.T)
    assert T.count_parameters(p) == T.count_parameters(T.init_params(SMALL, np.random.default_rng(3))) - 6 * 9
    p32 = T.cast_params(p, np.float32)
    assert p32.W_out.dtype == np.float32 and np.shares_memory(p32.W_out, p32.embedding)
    src, tgt = np.array([3, 4, 5]), np.array([1, 6])
    np.testing.assert_allclose(T.forward(src, tgt, p), ref.model_logits(src, tgt, p, scale=True), atol=1e-12)
    with pytest.raises(ValueError, match="tie_embeddings"):
        dataclasses.replace(p, W_out=p.W_out + 1.0)


# --- the layers against the reference ------------------------------------------------------------

def test_encoder_layer_is_two_residual_sublayers_each_with_its_own_norm():
    p = lively(SMALL, 1).encoder_layers[0]
    X = np.random.default_rng(1).normal(size=(4, 6))
    out, w = T.encoder_layer(X, p)
    np.testing.assert_allclose(out, ref.encoder_block(X, p), atol=1e-13)
    _, ref_w = ref.attend(X, X, p.self_attn)
    np.testing.assert_allclose(w, np.stack(ref_w), atol=1e-14)
    mask = np.array([[True, True, False, True]])          # a padding column
    np.testing.assert_allclose(T.encoder_layer(X, p, mask)[0], ref.encoder_block(X, p, mask), atol=1e-13)


def test_decoder_layer_is_three_residual_sublayers_each_with_its_own_norm():
    p = lively(SMALL, 2).decoder_layers[0]
    rng = np.random.default_rng(2)
    Y, memory = rng.normal(size=(3, 6)), rng.normal(size=(5, 6))
    out, w_self, w_cross = T.decoder_layer(Y, memory, p)
    np.testing.assert_allclose(out, ref.decoder_block(Y, memory, p), atol=1e-13)
    assert w_self.shape == (2, 3, 3) and w_cross.shape == (2, 3, 5)
    hidden = np.array([[True, True, False, True, True]])
    np.testing.assert_allclose(T.decoder_layer(Y, memory, p, memory_mask=hidden)[0],
                               ref.decoder_block(Y, memory, p, memory_mask=hidden), atol=1e-13)


def test_decoder_self_attention_is_causal_by_default(params):
    rng = np.random.default_rng(3)
    p = params.decoder_layers[0]
    Y, memory = rng.normal(size=(4, 6)), rng.normal(size=(5, 6))
    out, w, _ = T.decoder_layer(Y, memory, p)
    assert np.all(w[:, ~causal_mask(4)] == 0.0)             # no position sees the future (fact 8)
    unmasked = T.decoder_layer(Y, memory, p, self_mask=np.ones((4, 4), dtype=bool))[0]
    np.testing.assert_allclose(unmasked, ref.decoder_block(Y, memory, p, self_mask=np.ones((4, 4), bool)),
                               atol=1e-13)
    np.testing.assert_allclose(out[3], unmasked[3], atol=1e-13)      # the last row sees everything anyway
    assert np.abs(out[:3] - unmasked[:3]).max() > 1e-3              # the others do not


@settings(max_examples=25)
@given(st.integers(1, 6), st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_changing_later_tokens_never_changes_earlier_outputs(m, t, seed):
    t = min(t, m - 1)
    rng = np.random.default_rng(seed)
    p = T.init_params(SMALL, rng)
    Y, memory = rng.normal(size=(m, 6)), rng.normal(size=(4, 6))
    Y_changed = Y.copy()
    Y_changed[t + 1:] = rng.normal(size=(m - t - 1, 6)) * 3
    a, b = T.decoder_stack(Y, memory, p), T.decoder_stack(Y_changed, memory, p)
    np.testing.assert_allclose(a[:t + 1], b[:t + 1], atol=1e-12)
    src = rng.integers(1, 9, size=4)
    tgt = rng.integers(1, 9, size=m)
    tgt2 = tgt.copy()
    tgt2[t + 1:] = rng.integers(1, 9, size=m - t - 1)
    np.testing.assert_allclose(T.forward(src, tgt, p)[:t + 1], T.forward(src, tgt2, p)[:t + 1], atol=1e-12)


def test_cross_attention_reads_the_final_encoder_output_in_every_layer(params, monkeypatch):
    calls = []
    real = T.multi_head_attention

    def spy(X_q, X_kv, p, mask=None, cache=None):
        calls.append((np.array(X_q), np.array(X_kv), p))
        return real(X_q, X_kv, p, mask, cache)

    monkeypatch.setattr(T, "multi_head_attention", spy)
    src, tgt = np.array([3, 4, 5, 8]), np.array([1, 6, 7, 2])   # same length: shapes tell nothing apart
    memory = T.encode(src, params)
    calls.clear()
    T.decode(tgt, memory, params)
    cross = [(q, kv, p) for q, kv, p in calls if not np.array_equal(q, kv)]
    assert len(cross) == SMALL.n_decoder_layers
    for layer, (_, kv, p) in zip(params.decoder_layers, cross):
        assert np.array_equal(kv, memory)                  # the final encoder output, every time (fact 15)
        assert p is layer.cross_attn                        # each layer with its own W_Q, W_K, W_V, W_O


def test_final_norm_adds_one_layer_norm_per_stack():
    c = dataclasses.replace(SMALL, final_norm=True)
    p = lively(c, 4)
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(5, 6)), rng.normal(size=(3, 6))
    memory = T.encoder_stack(X, p)
    np.testing.assert_allclose(memory, ref.run_encoder(X, p), atol=1e-13)
    np.testing.assert_allclose(T.decoder_stack(Y, memory, p), ref.run_decoder(Y, memory, p), atol=1e-13)
    without = ref.run_encoder(X, dataclasses.replace(p, encoder_norm=None, decoder_norm=None,
                                                     config=SMALL))
    assert np.abs(memory - without).max() > 0.1              # the final norm really is applied


def test_embed_with_positions_scales_then_adds_the_encoding(params):
    ids = np.array([2, 7, 7])
    np.testing.assert_allclose(T.embed_with_positions(ids, params), ref.embed_positions(ids, params, scale=True),
                               rtol=1e-15)
    unscaled = dataclasses.replace(params, config=dataclasses.replace(SMALL, scale_embeddings=False))
    np.testing.assert_allclose(T.embed_with_positions(ids, unscaled), ref.embed_positions(ids, params, scale=False),
                               rtol=1e-15)


def test_forward_against_the_reference_with_padding():
    p = lively(SMALL, 5)
    src, tgt = np.array([3, 4, 0]), np.array([1, 5, 8, 0])      # padding at the end of both
    logits = T.forward(src, tgt, p)
    assert logits.shape == (4, 9)
    np.testing.assert_allclose(logits, ref.model_logits(src, tgt, p, scale=True), atol=1e-12)


def test_decode_takes_the_memory_mask_it_needs(params):
    src, tgt = np.array([3, 4, 0, 0]), np.array([1, 5])
    memory = T.encode(src, params)
    masked = T.decode(tgt, memory, params, padding_mask(src, SMALL.pad_id))
    np.testing.assert_allclose(masked, T.forward(src, tgt, params), atol=0)
    np.testing.assert_allclose(masked, T.forward(src[:2], tgt, params), atol=1e-12)   # padding changes nothing
    seen_padding = T.decode(tgt, memory, params)                   # no mask: the padded rows are read too
    assert np.abs(seen_padding - masked).max() > 1e-3


@settings(max_examples=15)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(0, 2**32 - 1))
def test_forward_batched_equals_stacking_unbatched(batch, seed):
    rng = np.random.default_rng(seed)
    p = T.init_params(SMALL, rng)
    src = rng.integers(1, 9, size=(*batch, 4))
    src[..., 3] = 0                                        # padding at the end of every source
    tgt = rng.integers(1, 9, size=(*batch, 3))
    logits = T.forward(src, tgt, p)
    assert logits.shape == (*batch, 3, 9)
    for idx in np.ndindex(*batch):
        np.testing.assert_allclose(logits[idx], T.forward(src[idx], tgt[idx], p), atol=1e-12)


def test_float32_parameters_and_inputs_stay_float32(params):
    p = T.cast_params(params, np.float32)
    rng = np.random.default_rng(6)
    X, memory = rng.normal(size=(2, 4, 6)).astype(np.float32), rng.normal(size=(2, 5, 6)).astype(np.float32)
    assert T.encoder_layer(X, p.encoder_layers[0])[0].dtype == np.float32
    assert T.decoder_layer(X, memory, p.decoder_layers[0])[0].dtype == np.float32
    assert T.encoder_stack(X, p).dtype == np.float32
    assert T.decoder_stack(X, memory, p).dtype == np.float32
    assert T.forward(np.array([3, 4]), np.array([1, 2, 5]), p).dtype == np.float32


def test_float32_forward_agrees_with_float64(params):
    src, tgt = np.array([[3, 4, 5], [6, 7, 0]]), np.array([[1, 2], [1, 8]])
    np.testing.assert_allclose(T.forward(src, tgt, T.cast_params(params, np.float32)), T.forward(src, tgt, params),
                               atol=1e-4)


def test_one_forward_pass_checks_its_data_once(monkeypatch):
    """The doors check what enters; the layers inside the stack do not scan their inputs again
    (every finiteness scan in mathlib goes through np.isfinite)."""
    p = T.init_params(SMALL, np.random.default_rng(7))
    src, tgt = np.array([3, 4, 5, 0]), np.array([1, 6, 2])
    scans = []
    real = np.isfinite
    monkeypatch.setattr(np, "isfinite", lambda *a, **k: scans.append(1) or real(*a, **k))
    T.forward(src, tgt, p)
    assert len(scans) == 1                     # the logits, once: the result's overflow check
    scans.clear()
    memory = T.encode(src, p)
    T.decode(tgt, memory, p, padding_mask(src))
    assert len(scans) == 3                     # memory out of encode; memory into decode; logits


def test_a_door_checks_only_when_called_from_outside_and_shows_its_formula():
    """Inside a door the formulas run as shown (no checks); a failed call leaves the next one checked;
    show.code displays the formula itself (inspect unwraps the door)."""
    import inspect
    from mathlib import _checks, show
    from mathlib.layers import layer_norm
    for _ in range(2):                                        # the failed call leaves no door open
        with pytest.raises(ValueError, match="x contains 1 non-finite"):
            layer_norm(np.array([1.0, np.nan]), np.ones(2), np.zeros(2))
        assert _checks._inside == 0
    source = show.source(layer_norm)
    assert "def layer_norm(x, gamma, beta, eps=EPS):" in source and "check" not in source
    assert inspect.unwrap(layer_norm).__name__ == "layer_norm"
    seen = []

    def formula(x):
        seen.append(_checks._inside)
        return layer_norm(x, np.ones(2), np.zeros(2))         # inside: the formula, no check
    door = _checks.checked(formula, lambda x: (np.asarray(x, dtype=float),))
    door(np.array([[1.0, 2.0]]))
    assert seen == [1]
