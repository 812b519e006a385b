"""mathlib.example.previous_token_head: the head chapter 4 builds by hand.

On [E | PE] every token from the second on puts almost all its weight on the token
before it, and the head's output there is close to that token's word vector.
"""
import numpy as np
import pytest

from mathlib import example
from mathlib.attention import scaled_dot_product_attention
from mathlib.positional import positional_encoding
from mathlib.tokens import text_to_ids


def run(sentence, **kw):
    ids = text_to_ids(sentence, example.VOCAB)
    E = example.PARAMS.embedding[ids]
    X = np.concatenate([E, positional_encoding(len(ids), 4)], axis=1)
    W_Q, W_K, W_V = example.previous_token_head(**kw)
    out, A = scaled_dot_product_attention(X @ W_Q, X @ W_K, X @ W_V)
    return E, X, out, A


@pytest.mark.parametrize("sentence", ["hello world ! goodbye hello world",
                                      "goodbye world !", "hola mundo ! adios mundo !"])
def test_every_token_after_the_first_attends_to_its_predecessor(sentence):
    E, X, out, A = run(sentence)
    n = len(E)
    on_previous = A[np.arange(1, n), np.arange(n - 1)]
    assert (on_previous > 0.97).all(), on_previous
    np.testing.assert_allclose(out[1:], E[:-1], atol=0.06)       # the previous word, copied


def test_query_is_the_previous_position_and_the_score_is_scale_squared():
    _, X, _, _ = run("hello world ! goodbye hello world", scale=3.0)
    W_Q, W_K, _ = example.previous_token_head(scale=3.0)
    PE = positional_encoding(6, 4)
    np.testing.assert_allclose((X @ W_Q)[1:, :2], 3.0 * PE[:-1, :2], atol=1e-12)
    np.testing.assert_allclose((X @ W_K)[:, :2], 3.0 * PE[:, :2], atol=1e-12)
    np.testing.assert_allclose((X @ W_Q)[3] @ (X @ W_K)[2], 9.0)
    assert not (W_Q[:4].any() or W_K[:4].any())                  # the word is not read


def test_without_the_rotation_the_head_would_look_at_itself():
    _, X, _, _ = run("hello world ! goodbye")
    _, W_K, _ = example.previous_token_head()
    _, A = scaled_dot_product_attention(X @ W_K, X @ W_K, X)
    assert (A.argmax(axis=1) == np.arange(4)).all()


def test_shapes_read_only_and_bad_arguments():
    W_Q, W_K, W_V = example.previous_token_head(d_word=2, d_pos=6)
    assert W_Q.shape == W_K.shape == (8, 3) and W_V.shape == (8, 2)
    assert not any(a.flags.writeable for a in (W_Q, W_K, W_V))
    for kw in ({"d_pos": 3}, {"d_word": 0}, {"scale": 0}, {"scale": True}, {"d_word": 2.0}):
        with pytest.raises(ValueError):
            example.previous_token_head(**kw)
