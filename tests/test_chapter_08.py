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
    # the sentences after the figure: hola splits in head 0, sits on <sos> in head 1; mundo mostly on itself
    assert 0.5 < A0[1, 0] < 0.7 and A1[1, 0] > 0.99 and A0[2, 2] > 0.9 and A1[2, 2] > 0.8


def test_masking_with_zero_lets_positions_see_the_future():
    """The pitfall's claims: with 0 instead of -inf, <sos> spreads evenly in head 0, and
    'hola' puts almost everything on 'mundo' in head 1."""
    p = example.PARAMS.decoder_layers[0].self_attn
    Y = sos_hola_mundo()
    weights = []
    for h in range(2):
        c = slice(3 * h, 3 * h + 3)
        S = (Y @ p.W_Q[:, c]) @ (Y @ p.W_K[:, c]).T / np.sqrt(3)
        weights.append(softmax_rows(np.where(causal_mask(3), S, 0.0)))
    np.testing.assert_allclose(weights[0][0], 1 / 3)
    assert round(weights[1][1, 2], 3) == 0.999
    assert "head 1, masked with 0:" in all_outputs(NOTEBOOK)


def test_cross_attention_is_one_half_everywhere():
    """The memory's two rows are nearly equal, so every cross-attention weight of every decoder
    layer is 0.5 to three decimals (figure, table and prose)."""
    mem = memory()
    assert np.abs(mem[0] - mem[1]).max() < 1e-5
    H = sos_hola_mundo()
    for p in example.PARAMS.decoder_layers:
        Y1 = norm(H + attend(H, H, p.self_attn, causal_mask(3))[0], p.norm1.gamma, p.norm1.beta)   # the queries' input
        _, cross = attend(Y1, mem, p.cross_attn)
        for w in cross:
            assert np.all(np.round(w, 3) == 0.5)
        H = decoder_block(H, mem, p)


def test_changing_a_later_token_leaves_earlier_outputs():
    mem = memory()
    Y = sos_hola_mundo()
    adios = np.array([3.0, 1, 3, 1]) + np.array([np.sin(2), np.cos(2), np.sin(0.02), np.cos(0.02)])
    other = Y.copy()
    other[2] = adios
    a, b = Y, other
    for layer in example.PARAMS.decoder_layers:
        a, b = decoder_block(a, mem, layer), decoder_block(b, mem, layer)
    np.testing.assert_allclose(a[:2], b[:2], atol=1e-12)
    assert np.abs(a[2] - b[2]).max() > 1e-5


def test_rows_collapse_claims():
    """Caption of fig-stack-08 and the prose: the largest difference between rows falls from about
    0.3 after layer 0 to below 0.001 after layer 5, and the rows then agree to two decimals."""
    trace = decoder_trace()
    spreads = [max(np.abs(H[i] - H[j]).max() for i in range(3) for j in range(i + 1, 3)) for H in trace[1:]]
    assert round(spreads[0], 1) == 0.3 and spreads[-1] < 1e-3
    last = np.round(trace[-1], 2)
    assert np.array_equal(last[0], last[1]) and np.array_equal(last[0], last[2])
    page = all_outputs(NOTEBOOK)
    assert re.search(r"\| 5 \| [^|]+\| 0\.500, 0\.500 \| " + re.escape(f"{spreads[-1]:.1e}") + r" \|", page)


def test_parameter_counts_on_the_page():
    d, h, dk, dff = 4, 2, 3, 8
    attention = 4 * d * h * dk + 3 * h * dk + d
    ffn = 2 * d * dff + dff + d
    decoder, encoder = 2 * attention + ffn + 6 * d, attention + ffn + 4 * d
    page = all_outputs(NOTEBOOK)
    assert f"= {decoder}\n" in page
    assert f"more than an encoder block: {decoder - encoder} = {attention} + {2 * d}" in page
