"""Token embeddings: one-hot vectors, and the lookup that equals one-hot × matrix."""
import numpy as np

from ._checks import as_float_array, require_ndim


def _check_ids(ids, vocab_size):
    ids = np.asarray(ids)
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"ids must lie in 0..{vocab_size - 1} (vocab_size {vocab_size}), got {ids.min()}..{ids.max()}")
    return ids


def one_hot(ids, vocab_size):
    """ids: (...,) ints → (..., vocab_size) with a single 1 per row at the token's id."""
    ids = _check_ids(ids, vocab_size)
    return (ids[..., None] == np.arange(vocab_size)).astype(np.float64)


def embed(ids, table):
    """Row lookup: ids (...,) into table (vocab_size, d_model) → (..., d_model).

    The same as one_hot(ids, vocab_size) @ table, without the multiplications:
    the neuron view is a layer of vocab_size inputs with exactly one input on.
    """
    table = as_float_array("table", table)
    require_ndim("table", table, 2, "(vocab_size, d_model)")
    ids = _check_ids(ids, table.shape[0])
    return table[ids]
