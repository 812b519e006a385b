"""Chapter 6's key results re-derived without mathlib's math (tests/reference.py)."""
import numpy as np

from mathlib import example
from reference import all_outputs, e_plus_pe, encoder_block, multi_head, parse_numbers, stored_text

NOTEBOOK = "06-residual-and-layer-norm.ipynb"


def test_first_encoder_layer_output_on_the_page():
    expected = encoder_block(e_plus_pe(), example.PARAMS.encoder_layers[0])
    page = parse_numbers(stored_text(NOTEBOOK)).reshape(2, 4)
    np.testing.assert_allclose(page, expected, atol=5e-4)


def test_layer_norm_by_hand_on_the_page():
    """The by-hand mean and population variance of the first row of X + A (4 = d, not d - 1)."""
    X = e_plus_pe()
    row = (X + multi_head(X, example.PARAMS.encoder_layers[0].self_attn))[0]
    mean, var = row.sum() / 4, ((row - row.sum() / 4) ** 2).sum() / 4
    page = all_outputs(NOTEBOOK)
    assert f"= {mean:.3f}" in page
    assert f"= {var:.4f}" in page


def _ln(v):
    c = v - v.mean(axis=-1, keepdims=True)
    return c / np.sqrt((c ** 2).mean(axis=-1, keepdims=True) + 1e-5)


def _old_draw(rng, path, shape):
    """The first edition's toy scale, as the chapter defines it (in the same draw order)."""
    name = path.rsplit(".", 1)[-1]
    if name in ("W_Q", "W_K", "W_V"):
        return rng.integers(-1, 2, size=shape).astype(float)
    if name in ("W_O", "W1", "b1", "W2", "b2", "W_out"):
        return np.round(rng.normal(0, 0.5, size=shape), 1) + 0.0
    if name == "embedding":
        return np.array(example.EMBEDDINGS)
    return np.ones(shape) if name == "gamma" else np.zeros(shape)


def _relative_after_six_layers(X, params):
    H = X
    for layer in params.encoder_layers:
        H = encoder_block(H, layer)
    return np.linalg.norm(H[1] - H[0]) / np.linalg.norm(H, axis=-1).mean()


def _collapse_rows():
    from mathlib.transformer import init_params
    pe = e_plus_pe() - np.array([[1.0, 1, 0, -1], [-1, 1, 1, 0]])
    inputs = {"book's vectors": e_plus_pe(), "seed's pair": np.array([[1.0, 2, 3, 4], [2, 3, 4, 5]]) + pe}
    rows = []
    for scale, draw in (("old scale", _old_draw), ("book scale", example.toy_draw), ("Glorot", None)):
        for label, X in inputs.items():
            r = np.array([_relative_after_six_layers(X, init_params(example.CONFIG, np.random.default_rng(s),
                                                                     draw=draw)) for s in range(10)])
            rows.append((scale, label, np.median(r), int((r < 0.01).sum())))
    return rows


def test_collapse_table_on_the_page():
    """The table of relative distances after six post-LN layers, per weight scale and input."""
    page = all_outputs(NOTEBOOK)
    table = page[page.index("| weights | input | median distance"):].split("\n\n")[0]
    body = [line for line in table.splitlines()[2:] if line.startswith("|")]
    rows = _collapse_rows()
    assert len(body) == len(rows) == 6
    for line, (scale, label, median, collapsed) in zip(body, rows):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells == [scale, label, f"{median:.1e}", f"{collapsed} of 10"], line


def test_collapse_claims_in_the_prose():
    """'At the old scale half or more of the models collapse', 'at the book's scale no model
    collapses', 'Glorot ... keeps most of them apart too, if less far than the book's weights'."""
    rows = {(s, i): (m, c) for s, i, m, c in _collapse_rows()}
    assert all(rows[("old scale", i)][1] >= 5 for i in ("book's vectors", "seed's pair"))
    assert all(rows[("book scale", i)][1] == 0 for i in ("book's vectors", "seed's pair"))
    for i in ("book's vectors", "seed's pair"):
        assert rows[("Glorot", i)][1] < 5 and rows[("Glorot", i)][0] < rows[("book scale", i)][0]


def test_the_seed_pair_normalises_to_one_vector_and_the_book_words_do_not():
    pair = _ln(np.array([[1.0, 2, 3, 4], [2, 3, 4, 5]]))
    np.testing.assert_allclose(pair[0], pair[1])
    np.testing.assert_allclose(pair[0], np.array([-3, -1, 1, 3]) / np.sqrt(5 + 4e-5), rtol=1e-12)
    words = _ln(np.asarray(example.EMBEDDINGS)[3:])
    gaps = [np.linalg.norm(words[i] - words[j]) for i in range(len(words)) for j in range(i)]
    assert min(gaps) > 1
    assert f"closest two words after layer norm: {min(gaps):.3f} apart" in all_outputs(NOTEBOOK)
