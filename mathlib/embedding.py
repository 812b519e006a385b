"""Token embeddings: one-hot vectors, and the lookup that equals one-hot × matrix.

mathlib checks what you hand it at the door (the bottom of this file,
mathlib/_checks.py); inside the model the lookup runs as shown.
"""
import numpy as np

from . import _checks


def one_hot(ids, vocab_size):
    """ids: (...,) ints → (..., vocab_size) with a single 1 per row at the token's id.

    >>> one_hot(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    return (ids[..., None] == np.arange(vocab_size)).astype(np.float64)


def embed(ids, table):
    """Row lookup: ids (...,) in table (vocab, d_model) → (..., d_model).

    The same as one_hot(ids, vocab_size) @ table, without multiplying: the
    neuron view is a layer of vocab_size inputs with exactly one input on.
    """
    return table[ids]


# --- the doors ------------------------------------------------------------------------------

def _one_hot_args(ids, vocab_size):
    vocab_size = _checks.positive_int("vocab_size", vocab_size)
    return _checks.token_ids("ids", ids, vocab_size), vocab_size


def _embed_args(ids, table):
    table = _checks.float_array("table", table)
    _checks.ndim_at_least("table", table, 2, "(vocab_size, d_model)")
    return _checks.token_ids("ids", ids, table.shape[0]), table


one_hot = _checks.checked(one_hot, _one_hot_args, result=False)
embed = _checks.checked(embed, _embed_args, result=False)
