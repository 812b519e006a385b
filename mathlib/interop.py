"""Parameters to and from PyTorch: the state_dict names of `torch.nn.Transformer`.

torch is never a dependency of mathlib: it is imported inside the functions
that need it, so `import mathlib` stays numpy-only. The tests use this module
to load the *same* weights into mathlib and into PyTorch and compare every
layer.

The names are exactly those of

    torch.nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
                         dim_feedforward, dropout=0.0, batch_first=True, norm_first=False)

plus three that nn.Transformer does not have (it starts from vectors and
ends with vectors), named as an `nn.Embedding` and an `nn.Linear` would be:

    embedding.weight   (vocab_size, d_model)   mathlib: params.embedding
    generator.weight   (vocab_size, d_model)   mathlib: params.W_out.T
    generator.bias     (vocab_size,)           mathlib: params.b_out

Two layout differences, both handled here:

* torch's `nn.Linear` stores its weight as (out, in) and computes x Wᵀ + b;
  mathlib stores (in, out) and computes x W + b. Every matrix is transposed.
* torch packs the three input projections of an attention layer into one
  `in_proj_weight` of shape (3·d_model, d_model): the rows of W_Qᵀ, then
  W_Kᵀ, then W_Vᵀ (and `in_proj_bias` = [b_Q; b_K; b_V]). Head j uses rows
  j·d_k … (j+1)·d_k − 1 of each block, the same slicing as mathlib's
  `split_heads`.

torch's layout also fixes two things that mathlib leaves free, so exporting
checks them (ValueError otherwise): d_k = d_v = d_model / n_heads, because
torch's attention splits d_model itself into the heads; and
config.final_norm = True, because nn.Transformer always ends each stack with
one more layer norm (`encoder.norm`, `decoder.norm`). Embedding scaling by
√d_model and the positional encoding are computations, not parameters:
`torch_model` below adds them so its output equals `transformer.forward`.
"""
import numpy as np

from .attention import AttentionParams, check_attention_params
from .layers import FeedForwardParams, LayerNormParams
from .transformer import DecoderLayerParams, EncoderLayerParams, TransformerParams

EMBEDDING = "embedding.weight"
GENERATOR_WEIGHT = "generator.weight"
GENERATOR_BIAS = "generator.bias"


def check_torch_compatible(config):
    """Raise ValueError unless `config` fits torch.nn.Transformer's layout."""
    c = config
    if c.d_model % c.n_heads or c.d_k != c.d_model // c.n_heads or c.d_v != c.d_model // c.n_heads:
        raise ValueError(
            f"torch.nn.MultiheadAttention splits d_model into the heads, so it needs "
            f"d_k = d_v = d_model / n_heads; this config has d_model={c.d_model}, n_heads={c.n_heads}, "
            f"d_k={c.d_k}, d_v={c.d_v} (n_heads·d_k = {c.n_heads * c.d_k}, n_heads·d_v = {c.n_heads * c.d_v})")
    if not c.final_norm:
        raise ValueError(
            "torch.nn.Transformer always ends the encoder and the decoder with one more layer norm "
            "(encoder.norm, decoder.norm), which the paper's model has not; use a config with "
            "final_norm=True (e.g. dataclasses.replace(config, final_norm=True))")


def _tensor(a):
    import torch
    return torch.from_numpy(np.array(a, copy=True))  # a copy: the two sides never share memory


def _array(t, name):
    """A numpy copy of a tensor (or array) from a state_dict."""
    if hasattr(t, "detach"):
        t = t.detach().cpu().numpy()
    a = np.array(t, copy=True)
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"{name} must hold floating-point numbers, got dtype {a.dtype}")
    return a


def _take(sd, name, shape):
    if name not in sd:
        raise KeyError(f"the state_dict has no {name!r}")
    a = _array(sd[name], name)
    if a.shape != tuple(shape):
        raise ValueError(f"{name} has shape {a.shape}, but the config needs {tuple(shape)}")
    return a


# --- one attention layer -----------------------------------------------------

