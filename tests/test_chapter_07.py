"""Chapter 7's key results re-derived without mathlib's math (tests/reference.py)."""
import re

import numpy as np

from mathlib import example
from reference import all_outputs, e_plus_pe, encoder_block, parse_numbers, stored_text

NOTEBOOK = "07-encoder.ipynb"


def test_memory_on_the_page():
    H = e_plus_pe()
    for layer in example.PARAMS.encoder_layers:
        H = encoder_block(H, layer)
    page = parse_numbers(stored_text(NOTEBOOK)).reshape(2, 4)
    np.testing.assert_allclose(page, H, atol=5e-4)


def test_parameter_counts_on_the_page():
    """One toy encoder block and the paper's base model, counted from the sizes alone."""
    def stacks(d, h, dk, dff, n):
        attention = 4 * d * h * dk + 3 * h * dk + d
        ffn = 2 * d * dff + dff + d
        return attention + ffn + 4 * d, n * (attention + ffn + 4 * d) + n * (2 * attention + ffn + 6 * d)

    toy_block, _ = stacks(4, 2, 3, 8, 6)
    _, base = stacks(512, 8, 64, 2048, 6)
    page = all_outputs(NOTEBOOK)
    assert re.search(rf"one encoder block : {toy_block}\b", page)
    assert f"{base:,}" in page
    assert f"stacks: {base / 1e6:.1f} M parameters" in page


def test_rows_agree_to_two_decimals_from_layer_3_on():
    """The caption of fig-stack-07: from after layer 3 on, the two rows agree to two decimals."""
    H, agree = e_plus_pe(), []
    for layer in example.PARAMS.encoder_layers:
        H = encoder_block(H, layer)
        agree.append(bool(np.array_equal(np.round(H[0], 2), np.round(H[1], 2))))
    assert agree == [False, False, False, True, True, True]
