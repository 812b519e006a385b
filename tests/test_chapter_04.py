"""Chapter 4 (multi-head attention): the numbers on the page, re-derived independently.

The expected values are computed here with plain numpy (our own softmax, our
own loop over the two heads, the literal E + PE of "Hello World") from the
example parameters, without mathlib.attention, and compared with the outputs
stored in the executed notebook. A wrong number on the page fails this test
even if mathlib and the notebook agree with each other.
"""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import example

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "04-multi-head-attention.ipynb"
NUMBER = re.compile(r"-?\d+(?:\.\d*)?")
TOL = 5e-4 + 1e-9  # the page prints 3 decimals

# "hello" = [1, 1, 0, -1] + PE(0) = [0, 1, 0, 1];  "world" = [-1, 1, 1, 0] + PE(1), where
# PE(1) = [sin 1, cos 1, sin(1/100), cos(1/100)]: pair i = 1 has frequency 1/10000^(2/4) = 1/100.
X = np.array([
    [1.0, 2.0, 0.0, 0.0],
    [-1 + math.sin(1), 1 + math.cos(1), 1 + math.sin(0.01), 0 + math.cos(0.01)],
])


def _softmax_rows(S):
    e = np.exp(S - S.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def expected_heads():
    """Per head j: the attention weights (2, 2) and the head output (2, 3), computed by hand."""
    p = example.PARAMS.encoder_layers[0].self_attn
    out = []
    for j in range(2):
        cols = slice(3 * j, 3 * j + 3)
        Q = X @ p.W_Q[:, cols] + p.b_Q[cols]
        K = X @ p.W_K[:, cols] + p.b_K[cols]
        V = X @ p.W_V[:, cols] + p.b_V[cols]
        A = _softmax_rows(Q @ K.T / math.sqrt(3))
        out.append((A, A @ V))
    return out


def expected_output():
    """Concat(head_0, head_1) W_O + b_O: (2, 4)."""
    p = example.PARAMS.encoder_layers[0].self_attn
    H = np.hstack([o for _, o in expected_heads()])
    return H @ p.W_O + p.b_O


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _stdout(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def key_result_text():
    cells = [c for c in _cells() if c.get("id") == "key-result"]
    assert len(cells) == 1, "exactly one cell must have the id 'key-result'"
    return _stdout(cells[0])


def parse_matrix(text, shape):
    values = np.array([float(x) for x in NUMBER.findall(text)])
    assert values.size == np.prod(shape), f"expected {np.prod(shape)} numbers, found {values.size} in {text!r}"
    return values.reshape(shape)


def check_key_result(text):
    np.testing.assert_allclose(parse_matrix(text, (2, 4)), expected_output(), rtol=0, atol=TOL)


def test_independent_derivation_matches_the_hand_checked_values():
    # anchors worked out on paper: X row 0 = [1, 2, 0, 0] is whole, so head 1's query and key for
    # "hello" are row 0 + 2 · row 1 of W_Q^1 = [0, -1/2, 1/2] + 2 [-1/2, 1/2, -1/2] and of
    # W_K^1 = [-1/2, 1/2, 0] + 2 [1/2, 0, -1/2], and their dot product is 1/2 - 1/4 + ... = 0.25
    p = example.PARAMS.encoder_layers[0].self_attn
    assert X[1].round(3).tolist() == [-0.159, 1.540, 1.010, 1.000]
    q, k = X[0] @ p.W_Q[:, 3:6], X[0] @ p.W_K[:, 3:6]
    assert q.tolist() == [-1, 0.5, -0.5] and k.tolist() == [0.5, 0.5, -1] and q @ k == 0.25
    for A, _ in expected_heads():
        np.testing.assert_allclose(A.sum(axis=1), 1.0)


def test_key_result_on_the_page():
    check_key_result(key_result_text())


def test_key_result_check_catches_a_changed_digit():
    text = key_result_text()
    m = re.search(r"\d(?=\d*\s*\]?\s*$)", text.strip().splitlines()[0])  # a digit of the first row's last number
    assert m, text
    line = text.strip().splitlines()[0]
    digit = line[m.start()]
    bad_line = line[:m.start()] + str((int(digit) + 1) % 10) + line[m.start() + 1:]
    with pytest.raises(AssertionError):
        check_key_result(text.replace(line, bad_line, 1))


def test_the_claims_about_the_heads_hold():
    """The text: in head 0 each token looks mostly at the other; in head 1 both at hello."""
    (A0, _), (A1, _) = expected_heads()
    assert A0[0, 1] > 0.5 and A0[1, 0] > 0.5
    assert (A1[:, 0] > 0.5).all()


def test_per_head_weights_on_the_page():
    cells = [c for c in _cells() if c["cell_type"] == "code"
             and "print(np.round(A0, 3)); print(np.round(A1, 3))" in "".join(c["source"])]
    assert len(cells) == 1
    printed = parse_matrix(_stdout(cells[0]), (2, 2, 2))
    expected = np.stack([A for A, _ in expected_heads()])
    np.testing.assert_allclose(printed, expected, rtol=0, atol=TOL)
