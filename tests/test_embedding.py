"""mathlib.embedding: one-hot vectors and the lookup that equals one-hot × matrix."""
import numpy as np
import pytest

from mathlib.embedding import embed, one_hot
from mathlib.example import EMBEDDINGS

TABLE = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])


def test_one_hot_by_hand():
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


def test_embedding_is_a_row_lookup():
    # rows 2, 0, 2 of the table
    assert embed(np.array([2, 0, 2]), TABLE).tolist() == [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]


def test_lookup_equals_one_hot_times_the_table():
    ids = np.array([[3, 4], [9, 0]])
    np.testing.assert_array_equal(embed(ids, EMBEDDINGS), one_hot(ids, 10) @ EMBEDDINGS)
    # "hello" and "world" are the hand-picked vectors of the book
    assert embed(np.array([3, 4]), EMBEDDINGS).tolist() == [[1, 1, 0, -1], [-1, 1, 1, 0]]   # hello, world


def test_embed_keeps_the_table_dtype():
    assert embed(np.array([1]), TABLE.astype(np.float32)).dtype == np.float32
    assert embed(np.array([1]), TABLE).dtype == np.float64


@pytest.mark.parametrize("ids", [np.array([3]), np.array([-1]), np.array([0.0, 1.0]), np.array([True])])
def test_bad_ids_are_rejected(ids):
    with pytest.raises(ValueError, match="ids"):
        embed(ids, TABLE)
