"""Appendix D, "Why this example stays alive": its tables and claims re-derived with the
plain-numpy reference (tests/reference.py); only the parameters come from mathlib (the book's
through mathlib.example, the other draws through init_params in the same draw order).
"""
import json
from pathlib import Path

import numpy as np

from mathlib import example
from reference import attend, causal_mask, decoder_block, e_plus_pe, encoder_block, norm, sos_hola_mundo

NOTEBOOK = Path(__file__).resolve().parents[1] / "appendices" / "d-example-alive.ipynb"


def cell_text(cell_id):
    """Everything a cell of the committed appendix shows (streams, plain text, Markdown)."""
    nb = json.loads(NOTEBOOK.read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    texts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            texts.append("".join(out["text"]))
        for kind in ("text/plain", "text/markdown"):
            texts.append("".join(out.get("data", {}).get(kind, "")))
    return "".join(texts)


def relative(rows):
    return np.linalg.norm(rows[1:] - rows[0], axis=-1).mean() / np.linalg.norm(rows, axis=-1).mean()


def stack(X, params):
    for layer in params.encoder_layers:
        X = encoder_block(X, layer)
    return X


def _large_draw(rng, path, shape):
    """The appendix's large scale, as it defines it (in the same draw order)."""
    name = path.rsplit(".", 1)[-1]
    if name in ("W_Q", "W_K", "W_V"):
        return rng.integers(-1, 2, size=shape).astype(float)
    if name in ("W_O", "W1", "b1", "W2", "b2", "W_out"):
        return np.round(rng.normal(0, 0.5, size=shape), 1) + 0.0
    return example.toy_draw(rng, path, shape)


PAIR = np.array([[1.0, 2, 3, 4], [2, 3, 4, 5]]) + (e_plus_pe() - np.array([[1.0, 1, 0, -1], [-1, 1, 1, 0]]))


def test_the_pair_stays_apart_with_positions():
    rows, gaps = PAIR, [relative(PAIR)]
    for layer in example.PARAMS.encoder_layers:
        rows = encoder_block(rows, layer)
        gaps.append(relative(rows))
    assert min(gaps) > 0.1
    assert "[" + " ".join(f"{g:.2f}" for g in gaps) + "]" in cell_text("pair")


def _collapse_rows():
    from mathlib.transformer import init_params
    inputs = {"book's vectors": e_plus_pe(), "the pair": PAIR}
    rows = []
    for scale, draw in (("large", _large_draw), ("book", example.toy_draw), ("Glorot", None)):
        for label, X in inputs.items():
            r = np.array([relative(stack(X, init_params(example.CONFIG, np.random.default_rng(s), draw=draw)))
                          for s in range(10)])
            rows.append((scale, label, np.median(r), int((r < 0.01).sum())))
    return rows


def test_collapse_table_and_its_claims():
    """The table of relative distances after six post-LN layers per weight scale and input, and
    the prose: half or more collapse at the large scale, none at the book's, Glorot in between."""
    table = cell_text("collapse")
    body = [line for line in table.splitlines()[2:] if line.startswith("|")]
    rows = _collapse_rows()
    assert len(body) == len(rows) == 6
    for line, (scale, label, median, collapsed) in zip(body, rows):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells == [scale, label, f"{median:.1e}", f"{collapsed} of 10"], line
    found = {(s, i): (m, c) for s, i, m, c in rows}
    for i in ("book's vectors", "the pair"):
        assert found["large", i][1] >= 5 and found["book", i][1] == 0
        assert found["Glorot", i][1] < 5 and found["Glorot", i][0] < found["book", i][0]


def test_forty_encoders():
    from mathlib.transformer import init_params
    toy = [relative(stack(e_plus_pe(), example.example_params(seed=s))) for s in range(40)]
    glorot = [relative(stack(e_plus_pe(), init_params(example.CONFIG, np.random.default_rng(s))))
              for s in range(40)]
    page = cell_text("forty")
    assert min(toy) > 0.1
    for name, r in (("toy weights", toy), ("Glorot", glorot)):
        assert f"{name:11}: median {np.median(r):.2f}, from {min(r):.2f} to {max(r):.2f}" in page


def test_decoder_layer_by_layer():
    mem, H = stack(e_plus_pe(), example.PARAMS), sos_hola_mundo()
    page = cell_text("decoder-table")
    largest = []
    for k, p in enumerate(example.PARAMS.decoder_layers):
        Y1 = norm(H + attend(H, H, p.self_attn, causal_mask(3))[0], p.norm1.gamma, p.norm1.beta)
        w = np.stack(attend(Y1, mem, p.cross_attn)[1])
        H = decoder_block(H, mem, p)
        gap = min(np.abs(H[i] - H[j]).max() for i in range(3) for j in range(i + 1, 3))
        assert gap > 0.1
        largest.append(w.max())
        assert f"| {k} | {w.max():.3f} | {gap:.3f} |" in page
    assert min(largest[:5]) > 0.7 and largest[5] < 0.6


def test_no_page_speaks_of_the_seed_scale_as_an_edition():
    text = NOTEBOOK.read_text()
    for word in ("edition", "old scale"):
        assert word not in text
