"""Chapter 6's key results re-derived without mathlib's math (tests/reference.py)."""
import numpy as np
import pytest

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


def _markdown():
    import json
    from reference import CHAPTERS
    nb = json.loads((CHAPTERS / NOTEBOOK).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_post_ln_and_pre_ln_side_by_side():
    """The question callout gives both one-line forms and the final norm of pre-LN, and says
    why the popular code (the Annotated Transformer's, GPT-2, nanoGPT) differs from the figure."""
    md = _markdown()
    callout = md[md.index("Question: post-LN or pre-LN?"):].split("\n:::")[0]
    assert r"x \leftarrow \operatorname{LN}\big(x + F(x)\big)" in callout
    assert r"x \leftarrow x + F\big(\operatorname{LN}(x)\big)" in callout
    assert "at the end" in callout and "warm-up" in callout
    for name in ("Annotated Transformer", "GPT-2", "nanoGPT", "Config.final_norm"):
        assert name in callout, name


@pytest.mark.parametrize("notebook", [NOTEBOOK, "07-encoder.ipynb", "08-decoder.ipynb"])
def test_the_stack_loops_do_not_reuse_h(notebook):
    """H is the feed-forward hidden layer (preface, chapter 5), not a loop variable."""
    import json
    import re
    from reference import CHAPTERS
    nb = json.loads((CHAPTERS / notebook).read_text())
    code = "\n".join(line for c in nb["cells"] if c["cell_type"] == "code"
                     for line in "".join(c["source"]).splitlines()
                     if not line.startswith("#|"))       # captions may name the hidden layer H
    assert not re.search(r"\bH\b", code)


def test_the_seed_pair_normalises_to_one_vector_and_the_book_words_do_not():
    pair = _ln(np.array([[1.0, 2, 3, 4], [2, 3, 4, 5]]))
    np.testing.assert_allclose(pair[0], pair[1])
    np.testing.assert_allclose(pair[0], np.array([-3, -1, 1, 3]) / np.sqrt(5 + 4e-5), rtol=1e-12)
    words = _ln(np.asarray(example.EMBEDDINGS)[3:])
    gaps = [np.linalg.norm(words[i] - words[j]) for i in range(len(words)) for j in range(i)]
    assert min(gaps) > 1
    assert f"closest two words after layer norm: {min(gaps):.3f} apart" in all_outputs(NOTEBOOK)
