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


def _post_ln_trace():
    """Per encoder layer: (‖hello − world‖ at its input, mean size of its attention output,
    ‖hello − world‖ in its attention output), and the stack's output."""
    H, rows = e_plus_pe(), []
    for layer in example.PARAMS.encoder_layers:
        att = multi_head(H, layer.self_attn)
        rows.append((np.linalg.norm(H[0] - H[1]), np.linalg.norm(att, axis=1).mean(),
                     np.linalg.norm(att[0] - att[1])))
        H = encoder_block(H, layer)
    return rows, H


def test_rank_collapse_table_on_the_page():
    """The table that explains why post-LN pulls "hello" and "world" together."""
    rows, _ = _post_ln_trace()
    page = all_outputs(NOTEBOOK)
    table = page[page.index("| layer | ‖hello − world‖ at its input"):].split("\n\n")[0]
    body = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(body) == 6
    for k, (line, (gap_in, size, gap_att)) in enumerate(zip(body, rows)):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells == [str(k), f"{gap_in:.1e}", f"{size:.2f}", f"{gap_att:.1e}"], line


def test_rank_collapse_claims_in_the_prose():
    """'From layer 1 on ... differ by less than 0.001', '1.3 to 2.6 times as long as the input
    (whose size is 2)', and 'no entry ... differs ... by more than 0.00001' after six layers."""
    rows, out = _post_ln_trace()
    assert rows[0][2] > 0.001
    assert all(gap_att < 0.001 for _, _, gap_att in rows[1:])
    ratios = [size / 2 for _, size, _ in rows[1:]]
    assert round(min(ratios), 1) == 1.3 and round(max(ratios), 1) == 2.6
    assert np.abs(out[0] - out[1]).max() < 1e-5