def attention_to_torch(p):
    """AttentionParams → {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"},
    the state_dict of a torch.nn.MultiheadAttention(d_model, n_heads)."""
    d_model = p.W_Q.shape[0]
    for name in ("W_Q", "W_K", "W_V"):
        W = getattr(p, name)
        if W.shape != (d_model, d_model):
            raise ValueError(f"{name} has shape {W.shape}; torch.nn.MultiheadAttention needs "
                             f"({d_model}, {d_model}), i.e. n_heads·d_k = d_model")
    return {
        "in_proj_weight": _tensor(np.concatenate([p.W_Q.T, p.W_K.T, p.W_V.T], axis=0)),  # (3·d_model, d_model)
        "in_proj_bias": _tensor(np.concatenate([p.b_Q, p.b_K, p.b_V])),
        "out_proj.weight": _tensor(p.W_O.T),
        "out_proj.bias": _tensor(p.b_O),
    }


def attention_from_torch(sd, d_model, prefix=""):
    """The inverse of attention_to_torch; keys are looked up as prefix + name."""
    W_in = _take(sd, prefix + "in_proj_weight", (3 * d_model, d_model))
    b_in = _take(sd, prefix + "in_proj_bias", (3 * d_model,))
    W_Q, W_K, W_V = (W_in[i * d_model:(i + 1) * d_model].T.copy() for i in range(3))
    b_Q, b_K, b_V = (b_in[i * d_model:(i + 1) * d_model].copy() for i in range(3))
    return AttentionParams(W_Q=W_Q, W_K=W_K, W_V=W_V,
                           W_O=_take(sd, prefix + "out_proj.weight", (d_model, d_model)).T.copy(),
                           b_Q=b_Q, b_K=b_K, b_V=b_V,
                           b_O=_take(sd, prefix + "out_proj.bias", (d_model,)))


# --- layers ------------------------------------------------------------------

def _ffn_to_torch(p):
    return {"linear1.weight": _tensor(p.W1.T), "linear1.bias": _tensor(p.b1),
            "linear2.weight": _tensor(p.W2.T), "linear2.bias": _tensor(p.b2)}


def _ffn_from_torch(sd, d_model, d_ff, prefix):
    return FeedForwardParams(W1=_take(sd, prefix + "linear1.weight", (d_ff, d_model)).T.copy(),
                             b1=_take(sd, prefix + "linear1.bias", (d_ff,)),
                             W2=_take(sd, prefix + "linear2.weight", (d_model, d_ff)).T.copy(),
                             b2=_take(sd, prefix + "linear2.bias", (d_model,)))


def _norm_to_torch(p, name):
    return {f"{name}.weight": _tensor(p.gamma), f"{name}.bias": _tensor(p.beta)}


def _norm_from_torch(sd, d_model, name):
    return LayerNormParams(gamma=_take(sd, f"{name}.weight", (d_model,)),
                           beta=_take(sd, f"{name}.bias", (d_model,)))


def _prefixed(prefix, d):
    return {prefix + k: v for k, v in d.items()}


def encoder_layer_to_torch(p):
    """EncoderLayerParams → the state_dict of one torch.nn.TransformerEncoderLayer."""
    return {**_prefixed("self_attn.", attention_to_torch(p.self_attn)), **_ffn_to_torch(p.ffn),
            **_norm_to_torch(p.norm1, "norm1"), **_norm_to_torch(p.norm2, "norm2")}


def encoder_layer_from_torch(sd, d_model, d_ff, prefix=""):
    """The inverse of encoder_layer_to_torch; keys are looked up as prefix + name."""
    return EncoderLayerParams(self_attn=attention_from_torch(sd, d_model, prefix + "self_attn."),
                              norm1=_norm_from_torch(sd, d_model, prefix + "norm1"),
                              ffn=_ffn_from_torch(sd, d_model, d_ff, prefix),
                              norm2=_norm_from_torch(sd, d_model, prefix + "norm2"))


def decoder_layer_to_torch(p):
    """DecoderLayerParams → the state_dict of one torch.nn.TransformerDecoderLayer
    (torch calls the cross-attention `multihead_attn`)."""
    return {**_prefixed("self_attn.", attention_to_torch(p.self_attn)),
            **_prefixed("multihead_attn.", attention_to_torch(p.cross_attn)), **_ffn_to_torch(p.ffn),
            **_norm_to_torch(p.norm1, "norm1"), **_norm_to_torch(p.norm2, "norm2"),
            **_norm_to_torch(p.norm3, "norm3")}


