"""mathlib.generate: greedy decoding and sampling (facts 9 and 18)."""
import dataclasses
import math

import numpy as np
import pytest

from mathlib import example, generate, tokens
from mathlib import transformer as T
from mathlib.positional import positional_encoding

CONFIG = T.Config(d_model=6, n_heads=2, d_k=3, d_v=3, d_ff=8, n_encoder_layers=2, n_decoder_layers=2,
                  vocab_size=7, max_len=10)
SOS, EOS = 1, 2


@pytest.fixture
def params():
    return T.init_params(CONFIG, np.random.default_rng(0))


def fingerprint(p):
    """Every number of a parameter object, flattened (to prove nothing changed)."""
    if isinstance(p, np.ndarray):
        return [p.copy()]
    if isinstance(p, list):
        return [a for x in p for a in fingerprint(x)]
    if p is None:
        return []
    return [a for x in vars(p).values() for a in fingerprint(x)]


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
    out = generate.greedy_decode(np.array([3, 4, 5]), with_output_bias(params, 4), CONFIG, SOS, EOS, max_len=6)
    assert out.tokens == [4] * 6
    assert counts == {"encode": 1, "decode": 6}                 # fact 18


def test_every_step_uses_the_same_parameters_and_memory(params, monkeypatch):
    seen = []
    real_decode = generate.decode

    def decode(tgt_ids, memory, src_ids, p, config):
        seen.append((np.array(tgt_ids), memory, p))
        return real_decode(tgt_ids, memory, src_ids, p, config)

    monkeypatch.setattr(generate, "decode", decode)
    before = fingerprint(params)
    out = generate.greedy_decode(np.array([3, 4]), params, CONFIG, SOS, EOS, max_len=5)
    assert all(p is params for _, _, p in seen)                    # fact 9: fixed weights
    assert all(m is seen[0][1] for _, m, _ in seen)                # one memory for all steps
    assert all(np.array_equal(a, b) for a, b in zip(before, fingerprint(params)))
    # step t decodes the prefix SOS y1 … yt
    for t, (ids, _, _) in enumerate(seen):
        assert ids.tolist() == [SOS] + out.tokens[:t]


def test_each_step_is_the_decoder_on_the_prefix_with_positional_encodings(params):
    src = np.array([3, 4, 5])
    out = generate.greedy_decode(src, params, CONFIG, SOS, EOS, max_len=4)
    memory = T.encode(src, params, CONFIG)
    prefix = [SOS]
    for t, probs in enumerate(out.probabilities):
        ids = np.array(prefix)
        # the decoder input, built by hand: scaled embedding + PE of positions 0..t
        Y = params.embedding[ids] * math.sqrt(CONFIG.d_model) + positional_encoding(len(ids), CONFIG.d_model)
        self_mask = np.tril(np.ones((len(ids), len(ids)), dtype=bool))   # causal
        logits = T.output_logits(T.decoder_stack(Y, memory, params, CONFIG, self_mask), params)[-1]
        logits[[CONFIG.pad_id, SOS]] = -np.inf      # <pad> and <sos> are never generated
        expected = np.exp(logits - logits.max())
        np.testing.assert_allclose(probs, expected / expected.sum(), atol=1e-12)
        assert out.tokens[t] == int(np.argmax(probs))
        prefix.append(out.tokens[t])


def test_positional_encodings_matter_for_generation(params):
    """Without PE on the decoder input the step-2 distribution would differ."""
    src = np.array([3, 4, 5])
    out = generate.greedy_decode(src, params, CONFIG, SOS, EOS, max_len=3)
    memory = T.encode(src, params, CONFIG)
    ids = np.array([SOS] + out.tokens[:2])
    Y_no_pe = params.embedding[ids] * math.sqrt(CONFIG.d_model)
    self_mask = np.tril(np.ones((3, 3), dtype=bool))
    logits = T.output_logits(T.decoder_stack(Y_no_pe, memory, params, CONFIG, self_mask), params)[-1]
    logits[[CONFIG.pad_id, SOS]] = -np.inf
    assert not np.allclose(np.exp(logits) / np.exp(logits).sum(), out.probabilities[2], atol=1e-6)


