"""Checks at the doors: what enters mathlib is checked once, where it enters.

A public function that takes data from a caller is a *door*: at the bottom of
its module, `f = checked(f, args_of_f)` makes `f(...)` check its arguments,
run the formula, and look once at the result, when the call comes from
outside mathlib. Called from inside another door (the layers inside the
stack, softmax inside attention), f runs its formula and nothing else: the
data were checked where they entered (encode, decode, forward) and the
parameters when they were built. So the formulas call each other by their
plain names, and one forward pass of the model checks the token ids and its
result once each, not every layer's input again. A check function takes
every argument of its formula, defaults filled in from the formula: each
default is written once, in the formula.

| problem                                          | example                                      | raised by            | error      |
|--------------------------------------------------|----------------------------------------------|----------------------|------------|
| an input holds NaN or ±inf                       | `linear(x, W)` with a NaN in x               | the door             | ValueError |
| a parameter holds NaN or ±inf                    | `AttentionParams(...)` with a NaN in W_O     | building parameters  | ValueError |
| a computation overflows: finite inputs, NaN/inf result | float32 activations near 3e38 in feed_forward | the door's result | ValueError |
| softmax over NaN, +inf, or a row that is all -inf | `softmax([0, nan])`                         | softmax              | ValueError |
| an array has too few dimensions                  | `multi_head_attention(x, x, p)`, x (4,)      | the door             | ValueError |
| last dimensions do not match (names both shapes) | X_q (2, 5) but W_Q (4, 6)                    | the door             | ValueError |
| leading (batch) dimensions do not broadcast      | X_q (2, 2, 4) with X_kv (3, 2, 4)            | the door             | ValueError |
| a parameter has the wrong shape                  | b1 (7,) for W1 (4, 8); W_Q (4, 6) for d_k 2  | building parameters  | ValueError |
| a mask is not boolean                            | a 0/1 float mask                             | the door             | ValueError |
| a mask has the wrong shape                       | (2, 3) for scores (..., 2, 2)                | the door             | ValueError |
| a mask hides every key of some query             | an all-False row; a source of only padding   | the door             | ValueError |
| n_heads does not divide W_Q / W_V, or n_heads·d_k, n_heads·d_v disagree with config | W_Q (4, 6), n_heads 4 | building parameters | ValueError |
| memory and memory_mask disagree                  | memory (3, 4) with memory_mask (1, 2)        | decode               | ValueError |
| a sequence is longer than config.max_len         | 17 ids for max_len 16; `greedy_decode(max_len=17)` | encode, decode, generate | ValueError |
| token ids are not integers in 0..vocab_size-1    | `embed([10], table of 10 rows)`              | the door             | ValueError |
| a Config size is not a positive integer, d_model odd, eps <= 0 | `Config(d_model=5)`, `Config(n_heads=2.0)` | Config | ValueError |
| final norms missing with config.final_norm (or given without it) | params built for final_norm=False | building parameters | ValueError |
| config.tie_embeddings but W_out is not embedding.T | a separately drawn W_out                   | building parameters  | ValueError |
| a config torch.nn.Transformer cannot hold (interop) | d_k != d_model / n_heads; final_norm=False | interop             | ValueError |
| a bad generation argument                        | max_len 0, sos_id 10, temperature 0, top_k 11 | generate, sampling  | ValueError |
| a token is not in the vocabulary (lists the vocabulary and the nearest known tokens) | `text_to_ids("helo", VOCAB)` | tokens | KeyError |
| an id outside the vocabulary when turning ids into text | `ids_to_text([10], VOCAB)`            | tokens               | KeyError   |

The doors: linear, softmax, layer_norm, feed_forward, scaled_dot_product_attention,
multi_head_attention, one_hot, embed, positional_encoding, embed_with_positions,
encode, decode, forward, grad.forward, cross_entropy, cross_entropy_backward,
generate, greedy_decode, sample_decode and sample_probabilities. The functions
between them (encoder_layer, decoder_layer, the stacks, add_and_norm,
output_logits, split_heads, merge_heads) trust their inputs. A function you
hand a door (generate's `choose`) runs inside it: what it calls is not checked. A failed call changes nothing: no input is written to, and generation
checks every argument before it runs the encoder. tests/test_bad_input.py has
a test per row.
"""
import dataclasses
import functools
import inspect

