"""Chapter 3's key result, re-derived without the notebook and without mathlib's attention code.

The chapter prints the attention weights of head 0 of encoder layer 0 for
"Hello World". Here they are recomputed with plain numpy from the example's
parameters and the sinusoidal formula written out, and compared with the
output stored in the notebook, so a wrong number on the page fails even if
mathlib and the notebook agree with each other.
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import example

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "03-self-attention.ipynb"
FLOAT = re.compile(r"-?\d+\.\d*")


def hello_world_input():
    """E + PE for "Hello World": embedding rows plus sin/cos of the pair index, written out."""
    words = example.SOURCE.lower().split()                    # ['hello', 'world']
    E = np.array([example.EMBEDDINGS[example.VOCAB.index(w)] for w in words])
    n, d_model = E.shape
    PE = np.zeros((n, d_model))
    for pos in range(n):
        for i in range(d_model // 2):                         # pair index: dimensions 2i, 2i+1
            angle = pos / 10000 ** (2 * i / d_model)
            PE[pos, 2 * i] = np.sin(angle)
            PE[pos, 2 * i + 1] = np.cos(angle)
    return E + PE


def head0_weights():
    """softmax(Q Kᵀ / √3) for head 0 (columns 0..2) of encoder layer 0, in plain numpy."""
    X = hello_world_input()
    attn = example.PARAMS.encoder_layers[0].self_attn
    Q = X @ attn.W_Q[:, 0:3]
    K = X @ attn.W_K[:, 0:3]
    scores = Q @ K.T / np.sqrt(3)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def stored_key_result(path=NOTEBOOK):
    """The numbers printed by the notebook cell with id 'key-result', as a (2, 2) array."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c.get("id") == "key-result"]
    assert len(cells) == 1, "exactly one cell must have the id 'key-result'"
    text = "".join("".join(o["text"]) for o in cells[0].get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    numbers = [float(x) for x in FLOAT.findall(text)]
    assert len(numbers) == 4, f"expected a 2×2 matrix in the key-result output, got {text!r}"
    return np.array(numbers).reshape(2, 2)


def test_input_is_chapter_2_result():
    # "Hello" + PE(0) = [1, 1, 0, -1] + [0, 1, 0, 1]; "World" + PE(1) = [-1, 1, 1, 0] + [0.841, 0.540, 0.010, 1.000].
    np.testing.assert_allclose(hello_world_input(), [[1, 2, 0, 0], [-0.159, 1.540, 1.010, 1.000]], atol=5e-4)


def test_head0_scores_by_hand():
    # Hello's row [1, 2, 0, 0] picks rows 0 and 1 of the half-integer weights: query
    # [0.5, 1.5, 0] against key [-1, 0, 1] gives -0.5 + 0 + 0 = -0.5, in halves only.
    X = hello_world_input()
    attn = example.PARAMS.encoder_layers[0].self_attn
    q, k = X[0] @ attn.W_Q[:, 0:3], X[0] @ attn.W_K[:, 0:3]
    assert q.tolist() == [0.5, 1.5, 0.0]
    assert k.tolist() == [-1.0, 0.0, 1.0]
    assert q @ k == -0.5


def test_key_result_matches_independent_computation():
    A = head0_weights()
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_array_equal(stored_key_result(), np.round(A, 3))


def test_a_wrong_stored_number_is_caught(tmp_path):
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c.get("id") == "key-result")
    out = next(o for o in cell["outputs"] if o.get("output_type") == "stream")
    text = "".join(out["text"])
    first = FLOAT.search(text)
    wrong = f"{float(first.group()) + 0.001:.3f}"
    out["text"] = text[:first.start()] + wrong + text[first.end():]
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(stored_key_result(bad), np.round(head0_weights(), 3))
