"""The key result of every chapter, computed by mathlib on the running example, against
tests/reference.py (plain numpy written from the paper, sharing no code with mathlib).

The test_chapter_0N files check the numbers stored in the notebooks; this file runs
mathlib itself, so a change to mathlib that would change a number on a page fails here,
in the unit tests (`pytest -m "not slow" tests mathlib`), without executing a notebook.
"""
import numpy as np
import pytest

import reference as ref
from mathlib import example, generate, tokens
from mathlib import transformer as T
from mathlib.attention import causal_mask, multi_head_attention, scaled_dot_product_attention
from mathlib.embedding import embed, one_hot
from mathlib.layers import add_and_norm, feed_forward, layer_norm

P = example.PARAMS
SRC = tokens.text_to_ids(example.SOURCE, example.VOCAB)                      # hello world
DEC = np.array([example.SOS, *tokens.text_to_ids(example.TARGET, example.VOCAB)])   # <sos> hola mundo
EXACT = dict(rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def memory():
    return ref.run_encoder(ref.e_plus_pe(), P)


def test_chapter_1_ids_and_embeddings():
    assert SRC.tolist() == [3, 4] and tokens.ids_to_text(SRC, example.VOCAB) == "hello world"
    E = embed(SRC, example.EMBEDDINGS)
    np.testing.assert_array_equal(E, [[1, 1, 0, -1], [-1, 1, 1, 0]])
    np.testing.assert_array_equal(one_hot(SRC, 10) @ example.EMBEDDINGS, E)
    assert T.parameter_counts(T.Config())["embedding"] == 37_000 * 512


def test_chapter_2_embeddings_plus_positions():
    X = T.embed_with_positions(SRC, P)
    np.testing.assert_allclose(X, ref.e_plus_pe(), **EXACT)
    np.testing.assert_allclose(X, [[1, 2, 0, 0], [-0.159, 1.540, 1.010, 1.000]], atol=5e-4)


def test_chapter_3_one_head_of_encoder_layer_0():
    X, a = ref.e_plus_pe(), P.encoder_layers[0].self_attn
    out, w = scaled_dot_product_attention(X @ a.W_Q[:, :3], X @ a.W_K[:, :3], X @ a.W_V[:, :3])
    ref_outs, ref_weights = ref.attention_heads(X, a)
    np.testing.assert_allclose(w, ref_weights[0], **EXACT)
    np.testing.assert_allclose(out, ref_outs[0], **EXACT)
    assert np.round(w, 2).tolist() == [[0.34, 0.66], [0.58, 0.42]]       # the numbers fig-weights-03 names


def test_chapter_4_multi_head_attention():
    X, a = ref.e_plus_pe(), P.encoder_layers[0].self_attn
    Z, w = multi_head_attention(X, X, a)
    np.testing.assert_allclose(Z, ref.multi_head(X, a), **EXACT)
    np.testing.assert_allclose(w, np.stack(ref.attention_heads(X, a)[1]), **EXACT)


def test_chapter_5_feed_forward_of_encoder_layer_0():
    X, layer = ref.e_plus_pe(), P.encoder_layers[0]
    X1 = add_and_norm(X, multi_head_attention(X, X, layer.self_attn)[0], layer.norm1)
    ref_X1 = ref.norm(X + ref.multi_head(X, layer.self_attn), layer.norm1.gamma, layer.norm1.beta)
    np.testing.assert_allclose(X1, ref_X1, **EXACT)
    np.testing.assert_allclose(feed_forward(X1, layer.ffn), ref.ffn(ref_X1, layer.ffn), **EXACT)
    hidden = X1 @ layer.ffn.W1 + layer.ffn.b1
    assert [np.flatnonzero(z > 0).tolist() for z in hidden] == [[0, 1, 2, 4, 6, 7], [1, 2, 5, 6, 7]]   # the units the text names


def test_chapter_6_one_encoder_layer():
    X, layer = ref.e_plus_pe(), P.encoder_layers[0]
    out, _ = T.encoder_layer(X, layer)
    np.testing.assert_allclose(out, ref.encoder_block(X, layer), **EXACT)
    np.testing.assert_allclose(layer_norm(X, np.ones(4), np.zeros(4)), ref.norm(X, np.ones(4), np.zeros(4)), **EXACT)


def test_chapter_7_the_memory_and_the_counts(memory):
    np.testing.assert_allclose(T.encode(SRC, P), memory, **EXACT)
    np.testing.assert_allclose(T.encoder_stack(ref.e_plus_pe(), P), memory, **EXACT)
    # one toy block: 4·(4·6) + 3·6 + 4 = 118 attention, 2·(4·8) + 8 + 4 = 76 FFN, 2·(2·4) = 16 norms
    assert T.count_parameters(P.encoder_layers[0]) == T.parameter_counts(example.CONFIG)["encoder_layer"] == 210
    assert f"{T.parameter_counts(T.Config())['stacks'] / 1e6:.1f}" == "44.1"


def test_chapter_8_the_decoder(memory):
    Y = T.embed_with_positions(DEC, P)
    np.testing.assert_allclose(Y, ref.sos_hola_mundo(), **EXACT)
    layer = P.decoder_layers[0]
    _, w_self, w_cross = T.decoder_layer(Y, memory, layer)
    np.testing.assert_allclose(w_self, np.stack(ref.attend(Y, Y, layer.self_attn, causal_mask(3))[1]), **EXACT)
    assert round(float(w_cross[1, 1, 0]), 3) == 0.826 == round(float(w_cross.max()), 3)   # hola chooses hello
    D = T.decoder_stack(Y, memory, P)
    np.testing.assert_allclose(D, ref.run_decoder(ref.sos_hola_mundo(), memory, P), **EXACT)
    np.testing.assert_allclose(T.decode(DEC, memory, P), D @ P.W_out + P.b_out, **EXACT)


def test_chapter_9_generation(memory):
    out = generate.greedy_decode(SRC, P, example.SOS, example.EOS, max_len=10)
    tokens_, dists = ref.greedy_translation(SRC, P, example.SOS, example.EOS, 10, scale=False)
    assert out.tokens == tokens_ and [example.VOCAB[t] for t in out.tokens] == "mundo mundo goodbye goodbye goodbye goodbye mundo mundo mundo goodbye".split()
    np.testing.assert_allclose(out.probabilities, dists, **EXACT)
    z0 = ref.model_logits(SRC, [example.SOS], P, scale=False)[-1]
    z0[[example.PAD, example.SOS]] = -np.inf
    for T_, k in [(0.5, None), (1.0, None), (2.0, None), (1.0, 3)]:        # the rows of fig-temperature-09
        np.testing.assert_allclose(generate.sample_probabilities(z0, T_, k), ref.truncated_tempered(z0, T_, k),
                                   **EXACT)
    for T_, k in [(1.0, None), (0.5, 3)]:                                 # the chapter's two draws
        sampled = generate.sample_decode(SRC, P, example.SOS, example.EOS, np.random.default_rng(0), max_len=10,
                                         temperature=T_, top_k=k)
        replay, prefix = np.random.default_rng(0), [example.SOS]
        for t in sampled.tokens:
            z = ref.model_logits(SRC, prefix, P, scale=False)[-1]
            z[[example.PAD, example.SOS]] = -np.inf
            q = ref.truncated_tempered(z, T_, k)
            assert int(replay.choice(len(q), p=q)) == t
            prefix.append(t)