import numpy as np

_inside = 0     # how many doors the running call has come through (one thread at a time)


def checked(formula, check, result=True):
    """The door of `formula`. Called from outside mathlib: check(every argument, defaults
    filled in from the formula) raises ValueError or returns the arguments (converted
    where needed), the formula runs on them, and with `result` an array result (or a
    tuple of them) holding NaN or inf raises ValueError: some step overflowed. Called
    from inside a door: the formula alone. inspect.unwrap(door) is the formula."""
    signature = inspect.signature(formula)

    @functools.wraps(formula)
    def door(*args, **kwargs):
        global _inside
        if _inside:
            return formula(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        _inside += 1
        try:
            out = formula(*check(*bound.args))
        finally:
            _inside -= 1
        if result:
            for a in out if isinstance(out, tuple) else (out,):
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" and not finite(a):
                    raise ValueError(f"{formula.__name__} overflowed: its result holds NaN or inf although its "
                                     f"inputs are finite (shape {a.shape}, dtype {a.dtype})")
        return out
    return door


def finite(a):
    """True if no entry of the floating array `a` is NaN or ±inf.

    One BLAS pass: a·a is finite exactly when every entry is, unless it
    overflows, and only then (or when some entry is not finite) do we look
    entry by entry.
    """
    flat = a.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.dot(flat, flat)):
            return True
    return bool(np.isfinite(a).all())


def float_array(name, x):
    """x as a floating array (float32 stays float32; ints and bools become float64), checked finite."""
    a = np.asarray(x)
    if a.dtype.kind != "f":
        if a.dtype.kind not in "iub":  # complex, object, strings, dates …
            raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
        a = a.astype(np.float64)
    if a.size and not finite(a):
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {a.shape}")
    return a


def ndim_at_least(name, a, ndim, what):
    if a.ndim < ndim:
        raise ValueError(f"{name} must have at least {ndim} dimension(s) {what}, got shape {a.shape}")


def last_dim(name, a, size, source):
    """a.shape[-1] must be `size`, which `source` (a phrase naming the other array) needs."""
    if a.shape[-1] != size:
        raise ValueError(f"{name} has last dimension {a.shape[-1]} (shape {a.shape}) but {source} needs {size}")


def shape(name, a, want):
    if tuple(np.shape(a)) != tuple(want):
        raise ValueError(f"{name} must have shape {tuple(want)}, got {tuple(np.shape(a))}")


def batch(names, arrays, core_dims):
    """The broadcast shape of the leading (batch) dimensions of several arrays."""
    leads = [a.shape[:a.ndim - k] for a, k in zip(arrays, core_dims)]
    try:
        return np.broadcast_shapes(*leads)
    except ValueError:
        described = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"batch dimensions do not broadcast: {described}") from None


