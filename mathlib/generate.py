"""Generating a translation: greedy decoding, and sampling with temperature and top-k.

The encoder runs once on the source; the decoder re-runs on the growing
prefix <sos> y1 … yt with the same parameters and positional encodings at
every step, and the last position's logits choose y(t+1). Every argument is
checked at the bottom of this file before the encoder runs.
"""
from dataclasses import dataclass

import numpy as np

from . import _checks
from .attention import padding_mask, softmax
from .transformer import decode, encode


@dataclass
class Generation:
    """tokens: ids produced after <sos> (<eos> included if reached);
    probabilities: (steps, vocab_size), the distribution each token was drawn
    from (tempered and truncated when sampling); <pad> and <sos> have
    probability 0: they are never generated."""
    tokens: list
    probabilities: np.ndarray


def generate(src_ids, params, sos_id, eos_id, max_len, choose):
    """Translate one sentence token by token; choose(logits) returns the
    next id and the distribution it was drawn from.

    src_ids: (n,) source ids. Returns a Generation. The encoder runs once;
    the decoder re-runs on the prefix <sos> y1 … yt, and the last
    position's logits choose y(t+1), until <eos> or max_len tokens.
    """
    pad_id = params.config.pad_id
    memory = encode(src_ids, params)                   # once per sentence
    memory_mask = padding_mask(src_ids, pad_id)         # (1, n)
    prefix, probs = [sos_id], []
    for _ in range(max_len):
        logits = decode(np.array(prefix), memory, params, memory_mask)[-1]
        logits[[pad_id, sos_id]] = -np.inf        # no <pad>, no 2nd <sos>
        next_id, p = choose(logits)
        probs.append(p)
        prefix.append(next_id)
        if next_id == eos_id:
            break
    return Generation(tokens=prefix[1:], probabilities=np.array(probs))


def greedy_decode(src_ids, params, sos_id, eos_id, max_len=10):
    """The most probable token at each step, to <eos> or max_len."""
    def most_probable(logits):
        return int(np.argmax(logits)), softmax(logits)
    return generate(src_ids, params, sos_id, eos_id, max_len,
                    most_probable)


def sample_probabilities(logits, temperature=1.0, top_k=None):
    """softmax(logits / temperature) over the top_k largest logits; the others get 0.

    top_k keeps exactly k tokens: among equal logits, the lower token id.
    """
    z = logits / temperature
    if top_k is not None:
        best = np.argsort(-z, axis=-1, kind="stable")[..., :top_k]   # ties: lower id first
        keep = np.zeros(z.shape, dtype=bool)
        np.put_along_axis(keep, best, True, axis=-1)
        z = np.where(keep, z, -np.inf)
    return softmax(z)


def sample_decode(src_ids, params, sos_id, eos_id, rng, max_len=10, temperature=1.0, top_k=None):
    """Like greedy_decode, but draw each token with `rng` from sample_probabilities(logits, temperature, top_k)."""
    def draw(logits):
        p = sample_probabilities(logits, temperature, top_k)
        return int(rng.choice(len(p), p=p)), p
    return generate(src_ids, params, sos_id, eos_id, max_len, draw)


# --- the doors: every argument is checked before the encoder runs, so nothing is half done.

def _generate_args(src_ids, params, sos_id, eos_id, max_len, choose):
    src_ids = np.asarray(src_ids)
    if src_ids.ndim != 1:
        raise ValueError(f"src_ids must be one sentence (n,), got shape {src_ids.shape}")
    src_ids = _checks.source_ids(src_ids, params)
    c = params.config
    if _checks.positive_int("max_len", max_len) > c.max_len:
        raise ValueError(f"max_len={max_len} would feed the decoder {max_len} positions, more than "
                         f"config.max_len={c.max_len}")
    sos_id, eos_id = (int(_checks.token_ids(n, np.asarray(v), c.vocab_size)) for n, v in
                      (("sos_id", sos_id), ("eos_id", eos_id)))
    if len({c.pad_id, sos_id}) == c.vocab_size:
        raise ValueError("the vocabulary holds only <pad> and <sos>: there is no token to generate")
    return src_ids, params, sos_id, eos_id, max_len, choose


def _greedy_args(src_ids, params, sos_id, eos_id, max_len):
    return _generate_args(src_ids, params, sos_id, eos_id, max_len, None)[:-1]


def _sampling_args(logits, temperature, top_k):
    logits = _checks.softmax_input(logits)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < np.inf:
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer))
                              or not 1 <= top_k <= logits.shape[-1]):
        raise ValueError(f"top_k must be an integer in 1..{logits.shape[-1]}, got {top_k!r}")
    return logits, temperature, top_k


def _sample_decode_args(src_ids, params, sos_id, eos_id, rng, max_len, temperature, top_k):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    _sampling_args(np.zeros(_checks.model(params).config.vocab_size), temperature, top_k)
    src_ids, params, sos_id, eos_id, max_len = _greedy_args(src_ids, params, sos_id, eos_id, max_len)
    return src_ids, params, sos_id, eos_id, rng, max_len, temperature, top_k


generate = _checks.checked(generate, _generate_args, result=False)
greedy_decode = _checks.checked(greedy_decode, _greedy_args, result=False)
sample_probabilities = _checks.checked(sample_probabilities, _sampling_args, result=False)
sample_decode = _checks.checked(sample_decode, _sample_decode_args, result=False)
