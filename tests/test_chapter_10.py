"""Chapter 10's key numbers re-derived in plain numpy (tests/reference.py), not mathlib.

The logits of the untrained model come from reference.model_logits (the paper's
equations written out with loops over heads); the loss, the label-smoothed loss,
the gradient of the logits (P - T)/N and a finite-difference gradient are
computed here from those logits, and compared with what the chapter printed.
"""
import re

import numpy as np
import pytest

from mathlib import example
from reference import model_logits, stored_text

NOTEBOOK = "10-loss-and-gradients.ipynb"
SRC = [3, 4]              # hello world
DEC_IN = [1, 6, 7]        # <sos> hola mundo
TARGETS = [6, 7, 2]       # hola mundo <eos>
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def logits(params=None):
    return model_logits(SRC, DEC_IN, params or example.PARAMS, scale=False)


def log_softmax_rows(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def cross_entropy(Z, targets, eps_ls=0.0):
    """Mean over positions of -Σ_k t_k log P_k, t = (1 - ε) one-hot + ε/K."""
    K = Z.shape[1]
    t = np.full(Z.shape, eps_ls / K)
    t[np.arange(len(targets)), targets] += 1 - eps_ls
    return float(-(t * log_softmax_rows(Z)).sum(axis=1).mean())


def expected():
    Z = logits()
    logP = log_softmax_rows(Z)
    per_position = -logP[np.arange(3), TARGETS]
    P = np.exp(logP)
    one_hot = np.eye(Z.shape[1])[TARGETS]
    return dict(per_position=per_position, loss=per_position.mean(),
                smoothed=cross_entropy(Z, TARGETS, 0.1),
                dZ0=(P[0] - one_hot[0]) / 3)


def parse_key_result(text):
    lines = text.strip().splitlines()
    assert len(lines) == 5, text
    found = {}
    found["per_position"] = np.array(
        [float(x) for x in re.findall(r"-?\d+\.\d*", lines[0])])
    m = re.fullmatch(r"loss: (\S+)\s+with label smoothing 0\.1: (\S+)",
                     lines[1].strip())
    assert m, lines[1]
    found["loss"], found["smoothed"] = float(m.group(1)), float(m.group(2))
    assert lines[2] == "dZ row 0:", lines[2]
    found["dZ0"] = np.array([float(x) for x in NUMBER.findall(lines[3])])
    assert found["dZ0"].size == 10, lines[3]
    found["error"] = float(lines[4].rsplit(":", 1)[1])
    return found


def check_key_result(text):
    found, want = parse_key_result(text), expected()
    np.testing.assert_allclose(found["per_position"], want["per_position"],
                               rtol=0, atol=5e-5)
    np.testing.assert_allclose(found["loss"], want["loss"], rtol=0,
                               atol=5e-5)
    np.testing.assert_allclose(found["smoothed"], want["smoothed"],
                               rtol=0, atol=5e-5)
    np.testing.assert_allclose(found["dZ0"], want["dZ0"], rtol=0, atol=5e-5)
    assert 0 < found["error"] < 1e-6


def test_the_reference_loss_is_near_that_of_a_blind_guess():
    # ten tokens: a uniform guess costs log 10; the untrained model is close
    want = expected()
    assert abs(want["loss"] - np.log(10)) < 0.2
    np.testing.assert_allclose(want["dZ0"].sum(), 0, atol=1e-15)


def test_key_result_on_the_page():
    check_key_result(stored_text(NOTEBOOK))


def test_key_result_check_catches_a_changed_digit():
    text = stored_text(NOTEBOOK)
    line = text.strip().splitlines()[1]                   # "loss: 2.4051 ..."
    m = re.search(r"loss: \d\.\d\d\d(\d)", line)
    assert m, line
    digit = line[m.start(1)]
    bad = line[:m.start(1)] + str((int(digit) + 1) % 10) + line[m.end(1):]
    with pytest.raises(AssertionError):
        check_key_result(text.replace(line, bad, 1))
    first = text.strip().splitlines()[0]                  # per position
    bad_first = re.sub(r"(\d)(\s*\]?)$",
                       lambda k: str((int(k.group(1)) + 1) % 10) + k.group(2),
                       first.rstrip())
    with pytest.raises(AssertionError):
        check_key_result(text.replace(first, bad_first, 1))


def test_logits_on_the_page():
    printed = np.array([float(x) for x in re.findall(
        r"-?\d+\.\d*", stored_text(NOTEBOOK, "logits"))])
    np.testing.assert_allclose(printed.reshape(3, 10), logits(), rtol=0,
                               atol=5e-4)


def test_finite_difference_gradient_on_the_page():
    """∂L/∂W_Q[0, 0] of encoder layer 0 by a central difference through the
    reference model, against the value the chapter's backward pass printed;
    and the printed relative error of the δ = 1e-3 check over all of W_Q is
    the δ² error that a Richardson-extrapolated difference predicts."""
    text = stored_text(NOTEBOOK, "check-one")
    printed = float(re.search(r"backward gives\s+(\S+)", text).group(1))
    params = _writable(example.PARAMS)
    W_Q = params.encoder_layers[0].self_attn.W_Q

    def central(i, j, delta):
        old = W_Q[i, j]
        W_Q[i, j] = old + delta
        up = cross_entropy(logits(params), TARGETS)
        W_Q[i, j] = old - delta
        down = cross_entropy(logits(params), TARGETS)
        W_Q[i, j] = old
        return (up - down) / (2 * delta)

    g00 = (4 * central(0, 0, 5e-4) - central(0, 0, 1e-3)) / 3   # Richardson
    np.testing.assert_allclose(printed, g00, rtol=0, atol=5e-9)

    coarse = np.array([[central(i, j, 1e-3) for j in range(6)]
                       for i in range(4)])
    fine = np.array([[central(i, j, 5e-4) for j in range(6)]
                     for i in range(4)])
    truth = (4 * fine - coarse) / 3
    error = np.linalg.norm(coarse - truth) / np.linalg.norm(truth)
    shown = parse_key_result(stored_text(NOTEBOOK))["error"]
    np.testing.assert_allclose(shown, error, rtol=0.1)


def _writable(params):
    from mathlib.transformer import map_arrays
    return map_arrays(lambda path, a: np.array(a, dtype=np.float64), params)


def test_padding_and_smoothing_claims():
    """The padded batch's loss over real tokens, and the smallest smoothed
    loss, the entropy of t = [0.91, 0.01 × 9]."""
    text = stored_text(NOTEBOOK, "confident")
    t = np.array([0.91] + [0.01] * 9)
    entropy = -(t * np.log(t)).sum()
    shown = float(re.search(r"entropy of t\): (\S+)", text).group(1))
    np.testing.assert_allclose(shown, entropy, rtol=0, atol=5e-5)

    goodbye = model_logits([5], [1, 8], example.PARAMS, scale=False)  # adios
    per = np.concatenate([
        -log_softmax_rows(logits())[np.arange(3), TARGETS],
        -log_softmax_rows(goodbye)[np.arange(2), [8, 2]]])
    text = stored_text(NOTEBOOK, "padded-loss")
    shown = float(re.search(r"loss over real tokens: (\S+)", text).group(1))
    np.testing.assert_allclose(shown, per.mean(), rtol=0, atol=5e-5)