def test_stops_at_eos(params):
    out = generate.greedy_decode(np.array([3, 4]), with_output_bias(params, EOS), CONFIG, SOS, EOS, max_len=8)
    assert out.tokens == [EOS]
    assert out.probabilities.shape == (1, CONFIG.vocab_size)
    # W_out = 0: the logits are the bias [0, 0, 5, 0, 0, 0, 0], and <pad> (0) and <sos> (1) are
    # never generated, so p(EOS) = e^5 / (e^5 + 4 · e^0) and p(<pad>) = p(<sos>) = 0
    np.testing.assert_allclose(out.probabilities[0, EOS], math.exp(5) / (math.exp(5) + 4), rtol=1e-12)
    assert out.probabilities[0, CONFIG.pad_id] == out.probabilities[0, SOS] == 0


def test_stops_at_max_len(params):
    out = generate.greedy_decode(np.array([3, 4]), with_output_bias(params, 5), CONFIG, SOS, EOS, max_len=7)
    assert out.tokens == [5] * 7
    assert out.probabilities.shape == (7, CONFIG.vocab_size)
    np.testing.assert_allclose(out.probabilities.sum(axis=1), 1.0, rtol=1e-12)


def test_greedy_is_deterministic_on_the_book_example():
    src = tokens.encode(example.SOURCE, example.VOCAB)
    a = generate.greedy_decode(src, example.PARAMS, example.CONFIG, example.SOS, example.EOS)
    b = generate.greedy_decode(src, example.PARAMS, example.CONFIG, example.SOS, example.EOS)
    assert a.tokens == b.tokens and np.array_equal(a.probabilities, b.probabilities)
    assert 1 <= len(a.tokens) <= 10


def test_sample_probabilities_temperature_and_top_k():
    # logits [0, 2 ln 2] at temperature 2 become [0, ln 2]: probabilities [1/3, 2/3]
    np.testing.assert_allclose(generate.sample_probabilities(np.array([0.0, 2 * math.log(2)]), 2.0),
                               [1 / 3, 2 / 3], rtol=1e-14)
    # top_k = 2 of [ln 3, 0, −9, −1] keeps ln 3 and 0: [3, 1] / 4, the others exactly 0
    p = generate.sample_probabilities(np.array([math.log(3), 0.0, -9.0, -1.0]), top_k=2)
    np.testing.assert_allclose(p, [0.75, 0.25, 0.0, 0.0], rtol=1e-14)
    assert generate.sample_probabilities(np.array([1.0, 3.0, 2.0]), top_k=1).tolist() == [0.0, 1.0, 0.0]


def test_sampling_is_reproducible_with_a_seeded_generator(params):
    src = np.array([3, 4, 5])
    a = generate.sample_decode(src, params, CONFIG, SOS, EOS, np.random.default_rng(7), max_len=6)
    b = generate.sample_decode(src, params, CONFIG, SOS, EOS, np.random.default_rng(7), max_len=6)
    assert a.tokens == b.tokens
    greedy = generate.greedy_decode(src, params, CONFIG, SOS, EOS, max_len=6)
    top1 = generate.sample_decode(src, params, CONFIG, SOS, EOS, np.random.default_rng(0), max_len=6, top_k=1)
    assert top1.tokens == greedy.tokens


def test_generation_rejects_a_max_len_beyond_the_model_before_encoding(params, monkeypatch):
    def encode(*a, **k):
        raise AssertionError("encode must not run for bad arguments")
    monkeypatch.setattr(generate, "encode", encode)
    with pytest.raises(ValueError, match="config.max_len=10"):
        generate.greedy_decode(np.array([3, 4]), params, CONFIG, SOS, EOS, max_len=11)
    with pytest.raises(ValueError, match="eos_id"):
        generate.greedy_decode(np.array([3, 4]), params, CONFIG, SOS, 7, max_len=3)
    with pytest.raises(ValueError, match="max_len"):
        generate.greedy_decode(np.array([3, 4]), params, CONFIG, SOS, EOS, max_len=0)
    with pytest.raises(TypeError, match="Generator"):
        generate.sample_decode(np.array([3, 4]), params, CONFIG, SOS, EOS, rng=1)


def test_never_generates_padding_or_a_second_start(params):
    """Even when the model's favourite is <pad> or <sos>, generation picks the best real token."""
    for favourite in (CONFIG.pad_id, SOS):
        biased = with_output_bias(params, favourite)
        biased.b_out[3] = 1.0                  # the runner-up
        out = generate.greedy_decode(np.array([3, 4]), biased, CONFIG, SOS, EOS, max_len=3)
        assert out.tokens == [3, 3, 3]
        assert np.all(out.probabilities[:, [CONFIG.pad_id, SOS]] == 0)
