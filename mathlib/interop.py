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
With config.tie_embeddings, generator.weight is exported equal to
embedding.weight (and the torch model shares one tensor between them).

Both directions go through one table of names (`torch_name`), applied to the
paths of mathlib's parameter walker; importing builds the parameters through
transformer.init_params, with a `draw` that reads the state_dict.
"""
import re

import numpy as np

from .attention import AttentionParams
from .params import DecoderLayerParams, EncoderLayerParams, init_layer, init_params, map_arrays

EMBEDDING = "embedding.weight"
GENERATOR_WEIGHT = "generator.weight"
GENERATOR_BIAS = "generator.bias"

_ATTENTION = {"W_Q": ("in_proj_weight", 0), "W_K": ("in_proj_weight", 1), "W_V": ("in_proj_weight", 2),
              "b_Q": ("in_proj_bias", 0), "b_K": ("in_proj_bias", 1), "b_V": ("in_proj_bias", 2),
              "W_O": ("out_proj.weight", None), "b_O": ("out_proj.bias", None)}
_OTHER = {"W1": "linear1.weight", "b1": "linear1.bias", "W2": "linear2.weight", "b2": "linear2.bias",
          "gamma": "weight", "beta": "bias", "embedding": EMBEDDING, "W_out": GENERATOR_WEIGHT,
          "b_out": GENERATOR_BIAS}


def torch_name(path):
    """The state_dict name of the mathlib parameter at `path`, and which third of the packed
    in_proj it is (0, 1, 2 for Q, K, V; None if not packed). Matrices are also transposed:
    "decoder_layers[1].cross_attn.W_K" → ("decoder.layers.1.multihead_attn.in_proj_weight", 1)."""
    *where, field = path.split(".")
    names = []
    for w in where:
        m = re.fullmatch(r"(encoder|decoder)_layers\[(\d+)\]", w)
        if m:
            names.append(f"{m[1]}.layers.{m[2]}")
        elif w in ("encoder_norm", "decoder_norm"):
            names.append(w.replace("_", "."))
        elif w != "ffn":                                     # self_attn, norm1, norm2, norm3
            names.append("multihead_attn" if w == "cross_attn" else w)
    name, block = _ATTENTION[field] if field in _ATTENTION else (_OTHER[field], None)
    return ".".join(names + [name]), block


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


# --- mathlib → torch -----------------------------------------------------------------------

def _export(tree):
    """{state_dict name: tensor} for every array of a parameter tree (copies; in_proj packed)."""
    import torch
    out, packed = {}, {}

    def put(path, a):
        name, block = torch_name(path)
        value = _transposed(path, a)                         # torch Linear stores (out, in)
        if block is None:
            out[name] = value
        else:
            packed.setdefault(name, [None] * 3)[block] = value
        return a
    map_arrays(put, tree)
    out.update({name: np.concatenate(parts) for name, parts in packed.items()})   # [Q; K; V]
    return {name: torch.from_numpy(np.array(v, copy=True)) for name, v in out.items()}


def attention_to_torch(p):
    """AttentionParams → the state_dict of a torch.nn.MultiheadAttention(d_model, n_heads)."""
    d_model = p.W_Q.shape[0]
    if any(W.shape != (d_model, d_model) for W in (p.W_Q, p.W_K, p.W_V)):
        raise ValueError(f"W_Q, W_K, W_V have shapes {p.W_Q.shape}, {p.W_K.shape}, {p.W_V.shape}; "
                         f"torch.nn.MultiheadAttention needs ({d_model}, {d_model}), i.e. n_heads·d_k = d_model")
    return _export(p)


def to_torch_state_dict(params):
    """TransformerParams → {name: torch.Tensor} with nn.Transformer's names plus
    embedding.weight, generator.weight and generator.bias (see the module docstring).

    Tensors keep the parameters' dtype and are copies. Load them into
    `torch_model(params.config)` directly, or into a plain nn.Transformer after
    dropping the three extra names.
    """
    check_torch_compatible(params.config)
    sd = _export(params)
    return {name: sd[name] for name in to_torch_state_dict_names(params.config)}


# --- torch → mathlib -----------------------------------------------------------------------

def _reader(state_dict, prefix=""):
    """A `draw` for init_params that reads each parameter from state_dict (numpy copies)."""
    def read(rng, path, shape):
        name, block = torch_name(path)
        name = prefix + name
        if name not in state_dict:
            raise KeyError(f"the state_dict has no {name!r}")
        t = state_dict[name]
        a = np.array(t.detach().cpu().numpy() if hasattr(t, "detach") else t, copy=True)
        if not np.issubdtype(a.dtype, np.floating):
            raise ValueError(f"{name} must hold floating-point numbers, got dtype {a.dtype}")
        rows = shape[::-1] if len(shape) == 2 and not path.endswith("embedding") else shape   # (out, in)
        want = (3 * rows[0], *rows[1:]) if block is not None else rows
        if a.shape != tuple(want):
            raise ValueError(f"{name} has shape {a.shape}, but the config needs {tuple(want)}")
        if block is not None:
            a = a[block * rows[0]:(block + 1) * rows[0]]
        return _transposed(path, a).copy()
    return read


def _transposed(path, a):
    """A matrix as the other side stores it: Linear weights are transposed, the embedding table is not."""
    return a.T if a.ndim == 2 and not path.endswith("embedding") else a


def attention_from_torch(state_dict, n_heads, prefix=""):
    """The inverse of attention_to_torch, for a torch.nn.MultiheadAttention with n_heads heads."""
    d_model = np.shape(state_dict[prefix + "in_proj_weight"])[1]
    read = _reader(state_dict, prefix)
    return AttentionParams(**{k: read(None, k, (d_model, d_model) if k[0] == "W" else (d_model,))
                              for k in _ATTENTION}, n_heads=n_heads)


def encoder_layer_from_torch(state_dict, config, prefix=""):
    """One torch.nn.TransformerEncoderLayer's state_dict → EncoderLayerParams for `config`."""
    return init_layer(EncoderLayerParams, config, None, _reader(state_dict, prefix))


