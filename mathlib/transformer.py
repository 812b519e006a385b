"""The encoder-decoder Transformer of "Attention Is All You Need": post-LN, ReLU.

    encoder layer:  X1 = LN(X + SelfAttn(X));        out = LN(X1 + FFN(X1))
    decoder layer:  Y1 = LN(Y + MaskedSelfAttn(Y));  Y2 = LN(Y1 + CrossAttn(Y1, memory))
                    out = LN(Y2 + FFN(Y2))
    model:          logits = decoder(target, encoder(source)) W_out + b_out

`memory` is the *final* encoder output; every decoder layer reads it with its
own cross-attention weights. The parameters and their Config live in
mathlib.params (re-exported here); they are checked once, when built. Token
ids are checked where they enter (embed_with_positions, encode, decode,
forward); the layers and stacks in between do the math only. `cache` is for
training (mathlib.grad.forward): each layer adds what backprop reads to it,
and dropout runs on the embeddings and on every sub-layer's output.
"""
import math

from . import _checks
from .attention import causal_mask, multi_head_attention, padding_mask
from .embedding import embed
from .layers import add_and_norm, dropout, feed_forward, layer_norm, linear, record
from .params import (Config, DecoderLayerParams, EncoderLayerParams, TransformerParams,  # noqa: F401
                     cast_params, count_parameters, glorot, init_layer, init_params, map_arrays,
                     parameter_counts)
from .positional import positional_encoding


def encoder_layer(X, p, mask=None, cache=None):
    """One encoder block: X1 = LN(X + SelfAttn(X)), then LN(X1 + FFN(X1)).

    X: (..., n, d_model); p: EncoderLayerParams; mask: bool (..., n, n) or
    (..., 1, n), True where a position may look (e.g. not at padding).
    Returns the output (..., n, d_model) and the weights (..., h, n, n).
    """
    attended, weights = multi_head_attention(X, X, p.self_attn, mask,
                                             cache)
    X1 = add_and_norm(X, attended, p.norm1, cache)          # sub-layer 1
    hidden_out = feed_forward(X1, p.ffn, cache)
    X2 = add_and_norm(X1, hidden_out, p.norm2, cache)       # sub-layer 2
    return X2, weights


def decoder_layer(Y, memory, p, self_mask=None, memory_mask=None,
                  cache=None):
    """One decoder block: three sub-layers, each with residual and norm.

    Y: (..., m, d_model) the decoder input; memory: (..., n, d_model), the
    final encoder output. self_mask: bool (..., m, m), None = causal
    (position i sees 0..i); memory_mask: bool (..., m or 1, n), e.g. the
    source padding. Returns the output (..., m, d_model), the
    self-attention weights (..., h, m, m) and the cross-attention
    weights (..., h, m, n).
    """
    if self_mask is None:
        self_mask = causal_mask(Y.shape[-2])
    attended, self_w = multi_head_attention(Y, Y, p.self_attn, self_mask,
                                            cache)
    Y1 = add_and_norm(Y, attended, p.norm1, cache)  # Y + masked self-attn
    read, cross_w = multi_head_attention(           # Q from Y1, K, V from
        Y1, memory, p.cross_attn, memory_mask, cache)   # the memory
    Y2 = add_and_norm(Y1, read, p.norm2, cache)     # Y1 + cross-attention
    hidden_out = feed_forward(Y2, p.ffn, cache)
    Y3 = add_and_norm(Y2, hidden_out, p.norm3, cache)   # Y2 + FFN
    return Y3, self_w, cross_w


def encoder_stack(X, params, mask=None, cache=None):
    """All encoder layers in turn (and the final norm if config.final_norm). X: (..., n, d_model)."""
    for p in params.encoder_layers:
        X, _ = encoder_layer(X, p, mask, cache)
    record(cache, X)
    if params.config.final_norm:
        n = params.encoder_norm
        X = layer_norm(X, n.gamma, n.beta, n.eps)
    return X


