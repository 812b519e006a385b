"""mathlib against PyTorch, layer by layer, in float64: max |difference| ≤ 1e-10.

Each test builds a torch module with random weights (biases and layer-norm
parameters included), moves them into mathlib with mathlib.interop (or the
other way round), runs both on the same random input and compares. torch
masks use True = "may NOT attend" for boolean masks; mathlib uses True =
"may attend", so every mask is negated on the way.

Without torch these tests skip locally and fail when CI=true (tests/conftest.py);
the last tests here check that behaviour in a subprocess with torch hidden.
"""
import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mathlib import interop
from mathlib import transformer as T
from mathlib.attention import causal_mask, multi_head_attention

TOL = 1e-10
crosscheck = pytest.mark.crosscheck


def randomise(module, torch, seed):
    """Every parameter of `module` drawn at random (torch initialises biases to 0 and norms to 1/0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g, dtype=p.dtype))
            else:
                p.copy_(0.4 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module.eval()


def to_np(t):
    return t.detach().numpy()


def keep_a_key_per_row(mask):
    """A random bool mask (mathlib convention) in which column 0 is always visible."""
    mask = np.array(mask)
    mask[..., 0] = True
    return mask


def right_padding(rng, batch, n):
    """(batch, n) bool, True on padding at the end of each row; position 0 is never padding."""
    lengths = rng.integers(1, n + 1, size=batch)
    return np.arange(n)[None, :] >= lengths[:, None]


def assert_close(a, b):
    diff = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    assert diff <= TOL, f"max |mathlib − torch| = {diff:.3e} > {TOL}"


# --- multi-head attention ---------------------------------------------------------------

MHA_SIZES = [(4, 2, 3, 3, 1), (8, 4, 5, 7, 2), (12, 3, 1, 6, 3), (16, 8, 9, 4, 2)]  # d_model, h, n_q, n_k, batch


@crosscheck
@pytest.mark.parametrize("d_model, h, n_q, n_k, batch", MHA_SIZES)
@pytest.mark.parametrize("masks", ["none", "attn_mask", "key_padding", "both"])
def test_multi_head_attention_matches_torch(torch, d_model, h, n_q, n_k, batch, masks):
    rng = np.random.default_rng(d_model * 100 + n_q)
    mha = randomise(torch.nn.MultiheadAttention(d_model, h, batch_first=True, dtype=torch.float64), torch, n_k)
    p = interop.attention_from_torch(mha.state_dict(), h)
    X_q, X_kv = rng.normal(size=(batch, n_q, d_model)), rng.normal(size=(batch, n_k, d_model))
    ours = np.ones((batch, n_q, n_k), dtype=bool)
    kwargs = {}
    if masks in ("attn_mask", "both"):
        allowed = keep_a_key_per_row(rng.random((n_q, n_k)) < 0.6)
        kwargs["attn_mask"] = torch.from_numpy(~allowed)              # torch: True = not allowed
        ours &= allowed
    if masks in ("key_padding", "both"):
        pad = right_padding(rng, batch, n_k)
        kwargs["key_padding_mask"] = torch.from_numpy(pad)
        ours &= ~pad[:, None, :]
    with torch.no_grad():
        out_t, w_t = mha(torch.from_numpy(X_q), torch.from_numpy(X_kv), torch.from_numpy(X_kv),
                         need_weights=True, average_attn_weights=False, **kwargs)
    out, w = multi_head_attention(X_q, X_kv, p, None if masks == "none" else ours)
    assert out.shape == (batch, n_q, d_model) and w.shape == (batch, h, n_q, n_k)
    assert_close(out, to_np(out_t))
    assert_close(w, to_np(w_t))


@crosscheck
def test_self_attention_with_a_causal_mask_matches_torch(torch):
    rng = np.random.default_rng(1)
    mha = randomise(torch.nn.MultiheadAttention(6, 3, batch_first=True, dtype=torch.float64), torch, 1)
    p = interop.attention_from_torch(mha.state_dict(), 3)
    X = rng.normal(size=(2, 5, 6))
    tX = torch.from_numpy(X)
    with torch.no_grad():
        out_t, _ = mha(tX, tX, tX, attn_mask=torch.from_numpy(~causal_mask(5)), need_weights=False)
    assert_close(multi_head_attention(X, X, p, causal_mask(5))[0], to_np(out_t))


@crosscheck
def test_attention_parameters_exported_to_torch(torch):
    """The other direction: mathlib's parameters, loaded into a fresh torch module."""
    rng = np.random.default_rng(2)
    c = T.Config(d_model=8, n_heads=2, d_k=4, d_v=4, d_ff=4, n_encoder_layers=1, n_decoder_layers=0)
    p = T.init_params(c, rng).encoder_layers[0].self_attn
    p = dataclasses.replace(p, **{b: rng.normal(size=8) for b in ("b_Q", "b_K", "b_V", "b_O")})
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64).eval()
    mha.load_state_dict(interop.attention_to_torch(p))
    Y, memory = rng.normal(size=(3, 8)), rng.normal(size=(7, 8))
    with torch.no_grad():
        out_t, w_t = mha(*(torch.from_numpy(a) for a in (Y, memory, memory)), average_attn_weights=False)
    out, w = multi_head_attention(Y, memory, p)
    assert_close(out, to_np(out_t))
    assert_close(w, to_np(w_t))