def decoder_layer_from_torch(state_dict, config, prefix=""):
    """One torch.nn.TransformerDecoderLayer's state_dict → DecoderLayerParams for `config`."""
    return init_layer(DecoderLayerParams, config, None, _reader(state_dict, prefix))


def from_torch_state_dict(state_dict, config):
    """{name: tensor or array} (the names of to_torch_state_dict) → TransformerParams (numpy copies).

    Built by transformer.init_params with a `draw` that reads the state_dict.
    Arrays keep the tensors' floating dtype. Raises KeyError for a missing
    name, ValueError for a wrong shape or for names that the config has no
    place for (e.g. a seventh layer when config says six).
    """
    check_torch_compatible(config)
    sd = dict(state_dict)
    missing_extra = [k for k in (EMBEDDING, GENERATOR_WEIGHT, GENERATOR_BIAS) if k not in sd]
    if missing_extra:
        raise KeyError(f"the state_dict has no {', '.join(missing_extra)}: torch.nn.Transformer itself has no "
                       f"embedding or output layer; add them under these names (an nn.Embedding(vocab_size, "
                       f"d_model) and an nn.Linear(d_model, vocab_size)), e.g. with mathlib.interop.torch_model")
    unused = sorted(set(sd) - set(to_torch_state_dict_names(config)))
    if unused:
        raise ValueError(f"the state_dict has names this config has no place for: {', '.join(unused[:8])}"
                         f"{' …' if len(unused) > 8 else ''}")
    read = _reader(sd)
    params = init_params(config, None, draw=read)
    if config.tie_embeddings and not np.array_equal(read(None, "W_out", params.W_out.shape), params.W_out):
        raise ValueError("config.tie_embeddings is True but generator.weight differs from embedding.weight")
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
            if c.tie_embeddings:
                self.generator.weight = self.embedding.weight          # one tensor, used twice

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
        model.load_state_dict(to_torch_state_dict(params))
    return model
