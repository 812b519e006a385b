"""mathlib.example: the running example's fixed numbers (facts 1, 2, 6)."""
import numpy as np
import pytest

from mathlib import example, tokens
from mathlib import transformer as T
from mathlib.attention import multi_head_attention


def test_hello_and_world_with_their_positions():
    ids = tokens.encode(example.SOURCE, example.VOCAB)
    X = T.embed_with_positions(ids, example.PARAMS, example.CONFIG)
    # "Hello" + PE(0) = [1, 2, 3, 4] + [0, 1, 0, 1] = [1, 3, 3, 5]
    assert X[0].tolist() == [1.0, 3.0, 3.0, 5.0]
    # "World" + PE(1) = [2, 3, 4, 5] + [sin 1, cos 1, sin 0.01, cos 0.01]
    #                 = [2 + 0.841, 3 + 0.540, 4 + 0.010, 5 + 1.000] = [2.841, 3.540, 4.010, 6.000]
    np.testing.assert_allclose(X[1], [2.841, 3.540, 4.010, 6.000], atol=5e-4)


def test_the_toy_sizes():
    c = example.CONFIG
    assert (c.d_model, c.n_heads, c.d_k, c.d_v, c.d_ff, c.n_encoder_layers, c.n_decoder_layers, c.vocab_size) == \
        (4, 2, 3, 3, 8, 6, 6, 10)
    assert not c.scale_embeddings and not c.final_norm
    assert example.VOCAB[example.PAD] == "<pad>" and example.VOCAB[example.SOS] == "<sos>"
    assert example.VOCAB[example.EOS] == "<eos>"


def test_attention_weights_are_small_integers():
    for layer in example.PARAMS.encoder_layers + example.PARAMS.decoder_layers:
        for name in ("W_Q", "W_K", "W_V"):
            W = getattr(layer.self_attn, name)
            assert W.shape[1] == 6 and set(np.unique(W)) <= {-1.0, 0.0, 1.0}


def test_w_o_is_drawn_once():
    # the same seed gives the same parameters every time: W_O is a fixed parameter (fact 6)
    again = example.example_params()
    for a, b in zip(example.PARAMS.encoder_layers + example.PARAMS.decoder_layers,
                    again.encoder_layers + again.decoder_layers):
        assert np.array_equal(a.self_attn.W_O, b.self_attn.W_O)
    # and every layer has its own
    Ws = [layer.self_attn.W_O for layer in example.PARAMS.encoder_layers]
    assert all(not np.array_equal(Ws[0], W) for W in Ws[1:])


def test_computing_does_not_change_the_parameters():
    W_O = example.PARAMS.encoder_layers[0].self_attn.W_O
    before = W_O.copy()
    X = T.embed_with_positions(np.array([3, 4]), example.PARAMS, example.CONFIG)
    first = multi_head_attention(X, X, example.PARAMS.encoder_layers[0].self_attn, 2)
    second = multi_head_attention(X, X, example.PARAMS.encoder_layers[0].self_attn, 2)
    assert np.array_equal(first, second) and np.array_equal(W_O, before)


def test_parameters_are_read_only():
    with pytest.raises(ValueError):
        example.PARAMS.encoder_layers[0].self_attn.W_O[0, 0] = 1.0
    with pytest.raises(ValueError):
        example.EMBEDDINGS[3, 0] = 9.0
    with pytest.raises(ValueError):
        example.PARAMS.embedding[3, 0] = 9.0


def test_hello_world_runs_through_the_whole_model():
    src = tokens.encode(example.SOURCE, example.VOCAB)
    tgt = tokens.encode(["<sos>", "hola", "mundo"], example.VOCAB)
    logits = T.forward(src, tgt, example.PARAMS, example.CONFIG)
    assert logits.shape == (3, 10) and np.all(np.isfinite(logits))