# --- encoder and decoder layers ---------------------------------------------------------------

LAYER_SIZES = [(4, 2, 8, 3, 5, 1), (8, 4, 16, 6, 4, 2), (12, 3, 20, 2, 7, 3), (6, 2, 12, 4, 4, 2)]  # d_model, h, d_ff, n, m, batch


def lively(config, rng):
    """Parameters for `config` with every bias and norm away from 0 and 1 (as a trained model has)."""
    def draw(_, path, shape):
        if path.endswith("gamma"):
            return rng.uniform(0.5, 1.5, size=shape)
        return rng.normal(0, 0.4, size=shape)
    return T.init_params(config, None, draw=draw)


def config_for(d_model, h, d_ff, n_enc=1, n_dec=1, **kw):
    return T.Config(d_model=d_model, n_heads=h, d_k=d_model // h, d_v=d_model // h, d_ff=d_ff,
                    n_encoder_layers=n_enc, n_decoder_layers=n_dec, final_norm=True, **kw)


@crosscheck
@pytest.mark.parametrize("d_model, h, d_ff, n, m, batch", LAYER_SIZES)
@pytest.mark.parametrize("grad", [False, True], ids=["no_grad", "grad"])  # torch's fast and slow paths
def test_encoder_layer_matches_torch(torch, d_model, h, d_ff, n, m, batch, grad):
    rng = np.random.default_rng(n)
    layer = randomise(torch.nn.TransformerEncoderLayer(d_model, h, d_ff, dropout=0.0, batch_first=True,
                                                       dtype=torch.float64), torch, d_model)
    c = config_for(d_model, h, d_ff)
    p = interop.encoder_layer_from_torch(layer.state_dict(), c)
    X = rng.normal(size=(batch, n, d_model))
    allowed = keep_a_key_per_row(rng.random((n, n)) < 0.7)
    pad = right_padding(rng, batch, n)
    with torch.set_grad_enabled(grad):
        out_t = layer(torch.from_numpy(X), src_mask=torch.from_numpy(~allowed),
                      src_key_padding_mask=torch.from_numpy(pad))
        plain_t = layer(torch.from_numpy(X))
    assert_close(T.encoder_layer(X, p, allowed & ~pad[:, None, :])[0], to_np(out_t))
    assert_close(T.encoder_layer(X, p)[0], to_np(plain_t))


@crosscheck
@pytest.mark.parametrize("d_model, h, d_ff, n, m, batch", LAYER_SIZES)
def test_decoder_layer_matches_torch(torch, d_model, h, d_ff, n, m, batch):
    rng = np.random.default_rng(m)
    layer = randomise(torch.nn.TransformerDecoderLayer(d_model, h, d_ff, dropout=0.0, batch_first=True,
                                                       dtype=torch.float64), torch, d_ff)
    c = config_for(d_model, h, d_ff)
    p = interop.decoder_layer_from_torch(layer.state_dict(), c)
    Y, memory = rng.normal(size=(batch, m, d_model)), rng.normal(size=(batch, n, d_model))
    tgt_pad, mem_pad = right_padding(rng, batch, m), right_padding(rng, batch, n)
    mem_allowed = keep_a_key_per_row(rng.random((m, n)) < 0.7)
    with torch.no_grad():
        out_t = layer(torch.from_numpy(Y), torch.from_numpy(memory), tgt_mask=torch.from_numpy(~causal_mask(m)),
                      memory_mask=torch.from_numpy(~mem_allowed), tgt_key_padding_mask=torch.from_numpy(tgt_pad),
                      memory_key_padding_mask=torch.from_numpy(mem_pad))
        causal_only_t = layer(torch.from_numpy(Y), torch.from_numpy(memory),
                              tgt_mask=torch.from_numpy(~causal_mask(m)))
    ours, _, _ = T.decoder_layer(Y, memory, p, self_mask=causal_mask(m) & ~tgt_pad[:, None, :],
                                 memory_mask=mem_allowed & ~mem_pad[:, None, :])
    assert_close(ours, to_np(out_t))
    assert_close(T.decoder_layer(Y, memory, p)[0], to_np(causal_only_t))   # the default self-mask is causal   # the default self-mask is causal


