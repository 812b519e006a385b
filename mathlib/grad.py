"""Backpropagation written out: the gradient of every piece of the model.

Notation: for an array X of the forward pass, d_X is ∂loss/∂X, an array of
X's shape. A `*_backward` function takes the gradient of the loss with
respect to a piece's output and returns the gradients with respect to its
inputs and parameters: the chain rule, one line per step, no autograd.

* The primitives' backward passes take the arrays their forward saw
  (`linear_backward(d_y, x, W)`, `softmax_backward(d_y, y)`, ...).
* Training runs the model of chapters 3-9 itself: `forward` calls
  transformer.forward with a cache (a Tape), in which every layer records
  the arrays its backward pass reads and through which dropout runs. A
  layer's backward takes that layer's records (`*_backward(d_out, cache)`).
* `forward` and `backward` do the whole model. The gradients come back in
  the parameters' own dataclasses (a TransformerParams of gradients), so
  every parameter finds its gradient at the same place.

`numerical_gradient` (central finite differences, mathlib/gradcheck.py)
checks all of it.
"""
import math
from collections import namedtuple
from dataclasses import dataclass
from itertools import islice

import numpy as np

from . import _checks, transformer
from .attention import AttentionParams, merge_heads, split_heads
from .layers import EPS, FeedForwardParams, LayerNormParams, layer_norm
from .params import (DecoderLayerParams, EncoderLayerParams,
                     TransformerParams)
from .gradcheck import numerical_gradient, relative_error  # noqa: F401


def gradients(kind, **fields):
    """The gradients of a parameter dataclass, in that dataclass (kind:
    AttentionParams, ...), built without the checks that building parameters
    runs: they come from checked data, and in a training step those checks
    would cost as much as the backward pass's arithmetic."""
    g = object.__new__(kind)
    vars(g).update(fields)
    return g


# --- the primitives ------------------------------------------------------

def linear_backward(d_y, x, W):
    """y = x W + b.  d_y: (..., d_out)  x: (..., d_in)  W: (d_in, d_out).

    d_x = d_y Wᵀ                      (..., d_in)
    d_W = Σ over positions of xᵀ d_y  (d_in, d_out): W served them all
    d_b = Σ over positions of d_y     (d_out,)

    >>> d_x, d_W, d_b = linear_backward(np.array([1.0, 0, -1]),
    ...     np.array([1.0, 2]), np.array([[1.0, 0, 2], [0, 1, 3]]))
    >>> d_x.tolist(), d_W.tolist()
    ([-1.0, -3.0], [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]])
    """
    rows_x = x.reshape(-1, x.shape[-1])        # one row per position
    rows_dy = d_y.reshape(-1, d_y.shape[-1])
    d_x = (rows_dy @ W.T).reshape(x.shape)
    d_W = rows_x.T @ rows_dy
    d_b = rows_dy.sum(axis=0)
    return d_x, d_W, d_b


def relu_backward(d_y, x):
    """y = max(0, x): the gradient passes where x > 0, stops where x ≤ 0."""
    return d_y * (x > 0)


def softmax_backward(d_y, y, axis=-1):
    """y = softmax(x) along `axis`; y is the forward's output.

    ∂y_j/∂x_i = y_j (δ_ij − y_i), so d_x = y ⊙ (d_y − Σ_j d_y_j y_j).
    Where y is exactly 0 (a masked score), d_x is exactly 0.

    >>> y = np.array([0.5, 0.5])                       # softmax([0, 0])
    >>> softmax_backward(np.array([1.0, 0.0]), y).tolist()
    [0.25, -0.25]
    """
    return y * (d_y - (d_y * y).sum(axis=axis, keepdims=True))


def scaled_dot_product_attention_backward(d_out, Q, K, V, weights):
    """out = A V,  A = softmax(S),  S = Q Kᵀ / √d_k (−inf where masked).

    d_out: (..., n_q, d_v); Q: (..., n_q, d_k); K: (..., n_k, d_k);
    V: (..., n_k, d_v); weights A: (..., n_q, n_k) from the forward.
    Returns d_Q, d_K, d_V. A masked weight is exactly 0, so its score
    gets no gradient, and nothing flows to a key or value no one sees.
    """
    d_V = np.swapaxes(weights, -1, -2) @ d_out           # (..., n_k, d_v)
    d_A = d_out @ np.swapaxes(V, -1, -2)                 # (..., n_q, n_k)
    d_S = softmax_backward(d_A, weights) / math.sqrt(Q.shape[-1])
    d_Q = d_S @ K                                        # (..., n_q, d_k)
    d_K = np.swapaxes(d_S, -1, -2) @ Q                   # (..., n_k, d_k)
    return d_Q, d_K, d_V


