"""Chapter 2's key result, re-derived without mathlib.positional: "Hello World" + positional encoding.

The expected numbers come from math.sin / math.cos and the paper's formula
PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)),
written here from scratch, and are compared with the output stored in the
notebook's `key-result` cell, so a wrong number on the page fails.
"""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import example

NOTEBOOK = Path(__file__).resolve().parent.parent / "chapters" / "02-positional-encoding.ipynb"
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def pe_vector(p, d_model):
    """PE(p) from the formula, one (sin, cos) pair per pair index i."""
    out = []
    for i in range(d_model // 2):
        angle = p / 10000 ** (2 * i / d_model)
        out += [math.sin(angle), math.cos(angle)]
    return out


def expected_input():
    """E + PE for the source sentence: rows of the embedding table plus PE(0), PE(1)."""
    d_model = example.EMBEDDINGS.shape[1]
    words = example.SOURCE.lower().split()                       # ['hello', 'world']
    rows = [example.EMBEDDINGS[example.VOCAB.index(w)] for w in words]
    return np.array([[e + pe for e, pe in zip(row, pe_vector(p, d_model))] for p, row in enumerate(rows)])


def stored_text(nb, cell_id):
    cells = [c for c in nb["cells"] if c.get("id") == cell_id]
    assert len(cells) == 1, f"expected one cell with id {cell_id!r}, found {len(cells)}"
    outs = cells[0].get("outputs", [])
    assert outs, f"cell {cell_id!r} has no stored output"
    return "".join("".join(o.get("text", "")) if o["output_type"] == "stream"
                   else "".join(o.get("data", {}).get("text/plain", "")) for o in outs)


def parse_matrix(text, shape):
    values = [float(x) for x in NUMBER.findall(text)]
    assert len(values) == math.prod(shape), f"expected {math.prod(shape)} numbers in {text!r}"
    return np.array(values).reshape(shape)


@pytest.fixture(scope="module")
def notebook():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_pe1_from_the_formula_is_the_books_fact():
    # Correctness fact 1: the pair index, so the second entry is cos 1, not cos 0.1.
    pe1 = pe_vector(1, 4)
    assert pe1 == [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)]
    assert [round(x, 3) for x in pe1] == [0.841, 0.540, 0.010, 1.000]


def test_key_result_is_E_plus_PE(notebook):
    expected = expected_input()
    assert expected.shape == (2, 4)
    shown = parse_matrix(stored_text(notebook, "key-result"), expected.shape)
    np.testing.assert_allclose(shown, np.round(expected, 3), atol=1e-9)
    np.testing.assert_allclose(shown[0], [1, 2, 0, 0], atol=1e-9)          # "Hello" + PE(0)


def test_page_shows_world_plus_pe1_to_three_decimals(notebook):
    # The LaTeX of the by-hand cell must hold the row "World" + PE(1) as computed here.
    row = " & ".join(f"{x:.3f}" for x in expected_input()[1])
    latex = "".join("".join(o.get("data", {}).get("text/latex", ""))
                    for c in notebook["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert row in latex, f"no rendered row {row!r} in the chapter's math"
    pe1 = " & ".join(f"{x:.3f}" for x in pe_vector(1, 4))
    assert pe1 in latex, f"no rendered PE(1) {pe1!r} in the chapter's math"