def decoder_layer_from_torch(sd, d_model, d_ff, prefix=""):
    """The inverse of decoder_layer_to_torch; keys are looked up as prefix + name."""
    return DecoderLayerParams(self_attn=attention_from_torch(sd, d_model, prefix + "self_attn."),
                              norm1=_norm_from_torch(sd, d_model, prefix + "norm1"),
                              cross_attn=attention_from_torch(sd, d_model, prefix + "multihead_attn."),
                              norm2=_norm_from_torch(sd, d_model, prefix + "norm2"),
                              ffn=_ffn_from_torch(sd, d_model, d_ff, prefix),
                              norm3=_norm_from_torch(sd, d_model, prefix + "norm3"))


# --- the whole model ---------------------------------------------------------

def to_torch_state_dict(params, config):
    """TransformerParams → {name: torch.Tensor} with nn.Transformer's names plus
    embedding.weight, generator.weight and generator.bias (see the module docstring).

    Tensors keep the parameters' dtype and are copies. Load them into
    `torch_model(config)` directly, or into a plain nn.Transformer after
    dropping the three extra names.
    """
    check_torch_compatible(config)
    c = config
    if len(params.encoder_layers) != c.n_encoder_layers or len(params.decoder_layers) != c.n_decoder_layers:
        raise ValueError(f"params have {len(params.encoder_layers)} + {len(params.decoder_layers)} layers, "
                         f"config says {c.n_encoder_layers} + {c.n_decoder_layers}")
    if params.encoder_norm is None or params.decoder_norm is None:
        raise ValueError("params have no encoder_norm/decoder_norm, which torch.nn.Transformer always has; "
                         "draw them with a config that has final_norm=True")
    for p in params.encoder_layers:
        check_attention_params(p.self_attn, c.n_heads)
    for p in params.decoder_layers:
        check_attention_params(p.self_attn, c.n_heads)
        check_attention_params(p.cross_attn, c.n_heads)
    sd = {}
    for i, p in enumerate(params.encoder_layers):
        sd.update(_prefixed(f"encoder.layers.{i}.", encoder_layer_to_torch(p)))
    sd.update(_norm_to_torch(params.encoder_norm, "encoder.norm"))
    for i, p in enumerate(params.decoder_layers):
        sd.update(_prefixed(f"decoder.layers.{i}.", decoder_layer_to_torch(p)))
    sd.update(_norm_to_torch(params.decoder_norm, "decoder.norm"))
    sd[EMBEDDING] = _tensor(params.embedding)
    sd[GENERATOR_WEIGHT] = _tensor(params.W_out.T)
    sd[GENERATOR_BIAS] = _tensor(params.b_out)
    return sd


def from_torch_state_dict(state_dict, config):
    """{name: tensor or array} (the names of to_torch_state_dict) → TransformerParams (numpy copies).

    Arrays keep the tensors' floating dtype. Raises KeyError for a missing
    name, ValueError for a wrong shape or for names that the config has no
    place for (e.g. a seventh layer when config says six).
    """
    check_torch_compatible(config)
    c = config
    sd = dict(state_dict)
    missing_extra = [k for k in (EMBEDDING, GENERATOR_WEIGHT, GENERATOR_BIAS) if k not in sd]
    if missing_extra:
        raise KeyError(f"the state_dict has no {', '.join(missing_extra)}: torch.nn.Transformer itself has no "
                       f"embedding or output layer; add them under these names (an nn.Embedding(vocab_size, "
                       f"d_model) and an nn.Linear(d_model, vocab_size)), e.g. with mathlib.interop.torch_model")
    params = TransformerParams(
        embedding=_take(sd, EMBEDDING, (c.vocab_size, c.d_model)),
        encoder_layers=[encoder_layer_from_torch(sd, c.d_model, c.d_ff, f"encoder.layers.{i}.")
                        for i in range(c.n_encoder_layers)],
        decoder_layers=[decoder_layer_from_torch(sd, c.d_model, c.d_ff, f"decoder.layers.{i}.")
                        for i in range(c.n_decoder_layers)],
        W_out=_take(sd, GENERATOR_WEIGHT, (c.vocab_size, c.d_model)).T.copy(),
        b_out=_take(sd, GENERATOR_BIAS, (c.vocab_size,)),
        encoder_norm=_norm_from_torch(sd, c.d_model, "encoder.norm"),
        decoder_norm=_norm_from_torch(sd, c.d_model, "decoder.norm"))
    unused = sorted(set(sd) - set(to_torch_state_dict_names(config)))
    if unused:
        raise ValueError(f"the state_dict has names this config has no place for: {', '.join(unused[:8])}"
                         f"{' …' if len(unused) > 8 else ''}")
    return params