def split_heads_backward(d_heads):
    """split_heads only moves numbers, so its backward moves them back:
    (..., h, n, d) → (..., n, h·d), which is merge_heads."""
    return merge_heads(d_heads)


def merge_heads_backward(d_concat, n_heads):
    """merge_heads moved back: (..., n, h·d) → (..., h, n, d), which is
    split_heads."""
    return split_heads(d_concat, n_heads)


def layer_norm_backward(d_y, x, gamma, eps=EPS):
    """y = x̂ · gamma + beta, x̂ = (x − mean) / σ, σ = √(var + eps).

    d_y, x: (..., d); gamma: (d,). With g = d_y · gamma (mean and var
    depend on every x_i, hence the two corrections):
    d_x = (g − mean(g) − x̂ · mean(g x̂)) / σ
    d_gamma = Σ over positions of d_y x̂;  d_beta = Σ of d_y.
    """
    centred = x - x.mean(axis=-1, keepdims=True)
    sigma = np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat = centred / sigma
    g = d_y * gamma
    d_x = (g - g.mean(axis=-1, keepdims=True)
           - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma
    positions = tuple(range(x.ndim - 1))
    return d_x, (d_y * x_hat).sum(axis=positions), d_y.sum(axis=positions)


def dropout(x, p, rng):
    """Inverted dropout, for training only: each entry is zeroed with
    probability p and the survivors are scaled by 1/(1 − p), so the
    expected value stays and inference needs no dropout at all.
    rng: np.random.Generator. Returns (x · keep, keep), keep = 0 or
    1/(1 − p) in x's dtype; (x, None) when p is 0 (nothing is drawn).
    """
    if p == 0:
        return x, None
    keep = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * keep, keep


def dropout_backward(d_y, keep):
    """y = x · keep, so d_x = d_y · keep: a dropped entry gets no
    gradient."""
    return d_y if keep is None else d_y * keep


def embedding_backward(d_X, ids, vocab_size, scale=1.0):
    """X = table[ids] · scale + PE.  d_X: (..., n, d_model)  ids: (..., n).

    Row v of the table was copied to every position holding token v, so
    its gradient is the sum over those positions (a scatter-add), times
    the scale (√d_model with config.scale_embeddings). PE has no
    parameters. Returns d_table: (vocab_size, d_model).

    >>> embedding_backward(np.array([[1.0, 2], [10, 20], [100, 200]]),
    ...                    np.array([3, 1, 3]), 4).tolist()
    [[0.0, 0.0], [10.0, 20.0], [0.0, 0.0], [101.0, 202.0]]
    """
    d = d_X.shape[-1]
    d_table = np.zeros((vocab_size, d), dtype=d_X.dtype)
    np.add.at(d_table, ids.reshape(-1), d_X.reshape(-1, d))   # adds repeats
    return d_table * scale if scale != 1 else d_table


# --- the layers' backward passes, reading what the forward recorded ----

class Tape(list):
    """The cache of one training forward pass: transformer.forward(...,
    cache=tape) runs the inference model, and each layer appends to the
    tape what its backward pass reads (mathlib.layers.record); dropout
    (rate p_drop, masks from rng) runs through tape.dropout."""

    def __init__(self, p_drop=0.0, rng=None):
        super().__init__()
        self.p_drop, self.rng = p_drop, rng

    def dropout(self, x):
        x, keep = dropout(x, self.p_drop, self.rng)
        self.append(keep)
        return x


# What each layer records, in the order it records it (S1, S2, S3 are the
# residual sums before each layer norm; keep* the dropout masks, None
# without dropout). A layer's cache starts with its parameters.
AttentionCache = namedtuple("AttentionCache",
                            "X_q X_kv p Q K V weights concat")
FeedForwardCache = namedtuple("FeedForwardCache", "x hidden active p")
EncoderLayerCache = namedtuple("EncoderLayerCache",
                               "p self_attn keep1 S1 ffn keep2 S2")
DecoderLayerCache = namedtuple(
    "DecoderLayerCache",
    "p self_attn keep1 S1 cross_attn keep2 S2 ffn keep3 S3")


def multi_head_attention_backward(d_out, cache):
    """d_out: (..., n_q, d_model) → d_X_q (..., n_q, d_model),
    d_X_kv (..., n_k, d_model) and an AttentionParams of gradients.
    In self-attention X_q is X_kv: its gradient is the sum of the two."""
    X_q, X_kv, p, Q, K, V, weights, concat = cache
    d_concat, d_W_O, d_b_O = linear_backward(d_out, concat, p.W_O)
    d_heads = merge_heads_backward(d_concat, p.n_heads)
    d_Q, d_K, d_V = scaled_dot_product_attention_backward(
        d_heads, Q, K, V, weights)
    d_X_q, d_W_Q, d_b_Q = linear_backward(
        split_heads_backward(d_Q), X_q, p.W_Q)
    d_X_k, d_W_K, d_b_K = linear_backward(
        split_heads_backward(d_K), X_kv, p.W_K)
    d_X_v, d_W_V, d_b_V = linear_backward(
        split_heads_backward(d_V), X_kv, p.W_V)
    grads = gradients(AttentionParams, W_Q=d_W_Q, W_K=d_W_K, W_V=d_W_V,
                      W_O=d_W_O, b_Q=d_b_Q, b_K=d_b_K, b_V=d_b_V,
                      b_O=d_b_O, n_heads=p.n_heads)
    return d_X_q, d_X_k + d_X_v, grads       # K and V both read X_kv: add


def feed_forward_backward(d_out, cache):
    """d_out: (..., n, d_model) → d_x (..., n, d_model) and a
    FeedForwardParams of gradients."""
    x, hidden, active, p = cache
    d_active, d_W2, d_b2 = linear_backward(d_out, active, p.W2)
    d_hidden = relu_backward(d_active, hidden)
    d_x, d_W1, d_b1 = linear_backward(d_hidden, x, p.W1)
    return d_x, gradients(FeedForwardParams, W1=d_W1, b1=d_b1, W2=d_W2,
                          b2=d_b2)


def _norm(S, norm):
    return layer_norm(S, norm.gamma, norm.beta, norm.eps)


def _norm_backward(d_y, S, norm):
    d_S, d_gamma, d_beta = layer_norm_backward(d_y, S, norm.gamma, norm.eps)
    return d_S, gradients(LayerNormParams, gamma=d_gamma, beta=d_beta,
                          eps=norm.eps)


def encoder_layer_backward(d_out, cache):
    """d_out: (..., n, d_model) → d_X (..., n, d_model) and an
    EncoderLayerParams of gradients.

    A residual sum hands its gradient unchanged to both terms, so each
    sub-layer's input collects the gradient through the shortcut plus the
    gradient through the sub-layer."""
    p, attn, keep1, S1, ffn, keep2, S2 = cache
    d_S2, g_norm2 = _norm_backward(d_out, S2, p.norm2)
    d_F = dropout_backward(d_S2, keep2)
    d_X1_ffn, g_ffn = feed_forward_backward(d_F, ffn)
    d_X1 = d_S2 + d_X1_ffn                             # S2 = X1 + FFN(X1)
    d_S1, g_norm1 = _norm_backward(d_X1, S1, p.norm1)
    d_A = dropout_backward(d_S1, keep1)
    d_X_q, d_X_kv, g_attn = multi_head_attention_backward(d_A, attn)
    d_X = d_S1 + d_X_q + d_X_kv                        # S1 = X + Attn(X, X)
    return d_X, gradients(EncoderLayerParams, self_attn=g_attn,
                          norm1=g_norm1, ffn=g_ffn, norm2=g_norm2)


def decoder_layer_backward(d_out, cache):
    """d_out: (..., m, d_model) → d_Y (..., m, d_model), d_memory
    (..., n, d_model), this layer's share (the memory's gradient is the
    sum over the decoder layers), and a DecoderLayerParams of gradients."""
    p, self_attn, keep1, S1, cross_attn, keep2, S2, ffn, keep3, S3 = cache
    d_S3, g_norm3 = _norm_backward(d_out, S3, p.norm3)
    d_F = dropout_backward(d_S3, keep3)
    d_Y2_ffn, g_ffn = feed_forward_backward(d_F, ffn)
    d_Y2 = d_S3 + d_Y2_ffn                             # S3 = Y2 + FFN(Y2)
    d_S2, g_norm2 = _norm_backward(d_Y2, S2, p.norm2)
    d_C = dropout_backward(d_S2, keep2)
    d_Y1_cross, d_memory, g_cross = multi_head_attention_backward(
        d_C, cross_attn)
    d_Y1 = d_S2 + d_Y1_cross                           # S2 = Y1 + Cross
    d_S1, g_norm1 = _norm_backward(d_Y1, S1, p.norm1)
    d_A = dropout_backward(d_S1, keep1)
    d_Y_q, d_Y_kv, g_self = multi_head_attention_backward(d_A, self_attn)
    d_Y = d_S1 + d_Y_q + d_Y_kv                        # S1 = Y + Attn(Y, Y)
    grads = gradients(DecoderLayerParams, self_attn=g_self, norm1=g_norm1,
                      cross_attn=g_cross, norm2=g_norm2, ffn=g_ffn,
                      norm3=g_norm3)
    return d_Y, d_memory, grads


# --- the whole model ----------------------------------------------------

@dataclass
class Cache:
    """What `backward` needs from `forward`: the ids, the parameters, the
    embeddings' dropout masks, every layer's cache, the stacks' outputs
    before their final norms, and the input Y of the output layer."""
    src_ids: np.ndarray
    tgt_ids: np.ndarray
    params: TransformerParams
    src_keep: np.ndarray
    encoder: list
    encoder_out: np.ndarray
    tgt_keep: np.ndarray
    decoder: list
    decoder_out: np.ndarray
    Y: np.ndarray


def forward(src_ids, tgt_ids, params, p_drop=0.0, rng=None):
    """transformer.forward for training: logits (..., m, vocab_size) and a
    Cache. src_ids: (..., n); tgt_ids: (..., m), <sos> y1 … y(m−1).

    p_drop: dropout on E + PE and on every sub-layer's output (the paper
    uses 0.1), masks drawn from rng (np.random.Generator). With p_drop 0
    the logits are those of transformer.forward: it is the same function.
    """
    tape = Tape(p_drop, rng)
    logits = transformer.forward(src_ids, tgt_ids, params, tape)
    records = iter(tape)                        # in the order they were made
    src_keep = next(records)
    encoder = [EncoderLayerCache(p, *islice(records, 6))
               for p in params.encoder_layers]
    encoder_out, tgt_keep = next(records), next(records)
    decoder = [DecoderLayerCache(p, *islice(records, 9))
               for p in params.decoder_layers]
    decoder_out = next(records)
    Y = decoder_out                             # the output layer's input
    if params.config.final_norm:
        Y = _norm(decoder_out, params.decoder_norm)
    return logits, Cache(src_ids, tgt_ids, params, src_keep, encoder,
                         encoder_out, tgt_keep, decoder, decoder_out, Y)


def backward(d_logits, cache):
    """d_logits: (..., m, vocab_size) → a TransformerParams holding the
    gradient of every parameter.

    The memory feeds every decoder layer's cross-attention, so its gradient
    is the sum over the decoder layers. Source and target share the
    embedding table, so its gradient is the sum of both lookups; with tied
    weights (W_out = embeddingᵀ) also of the output layer's.
    """
    params = cache.params
    c = params.config
    d_Y, d_W_out, d_b_out = linear_backward(d_logits, cache.Y, params.W_out)
    decoder_norm = encoder_norm = None
    if c.final_norm:
        d_Y, decoder_norm = _norm_backward(d_Y, cache.decoder_out,
                                           params.decoder_norm)
    d_memory, decoder = 0, []
    for layer_cache in reversed(cache.decoder):
        d_Y, d_mem, grads = decoder_layer_backward(d_Y, layer_cache)
        d_memory = d_memory + d_mem              # every layer reads memory
        decoder.insert(0, grads)
    scale = math.sqrt(c.d_model) if c.scale_embeddings else 1.0
    d_E_tgt = dropout_backward(d_Y, cache.tgt_keep)

    d_X = d_memory
    if c.final_norm:
        d_X, encoder_norm = _norm_backward(d_X, cache.encoder_out,
                                           params.encoder_norm)
    encoder = []
    for layer_cache in reversed(cache.encoder):
        d_X, grads = encoder_layer_backward(d_X, layer_cache)
        encoder.insert(0, grads)
    d_E_src = dropout_backward(d_X, cache.src_keep)

    V = c.vocab_size                              # one table, two lookups
    d_embedding = (embedding_backward(d_E_src, cache.src_ids, V, scale)
                   + embedding_backward(d_E_tgt, cache.tgt_ids, V, scale))
    if c.tie_embeddings:                              # and a third use:
        d_embedding = d_embedding + d_W_out.T         # W_out = embeddingᵀ
        d_W_out = d_embedding.T                       # one array, one grad
    return gradients(TransformerParams, config=c, embedding=d_embedding,
                     encoder_layers=encoder, decoder_layers=decoder,
                     W_out=d_W_out, b_out=d_b_out,
                     encoder_norm=encoder_norm, decoder_norm=decoder_norm)


# --- the door: grad.forward checks what it is given, once -----------------

def _forward_args(src_ids, tgt_ids, params, p_drop, rng):
    src_ids, tgt_ids = _checks.model_inputs(src_ids, tgt_ids, params)
    if (isinstance(p_drop, bool) or not isinstance(p_drop, (int, float))
            or not 0 <= p_drop < 1):
        raise ValueError(f"p_drop must be a number in [0, 1), "
                         f"got {p_drop!r}")
    if p_drop > 0 and not isinstance(rng, np.random.Generator):
        raise TypeError(f"p_drop={p_drop} needs rng, a np.random.Generator "
                        f"(e.g. np.random.default_rng(0)); got "
                        f"{type(rng).__name__}")
    return src_ids, tgt_ids, params, p_drop, rng


forward = _checks.checked(forward, _forward_args)
