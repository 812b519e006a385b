"""Chapter 8's key results re-derived without mathlib's math (tests/reference.py)."""
import re

import numpy as np

from mathlib import example
from reference import (all_outputs, attend, causal_mask, decoder_block, e_plus_pe, encoder_block, norm, parse_numbers,
                       softmax_rows, sos_hola_mundo, stored_text)

NOTEBOOK = "08-decoder.ipynb"


def memory():
    H = e_plus_pe()
    for layer in example.PARAMS.encoder_layers:
        H = encoder_block(H, layer)
    return H


def decoder_trace():
    """The decoder input '<sos> hola mundo' and the output of each of the six decoder layers."""
    mem, H = memory(), sos_hola_mundo()
    trace = [H]
    for layer in example.PARAMS.decoder_layers:
        H = decoder_block(H, mem, layer)
        trace.append(H)
    return trace


def test_decoder_output_on_the_page():
    expected = decoder_trace()[-1]
    page = parse_numbers(stored_text(NOTEBOOK)).reshape(3, 4)
    np.testing.assert_allclose(page, expected, atol=5e-4)


def test_masked_weights_of_head_0_by_hand_on_the_page():
    """Decoder layer 0, head 0: the lower-triangular weights shown after the masked scores."""
    p = example.PARAMS.decoder_layers[0].self_attn
    Y = sos_hola_mundo()
    _, (A0, A1) = attend(Y, Y, p, causal_mask(3))
    assert np.all(np.triu(A0, 1) == 0) and np.all(np.triu(A1, 1) == 0)
    rows = r" \\ ".join(" & ".join(f"{x:.3f}" for x in row) for row in A0)
    assert rows + r" \end{bmatrix} = A" in all_outputs(NOTEBOOK)
    # the sentences after the figure: hola splits in head 0, mundo leans most on hola there;
    # head 1 leans towards <sos> in every row
    assert 0.4 < A0[1, 0] < 0.6 and A0[2].argmax() == 1 and np.all(A1.argmax(axis=1) == 0)


def cross_weights_per_layer():
    """Each decoder layer's cross-attention weights (2 heads, 3 queries, 2 source words)."""
    mem, H, out = memory(), sos_hola_mundo(), []
    for p in example.PARAMS.decoder_layers:
        Y1 = norm(H + attend(H, H, p.self_attn, causal_mask(3))[0], p.norm1.gamma, p.norm1.beta)
        out.append(np.stack(attend(Y1, mem, p.cross_attn)[1]))
        H = decoder_block(H, mem, p)
    return out


def test_cross_attention_chooses():
    """Decoder layer 0: in head 1, hola puts 0.826 on hello (the largest weight); head 0 leans
    only mildly (< 0.7). Layers 0-4 each have a weight above 0.7, layer 5 none above 0.6."""
    w = cross_weights_per_layer()
    assert np.unravel_index(w[0].argmax(), w[0].shape) == (1, 1, 0)
    assert round(float(w[0].max()), 3) == 0.826 and w[0][0].max() < 0.7
    largest = [float(x.max()) for x in w]
    assert min(largest[:5]) > 0.7 and largest[5] < 0.6
    page = all_outputs(NOTEBOOK)
    assert f"query 'hola' on source word 'hello': {w[0].max():.3f}" in page
    assert f"largest weight in head 0: {w[0][0].max():.3f}" in page


def test_changing_a_later_token_leaves_earlier_outputs():
    mem = memory()
    Y = sos_hola_mundo()
    adios = np.array([1.0, 0, -1, 1]) + np.array([np.sin(2), np.cos(2), np.sin(0.02), np.cos(0.02)])
    other = Y.copy()
    other[2] = adios
    a, b = Y, other
    for layer in example.PARAMS.decoder_layers:
        a, b = decoder_block(a, mem, layer), decoder_block(b, mem, layer)
    np.testing.assert_allclose(a[:2], b[:2], atol=1e-12)
    assert np.abs(a[2] - b[2]).max() > 1e-5


def test_the_mask_pitfall_is_a_link_to_chapter_7():
    """The −∞ pitfall appears once, in chapter 7; this chapter links it."""
    import json
    from reference import CHAPTERS
    md = {name: "\n".join("".join(c["source"]) for c in json.loads((CHAPTERS / name).read_text())["cells"]
                           if c["cell_type"] == "markdown") for name in (NOTEBOOK, "07-encoder.ipynb")}
    assert "Pitfall: masking with 0" in md["07-encoder.ipynb"]
    assert "Pitfall: masking with 0" not in md[NOTEBOOK] and "chapter 7's pitfall" in md[NOTEBOOK]


def test_parameter_counts_on_the_page():
    d, h, dk, dff = 4, 2, 3, 8
    attention = 4 * d * h * dk + 3 * h * dk + d
    ffn = 2 * d * dff + dff + d
    decoder, encoder = 2 * attention + ffn + 6 * d, attention + ffn + 4 * d
    page = all_outputs(NOTEBOOK)
    assert f"= {decoder}\n" in page
    assert f"more than an encoder block: {decoder - encoder} = {attention} + {2 * d}" in page
