"""Every row of the table in mathlib/_checks.py: bad input gives a clear error at the door where
it enters (never a NaN, never numpy's RuntimeWarning from deep inside), and nothing is half done."""
import dataclasses
import re

import numpy as np
import pytest

from mathlib import _checks, example, generate, interop, tokens
from mathlib import transformer as T
from mathlib.attention import multi_head_attention, padding_mask, scaled_dot_product_attention, softmax
from mathlib.embedding import embed, one_hot
from mathlib.layers import FeedForwardParams, LayerNormParams, feed_forward, layer_norm, linear
from mathlib.positional import positional_encoding

PARAMS = example.PARAMS
P = PARAMS.encoder_layers[0].self_attn            # W_Q (4, 6): 2 heads of d_k 3
FFN = PARAMS.encoder_layers[0].ffn
C = example.CONFIG


def frozen(a):
    a = np.array(a, dtype=float)
    a.setflags(write=False)      # any in-place write by mathlib would raise
    return a


def shapes_in(message, *shapes):
    return all(str(tuple(s)) in message for s in shapes)


# --- NaN / inf --------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused_at_the_door_before_any_matmul(bad):
    # pytest turns warnings into errors: a matmul that met the inf would raise RuntimeWarning, not this
    x = frozen([[1.0, 2.0, 3.0, 4.0], [1.0, bad, 0.0, 0.0]])
    calls = {
        "x": lambda: linear(x, np.ones((4, 2))),
        "x ": lambda: layer_norm(x, np.ones(4), np.zeros(4)),
        "x  ": lambda: feed_forward(x, FFN),
        "X_q": lambda: multi_head_attention(x, np.ones((3, 4)), P),
        "X_kv": lambda: multi_head_attention(np.ones((3, 4)), x, P),
        "Q": lambda: scaled_dot_product_attention(x, np.ones((2, 4)), np.ones((2, 1))),
        "memory": lambda: T.decode(np.array([1, 6]), x, PARAMS),
        "table": lambda: embed(np.array([0]), x),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"^{name.strip()} contains 1 non-finite value"):
            call()
    assert np.isnan(x[1, 1]) or np.isinf(x[1, 1])


def test_non_finite_parameters_are_refused_when_built():
    bad_W_O = np.array(P.W_O)
    bad_W_O[0, 0] = np.nan
    with pytest.raises(ValueError, match="W_O contains 1 non-finite"):
        dataclasses.replace(P, W_O=bad_W_O)
    for name in ("W_Q", "b_K", "W_V"):
        bad = np.array(getattr(P, name))
        bad.flat[1] = np.inf
        with pytest.raises(ValueError, match=f"{name} contains 1 non-finite"):
            dataclasses.replace(P, **{name: bad})
    W_out = np.array(PARAMS.W_out)
    W_out[2, 3] = np.nan
    with pytest.raises(ValueError, match="W_out contains 1 non-finite"):
        dataclasses.replace(PARAMS, W_out=W_out)
    with pytest.raises(ValueError, match="W contains"):
        linear(np.ones(2), np.array([[1.0, np.inf], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="gamma contains"):
        layer_norm(np.ones(2), np.array([1.0, np.nan]), np.zeros(2))
    with pytest.raises(ValueError, match="gamma contains"):
        LayerNormParams(np.array([1.0, np.nan]), np.zeros(2), 1e-5)
    with pytest.raises(ValueError, match="b1 contains"):
        dataclasses.replace(FFN, b1=np.full(8, np.nan))
    W1 = np.array(FFN.W1)
    W1[:, 0] = -np.inf                      # ReLU would turn every −inf of this unit into a silent 0
    with pytest.raises(ValueError, match="W1 contains 4 non-finite"):
        dataclasses.replace(FFN, W1=W1)


def test_overflow_inside_a_layer_is_reported_not_returned():
    # finite float32 numbers whose products overflow float32 (largest: 3.4e38)
    x = np.full((1, 2), 1e38, dtype=np.float32)
    ffn = FeedForwardParams(*(a.astype(np.float32) for a in (np.eye(2), np.zeros(2), np.full((2, 2), 2.0),
                                                            np.zeros(2))))
    # hidden = [1e38, 1e38] is fine; the output 1e38·2 + 1e38·2 = 4e38 is not
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="feed_forward overflowed"):
        feed_forward(x, ffn)        # (numpy's own overflow warning is silenced here; the error is ours)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="linear overflowed"):
        linear(x * 3, np.full((2, 2), 2.0, dtype=np.float32))       # 3e38·2 + 3e38·2


@pytest.mark.parametrize("row, what", [([0.0, np.nan], "NaN"), ([0.0, np.inf], r"\+inf"),
                                       ([-np.inf, -np.inf], "entirely -inf")])
def test_softmax_rejects_what_would_become_nan(row, what):
    with pytest.raises(ValueError, match=what):
        softmax(np.array(row))
    with pytest.raises(ValueError, match=what):
        generate.sample_probabilities(np.array(row))


# --- dimensions and shapes ------------------------------------------------------------

def test_too_few_dimensions():
    with pytest.raises(ValueError, match=r"X_q must have at least 2 dimension.*\(4,\)"):
        multi_head_attention(np.ones(4), np.ones((2, 4)), P)
    with pytest.raises(ValueError, match=r"V must have at least 2"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="W must be a matrix"):
        linear(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="src_ids must have at least 1"):
        T.encode(np.array(3), PARAMS)
    with pytest.raises(ValueError, match="ids must have at least 1"):
        T.embed_with_positions(np.array(3), PARAMS)


@pytest.mark.parametrize("call, name, shapes", [
    (lambda: linear(np.ones((3, 5)), np.ones((4, 2))), "x", [(3, 5), (4, 2)]),
    (lambda: multi_head_attention(np.ones((2, 5)), np.ones((2, 4)), P), "X_q", [(2, 5), (4, 6)]),
    (lambda: multi_head_attention(np.ones((2, 4)), np.ones((3, 5)), P), "X_kv", [(3, 5), (4, 6)]),
    (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4))), "K",
     [(2, 4), (2, 3)]),
    (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((5, 4))), "V",
     [(5, 4), (2, 3)]),
    (lambda: T.decode(np.array([1]), np.ones((2, 6)), PARAMS), "memory", [(2, 6)]),
    (lambda: feed_forward(np.ones((2, 3)), FFN), "W1", [(4, 8), (2, 3)]),
])
def test_last_dimension_mismatch_names_the_argument_and_both_shapes(call, name, shapes):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(name + " "), message
    assert shapes_in(message, *shapes), message


