"""mathlib.example: the running example's fixed numbers (facts 1, 2, 6)."""
import subprocess
import sys

import numpy as np
import pytest

import reference as ref
from mathlib import example, tokens
from mathlib import transformer as T
from mathlib.attention import multi_head_attention


def arrays_of(p):
    found = []
    T.map_arrays(lambda path, a: found.append((path, a)) or a, p)
    return found


def test_hello_and_world_with_their_positions():
    ids = tokens.text_to_ids(example.SOURCE, example.VOCAB)
    X = T.embed_with_positions(ids, example.PARAMS)
    # "Hello" + PE(0) = [1, 1, 0, -1] + [0, 1, 0, 1] = [1, 2, 0, 0]
    assert X[0].tolist() == [1.0, 2.0, 0.0, 0.0]
    # "World" + PE(1) = [-1, 1, 1, 0] + [sin 1, cos 1, sin 0.01, cos 0.01]   (pair index i: fact 1)
    #                 = [-1 + 0.841, 1 + 0.540, 1 + 0.010, 0 + 1.000] = [-0.159, 1.540, 1.010, 1.000]
    np.testing.assert_allclose(X[1], [-0.159, 1.540, 1.010, 1.000], atol=5e-4)


def test_the_toy_sizes():
    c = example.CONFIG
    assert (c.d_model, c.n_heads, c.d_k, c.d_v, c.d_ff, c.n_encoder_layers, c.n_decoder_layers, c.vocab_size) == \
        (4, 2, 3, 3, 8, 6, 6, 10)
    assert not c.scale_embeddings and not c.final_norm and not c.tie_embeddings
    assert example.PARAMS.config is c
    assert example.VOCAB[example.PAD] == "<pad>" and example.VOCAB[example.SOS] == "<sos>"
    assert example.VOCAB[example.EOS] == "<eos>"


def test_toy_values_are_the_seeds_draws_in_the_documented_order():
    """Re-draw the toy parameters here, straight from np.random.default_rng(SEED) in the order the
    preface describes (per layer: W_Q, W_K, W_V in {-1/2, 0, 1/2}, W_O in tenths, then W1, b1, W2, b2 in
    tenths; the decoder's self-attention, cross-attention, feed-forward; finally W_out), so a change
    of drawer, order or distribution, which would change every number of the book, fails here."""
    rng = np.random.default_rng(example.SEED)

    def ints(*shape):
        return rng.integers(-1, 2, size=shape) / 2

    def tenths(*shape):
        return np.round(rng.normal(0, 0.2, size=shape), 1)

    def attention():
        return [ints(4, 6), ints(4, 6), ints(4, 6), tenths(6, 4)]

    def ffn():
        return [tenths(4, 8), tenths(8), tenths(8, 4), tenths(4)]

    expected = []
    for _ in range(6):
        expected += [("self_attn", attention()), ("ffn", ffn())]
    for _ in range(6):
        expected += [("self_attn", attention()), ("cross_attn", attention()), ("ffn", ffn())]
    W_out = tenths(4, 10)
    layers = example.PARAMS.encoder_layers + example.PARAMS.decoder_layers
    got = [(name, getattr(layer, name)) for layer in layers for name in vars(layer) if "norm" not in name]
    assert [name for name, _ in got] == [name for name, _ in expected]
    for (_, part), (_, arrays) in zip(got, expected):
        fields = ("W_Q", "W_K", "W_V", "W_O") if hasattr(part, "W_Q") else ("W1", "b1", "W2", "b2")
        for field, want in zip(fields, arrays):
            assert np.array_equal(getattr(part, field), want), field
        if hasattr(part, "W_Q"):
            assert not (part.b_Q.any() or part.b_K.any() or part.b_V.any() or part.b_O.any())
    assert np.array_equal(example.PARAMS.W_out, W_out) and not example.PARAMS.b_out.any()
    assert np.array_equal(example.PARAMS.embedding, example.EMBEDDINGS)
    for layer in layers:
        for norm in (v for k, v in vars(layer).items() if "norm" in k):
            assert norm.gamma.tolist() == [1.0] * 4 and norm.beta.tolist() == [0.0] * 4


