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


def relative(a, b):
    return np.linalg.norm(a - b) / ((np.linalg.norm(a) + np.linalg.norm(b)) / 2)


def test_rows_stay_apart_through_the_stack():
    """The printed relative distances after E + PE and each layer, and the prose's claim that
    hello and world stay apart (no layer brings them within half their length)."""
    H, gaps = e_plus_pe(), []
    gaps.append(relative(*H))
    for layer in example.PARAMS.encoder_layers:
        H = encoder_block(H, layer)
        gaps.append(relative(*H))
    assert min(gaps) > 0.5
    page = stored_text(NOTEBOOK, "gaps-07")
    printed = [float(x) for x in re.findall(r": (\d\.\d\d)", page)]
    np.testing.assert_allclose(printed, gaps, atol=5e-3 + 1e-9)


def test_goodbye_lands_far_from_the_memory():
    """'goodbye' alone, encoded (position 0), is far from both rows of the memory."""
    E = np.array([[0.0, -1, 1, 1]]) + np.array([[0.0, 1, 0, 1]])       # goodbye + PE(0)
    g = E
    for layer in example.PARAMS.encoder_layers:
        g = encoder_block(g, layer)
    H = e_plus_pe()
    for layer in example.PARAMS.encoder_layers:
        H = encoder_block(H, layer)
    assert min(relative(g[0], H[0]), relative(g[0], H[1])) > 0.5
    printed = parse_numbers(stored_text(NOTEBOOK, "74737394"))     # batched, then alone
    np.testing.assert_allclose(printed.reshape(2, 4), [g[0], g[0]], atol=5e-4)


def test_base_model_with_shared_embedding():
    """44.1 M in the stacks + 37 000 × 512 shared embedding = 63.1 M; attention biases 18 × 2048."""
    page = all_outputs(NOTEBOOK)
    assert "of which attention biases: 36,864" in page
    assert "44.1 M + 18.9 M = 63.1 M" in page
    assert "one encoder block without them:      188" in page


def test_the_spread_of_the_toy_weights_against_glorot():
    """'close in spread to Glorot's' holds for W_Q, W_K, W_V only; W_O and the feed-forward
    weights have about half Glorot's standard deviation, sqrt(2 / (fan_in + fan_out))."""
    p = example.PARAMS
    layers = list(p.encoder_layers) + list(p.decoder_layers)
    kinds = {"W_Q": [l.self_attn.W_Q for l in layers], "W_K": [l.self_attn.W_K for l in layers],
             "W_V": [l.self_attn.W_V for l in layers], "W_O": [l.self_attn.W_O for l in layers],
             "W1": [l.ffn.W1 for l in layers], "W2": [l.ffn.W2 for l in layers]}
    page = stored_text(NOTEBOOK, "glorot-07")
    for kind, arrays in kinds.items():
        a, b = arrays[0].shape
        glorot = np.sqrt(2 / (a + b))
        ratio = np.concatenate([x.ravel() for x in arrays]).std() / glorot
        assert (0.8 < ratio < 1.1) if kind in ("W_Q", "W_K", "W_V") else (0.4 < ratio < 0.6), kind
        assert f"Glorot {glorot:.2f}, ratio {ratio:.2f}" in page, kind


def test_masking_with_zero_gives_the_padding_weight():
    """The −∞ pitfall: head 0 of encoder layer 0 on 'goodbye <pad>'; with 0 instead of −∞ the
    padding gets a weight, with −∞ exactly 0."""
    goodbye_pad = np.array([[0.0, -1, 1, 1], [0, 0, 0, 0]]) + np.array(
        [[0.0, 1, 0, 1], [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)]])
    att = example.PARAMS.encoder_layers[0].self_attn
    S = (goodbye_pad @ att.W_Q[:, :3]) @ (goodbye_pad @ att.W_K[:, :3]).T / np.sqrt(3)
    visible = np.array([True, False])
    w_inf = np.exp(np.where(visible, S, -np.inf) - S[:, :1])
    w_zero = np.exp(np.where(visible, S, 0.0))
    w_inf, w_zero = (w / w.sum(axis=1, keepdims=True) for w in (w_inf, w_zero))
    assert w_inf[0, 1] == 0 and w_zero[0, 1] > 0.05
    page = stored_text(NOTEBOOK, "pitfall-mask-07")
    assert "masked with -inf: weight on <pad> 0.000" in page
    assert f"masked with 0   : weight on <pad> {w_zero[0, 1]:.3f}" in page