def test_batch_dimensions_that_do_not_broadcast():
    with pytest.raises(ValueError, match=re.escape("X_q (2, 2, 4), X_kv (3, 2, 4)")):
        multi_head_attention(np.ones((2, 2, 4)), np.ones((3, 2, 4)), P)
    with pytest.raises(ValueError, match=re.escape("Q (2, 1, 3), K (3, 1, 3), V (3, 1, 3)")):
        scaled_dot_product_attention(np.ones((2, 1, 3)), np.ones((3, 1, 3)), np.ones((3, 1, 3)))
    with pytest.raises(ValueError, match=re.escape("src_ids (2, 2), tgt_ids (3, 2)")):
        T.forward(np.full((2, 2), 3), np.full((3, 2), 1), PARAMS)


def test_parameters_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"gamma must have shape \(4,\), got \(3,\)"):
        layer_norm(np.ones((2, 4)), np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\), got \(3,\)"):
        linear(np.ones(4), np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"b1 must have shape \(8,\), got \(7,\)"):
        dataclasses.replace(FFN, b1=np.zeros(7))                                  # refused when built
    with pytest.raises(ValueError, match=r"W1 has shape \(4, 8\) but x \(1, 5\)"):
        feed_forward(np.ones((1, 5)), FFN)
    with pytest.raises(ValueError, match=r"W_K must have shape \(4, 6\), got \(4, 4\)"):
        dataclasses.replace(P, W_K=np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"b_O must have shape \(4,\)"):
        dataclasses.replace(P, b_O=np.ones(6))
    with pytest.raises(ValueError, match=r"W_O must be a matrix"):
        dataclasses.replace(P, W_O=np.ones(24))
    with pytest.raises(ValueError, match=r"beta must have shape \(4,\), got \(3,\)"):
        LayerNormParams(np.ones(4), np.zeros(3), 1e-5)
    with pytest.raises(ValueError, match="p must be AttentionParams"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), FFN)


# --- masks ---------------------------------------------------------------------------

def test_mask_must_be_boolean():
    with pytest.raises(ValueError, match="mask must be boolean.*float64"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, np.ones((2, 2)))
    with pytest.raises(ValueError, match="mask must be boolean.*int"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), np.tril(np.ones((2, 2), int)))


@pytest.mark.parametrize("mask_shape", [(2, 3), (3, 2), (2,), (5, 2, 2)])
def test_mask_of_the_wrong_shape(mask_shape):
    X = np.ones((2, 2, 4))
    with pytest.raises(ValueError, match="mask") as info:
        multi_head_attention(X, X, P, np.ones(mask_shape, dtype=bool))
    assert str(mask_shape) in str(info.value) or str(mask_shape[:-2]) in str(info.value)


