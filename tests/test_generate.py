"""mathlib.generate: greedy decoding and sampling (facts 9 and 18).

Expected translations and distributions come from tests/reference.py, which
re-runs its own plain-numpy model on every prefix, or are worked out by hand.
"""
import dataclasses
import math

import numpy as np
import pytest

import reference as ref
from mathlib import example, generate, tokens
from mathlib import transformer as T

CONFIG = T.Config(d_model=6, n_heads=2, d_k=3, d_v=3, d_ff=8, n_encoder_layers=2, n_decoder_layers=2,
                  vocab_size=7, max_len=10)
SOS, EOS = 1, 2


@pytest.fixture
def params():
    return T.init_params(CONFIG, np.random.default_rng(0))


def sharp(seed):
    """Parameters with large output weights, so that the distributions are far from uniform."""
    p = T.init_params(CONFIG, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 100)
    return dataclasses.replace(p, W_out=rng.normal(0, 3, size=p.W_out.shape), b_out=rng.normal(0, 1, size=7))


def with_output_bias(params, favourite):
    """Parameters whose output layer always picks `favourite` (W_out = 0, a bias spike)."""
    b = np.zeros(CONFIG.vocab_size)
    b[favourite] = 5.0
    return dataclasses.replace(params, W_out=np.zeros_like(params.W_out), b_out=b)


def test_the_encoder_runs_once_and_the_decoder_once_per_step(params, monkeypatch):
    counts = {"encode": 0, "decode": 0}
    real_encode, real_decode = generate.encode, generate.decode

    def encode(*a, **k):
        counts["encode"] += 1
        return real_encode(*a, **k)

    def decode(*a, **k):
        counts["decode"] += 1
        return real_decode(*a, **k)

    monkeypatch.setattr(generate, "encode", encode)
    monkeypatch.setattr(generate, "decode", decode)
    out = generate.greedy_decode(np.array([3, 4, 5]), with_output_bias(params, 4), SOS, EOS, max_len=6)
    assert out.tokens == [4] * 6
    assert counts == {"encode": 1, "decode": 6}                 # fact 18


def test_every_step_uses_the_same_parameters_and_memory(params, monkeypatch):
    seen = []
    real_decode = generate.decode

    def decode(tgt_ids, memory, p, memory_mask=None):
        seen.append((np.array(tgt_ids), memory, p, memory_mask))
        return real_decode(tgt_ids, memory, p, memory_mask)

    monkeypatch.setattr(generate, "decode", decode)
    out = generate.greedy_decode(np.array([3, 4, 0]), params, SOS, EOS, max_len=5)
    assert all(p is params for _, _, p, _ in seen)                 # fact 9: fixed weights
    assert all(m is seen[0][1] for _, m, _, _ in seen)             # one memory for all steps
    for t, (ids, _, _, mask) in enumerate(seen):
        assert ids.tolist() == [SOS] + out.tokens[:t]              # step t decodes <sos> y1 … yt
        assert mask.tolist() == [[True, True, False]]              # the source's padding is hidden


@pytest.mark.parametrize("seed, src", [(1, [3, 4, 5]), (2, [6, 5]), (3, [3, 3, 4, 0])])
def test_greedy_equals_the_reference_loop(seed, src):
    p = sharp(seed)
    out = generate.greedy_decode(np.array(src), p, SOS, EOS, max_len=8)
    tokens_, dists = ref.greedy_translation(src, p, SOS, EOS, 8, scale=True)
    assert out.tokens == tokens_
    np.testing.assert_allclose(out.probabilities, dists, atol=1e-12)


def test_greedy_on_the_book_example_equals_the_reference_loop():
    src = tokens.text_to_ids(example.SOURCE, example.VOCAB)
    out = generate.greedy_decode(src, example.PARAMS, example.SOS, example.EOS, max_len=10)
    tokens_, dists = ref.greedy_translation(src, example.PARAMS, example.SOS, example.EOS, 10, scale=False)
    assert out.tokens == tokens_
    np.testing.assert_allclose(out.probabilities, dists, atol=1e-12)


def test_stops_at_eos(params):
    out = generate.greedy_decode(np.array([3, 4]), with_output_bias(params, EOS), SOS, EOS, max_len=8)
    assert out.tokens == [EOS]
    assert out.probabilities.shape == (1, CONFIG.vocab_size)
    # W_out = 0: the logits are the bias [0, 0, 5, 0, 0, 0, 0], and <pad> (0) and <sos> (1) are
    # never generated, so p(EOS) = e^5 / (e^5 + 4 · e^0) and p(<pad>) = p(<sos>) = 0
    np.testing.assert_allclose(out.probabilities[0, EOS], math.exp(5) / (math.exp(5) + 4), rtol=1e-12)
    assert out.probabilities[0, CONFIG.pad_id] == out.probabilities[0, SOS] == 0


def test_stops_at_max_len(params):
    out = generate.greedy_decode(np.array([3, 4]), with_output_bias(params, 5), SOS, EOS, max_len=7)
    assert out.tokens == [5] * 7
    # every step: logits = the bias [0, 0, 0, 0, 0, 5, 0] with <pad> and <sos> at -inf
    row = np.array([0, 0, 1, 1, 1, math.exp(5), 1]) / (math.exp(5) + 4)
    np.testing.assert_allclose(out.probabilities, np.tile(row, (7, 1)), rtol=1e-12)