def test_another_seed_gives_other_weights_of_the_same_kind():
    other = example.example_params(seed=0)
    assert not np.array_equal(other.encoder_layers[0].self_attn.W_Q, example.PARAMS.encoder_layers[0].self_attn.W_Q)
    assert np.array_equal(other.embedding, example.EMBEDDINGS)


def test_attention_weights_are_halves():
    for layer in example.PARAMS.encoder_layers + example.PARAMS.decoder_layers:
        for part in (layer.self_attn, getattr(layer, "cross_attn", layer.self_attn)):
            for W in (part.W_Q, part.W_K, part.W_V):
                assert W.shape == (4, 6) and set(np.unique(W)) <= {-0.5, 0.0, 0.5}


def test_computing_does_not_change_the_parameters():
    before = [(path, a.copy()) for path, a in arrays_of(example.PARAMS)]
    X = T.embed_with_positions(np.array([3, 4]), example.PARAMS)
    first, _ = multi_head_attention(X, X, example.PARAMS.encoder_layers[0].self_attn)
    T.forward(np.array([3, 4]), np.array([1, 6, 7]), example.PARAMS)
    second, _ = multi_head_attention(X, X, example.PARAMS.encoder_layers[0].self_attn)
    assert np.array_equal(first, second)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(before, arrays_of(example.PARAMS)))


def test_every_parameter_array_is_read_only():
    found = arrays_of(example.PARAMS)
    assert len(found) == 6 * 16 + 6 * 26 + 3 and not any(a.flags.writeable for _, a in found)
    with pytest.raises(ValueError, match="read-only"):
        example.PARAMS.decoder_layers[5].ffn.b2[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        example.EMBEDDINGS[3, 0] = 9.0
    fresh = example.example_params()            # a new set: its own arrays, also read-only
    assert fresh is not example.PARAMS and not fresh.W_out.flags.writeable
    assert not np.shares_memory(fresh.W_out, example.PARAMS.W_out)


def test_hello_world_through_the_whole_model_equals_the_reference():
    src = tokens.text_to_ids(example.SOURCE, example.VOCAB)
    tgt = tokens.text_to_ids(["<sos>", "hola", "mundo"], example.VOCAB)
    logits = T.forward(src, tgt, example.PARAMS)
    np.testing.assert_allclose(logits, ref.model_logits(src, tgt, example.PARAMS, scale=False), atol=1e-12)


def test_params_are_built_on_first_use_not_on_import():
    code = ("import mathlib, sys; e = sys.modules['mathlib.example']; print('PARAMS' in vars(e)); "
            "p = e.PARAMS; print('PARAMS' in vars(e), p is e.PARAMS)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "True"]


def test_with_embedding_changes_one_row_of_a_copy():
    mine = example.with_embedding("world", [0.5, 0, 0, 0.5])
    hello, world = example.VOCAB.index("hello"), example.VOCAB.index("world")
    assert mine.embedding[world].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert np.array_equal(mine.embedding[hello], example.EMBEDDINGS[hello])
    assert example.PARAMS.embedding[world].tolist() == [-1.0, 1.0, 1.0, 0.0]   # untouched
    mine.encoder_layers[0].self_attn.W_O[0, 0] = 9.0                          # writable copy
    assert example.PARAMS.encoder_layers[0].self_attn.W_O[0, 0] != 9.0
    with pytest.raises(KeyError, match="helo"):
        example.with_embedding("helo", [0, 0, 0, 0])
    with pytest.raises(ValueError, match="4 finite numbers"):
        example.with_embedding("hello", [1, 2, 3])


def test_claim_is_silent_when_true_and_says_so_when_false(capsys):
    example.claim(True, "hello leans towards world")
    assert capsys.readouterr().out == ""
    example.claim(False, "hello leans towards world")
    out = capsys.readouterr().out
    assert '"hello leans towards world"' in out and "seed 288" in out
    assert all(len(line) <= 80 for line in out.splitlines())
