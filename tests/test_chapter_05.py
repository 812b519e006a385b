"""Chapter 5's key result, re-derived with plain numpy and compared with the notebook's stored output.

The feed-forward output of encoder layer 0, FFN(X1), is computed here from the
example's raw arrays with code written in this file (positional encoding,
attention, layer norm and the feed-forward network), not with mathlib's
functions, so a wrong number on the page fails even if mathlib and the
notebook agree with each other.
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import example

NOTEBOOK = Path(__file__).resolve().parent.parent / "chapters" / "05-feed-forward.ipynb"
NUMBER = re.compile(r"-?\d+\.\d*|-?\d+")


def _softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _x1():
    """X1 = LN(X + MultiHead(X)) of encoder layer 0 for "Hello World", X = E + PE: (2, 4)."""
    ids = [example.VOCAB.index("hello"), example.VOCAB.index("world")]
    n, d = len(ids), example.EMBEDDINGS.shape[1]
    pe = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):                   # pair index i: dimensions 2i and 2i+1
            angle = p / 10000 ** (2 * i / d)
            pe[p, 2 * i], pe[p, 2 * i + 1] = np.sin(angle), np.cos(angle)
    X = np.asarray(example.EMBEDDINGS)[ids] + pe

    layer = example.PARAMS.encoder_layers[0]
    a = layer.self_attn
    heads = []
    for j in range(2):                          # two heads, d_k = d_v = 3: columns 3j .. 3j+2
        cols = slice(3 * j, 3 * j + 3)
        Q = X @ a.W_Q[:, cols] + a.b_Q[cols]
        K = X @ a.W_K[:, cols] + a.b_K[cols]
        V = X @ a.W_V[:, cols] + a.b_V[cols]
        heads.append(_softmax_rows(Q @ K.T / np.sqrt(3)) @ V)
    attended = np.concatenate(heads, axis=1) @ a.W_O + a.b_O

    S = X + attended
    mu = S.mean(axis=1, keepdims=True)
    var = ((S - mu) ** 2).mean(axis=1, keepdims=True)       # population variance, eps inside the root
    return (S - mu) / np.sqrt(var + 1e-5) * layer.norm1.gamma + layer.norm1.beta


def _pre_activations():
    f = example.PARAMS.encoder_layers[0].ffn
    return _x1() @ f.W1 + f.b1


def _expected():
    """FFN(X1) = max(0, X1 W1 + b1) W2 + b2: (2, 4)."""
    f = example.PARAMS.encoder_layers[0].ffn
    return np.maximum(0, _pre_activations()) @ f.W2 + f.b2


def _key_result_text(nb):
    cells = [c for c in nb["cells"] if c.get("id") == "key-result"]
    assert len(cells) == 1, "exactly one cell must have the id 'key-result'"
    outputs = cells[0].get("outputs", [])
    text = "".join("".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    assert text, "the key-result cell has no stored printed output; execute the notebook"
    return text


def _parse(text):
    """The rows 'hello [...]' and 'world [...]' of the printed FFN output, as a (2, 4) array."""
    rows = {}
    for line in text.splitlines():
        word = line.strip().split(" ", 1)[0]
        if word in ("hello", "world"):
            rows[word] = [float(x) for x in NUMBER.findall(line.split("[", 1)[1])]
    assert set(rows) == {"hello", "world"}, f"could not find both rows in:\n{text}"
    assert all(len(r) == 4 for r in rows.values()), f"each row must hold 4 numbers:\n{text}"
    return np.array([rows["hello"], rows["world"]])


def _matches(printed, expected):
    return printed.shape == expected.shape and np.allclose(printed, expected, rtol=0, atol=0.0005 + 1e-9)


@pytest.fixture(scope="module")
def notebook():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_key_result_matches_independent_computation(notebook):
    expected = _expected()
    printed = _parse(_key_result_text(notebook))
    assert printed.shape == (2, 4)
    np.testing.assert_allclose(printed, np.round(expected, 3), rtol=0, atol=1e-9)


def test_a_perturbed_output_would_be_caught(notebook):
    text = _key_result_text(notebook)
    expected = _expected()
    assert _matches(_parse(text), expected)
    first = NUMBER.search(text.split("hello", 1)[1])
    start = len(text.split("hello", 1)[0]) + len("hello") + first.start()
    wrong = f"{float(first.group()) + 0.001:.3f}"
    perturbed = text[:start] + wrong + text[start + len(first.group()):]
    assert not _matches(_parse(perturbed), expected)


def test_relu_switches_off_the_units_the_text_names():
    """The prose: hello switches on units 0, 1, 2, 4, 6 and 7, world 1, 2, 5, 6 and 7."""
    on = [np.flatnonzero(z > 0).tolist() for z in _pre_activations()]
    assert on == [[0, 1, 2, 4, 6, 7], [1, 2, 5, 6, 7]]


def test_some_output_entries_are_negative():
    """The pitfall says the FFN output may be negative, "as some entries here are"."""
    assert (_expected() < 0).any() and (_expected() > 0).any()


def test_x1_is_normalised():
    X1 = _x1()
    np.testing.assert_allclose(X1.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(X1.var(axis=1), 1, atol=1e-4)