# --- the whole model -----------------------------------------------------------------------------

MODEL_SIZES = [(4, 2, 8, 1, 1, 3, 4, 1), (8, 2, 16, 2, 3, 6, 5, 2), (12, 4, 24, 3, 2, 4, 7, 3),
               (8, 2, 16, 2, 2, 5, 5, 2), (16, 8, 32, 6, 6, 9, 8, 2)]  # d_model, h, d_ff, n_enc, n_dec, n, m, batch


def plain_torch_transformer(torch, d_model, h, d_ff, n_enc, n_dec, seed):
    model = torch.nn.Transformer(d_model, h, n_enc, n_dec, d_ff, dropout=0.0, batch_first=True, norm_first=False,
                                 dtype=torch.float64)
    # eval-mode nested tensors would return zeros at padded encoder positions; compute them like mathlib
    model.encoder.enable_nested_tensor = model.encoder.use_nested_tensor = False
    return randomise(model, torch, seed)


@crosscheck
@pytest.mark.parametrize("d_model, h, d_ff, n_enc, n_dec, n, m, batch", MODEL_SIZES)
def test_nn_transformer_with_all_masks_matches(torch, d_model, h, d_ff, n_enc, n_dec, n, m, batch):
    rng = np.random.default_rng(d_model + n)
    model = plain_torch_transformer(torch, d_model, h, d_ff, n_enc, n_dec, seed=m)
    c = config_for(d_model, h, d_ff, n_enc, n_dec, vocab_size=5)
    sd = dict(model.state_dict())
    sd[interop.EMBEDDING] = torch.from_numpy(rng.normal(size=(5, d_model)))   # nn.Transformer has neither
    sd[interop.GENERATOR_WEIGHT] = torch.from_numpy(rng.normal(size=(5, d_model)))
    sd[interop.GENERATOR_BIAS] = torch.from_numpy(rng.normal(size=5))
    params = interop.from_torch_state_dict(sd, c)

    src, tgt = rng.normal(size=(batch, n, d_model)), rng.normal(size=(batch, m, d_model))
    src_allowed = keep_a_key_per_row(rng.random((n, n)) < 0.7)
    mem_allowed = keep_a_key_per_row(rng.random((m, n)) < 0.7)
    src_pad, tgt_pad = right_padding(rng, batch, n), right_padding(rng, batch, m)
    with torch.no_grad():
        out_t = model(torch.from_numpy(src), torch.from_numpy(tgt), src_mask=torch.from_numpy(~src_allowed),
                      tgt_mask=torch.from_numpy(~causal_mask(m)), memory_mask=torch.from_numpy(~mem_allowed),
                      src_key_padding_mask=torch.from_numpy(src_pad),
                      tgt_key_padding_mask=torch.from_numpy(tgt_pad),
                      memory_key_padding_mask=torch.from_numpy(src_pad))
        memory_t = model.encoder(torch.from_numpy(src), mask=torch.from_numpy(~src_allowed),
                                 src_key_padding_mask=torch.from_numpy(src_pad))
    memory = T.encoder_stack(src, params, src_allowed & ~src_pad[:, None, :])
    out = T.decoder_stack(tgt, memory, params, causal_mask(m) & ~tgt_pad[:, None, :],
                          mem_allowed & ~src_pad[:, None, :])
    assert_close(memory, to_np(memory_t))
    assert_close(out, to_np(out_t))


