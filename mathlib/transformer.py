"""The encoder-decoder Transformer of "Attention Is All You Need": post-LN, ReLU, no dropout.

    encoder layer:  X1 = LN(X + SelfAttn(X));        out = LN(X1 + FFN(X1))
    decoder layer:  Y1 = LN(Y + MaskedSelfAttn(Y));  Y2 = LN(Y1 + CrossAttn(Y1, memory))
                    out = LN(Y2 + FFN(Y2))
    model:          logits = decoder(target, encoder(source)) W_out + b_out

`memory` is the *final* encoder output; every decoder layer reads it with its
own cross-attention weights.
"""
import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_params, require_ndim, require_shape
from .attention import AttentionParams, causal_mask, multi_head_attention, padding_mask
from .embedding import embed
from .layers import FeedForwardParams, LayerNormParams, add_and_norm, feed_forward, layer_norm, linear
from .positional import positional_encoding


@dataclass(frozen=True)
class Config:
    """Sizes of the model. The paper's base model is Config.base(); the book's toy is mathlib.example.CONFIG.

    final_norm: torch.nn.Transformer ends both stacks with one more layer norm,
        which the paper's Figure 1 does not draw. False follows the paper;
        True matches torch (and the later pre-LN models, where it is needed).
    scale_embeddings: multiply looked-up embeddings by √d_model (paper §3.4).
    """
    d_model: int = 4
    n_heads: int = 2
    d_k: int = 3
    d_v: int = 3
    d_ff: int = 8
    n_encoder_layers: int = 6
    n_decoder_layers: int = 6
    vocab_size: int = 10
    max_len: int = 64
    eps: float = 1e-5
    final_norm: bool = False
    scale_embeddings: bool = True
    pad_id: int = 0

    def __post_init__(self):
        for name in ("d_model", "n_heads", "d_k", "d_v", "d_ff", "vocab_size", "max_len"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Config.{name} must be a positive integer, got {v!r}")
        for name in ("n_encoder_layers", "n_decoder_layers"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Config.{name} must be an integer >= 0, got {v!r}")
        if self.d_model % 2:
            raise ValueError(f"Config.d_model must be even for the sin/cos positional encoding, got {self.d_model}")
        if not self.eps > 0:
            raise ValueError(f"Config.eps must be positive, got {self.eps!r}")

    @classmethod
    def base(cls, vocab_size=37000, max_len=512):
        """The base model of the paper: d_model 512, 8 heads of 64, d_ff 2048, 6 + 6 layers."""
        return cls(d_model=512, n_heads=8, d_k=64, d_v=64, d_ff=2048, vocab_size=vocab_size, max_len=max_len)


@dataclass
class EncoderLayerParams:
    self_attn: AttentionParams
    norm1: LayerNormParams
    ffn: FeedForwardParams
    norm2: LayerNormParams


@dataclass
class DecoderLayerParams:
    self_attn: AttentionParams
    norm1: LayerNormParams
    cross_attn: AttentionParams
    norm2: LayerNormParams
    ffn: FeedForwardParams
    norm3: LayerNormParams


@dataclass
class TransformerParams:
    """embedding: (vocab_size, d_model), shared by source and target.
    W_out: (d_model, vocab_size), b_out: (vocab_size,) — the final linear layer.
    encoder_norm / decoder_norm: only when config.final_norm.
    """
    embedding: np.ndarray
    encoder_layers: list
    decoder_layers: list
    W_out: np.ndarray
    b_out: np.ndarray
    encoder_norm: LayerNormParams = None
    decoder_norm: LayerNormParams = None

    def __post_init__(self):
        arrays = TransformerParams.__new__(TransformerParams)   # check only the array fields
        vars(arrays).update(embedding=self.embedding, W_out=self.W_out, b_out=self.b_out)
        check_params(arrays)
        self.embedding, self.W_out, self.b_out = arrays.embedding, arrays.W_out, arrays.b_out


def cast_params(params, dtype):
    """A copy of `params` (any of the parameter dataclasses, or a list of them) with every
    array converted to `dtype`, e.g. np.float32 for the benchmark. None fields stay None."""
    if isinstance(params, np.ndarray):
        return params.astype(dtype)  # always a fresh, writable copy
    if isinstance(params, list):
        return [cast_params(p, dtype) for p in params]
    if params is None:
        return None
    if hasattr(params, "__dataclass_fields__"):
        return dataclasses.replace(params, **{k: cast_params(v, dtype) for k, v in vars(params).items()})
    raise TypeError(f"cast_params expects parameter dataclasses, lists or arrays, got {type(params).__name__}")


def _glorot(rng, n_in, n_out):
    limit = math.sqrt(6 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def init_attention(config, rng):
    c = config
    return AttentionParams(
        W_Q=_glorot(rng, c.d_model, c.n_heads * c.d_k), W_K=_glorot(rng, c.d_model, c.n_heads * c.d_k),
        W_V=_glorot(rng, c.d_model, c.n_heads * c.d_v), W_O=_glorot(rng, c.n_heads * c.d_v, c.d_model),
        b_Q=np.zeros(c.n_heads * c.d_k), b_K=np.zeros(c.n_heads * c.d_k),
        b_V=np.zeros(c.n_heads * c.d_v), b_O=np.zeros(c.d_model))


def init_feed_forward(config, rng):
    c = config
    return FeedForwardParams(W1=_glorot(rng, c.d_model, c.d_ff), b1=np.zeros(c.d_ff),
                             W2=_glorot(rng, c.d_ff, c.d_model), b2=np.zeros(c.d_model))


def init_layer_norm(config):
    return LayerNormParams(gamma=np.ones(config.d_model), beta=np.zeros(config.d_model))


def init_params(config, rng):
    """Draw every parameter once from `rng` (np.random.Generator): Glorot-uniform matrices,
    zero biases, layer norms at gamma = 1, beta = 0, embeddings N(0, 1/d_model)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    c = config
    enc = [EncoderLayerParams(init_attention(c, rng), init_layer_norm(c), init_feed_forward(c, rng),
                              init_layer_norm(c)) for _ in range(c.n_encoder_layers)]
    dec = [DecoderLayerParams(init_attention(c, rng), init_layer_norm(c), init_attention(c, rng),
                              init_layer_norm(c), init_feed_forward(c, rng), init_layer_norm(c))
           for _ in range(c.n_decoder_layers)]
    return TransformerParams(
        embedding=rng.normal(0, c.d_model ** -0.5, size=(c.vocab_size, c.d_model)),
        encoder_layers=enc, decoder_layers=dec,
        W_out=_glorot(rng, c.d_model, c.vocab_size), b_out=np.zeros(c.vocab_size),
        encoder_norm=init_layer_norm(c) if c.final_norm else None,
        decoder_norm=init_layer_norm(c) if c.final_norm else None)


def _ln(x, p, config):
    return layer_norm(x, p.gamma, p.beta, config.eps)


def _check_layer_input(name, X, config, layer=None):
    """X as a checked float array (..., n, d_model); the layer's attention weights must fit config."""
    X = as_float_array(name, X)
    require_ndim(name, X, 2, "(n, d_model)")
    if X.shape[-1] != config.d_model:
        raise ValueError(f"{name} has last dimension {X.shape[-1]} (shape {X.shape}) but config.d_model "
                         f"is {config.d_model}")
    for attn in ("self_attn", "cross_attn"):
        if layer is not None and hasattr(layer, attn):
            _check_attention_sizes(getattr(layer, attn), config, attn)
    return X


def _check_attention_sizes(p, config, name):
    """The weights of one attention layer must match config: n_heads·d_k columns in W_Q and W_K,
    n_heads·d_v in W_V, d_model rows (multi_head_attention itself checks only that they agree)."""
    c = config
    for W, want, what in ((p.W_Q, (c.d_model, c.n_heads * c.d_k), "n_heads·d_k"),
                          (p.W_K, (c.d_model, c.n_heads * c.d_k), "n_heads·d_k"),
                          (p.W_V, (c.d_model, c.n_heads * c.d_v), "n_heads·d_v"),
                          (p.W_O, (c.n_heads * c.d_v, c.d_model), "n_heads·d_v")):
        if np.shape(W) != want:
            label = [k for k, v in vars(p).items() if v is W][0]
            raise ValueError(f"{name}.{label} has shape {np.shape(W)} but config (d_model={c.d_model}, "
                             f"n_heads={c.n_heads}, d_k={c.d_k}, d_v={c.d_v}) needs {want} ({what} = "
                             f"{c.n_heads} · {c.d_k if 'd_k' in what else c.d_v})")


def encoder_layer(X, p, config, mask=None, return_weights=False):
    """One encoder block. X: (..., n, d_model) → (..., n, d_model).

    mask: bool (..., n, n) or (..., 1, n), True where a position may look (padding).
    With return_weights, also the self-attention weights (..., h, n, n).
    """
    X = _check_layer_input("X", X, config, p)
    attended, weights = multi_head_attention(X, X, p.self_attn, config.n_heads, mask, return_weights=True)
    X1 = add_and_norm(X, attended, p.norm1, config.eps)                    # residual + layer norm 1
    X2 = add_and_norm(X1, feed_forward(X1, p.ffn), p.norm2, config.eps)    # residual + layer norm 2
    return (X2, weights) if return_weights else X2


def decoder_layer(Y, memory, p, config, self_mask=None, memory_mask=None, return_weights=False):
    """One decoder block. Y: (..., m, d_model), memory (final encoder output): (..., n, d_model).

    self_mask: bool (..., m, m); None means the causal mask (position i sees 0..i);
    memory_mask: bool (..., m or 1, n), normally the source padding mask.
    Returns (..., m, d_model) and, if asked, {"self": (..., h, m, m), "cross": (..., h, m, n)}.
    """
    Y, memory = _check_layer_input("Y", Y, config, p), _check_layer_input("memory", memory, config)
    if self_mask is None:
        self_mask = causal_mask(Y.shape[-2])
    self_attended, w_self = multi_head_attention(Y, Y, p.self_attn, config.n_heads, self_mask, return_weights=True)
    Y1 = add_and_norm(Y, self_attended, p.norm1, config.eps)               # decoder input + masked self-attention
    cross_attended, w_cross = multi_head_attention(Y1, memory, p.cross_attn, config.n_heads, memory_mask,
                                                   return_weights=True)   # queries from Y1, keys/values from memory
    Y2 = add_and_norm(Y1, cross_attended, p.norm2, config.eps)             # Y1 + cross-attention
    Y3 = add_and_norm(Y2, feed_forward(Y2, p.ffn), p.norm3, config.eps)    # Y2 + feed-forward
    return (Y3, {"self": w_self, "cross": w_cross}) if return_weights else Y3


def encoder_stack(X, params, config, mask=None):
    """All encoder layers in turn (and the final norm if config.final_norm). X: (..., n, d_model)."""
    _check_final_norm(params.encoder_norm, "encoder_norm", config)
    for p in params.encoder_layers:
        X = encoder_layer(X, p, config, mask)
    if config.final_norm:
        X = _ln(X, params.encoder_norm, config)
    return X


def decoder_stack(Y, memory, params, config, self_mask=None, memory_mask=None):
    """All decoder layers, each reading the same final encoder output `memory`. Y: (..., m, d_model)."""
    _check_final_norm(params.decoder_norm, "decoder_norm", config)
    for p in params.decoder_layers:
        Y = decoder_layer(Y, memory, p, config, self_mask, memory_mask)
    if config.final_norm:
        Y = _ln(Y, params.decoder_norm, config)
    return Y


def _check_final_norm(norm, name, config):
    if config.final_norm and norm is None:
        raise ValueError(f"config.final_norm is True but params.{name} is None; draw the parameters with "
                         f"this config (init_params) or set final_norm=False")


def embed_with_positions(ids, params, config):
    """embedding(ids) (· √d_model if config.scale_embeddings) + PE. ids: (..., n) → (..., n, d_model)."""
    ids = np.asarray(ids)
    require_ndim("ids", ids, 1, "(n,)")
    n = ids.shape[-1]
    if n > config.max_len:
        raise ValueError(f"sequence of length {n} is longer than config.max_len={config.max_len}")
    X = embed(ids, params.embedding)
    if config.scale_embeddings:
        X = X * math.sqrt(config.d_model)
    return X + positional_encoding(n, config.d_model).astype(X.dtype)


def encode(src_ids, params, config):
    """Source ids (..., n) → memory (..., n, d_model), the final encoder output."""
    X = embed_with_positions(src_ids, params, config)
    return encoder_stack(X, params, config, padding_mask(src_ids, config.pad_id))


def decode(tgt_ids, memory, src_ids, params, config):
    """Decoder input ids (..., m) (SOS y1 … y(m−1)) and memory → logits (..., m, vocab_size)."""
    tgt_ids, src_ids = np.asarray(tgt_ids), np.asarray(src_ids)
    require_ndim("src_ids", src_ids, 1, "(n,)")
    if np.ndim(memory) < 2 or np.shape(memory)[-2] != src_ids.shape[-1]:
        raise ValueError(f"memory has shape {np.shape(memory)} but src_ids has shape {src_ids.shape}: "
                         f"memory must be (..., {src_ids.shape[-1]}, d_model), one row per source token")
    Y = embed_with_positions(tgt_ids, params, config)
    m = tgt_ids.shape[-1]
    self_mask = causal_mask(m) & padding_mask(tgt_ids, config.pad_id)
    Y = decoder_stack(Y, memory, params, config, self_mask, padding_mask(src_ids, config.pad_id))
    return output_logits(Y, params)


def output_logits(Y, params):
    """The final linear layer: Y (..., m, d_model) → logits (..., m, vocab_size)."""
    Y = as_float_array("Y", Y)
    if np.ndim(params.W_out) != 2 or Y.shape[-1] != params.W_out.shape[0]:
        raise ValueError(f"Y has shape {Y.shape} but W_out has shape {np.shape(params.W_out)}: "
                         f"need Y (..., m, d_model) and W_out (d_model, vocab_size)")
    require_shape("b_out", np.asarray(params.b_out), (params.W_out.shape[1],))
    return linear(Y, params.W_out, params.b_out)


def forward(src_ids, tgt_ids, params, config):
    """Logits (..., m, vocab_size) for source ids (..., n) and decoder input ids (..., m)."""
    return decode(tgt_ids, encode(src_ids, params, config), src_ids, params, config)


def count_parameters(params):
    """The number of numbers in a parameter object (a dataclass, list or array), counted from the arrays."""
    if params is None:
        return 0
    if isinstance(params, np.ndarray):
        return int(params.size)
    if isinstance(params, (list, tuple)):
        return sum(count_parameters(p) for p in params)
    if hasattr(params, "__dataclass_fields__"):
        return sum(count_parameters(v) for v in vars(params).values())
    raise TypeError(f"cannot count parameters of {type(params).__name__}")


def parameter_count(config):
    """Parameters per part, from the sizes alone (no arrays): a dict with
    'attention', 'feed_forward', 'layer_norm', 'encoder_layer', 'decoder_layer',
    'encoder', 'decoder', 'final_norms', 'stacks' (encoder + decoder + final norms),
    'embedding', 'output' and 'total'."""
    c = config
    attention = (c.d_model * c.n_heads * c.d_k * 2 + c.n_heads * c.d_k * 2      # W_Q, W_K and biases
                 + c.d_model * c.n_heads * c.d_v + c.n_heads * c.d_v           # W_V and bias
                 + c.n_heads * c.d_v * c.d_model + c.d_model)                  # W_O and bias
    feed_forward = c.d_model * c.d_ff + c.d_ff + c.d_ff * c.d_model + c.d_model
    norm = 2 * c.d_model
    enc_layer = attention + feed_forward + 2 * norm
    dec_layer = 2 * attention + feed_forward + 3 * norm
    counts = dict(attention=attention, feed_forward=feed_forward, layer_norm=norm,
                  encoder_layer=enc_layer, decoder_layer=dec_layer,
                  encoder=c.n_encoder_layers * enc_layer, decoder=c.n_decoder_layers * dec_layer,
                  final_norms=2 * norm if c.final_norm else 0,
                  embedding=c.vocab_size * c.d_model, output=c.d_model * c.vocab_size + c.vocab_size)
    counts["stacks"] = counts["encoder"] + counts["decoder"] + counts["final_norms"]
    counts["total"] = counts["stacks"] + counts["embedding"] + counts["output"]
    return counts
