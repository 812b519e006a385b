"""Every row of the table in mathlib/_checks.py: bad input gives a clear error, never a NaN,
and nothing is half done (inputs unchanged, no work started)."""
import dataclasses
import re

import numpy as np
import pytest

from mathlib import _checks, example, generate, interop, tokens
from mathlib import transformer as T
from mathlib.attention import AttentionParams, multi_head_attention, scaled_dot_product_attention, softmax
from mathlib.embedding import embed
from mathlib.layers import FeedForwardParams, feed_forward, layer_norm, linear

P = example.PARAMS.encoder_layers[0].self_attn            # W_Q (4, 6): 2 heads of d_k 3
C = example.CONFIG


def frozen(a):
    a = np.array(a, dtype=float)
    a.setflags(write=False)      # any in-place write by mathlib would raise
    return a


def shapes_in(message, *shapes):
    return all(str(tuple(s)) in message for s in shapes)


# --- NaN / inf --------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs(bad):
    x = frozen([[1.0, 2.0, 3.0, 4.0], [1.0, bad, 0.0, 0.0]])
    calls = {
        "x": lambda: linear(x, np.ones((4, 2))),
        "x ": lambda: layer_norm(x, np.ones(4), np.zeros(4)),
        "x  ": lambda: feed_forward(x, example.PARAMS.encoder_layers[0].ffn),
        "X_q": lambda: multi_head_attention(x, np.ones((3, 4)), P, 2),
        "X_kv": lambda: multi_head_attention(np.ones((3, 4)), x, P, 2),
        "Q": lambda: scaled_dot_product_attention(x, np.ones((2, 4)), np.ones((2, 1))),
        "X": lambda: T.encoder_layer(x, example.PARAMS.encoder_layers[0], C),
        "memory": lambda: T.decoder_layer(np.ones((2, 4)), x, example.PARAMS.decoder_layers[0], C),
        "Y": lambda: T.output_logits(x, example.PARAMS),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"^{name.strip()} contains 1 non-finite value"):
            call()
    assert np.isnan(x[1, 1]) or np.isinf(x[1, 1])


def test_non_finite_parameters():
    bad_W_O = np.array(P.W_O)
    bad_W_O[0, 0] = np.nan
    with pytest.raises(ValueError, match="W_O contains 1 non-finite"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(P, W_O=bad_W_O), 2)
    for name in ("W_Q", "b_K", "W_V"):
        bad = np.array(getattr(P, name))
        bad.flat[1] = np.inf
        with pytest.raises(ValueError, match=f"{name} contains 1 non-finite"):
            multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(P, **{name: bad}), 2)
    W_out = np.array(example.PARAMS.W_out)
    W_out[2, 3] = np.nan
    with pytest.raises(ValueError, match="W_out contains 1 non-finite"):
        T.forward(np.array([3, 4]), np.array([1]), dataclasses.replace(example.PARAMS, W_out=W_out), C)
    with pytest.raises(ValueError, match="W contains"):
        linear(np.ones(2), np.array([[1.0, np.inf], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="gamma contains"):
        layer_norm(np.ones(2), np.array([1.0, np.nan]), np.zeros(2))
    ffn = example.PARAMS.encoder_layers[0].ffn
    with pytest.raises(ValueError, match="b1 contains"):
        feed_forward(np.ones((1, 4)), dataclasses.replace(ffn, b1=np.full(8, np.nan)))
    W1 = np.array(ffn.W1)
    W1[:, 0] = -np.inf                      # ReLU would turn every −inf of this unit into a silent 0
    with pytest.raises(ValueError, match="W1 contains 4 non-finite"):
        feed_forward(np.ones((1, 4)), dataclasses.replace(ffn, W1=W1))


def test_overflow_inside_a_layer_is_reported_not_returned():
    # finite float32 numbers whose products overflow float32 (largest: 3.4e38)
    x = np.full((1, 2), 1e38, dtype=np.float32)
    ffn = FeedForwardParams(W1=np.eye(2), b1=np.zeros(2), W2=np.full((2, 2), 2.0), b2=np.zeros(2))
    # hidden = [1e38, 1e38] is fine; the output 1e38·2 + 1e38·2 = 4e38 is not
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="x W . b overflowed"):
        feed_forward(x, ffn)        # (numpy's own overflow warning is silenced here; the error is ours)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="x W . b overflowed"):
        feed_forward(x * 3, dataclasses.replace(ffn, W1=np.full((2, 2), 2.0)))   # 3e38·2 + 3e38·2


@pytest.mark.parametrize("row, what", [([0.0, np.nan], "NaN"), ([0.0, np.inf], r"\+inf"),
                                       ([-np.inf, -np.inf], "entirely -inf")])
def test_softmax_rejects_what_would_become_nan(row, what):
    with pytest.raises(ValueError, match=what):
        softmax(np.array(row))


# --- dimensions and shapes ------------------------------------------------------------

def test_too_few_dimensions():
    with pytest.raises(ValueError, match=r"X_q must have at least 2 dimension.*\(4,\)"):
        multi_head_attention(np.ones(4), np.ones((2, 4)), P, 2)
    with pytest.raises(ValueError, match=r"V must have at least 2"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="W must be a matrix"):
        linear(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="ids must have at least 1"):
        T.embed_with_positions(np.array(3), example.PARAMS, C)


@pytest.mark.parametrize("call, name, shapes", [
    (lambda: linear(np.ones((3, 5)), np.ones((4, 2))), "x", [(3, 5), (4, 2)]),
    (lambda: multi_head_attention(np.ones((2, 5)), np.ones((2, 4)), P, 2), "X_q", [(2, 5), (4, 6)]),
    (lambda: multi_head_attention(np.ones((2, 4)), np.ones((3, 5)), P, 2), "X_kv", [(3, 5), (4, 6)]),
    (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4))), "K",
     [(2, 4), (2, 3)]),
    (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((5, 4))), "V",
     [(5, 4), (2, 3)]),
    (lambda: T.encoder_layer(np.ones((2, 6)), example.PARAMS.encoder_layers[0], C), "X", [(2, 6)]),
    (lambda: T.output_logits(np.ones((2, 5)), example.PARAMS), "Y", [(2, 5), (4, 10)]),
    (lambda: feed_forward(np.ones((2, 3)), example.PARAMS.encoder_layers[0].ffn), "W1", [(4, 8), (2, 3)]),
])
def test_last_dimension_mismatch_names_the_argument_and_both_shapes(call, name, shapes):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(name + " "), message
    assert shapes_in(message, *shapes), message