def test_sample_probabilities_temperature_and_top_k():
    # logits [0, 2 ln 2] at temperature 2 become [0, ln 2]: probabilities [1/3, 2/3]
    np.testing.assert_allclose(generate.sample_probabilities(np.array([0.0, 2 * math.log(2)]), 2.0),
                               [1 / 3, 2 / 3], rtol=1e-14)
    # top_k = 2 of [ln 3, 0, −9, −1] keeps ln 3 and 0: [3, 1] / 4, the others exactly 0
    p = generate.sample_probabilities(np.array([math.log(3), 0.0, -9.0, -1.0]), top_k=2)
    np.testing.assert_allclose(p, [0.75, 0.25, 0.0, 0.0], rtol=1e-14)
    assert generate.sample_probabilities(np.array([1.0, 3.0, 2.0]), top_k=1).tolist() == [0.0, 1.0, 0.0]


def test_top_k_keeps_exactly_k_and_ties_go_to_the_lower_id():
    tied = np.array([0.0, 2.0, 1.0, 2.0, 2.0])
    assert generate.sample_probabilities(tied, top_k=1).tolist() == [0, 1, 0, 0, 0]
    np.testing.assert_allclose(generate.sample_probabilities(tied, top_k=2), [0, 0.5, 0, 0.5, 0])
    # top 4: the three 2s and the 1 (id 0 dropped): e^2 each and e^1, divided by 3 e^2 + e
    two, one = 1 / (3 + math.exp(-1)), math.exp(-1) / (3 + math.exp(-1))
    np.testing.assert_allclose(generate.sample_probabilities(tied, top_k=4), [0, two, one, two, two], rtol=1e-14)
    # -inf logits (<pad>, <sos>) are never among the k kept while a finite one is left
    z = np.array([-np.inf, -np.inf, 0.5, 0.5, 0.1])
    assert (generate.sample_probabilities(z, top_k=2) > 0).tolist() == [False, False, True, True, False]


def test_sampling_records_the_distribution_it_drew_from():
    p, src, T_, k = T.init_params(CONFIG, np.random.default_rng(4)), [3, 4, 5], 0.3, 2
    out = generate.sample_decode(np.array(src), p, SOS, 6, np.random.default_rng(11), max_len=6,
                                 temperature=T_, top_k=k)
    replay, prefix = np.random.default_rng(11), [SOS]
    assert len(out.tokens) == len(out.probabilities) >= 2
    for t, recorded in enumerate(out.probabilities):
        z = ref.model_logits(src, prefix, p, scale=True)[-1]
        z[[CONFIG.pad_id, SOS]] = -np.inf
        expected = ref.truncated_tempered(z, T_, k)                  # tempered and truncated
        np.testing.assert_allclose(recorded, expected, atol=1e-12)
        assert (recorded > 0).sum() == k
        assert int(replay.choice(len(expected), p=expected)) == out.tokens[t]
        untempered = ref.softmax_rows(z[None, :])[0]
        assert np.abs(untempered - recorded).max() > 0.1               # not the T = 1 softmax
        prefix.append(out.tokens[t])


def test_sampling_is_reproducible_and_top_1_is_greedy(params):
    src = np.array([3, 4, 5])
    a = generate.sample_decode(src, sharp(5), SOS, EOS, np.random.default_rng(7), max_len=6)
    b = generate.sample_decode(src, sharp(5), SOS, EOS, np.random.default_rng(7), max_len=6)
    assert a.tokens == b.tokens and np.array_equal(a.probabilities, b.probabilities)
    greedy = generate.greedy_decode(src, sharp(5), SOS, EOS, max_len=6)
    top1 = generate.sample_decode(src, sharp(5), SOS, EOS, np.random.default_rng(0), max_len=6, top_k=1)
    assert top1.tokens == greedy.tokens
    assert np.all(top1.probabilities[np.arange(len(top1.tokens)), top1.tokens] == 1.0)


def test_generation_rejects_bad_arguments_before_encoding(params, monkeypatch):
    def encode(*a, **k):
        raise AssertionError("encode must not run for bad arguments")
    monkeypatch.setattr(generate, "encode", encode)
    with pytest.raises(ValueError, match="config.max_len=10"):
        generate.greedy_decode(np.array([3, 4]), params, SOS, EOS, max_len=11)
    with pytest.raises(ValueError, match="eos_id"):
        generate.greedy_decode(np.array([3, 4]), params, SOS, 7, max_len=3)
    with pytest.raises(ValueError, match="max_len"):
        generate.greedy_decode(np.array([3, 4]), params, SOS, EOS, max_len=0)
    with pytest.raises(TypeError, match="Generator"):
        generate.sample_decode(np.array([3, 4]), params, SOS, EOS, rng=1)
    for kwargs in ({"temperature": 0.0}, {"top_k": 8}, {"top_k": 0}):
        with pytest.raises(ValueError, match="temperature|top_k"):
            generate.sample_decode(np.array([3, 4]), params, SOS, EOS, np.random.default_rng(0), **kwargs)


def test_never_generates_padding_or_a_second_start(params):
    """Even when the model's favourite is <pad> or <sos>, generation picks the best real token."""
    for favourite in (CONFIG.pad_id, SOS):
        biased = with_output_bias(params, favourite)
        biased.b_out[3] = 1.0                  # the runner-up
        out = generate.greedy_decode(np.array([3, 4]), biased, SOS, EOS, max_len=3)
        assert out.tokens == [3, 3, 3]
        assert np.all(out.probabilities[:, [CONFIG.pad_id, SOS]] == 0)


def test_the_generation_defaults_agree():
    """Each default is written in its formula only (the doors' checks declare none); the functions
    that share a setting share its default."""
    import inspect
    from mathlib import train

    def default(f, name):
        return inspect.signature(f).parameters[name].default
    assert default(generate.greedy_decode, "max_len") == default(generate.sample_decode, "max_len") \
        == default(train.translate, "max_len") == 10
    for name in ("temperature", "top_k"):
        assert default(generate.sample_decode, name) == default(generate.sample_probabilities, name)