def positive_int(name, v, least=1):
    """v as an int, if it is an integer >= least (1: positive; bools are not integers here)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
        raise ValueError(f"{name} must be {'a positive integer' if least == 1 else f'an integer >= {least}'}, "
                         f"got {v!r}")
    return int(v)


def mask(m, n_q, n_k, lead, name="mask"):
    """A boolean mask broadcastable to (*lead, n_q, n_k) that leaves every query some key."""
    m = np.asarray(m)
    if m.dtype != bool:
        raise ValueError(f"{name} must be boolean (True = may attend), got dtype {m.dtype}")
    ndim_at_least(name, m, 2, "(n_q, n_k)")
    if m.shape[-2] not in (1, n_q) or m.shape[-1] != n_k:
        raise ValueError(f"{name} has shape {m.shape} but the scores have shape (..., {n_q}, {n_k})")
    try:
        np.broadcast_shapes(m.shape[:-2], lead)
    except ValueError:
        raise ValueError(f"{name} batch dimensions {m.shape[:-2]} do not broadcast with {lead}") from None
    if not m.any(axis=-1).all():
        raise ValueError(f"{name} hides every key from at least one query; that row has no attention")
    return m


def token_ids(name, ids, vocab_size, max_len=None):
    """Integer ids in 0..vocab_size-1; with max_len, (..., n) with 1 <= n <= max_len."""
    ids = np.asarray(ids)
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must be integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"{name} must lie in 0..{vocab_size - 1} (vocab_size {vocab_size}), "
                         f"got {ids.min()}..{ids.max()}")
    if max_len is not None:
        ndim_at_least(name, ids, 1, "(n,)")
        n = ids.shape[-1]
        if n == 0:
            raise ValueError(f"{name} is empty: a sequence needs at least one token")
        if n > max_len:
            raise ValueError(f"{name}: a sequence of length {n} is longer than config.max_len={max_len}")
    return ids


def parameters(p, matrices):
    """Called when a parameter dataclass is built: every array field becomes a real, finite
    floating array (integers → float64); the fields named in `matrices` must be 2-D."""
    for f in dataclasses.fields(p):
        if f.type is not np.ndarray:                # n_heads, eps
            continue
        value = getattr(p, f.name)
        a = float_array(f.name, value)
        if f.name in matrices and a.ndim != 2:
            raise ValueError(f"{f.name} must be a matrix (d_in, d_out), got shape {a.shape}")
        if a is not value:
            setattr(p, f.name, a)


def positive_number(name, v):
    """v, if it is a real number > 0 (layer norm's eps)."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or not v > 0:
        raise ValueError(f"{name} must be a positive number, got {v!r}")
    return v


def softmax_input(x, axis=-1):
    """x as a floating array whose every row along `axis` has a finite maximum
    (no NaN, no +inf, not every entry -inf: masked -inf scores are fine)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        if x.dtype.kind not in "iub":
            raise ValueError(f"x must be a real numeric array, got dtype {x.dtype}")
        x = x.astype(np.float64)
    m = x.max(axis=axis)       # a row's max is NaN if it holds a NaN, +inf if an +inf, -inf if nothing else
    if not np.isfinite(m).all():
        if np.isnan(m).any():
            raise ValueError(f"softmax input contains NaN; shape {x.shape}")
        if (m == np.inf).any():
            raise ValueError(f"softmax input contains +inf; shape {x.shape}")
        raise ValueError(f"softmax over a row that is entirely -inf (every position masked); shape {x.shape}")
    return x


# --- the model's doors: token ids and parameters (transformer, grad, generate) -------------

def model(params):
    """params, if it is a TransformerParams (checked against its config when it was built)."""
    from .params import TransformerParams
    if not isinstance(params, TransformerParams):
        raise ValueError(f"params must be TransformerParams (e.g. init_params(config, rng)), "
                         f"got {type(params).__name__}")
    return params


def model_ids(name, ids, params):
    """Token ids for the model: integers below vocab_size, 1 to config.max_len of them."""
    c = model(params).config
    return token_ids(name, ids, c.vocab_size, max_len=c.max_len)


def source_ids(src_ids, params):
    """Source ids for the encoder: not a sequence of only padding (its queries would see no key)."""
    src_ids = model_ids("src_ids", src_ids, params)
    if not (src_ids != params.config.pad_id).any(axis=-1).all():
        raise ValueError("src_ids: a sequence is only padding, so the mask hides every key from its queries")
    return src_ids


def target_ids(tgt_ids, params):
    """Decoder input ids: not starting with padding (position 0 would see no key)."""
    tgt_ids = model_ids("tgt_ids", tgt_ids, params)
    if (tgt_ids[..., 0] == params.config.pad_id).any():
        raise ValueError("tgt_ids: a sequence starts with padding, so the mask hides every key from position 0")
    return tgt_ids


def model_inputs(src_ids, tgt_ids, params):
    """Source and decoder input ids for forward, their batch dimensions broadcasting."""
    src_ids, tgt_ids = source_ids(src_ids, params), target_ids(tgt_ids, params)
    batch(["src_ids", "tgt_ids"], [src_ids, tgt_ids], [1, 1])
    return src_ids, tgt_ids