def decoder_stack(Y, memory, params, self_mask=None, memory_mask=None, cache=None):
    """All decoder layers, each reading the same final encoder output `memory`. Y: (..., m, d_model)."""
    for p in params.decoder_layers:
        Y, _, _ = decoder_layer(Y, memory, p, self_mask, memory_mask, cache)
    record(cache, Y)
    if params.config.final_norm:
        n = params.decoder_norm
        Y = layer_norm(Y, n.gamma, n.beta, n.eps)
    return Y


def embed_with_positions(ids, params):
    """embedding(ids), times √d_model if config.scale_embeddings, plus PE.

    ids: (..., n) token ids → (..., n, d_model).
    """
    c = params.config
    X = embed(ids, params.embedding)
    if c.scale_embeddings:
        X = X * math.sqrt(c.d_model)
    PE = positional_encoding(ids.shape[-1], c.d_model)   # (n, d_model)
    return X + PE.astype(X.dtype)


def encode(src_ids, params, cache=None):
    """Source ids (..., n) → memory (..., n, d_model), the final encoder output; padding is hidden."""
    X = dropout(embed_with_positions(src_ids, params), cache)
    mask = padding_mask(src_ids, params.config.pad_id)
    return encoder_stack(X, params, mask, cache)


def decode(tgt_ids, memory, params, memory_mask=None, cache=None):
    """Decoder input ids (..., m) (<sos> y1 … y(m−1)) and memory (..., n, d_model) → logits (..., m, vocab_size).

    The self-attention is causal and skips target padding; memory_mask (bool, (..., 1 or m, n)) hides
    memory positions, normally the source padding: padding_mask(src_ids, pad_id). None hides none.
    """
    Y = dropout(embed_with_positions(tgt_ids, params), cache)
    self_mask = causal_mask(tgt_ids.shape[-1]) & padding_mask(tgt_ids, params.config.pad_id)
    Y = decoder_stack(Y, memory, params, self_mask, memory_mask, cache)
    return output_logits(Y, params)


def output_logits(Y, params):
    """The final linear layer: Y (..., m, d_model) → logits (..., m, vocab_size)."""
    return linear(Y, params.W_out, params.b_out)


def forward(src_ids, tgt_ids, params, cache=None):
    """Logits (..., m, vocab_size) for source ids (..., n) and decoder input ids (..., m).

    >>> import numpy as np
    >>> from mathlib import example
    >>> forward(np.array([3, 4]), np.array([1, 6, 7]), example.PARAMS).shape
    (3, 10)
    """
    memory = encode(src_ids, params, cache)
    memory_mask = padding_mask(src_ids, params.config.pad_id)
    return decode(tgt_ids, memory, params, memory_mask, cache)


# --- the doors: ids checked where they enter (mathlib/_checks.py) ---------------------------

def _embed_args(ids, params):
    return _checks.model_ids("ids", ids, params), params


def _encode_args(src_ids, params, cache):
    return _checks.source_ids(src_ids, params), params, cache


def _decode_args(tgt_ids, memory, params, memory_mask, cache):
    tgt_ids = _checks.target_ids(tgt_ids, params)
    memory = _checks.float_array("memory", memory)
    _checks.ndim_at_least("memory", memory, 2, "(n, d_model)")
    _checks.last_dim("memory", memory, params.config.d_model, "config.d_model")
    lead = _checks.batch(["tgt_ids", "memory"], [tgt_ids, memory], [1, 2])
    if memory_mask is not None:
        memory_mask = _checks.mask(memory_mask, tgt_ids.shape[-1], memory.shape[-2], lead, name="memory_mask")
    return tgt_ids, memory, params, memory_mask, cache


def _forward_args(src_ids, tgt_ids, params, cache):
    return (*_checks.model_inputs(src_ids, tgt_ids, params), params, cache)


embed_with_positions = _checks.checked(embed_with_positions, _embed_args, result=False)
encode = _checks.checked(encode, _encode_args)
decode = _checks.checked(decode, _decode_args)
forward = _checks.checked(forward, _forward_args)