@crosscheck
@pytest.mark.parametrize("d_model, h, d_ff, n_enc, n_dec, n, m, batch", MODEL_SIZES[1:])
def test_mathlib_model_exported_to_torch_gives_the_same_logits(torch, d_model, h, d_ff, n_enc, n_dec, n, m, batch):
    """The other direction, ids to logits: init_params → to_torch_state_dict → torch_model."""
    c = config_for(d_model, h, d_ff, n_enc, n_dec, vocab_size=11, max_len=16)
    rng = np.random.default_rng(n * m)
    params = lively(c, rng)
    model = interop.torch_model(c, params)
    src, tgt = rng.integers(1, 11, size=(batch, n)), rng.integers(1, 11, size=(batch, m))
    src[0, n - 1:] = c.pad_id                                         # some padding on both sides
    tgt[-1, m - 2:] = c.pad_id
    with torch.no_grad():
        logits_t = model.forward_ids(torch.from_numpy(src), torch.from_numpy(tgt))
    assert_close(T.forward(src, tgt, params), to_np(logits_t))


# --- the names and the round trip -----------------------------------------------------------------

@crosscheck
def test_state_dict_names_are_nn_transformers_plus_three(torch):
    c = config_for(8, 2, 16, 2, 3, vocab_size=7)
    sd = interop.to_torch_state_dict(T.init_params(c, np.random.default_rng(0)))
    reference = torch.nn.Transformer(8, 2, 2, 3, 16, dropout=0.0, batch_first=True, norm_first=False).state_dict()
    extras = {interop.EMBEDDING, interop.GENERATOR_WEIGHT, interop.GENERATOR_BIAS}
    assert set(sd) == set(reference) | extras
    assert list(sd) == interop.to_torch_state_dict_names(c)
    for name, tensor in reference.items():
        assert tuple(sd[name].shape) == tuple(tensor.shape), name
        assert sd[name].dtype == torch.float64
    assert tuple(sd[interop.EMBEDDING].shape) == (7, 8) and tuple(sd[interop.GENERATOR_WEIGHT].shape) == (7, 8)
    # the packed projection: rows 0..7 are W_Qᵀ, 8..15 W_Kᵀ, 16..23 W_Vᵀ (torch Linear: (out, in))
    p = interop.from_torch_state_dict(sd, c).encoder_layers[1].self_attn
    W_in = sd["encoder.layers.1.self_attn.in_proj_weight"].numpy()
    assert np.array_equal(W_in[8:16], p.W_K.T) and np.array_equal(W_in[16:], p.W_V.T)


@crosscheck
def test_round_trip_is_exact_and_copies(torch):
    c = config_for(8, 4, 12, 2, 2, vocab_size=6)
    params = T.init_params(c, np.random.default_rng(3))
    sd = interop.to_torch_state_dict(params)
    back = interop.from_torch_state_dict(sd, c)
    assert interop.to_torch_state_dict_names(c) == list(interop.to_torch_state_dict(back))
    for name, t in interop.to_torch_state_dict(back).items():
        assert torch.equal(t, sd[name]), name
    back.decoder_layers[0].cross_attn.W_Q[0, 0] += 1                  # no memory shared with torch
    assert not torch.equal(interop.to_torch_state_dict(back)["decoder.layers.0.multihead_attn.in_proj_weight"],
                           sd["decoder.layers.0.multihead_attn.in_proj_weight"])
    sd32 = {k: v.float() for k, v in sd.items()}                       # float32 tensors give float32 arrays
    assert interop.from_torch_state_dict(sd32, c).decoder_layers[1].ffn.W1.dtype == np.float32