def test_fully_masked_row_is_an_error_not_nan():
    mask = np.array([[True, False], [False, False]])
    with pytest.raises(ValueError, match="hides every key"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, mask)
    with pytest.raises(ValueError, match="hides every key"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), mask)
    # a source made only of padding leaves the encoder nothing to attend to
    with pytest.raises(ValueError, match="hides every key"):
        T.encode(np.array([0, 0]), PARAMS)
    with pytest.raises(ValueError, match="hides every key"):
        T.forward(np.array([[3, 4], [0, 0]]), np.array([1, 6]), PARAMS)
    # a decoder input that starts with padding: position 0 sees nothing through the causal mask
    with pytest.raises(ValueError, match="hides every key"):
        T.decode(np.array([0, 6]), np.ones((2, 4)), PARAMS)
    with pytest.raises(ValueError, match="hides every key"):
        T.decode(np.array([1, 6]), np.ones((2, 4)), PARAMS, memory_mask=np.array([[False, False]]))


def test_memory_and_memory_mask_must_agree():
    memory = T.encode(np.array([3, 4, 9]), PARAMS)
    with pytest.raises(ValueError, match=r"memory_mask has shape \(1, 2\) but the scores have shape \(..., 1, 3\)"):
        T.decode(np.array([1]), memory, PARAMS, padding_mask(np.array([3, 4])))


# --- heads and config ---------------------------------------------------------------------

def test_n_heads_must_divide_the_weights():
    with pytest.raises(ValueError, match=r"W_Q has 6 columns \(shape \(4, 6\)\), not a multiple of n_heads=4"):
        dataclasses.replace(P, n_heads=4)
    with pytest.raises(ValueError, match="n_heads must be a positive integer"):
        dataclasses.replace(P, n_heads=0)


def test_parameters_are_checked_against_their_config_once_when_built():
    # the toy weights hold 2·3 = 6 columns; a config with d_k = 2 expects 2·2 = 4
    wrong = dataclasses.replace(C, d_k=2, d_v=2)
    with pytest.raises(ValueError, match=r"encoder_layers\[0\].self_attn.W_Q has shape \(4, 6\) but config .* "
                                         r"needs \(4, 4\)"):
        dataclasses.replace(PARAMS, config=wrong)
    three_heads = dataclasses.replace(C, n_heads=3, d_k=2, d_v=2)     # 3·2 = 6 columns agree, but…
    with pytest.raises(ValueError, match="n_heads=2, eps=- but config has 3, 1e-05"):
        dataclasses.replace(PARAMS, config=three_heads)
    with pytest.raises(ValueError, match=r"n_heads=-, eps=1e-05 but config has 2, 0.001"):
        dataclasses.replace(PARAMS, config=dataclasses.replace(C, eps=1e-3))
    with pytest.raises(ValueError, match="decoder_layers must be a list of 6 DecoderLayerParams"):
        dataclasses.replace(PARAMS, decoder_layers=PARAMS.decoder_layers[:5])
    with pytest.raises(ValueError, match="must be AttentionParams, got FeedForwardParams"):
        dataclasses.replace(PARAMS, encoder_layers=[dataclasses.replace(PARAMS.encoder_layers[0], self_attn=FFN)]
                            + PARAMS.encoder_layers[1:])


def test_final_norm_without_final_norm_parameters():
    with pytest.raises(ValueError, match="final_norm is True but params.encoder_norm is None"):
        dataclasses.replace(PARAMS, config=dataclasses.replace(C, final_norm=True))
    norm = LayerNormParams(np.ones(4), np.zeros(4), 1e-5)
    with pytest.raises(ValueError, match="final_norm is False but params.encoder_norm is given"):
        dataclasses.replace(PARAMS, encoder_norm=norm, decoder_norm=norm)


def test_tied_embeddings_need_w_out_to_be_the_embedding():
    with pytest.raises(ValueError, match="tie_embeddings is True but W_out is not embedding.T"):
        dataclasses.replace(PARAMS, config=dataclasses.replace(C, tie_embeddings=True))


# --- ids, lengths ---------------------------------------------------------------------------

def test_sequence_longer_than_max_len():
    with pytest.raises(ValueError, match="length 17 is longer than config.max_len=16"):
        T.forward(np.full(17, 3), np.array([1]), PARAMS)
    with pytest.raises(ValueError, match="length 17 is longer than config.max_len=16"):
        T.decode(np.full(17, 3), np.ones((2, 4)), PARAMS)