def to_torch_state_dict_names(config):
    """The names to_torch_state_dict produces for `config`, in order (no torch needed)."""
    c = config
    attn = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    ffn = ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    enc = [f"self_attn.{a}" for a in attn] + ffn + [f"norm{j}.{w}" for j in (1, 2) for w in ("weight", "bias")]
    dec = ([f"self_attn.{a}" for a in attn] + [f"multihead_attn.{a}" for a in attn] + ffn
           + [f"norm{j}.{w}" for j in (1, 2, 3) for w in ("weight", "bias")])
    names = [f"encoder.layers.{i}.{n}" for i in range(c.n_encoder_layers) for n in enc]
    names += ["encoder.norm.weight", "encoder.norm.bias"]
    names += [f"decoder.layers.{i}.{n}" for i in range(c.n_decoder_layers) for n in dec]
    names += ["decoder.norm.weight", "decoder.norm.bias", EMBEDDING, GENERATOR_WEIGHT, GENERATOR_BIAS]
    return names


def torch_model(config, params=None, dtype=None):
    """A torch.nn.Transformer subclass with `embedding` and `generator` (so its state_dict has
    exactly the names above), in eval mode, loaded with `params` if given.

    Its `forward_ids(src_ids, tgt_ids)` computes what `mathlib.transformer.forward`
    computes: embedding (· √d_model if config.scale_embeddings) + sinusoidal PE,
    padding masks from config.pad_id, the causal mask on the decoder, logits.
    dtype: a torch dtype (default: that of params, else torch.float64).
    """
    import math

    import torch
    from torch import nn

    from .positional import positional_encoding

    check_torch_compatible(config)
    c = config

    class TorchTransformer(nn.Transformer):
        def __init__(self):
            super().__init__(d_model=c.d_model, nhead=c.n_heads, num_encoder_layers=c.n_encoder_layers,
                             num_decoder_layers=c.n_decoder_layers, dim_feedforward=c.d_ff, dropout=0.0,
                             layer_norm_eps=c.eps, batch_first=True, norm_first=False)
            # torch's encoder would turn padded inputs into nested tensors in eval mode and
            # return zeros at padded positions; mathlib computes them like any other row.
            self.encoder.enable_nested_tensor = self.encoder.use_nested_tensor = False
            self.embedding = nn.Embedding(c.vocab_size, c.d_model)
            self.generator = nn.Linear(c.d_model, c.vocab_size)

        def embed_ids(self, ids):
            X = self.embedding(ids)
            if c.scale_embeddings:
                X = X * math.sqrt(c.d_model)
            pe = torch.from_numpy(positional_encoding(ids.shape[-1], c.d_model)).to(X.dtype)
            return X + pe

        def forward_ids(self, src_ids, tgt_ids):
            """src_ids (N, n), tgt_ids (N, m) int64 tensors → logits (N, m, vocab_size)."""
            m = tgt_ids.shape[-1]
            causal = torch.triu(torch.ones(m, m, dtype=torch.bool), diagonal=1)  # torch: True = NOT allowed
            Y = self(self.embed_ids(src_ids), self.embed_ids(tgt_ids), tgt_mask=causal,
                     src_key_padding_mask=src_ids == c.pad_id, tgt_key_padding_mask=tgt_ids == c.pad_id,
                     memory_key_padding_mask=src_ids == c.pad_id)
            return self.generator(Y)

    if dtype is None:
        dtype = torch.float64 if params is None else torch.from_numpy(np.zeros(0, params.embedding.dtype)).dtype
    model = TorchTransformer().to(dtype).eval()
    if params is not None:
        model.load_state_dict(to_torch_state_dict(params, config))
    return model
