"""Chapter 1 (tokens and embeddings): the numbers on the page, re-derived without the notebook.

Each test recomputes a result with plain numpy / Python written here (not with
mathlib.tokens or mathlib.embedding) and compares it with the output stored in
the executed notebook, so a wrong number on the page fails even if mathlib and
the notebook agree with each other.
"""
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from mathlib.example import EMBEDDINGS, SOURCE, VOCAB

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "01-tokens-and-embeddings.ipynb"


def stored_text(cell_id, notebook=NOTEBOOK):
    """The stdout stored for the code cell with this id."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c.get("id") == cell_id]
    assert len(cells) == 1, f"expected one cell with id {cell_id!r}, found {len(cells)}"
    cell = cells[0]
    assert cell["cell_type"] == "code" and cell["outputs"], f"cell {cell_id!r} has no stored output"
    return "".join("".join(o["text"]) for o in cell["outputs"] if o["output_type"] == "stream")


def test_key_result_is_the_hello_world_embedding(notebook=NOTEBOOK):
    # Independent derivation: split and lower-case by hand, one-hot rows, times the table.
    words = SOURCE.lower().split()
    one_hot = np.array([[1.0 if token == word else 0.0 for token in VOCAB] for word in words])
    expected = one_hot @ np.asarray(EMBEDDINGS)
    # The book's spec: "Hello" = [1, 1, 0, -1], "World" = [-1, 1, 1, 0].
    np.testing.assert_array_equal(expected, [[1, 1, 0, -1], [-1, 1, 1, 0]])

    shape_line, _, array_text = stored_text("key-result", notebook).partition("\n")
    assert shape_line.strip() == "(2, 4)"
    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d*)?", array_text)]
    assert len(numbers) == expected.size, array_text
    np.testing.assert_allclose(np.array(numbers).reshape(expected.shape), expected)


def test_embedding_table_parameter_count(notebook=NOTEBOOK):
    # Exercise 2: the paper's base model, 37 000 tokens × d_model 512.
    expected = 37_000 * 512
    text = stored_text("ex-embedding-params", notebook)
    match = re.search(r"embedding table: ([\d,]+) parameters", text)
    assert match, text
    assert int(match.group(1).replace(",", "")) == expected


def _bpe(words, n_merges):
    """Byte-pair merges written out again: most frequent neighbouring pair, ties alphabetical."""
    corpus = [list(w) for w in words]
    merges = []
    for _ in range(n_merges):
        counts = Counter((a, b) for symbols in corpus for a, b in zip(symbols, symbols[1:]))
        best_count = max(counts.values())
        best = sorted(p for p, c in counts.items() if c == best_count)[0]
        merges.append(best)
        new_corpus = []
        for symbols in corpus:
            out, i = [], 0
            while i < len(symbols):
                if tuple(symbols[i:i + 2]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new_corpus.append(out)
        corpus = new_corpus
    return merges


def test_bpe_merges_on_the_page(notebook=NOTEBOOK):
    corpus = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    expected = _bpe(corpus, 5)
    assert expected[:2] == [("e", "s"), ("es", "t")]  # 9 "es" and 9 "st": the tie goes to "es"
    shown = re.findall(r"merge (\d+): (\S+) \+ (\S+) → (\S+)", stored_text("bpe-merges", notebook))
    assert [int(k) for k, *_ in shown] == list(range(1, len(expected) + 1))
    assert [(a, b) for _, a, b, _ in shown] == expected
    assert all(a + b == ab for _, a, b, ab in shown)


def stored_plain(cell_id, notebook=NOTEBOOK):
    """The text/plain result stored for the code cell with this id."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if c.get("id") == cell_id]
    return "".join("".join(o["data"]["text/plain"]) for o in cell["outputs"]
                   if o["output_type"] == "execute_result")


def test_unknown_word_messages_fit_the_column(notebook=NOTEBOOK):
    # The KeyError messages are wrapped for the page: every line ≤ 80 characters,
    # and nothing of the vocabulary is lost in the wrapping.
    text = stored_text("ch01-014", notebook)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    flat = " ".join(text.split())
    assert "unknown token 'helo'; nearest: hello, hola." in flat
    assert flat.count("The vocabulary is: " + ", ".join(VOCAB)) == 2


def test_hello_and_world_are_at_right_angles(notebook=NOTEBOOK):
    # The text says the cosine of hello and world is 0; recomputed by hand.
    hello, world = (np.asarray(EMBEDDINGS)[VOCAB.index(w)] for w in ("hello", "world"))
    cosine = sum(a * b for a, b in zip(hello, world)) / (
        sum(a * a for a in hello) ** 0.5 * sum(b * b for b in world) ** 0.5)
    assert cosine == 0
    assert float(stored_plain("ch01-039", notebook)) == 0.0