def test_batch_dimensions_that_do_not_broadcast():
    with pytest.raises(ValueError, match=re.escape("X_q (2, 2, 4), X_kv (3, 2, 4)")):
        multi_head_attention(np.ones((2, 2, 4)), np.ones((3, 2, 4)), P, 2)
    with pytest.raises(ValueError, match=re.escape("Q (2, 1, 3), K (3, 1, 3), V (3, 1, 3)")):
        scaled_dot_product_attention(np.ones((2, 1, 3)), np.ones((3, 1, 3)), np.ones((3, 1, 3)))


def test_parameters_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"gamma must have shape \(4,\), got \(3,\)"):
        layer_norm(np.ones((2, 4)), np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\), got \(3,\)"):
        linear(np.ones(4), np.ones((4, 2)), np.ones(3))
    ffn = example.PARAMS.encoder_layers[0].ffn
    with pytest.raises(ValueError, match=r"b1 must have shape \(8,\), got \(7,\)"):
        feed_forward(np.ones((1, 4)), dataclasses.replace(ffn, b1=np.zeros(7)))   # refused on creation
    with pytest.raises(ValueError, match=r"W1 has shape \(4, 8\) but x \(1, 5\)"):
        feed_forward(np.ones((1, 5)), ffn)
    with pytest.raises(ValueError, match=r"W_K must have shape \(4, 6\), got \(4, 4\)"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(P, W_K=np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match=r"b_O must have shape \(4,\)"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(P, b_O=np.ones(6)), 2)
    with pytest.raises(ValueError, match=r"W_O must be a matrix"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(P, W_O=np.ones(24)), 2)


# --- masks ---------------------------------------------------------------------------

def test_mask_must_be_boolean():
    with pytest.raises(ValueError, match="mask must be boolean.*float64"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, 2, np.ones((2, 2)))
    with pytest.raises(ValueError, match="mask must be boolean.*int"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), np.tril(np.ones((2, 2), int)))


@pytest.mark.parametrize("mask_shape", [(2, 3), (3, 2), (2,), (5, 2, 2)])
def test_mask_of_the_wrong_shape(mask_shape):
    X = np.ones((2, 2, 4))
    with pytest.raises(ValueError, match="mask") as info:
        multi_head_attention(X, X, P, 2, np.ones(mask_shape, dtype=bool))
    assert str(mask_shape) in str(info.value) or str(mask_shape[:-2]) in str(info.value)


def test_fully_masked_row_is_an_error_not_nan():
    mask = np.array([[True, False], [False, False]])
    with pytest.raises(ValueError, match="hides every key"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, 2, mask)
    with pytest.raises(ValueError, match="hides every key"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), mask)
    # a source made only of padding leaves the encoder nothing to attend to
    with pytest.raises(ValueError, match="hides every key"):
        T.encode(np.array([0, 0]), example.PARAMS, C)


# --- heads and config ---------------------------------------------------------------------

def test_n_heads_must_divide_the_weights():
    with pytest.raises(ValueError, match=r"W_Q has 6 columns \(shape \(4, 6\)\), not a multiple of n_heads=4"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, 4)
    with pytest.raises(ValueError, match="n_heads must be a positive integer"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), P, 0)