@pytest.mark.parametrize("ids", [[10], [-1], [1.0], [True]])
def test_ids_outside_the_vocabulary(ids):
    with pytest.raises(ValueError, match="ids must"):
        embed(np.array(ids), example.EMBEDDINGS)
    with pytest.raises(ValueError, match="ids must"):
        one_hot(np.array(ids), 10)
    with pytest.raises(ValueError, match="src_ids must"):
        T.forward(np.array(ids), np.array([1]), PARAMS)
    with pytest.raises(ValueError, match="tgt_ids must"):
        T.decode(np.array(ids), np.ones((2, 4)), PARAMS)


def test_unknown_token_is_a_key_error_with_the_vocabulary_and_nearest_words():
    with pytest.raises(KeyError) as info:
        tokens.text_to_ids("Hello Wrld", example.VOCAB)
    message = str(info.value)
    assert "'wrld'" in message and "nearest: world" in message
    assert all(word in message for word in example.VOCAB)
    with pytest.raises(KeyError, match="outside the vocabulary"):
        tokens.ids_to_text([10], example.VOCAB)


def test_positional_encoding_sizes():
    for args in [(0, 4), (3, 5), (2.5, 4), (True, 4)]:
        with pytest.raises(ValueError, match="n_positions|d_model"):
            positional_encoding(*args)


def test_torch_layout_errors_need_no_torch():
    with pytest.raises(ValueError, match="d_k = d_v = d_model / n_heads"):
        interop.check_torch_compatible(dataclasses.replace(C, final_norm=True))       # d_k 3 ≠ 4 / 2
    with pytest.raises(ValueError, match="final_norm=True"):
        interop.check_torch_compatible(dataclasses.replace(C, d_k=2, d_v=2))


# --- nothing half done ----------------------------------------------------------------------

def test_failed_calls_leave_inputs_and_parameters_unchanged():
    X = frozen(np.arange(8.0).reshape(2, 4))
    mask = np.array([[True, False], [False, False]])
    mask.setflags(write=False)
    with pytest.raises(ValueError):
        multi_head_attention(X, X, P, mask)
    assert X.tolist() == np.arange(8.0).reshape(2, 4).tolist()
    assert mask.tolist() == [[True, False], [False, False]]
    # successful calls on read-only inputs also work (no in-place writes anywhere)
    out, _ = T.encoder_layer(X, PARAMS.encoder_layers[0])
    assert out.flags.writeable and np.all(np.isfinite(out))
    layer_norm(X, frozen(np.ones(4)), frozen(np.zeros(4)))
    softmax(X)
    feed_forward(X, FFN)
    linear(X, frozen(np.ones((4, 3))), frozen(np.ones(3)))
    T.decode(np.array([1, 6]), frozen(np.ones((2, 4))), PARAMS)


def test_generation_checks_everything_before_running_the_encoder(monkeypatch):
    calls = []
    monkeypatch.setattr(generate, "encode", lambda *a: calls.append(a))
    for kwargs in ({"max_len": 17}, {"max_len": 2.5}, {"max_len": 0}):
        with pytest.raises(ValueError, match="max_len"):
            generate.greedy_decode(np.array([3, 4]), PARAMS, example.SOS, example.EOS, **kwargs)
    with pytest.raises(ValueError, match="sos_id"):
        generate.greedy_decode(np.array([3, 4]), PARAMS, 10, example.EOS)
    with pytest.raises(ValueError, match="src_ids must be one sentence"):
        generate.greedy_decode(np.array([[3, 4]]), PARAMS, example.SOS, example.EOS)
    with pytest.raises(ValueError, match="hides every key"):
        generate.greedy_decode(np.array([0, 0]), PARAMS, example.SOS, example.EOS)
    with pytest.raises(ValueError, match="temperature"):
        generate.sample_decode(np.array([3, 4]), PARAMS, example.SOS, example.EOS, np.random.default_rng(0),
                               temperature=-1.0)
    assert calls == []


def test_the_table_lists_every_error_kind_tested_here():
    table = _checks.__doc__
    for phrase in ("NaN or ±inf", "too few dimensions", "last dimensions do not match", "do not broadcast",
                   "wrong shape", "not boolean", "hides every key", "n_heads", "config.max_len",
                   "memory and memory_mask", "final_norm", "tie_embeddings", "Config size", "overflows",
                   "torch.nn.Transformer", "generation argument", "not in the vocabulary"):
        assert phrase in table, phrase


@pytest.mark.parametrize("field, value", [("d_model", 0), ("d_model", 5), ("n_heads", 2.0), ("d_k", True),
                                          ("n_encoder_layers", -1), ("n_decoder_layers", 1.5), ("eps", 0.0),
                                          ("pad_id", 37000), ("tie_embeddings", 1)])
def test_config_rejects_impossible_sizes(field, value):
    with pytest.raises(ValueError, match=f"Config.{field}"):
        T.Config(**{field: value})