@crosscheck
def test_import_errors_are_clear(torch):
    c = config_for(8, 2, 16, 1, 1, vocab_size=5)
    plain = plain_torch_transformer(torch, 8, 2, 16, 1, 1, seed=0).state_dict()
    with pytest.raises(KeyError, match="embedding.weight, generator.weight, generator.bias"):
        interop.from_torch_state_dict(plain, c)
    full = interop.to_torch_state_dict(T.init_params(c, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="no place for: decoder.layers.1"):
        interop.from_torch_state_dict({**full, "decoder.layers.1.norm1.weight": torch.ones(8)}, c)
    with pytest.raises(ValueError, match=r"encoder.layers.0.linear1.weight has shape \(16, 8\), but the config "
                                         r"needs \(32, 8\)"):
        interop.from_torch_state_dict(full, dataclasses.replace(c, d_ff=32))
    with pytest.raises(ValueError, match="d_k = d_v = d_model / n_heads"):
        interop.to_torch_state_dict(T.init_params(dataclasses.replace(c, d_k=3), np.random.default_rng(0)))
    with pytest.raises(ValueError, match="final_norm=True"):
        interop.to_torch_state_dict(T.init_params(dataclasses.replace(c, final_norm=False),
                                                  np.random.default_rng(0)))


@crosscheck
def test_tied_embeddings_export_generator_weight_as_the_embedding(torch):
    c = config_for(8, 2, 16, 2, 2, vocab_size=7, max_len=8, tie_embeddings=True)
    params = lively(c, np.random.default_rng(9))
    assert np.shares_memory(params.W_out, params.embedding)
    sd = interop.to_torch_state_dict(params)
    assert torch.equal(sd[interop.GENERATOR_WEIGHT], sd[interop.EMBEDDING])
    model = interop.torch_model(c, params)
    assert model.generator.weight is model.embedding.weight             # torch shares one tensor too
    src, tgt = np.array([[3, 4, 5, 0]]), np.array([[1, 6, 2]])
    with torch.no_grad():
        logits_t = model.forward_ids(torch.from_numpy(src), torch.from_numpy(tgt))
    assert_close(T.forward(src, tgt, params), to_np(logits_t))
    back = interop.from_torch_state_dict(sd, c)
    assert np.shares_memory(back.W_out, back.embedding) and np.array_equal(back.W_out, params.W_out)
    sd[interop.GENERATOR_WEIGHT] = sd[interop.GENERATOR_WEIGHT] + 1
    with pytest.raises(ValueError, match="generator.weight differs from embedding.weight"):
        interop.from_torch_state_dict(sd, c)


# --- without torch: skip locally, fail in CI ----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def run_without_torch(tmp_path, ci):
    """pytest on one crosscheck test in a fresh interpreter in which `import torch` fails."""
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""\
        import sys
        sys.modules["torch"] = None   # makes `import torch` raise ImportError
    """))
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env.get("PYTHONPATH", "")
    if ci:
        env["CI"] = "true"
    target = "tests/test_crosscheck_torch.py::test_self_attention_with_a_causal_mask_matches_torch"
    return subprocess.run([sys.executable, "-m", "pytest", target, "-q", "-p", "no:cacheprovider", "-rsf"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_without_torch_crosscheck_tests_skip_locally(tmp_path):
    r = run_without_torch(tmp_path, ci=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 skipped" in r.stdout and "torch is not installed" in r.stdout, r.stdout


def test_without_torch_crosscheck_tests_fail_in_ci(tmp_path):
    r = run_without_torch(tmp_path, ci=True)
    assert r.returncode == 1, r.stdout + r.stderr         # pytest reports the fixture's failure as an error
    assert re.search(r"\b1 (failed|error)\b", r.stdout) and "CI=true but torch cannot be imported" in r.stdout, r.stdout


def test_import_transposes_every_matrix_without_torch():
    """A state_dict written by hand (numpy arrays, every Linear weight transposed, in_proj packed
    [W_Qᵀ; W_Kᵀ; W_Vᵀ]) imports to the same parameters: a missing transpose of W_Q (square in
    torch's layout, so no shape check can see it) changes the values. Needs no torch."""
    from mathlib import train
    from mathlib import transformer as T
    c = T.Config(d_model=4, n_heads=2, d_k=2, d_v=2, d_ff=6, n_encoder_layers=1, n_decoder_layers=1,
                 vocab_size=7, max_len=8, final_norm=True)
    params = T.init_params(c, np.random.default_rng(3))
    sd, packed = {}, {}
    for path, a in train.named_arrays(params).items():
        name, block = interop.torch_name(path)
        value = a if a.ndim == 1 or path == "embedding" else a.T
        if block is None:
            sd[name] = value
        else:
            packed.setdefault(name, [None] * 3)[block] = value
    sd.update({name: np.concatenate(parts) for name, parts in packed.items()})
    W_Q = params.encoder_layers[0].self_attn.W_Q
    assert not np.array_equal(W_Q, W_Q.T)
    back = interop.from_torch_state_dict(sd, c)
    for path, a in train.named_arrays(params).items():
        assert np.array_equal(train.named_arrays(back)[path], a), path
