"""Generating a translation: greedy decoding, and sampling with temperature and top-k.

The encoder runs once on the source; the decoder re-runs on the growing
prefix SOS y1 … yt with the same parameters and positional encodings at every
step, and the last position's logits choose y(t+1).
"""
from dataclasses import dataclass

import numpy as np

from .attention import softmax
from .transformer import decode, encode


@dataclass
class Generation:
    """tokens: ids produced after SOS (EOS included if reached);
    probabilities: (steps, vocab_size), the distribution each step chose from
    (<pad> and <sos> have probability 0: they are never generated)."""
    tokens: list
    probabilities: np.ndarray


def generate(src_ids, params, config, sos_id, eos_id, max_len, choose):
    """Translate one sentence token by token; `choose(logits, p)` picks each next id.

    src_ids: (n,) source ids. Returns a Generation. The encoder runs once; the
    decoder re-runs on the prefix SOS y1 … yt, and the last position's
    distribution chooses y(t+1), until EOS or max_len tokens.
    """
    src_ids = _check_generate(src_ids, config, sos_id, eos_id, max_len)
    memory = encode(src_ids, params, config)                     # once per sentence
    prefix, probs = [sos_id], []
    for _ in range(int(max_len)):
        logits = decode(np.array(prefix), memory, src_ids, params, config)[-1]   # last position
        logits[[config.pad_id, sos_id]] = -np.inf                # never generate padding or a second start
        p = softmax(logits)
        probs.append(p)
        next_id = choose(logits, p)
        prefix.append(next_id)
        if next_id == eos_id:
            break
    return Generation(tokens=prefix[1:], probabilities=np.array(probs))


def greedy_decode(src_ids, params, config, sos_id, eos_id, max_len=10):
    """Pick the most probable token at each step until EOS or max_len tokens."""
    return generate(src_ids, params, config, sos_id, eos_id, max_len,
                     lambda logits, p: int(np.argmax(logits)))


def sample_probabilities(logits, temperature=1.0, top_k=None):
    """softmax(logits / temperature), keeping only the top_k largest logits (others get 0)."""
    logits = np.asarray(logits, dtype=np.float64)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    z = logits / temperature
    if top_k is not None:
        if int(top_k) != top_k or not 1 <= top_k <= z.shape[-1]:
            raise ValueError(f"top_k must be an integer in 1..{z.shape[-1]}, got {top_k!r}")
        kth = np.sort(z, axis=-1)[..., -int(top_k)][..., None]
        z = np.where(z >= kth, z, -np.inf)
    return softmax(z)


def sample_decode(src_ids, params, config, sos_id, eos_id, rng, max_len=10, temperature=1.0, top_k=None):
    """Like greedy_decode, but draw each token from sample_probabilities with `rng`."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")

    def choose(logits, p):
        q = sample_probabilities(logits, temperature, top_k)
        return int(rng.choice(len(q), p=q))
    return generate(src_ids, params, config, sos_id, eos_id, max_len, choose)


def _check_generate(src_ids, config, sos_id, eos_id, max_len):
    """All arguments checked before the encoder runs: nothing is half done."""
    src_ids = np.asarray(src_ids)
    if src_ids.ndim != 1:
        raise ValueError(f"src_ids must be one sentence (n,), got shape {src_ids.shape}")
    if isinstance(max_len, bool) or int(max_len) != max_len or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    if max_len > config.max_len:
        raise ValueError(f"max_len={max_len} would feed the decoder {max_len} positions, more than "
                         f"config.max_len={config.max_len}")
    for name, v in (("sos_id", sos_id), ("eos_id", eos_id)):
        if isinstance(v, bool) or int(v) != v or not 0 <= v < config.vocab_size:
            raise ValueError(f"{name} must be a token id in 0..{config.vocab_size - 1}, got {v!r}")
    return src_ids