def test_n_heads_times_d_k_must_match_the_config():
    # the toy weights hold 2·3 = 6 columns; a config with d_k = 2 expects 2·2 = 4
    wrong = dataclasses.replace(C, d_k=2, d_v=2)
    with pytest.raises(ValueError, match=r"self_attn.W_Q has shape \(4, 6\) but config .* needs \(4, 4\)"):
        T.encoder_layer(np.ones((2, 4)), example.PARAMS.encoder_layers[0], wrong)
    three_heads = dataclasses.replace(C, n_heads=3, d_k=2, d_v=2)     # 3·2 = 6 columns agree, but…
    with pytest.raises(ValueError, match="W_O"):
        T.decoder_layer(np.ones((2, 4)), np.ones((2, 4)), dataclasses.replace(
            example.PARAMS.decoder_layers[0],
            cross_attn=dataclasses.replace(P, W_O=np.ones((4, 4)))), three_heads)


def test_final_norm_without_final_norm_parameters():
    with pytest.raises(ValueError, match="final_norm is True but params.encoder_norm is None"):
        T.forward(np.array([3, 4]), np.array([1]), example.PARAMS, dataclasses.replace(C, final_norm=True))


# --- ids, lengths, memory -------------------------------------------------------------------

def test_sequence_longer_than_max_len():
    with pytest.raises(ValueError, match="length 17 is longer than config.max_len=16"):
        T.forward(np.full(17, 3), np.array([1]), example.PARAMS, C)


def test_memory_must_have_one_row_per_source_token():
    memory = T.encode(np.array([3, 4, 9]), example.PARAMS, C)
    with pytest.raises(ValueError, match=r"memory has shape \(3, 4\) but src_ids has shape \(2,\)"):
        T.decode(np.array([1]), memory, np.array([3, 4]), example.PARAMS, C)


@pytest.mark.parametrize("ids", [[10], [-1], [1.0], [True]])
def test_ids_outside_the_vocabulary(ids):
    with pytest.raises(ValueError, match="ids must"):
        embed(np.array(ids), example.EMBEDDINGS)
    with pytest.raises(ValueError, match="ids must"):
        T.forward(np.array(ids), np.array([1]), example.PARAMS, C)


def test_unknown_token_is_a_key_error_with_the_vocabulary_and_nearest_words():
    with pytest.raises(KeyError) as info:
        tokens.encode("Hello Wrld", example.VOCAB)
    message = str(info.value)
    assert "'wrld'" in message and "nearest: world" in message
    assert all(word in message for word in example.VOCAB)
    with pytest.raises(KeyError, match="outside the vocabulary"):
        tokens.decode([10], example.VOCAB)


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
        multi_head_attention(X, X, P, 2, mask)
    assert X.tolist() == np.arange(8.0).reshape(2, 4).tolist()
    assert mask.tolist() == [[True, False], [False, False]]
    # successful calls on read-only inputs also work (no in-place writes anywhere)
    out = T.encoder_layer(X, example.PARAMS.encoder_layers[0], C)
    assert out.flags.writeable and np.all(np.isfinite(out))
    layer_norm(X, frozen(np.ones(4)), frozen(np.zeros(4)))
    softmax(X)
    feed_forward(X, example.PARAMS.encoder_layers[0].ffn)


def test_generation_checks_everything_before_running_the_encoder(monkeypatch):
    calls = []
    monkeypatch.setattr(generate, "encode", lambda *a: calls.append(a))
    for kwargs in ({"max_len": 17}, {"max_len": 2.5}, {"max_len": 0}):
        with pytest.raises(ValueError, match="max_len"):
            generate.greedy_decode(np.array([3, 4]), example.PARAMS, C, example.SOS, example.EOS, **kwargs)
    with pytest.raises(ValueError, match="sos_id"):
        generate.greedy_decode(np.array([3, 4]), example.PARAMS, C, 10, example.EOS)
    with pytest.raises(ValueError, match="src_ids must be one sentence"):
        generate.greedy_decode(np.array([[3, 4]]), example.PARAMS, C, example.SOS, example.EOS)
    assert calls == []


def test_the_table_lists_every_error_kind_tested_here():
    table = _checks.__doc__
    for phrase in ("NaN or ±inf", "too few dimensions", "last dimensions do not match", "do not broadcast",
                   "wrong shape", "not boolean", "hides every key", "n_heads", "config.max_len",
                   "one row per source token", "final_norm", "Config size", "overflows", "torch.nn.Transformer", "not in the vocabulary"):
        assert phrase in table, phrase


@pytest.mark.parametrize("field, value", [("d_model", 0), ("d_model", 5), ("n_heads", 2.0), ("d_k", True),
                                          ("n_encoder_layers", -1), ("n_decoder_layers", 1.5), ("eps", 0.0)])
def test_config_rejects_impossible_sizes(field, value):
    with pytest.raises(ValueError, match=f"Config.{field}"):
        T.Config(**{field: value})
