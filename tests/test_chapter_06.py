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
