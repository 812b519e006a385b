"""Chapter 9's key results re-derived without mathlib's math (tests/reference.py and plain numpy here).

Only the parameters come from mathlib.example. The generation loop, the positional
encodings of every decoder position, the <pad>/<sos> exclusion and the argmax are
written out below, and compared with what the committed notebook shows.
"""
import json
import re

import numpy as np
import pytest

from mathlib import example
from reference import CHAPTERS, all_outputs, decoder_block, e_plus_pe, encoder_block, parse_numbers, sos_hola_mundo, stored_text

NOTEBOOK = "09-generation.ipynb"
MAX_LEN = 10                                    # the chapter's length limit (MAX_LEN in the notebook)
VOCAB = example.VOCAB
P = example.PARAMS


def pe(n, d=4):
    """PE(p)[2i] = sin(p / 10000^(2i/d)), PE(p)[2i+1] = cos(p / 10000^(2i/d)), positions 0..n-1."""
    out = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):
            out[p, 2 * i] = np.sin(p / 10000 ** (2 * i / d))
            out[p, 2 * i + 1] = np.cos(p / 10000 ** (2 * i / d))
    return out


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def memory(src=(3, 4)):
    """The encoder's output for the source ids (default "Hello World") + PE(0 … n-1)."""
    src = list(src)
    H = example.EMBEDDINGS[src] + pe(len(src))
    for layer in P.encoder_layers:
        H = encoder_block(H, layer)
    return H


def decoder_output(ids, mem):
    Y = example.EMBEDDINGS[ids] + pe(len(ids))  # E + PE at every step, positions 0..t
    for layer in P.decoder_layers:
        Y = decoder_block(Y, mem, layer)
    return Y


def greedy(src=(3, 4)):
    """The greedy translation of the source and each step's distribution, in plain numpy."""
    mem = memory(src)                           # the encoder runs once
    prefix, dists = [example.SOS], []
    for _ in range(MAX_LEN):
        z = decoder_output(prefix, mem)[-1] @ P.W_out + P.b_out
        z[[example.PAD, example.SOS]] = -np.inf  # never <pad>, never a second <sos>
        p = softmax(z)
        dists.append(p)
        prefix.append(int(np.argmax(p)))
        if prefix[-1] == example.EOS:
            break
    return prefix[1:], np.array(dists)


def cell_markdown(cell_id):
    """The Markdown a cell displayed (e.g. a show.table), from the committed notebook."""
    nb = json.loads((CHAPTERS / NOTEBOOK).read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    return "".join("".join(o["data"]["text/markdown"]) for o in cell["outputs"] if "text/markdown" in o.get("data", {}))


def check_key_result(text):
    """The key-result cell's lines (the translation, wrapped, then step 0's probabilities)
    against the plain-numpy greedy loop."""
    head, sep, probs = text.partition("step 0 probabilities:")
    assert sep, text
    assert head.startswith("greedy translation of 'Hello World':"), text
    words = head.split(":", 1)[1].split()
    tokens, dists = greedy()
    assert words == [VOCAB[t] for t in tokens]
    assert all(len(line) <= 80 for line in text.splitlines())
    page = parse_numbers(probs)
    assert page.shape == (len(VOCAB),)
    np.testing.assert_allclose(page, dists[0], atol=5e-4 + 1e-9)


def test_positional_encoding_helper_matches_the_reference():
    np.testing.assert_allclose(example.EMBEDDINGS[[3, 4]] + pe(2), e_plus_pe())
    np.testing.assert_allclose(example.EMBEDDINGS[[1, 6, 7]] + pe(3), sos_hola_mundo())


def test_key_result_on_the_page():
    check_key_result(stored_text(NOTEBOOK))


def test_a_changed_key_result_fails():
    text = stored_text(NOTEBOOK)
    tokens, dists = greedy()
    wrong_word = text.replace(VOCAB[tokens[0]], "hola", 1)
    step0 = re.search(r"probabilities:\s*\[(.*)\]", text).group(1)
    first = re.search(r"0\.\d{3}", step0).group(0)                      # a printed probability
    wrong_digit = text.replace(first, f"{float(first) + 0.002:.3f}", 1)
    for bad in (wrong_word, wrong_digit):
        assert bad != text
        with pytest.raises(AssertionError):
            check_key_result(bad)


def test_untrained_model_claims():
    """The chapter's claims: "mundo" and "goodbye" in runs to the length limit; <pad> and <sos>
    have probability 0 at every step; no step gives any token much more than a quarter."""
    tokens, dists = greedy()
    assert len(tokens) == MAX_LEN and {VOCAB[t] for t in tokens} == {"mundo", "goodbye"}
    assert (dists[:, [example.PAD, example.SOS]] == 0).all()
    np.testing.assert_allclose(dists.sum(axis=1), 1.0)
    assert 0.25 < dists.max() < 0.3


def test_other_sources_get_other_outputs_on_the_page():
    """The table of source sentences: each row is the plain-numpy greedy output, and they differ."""
    table = cell_markdown("other-sources")
    outputs = []
    for sentence in ["Hello World", "goodbye", "world hello", "goodbye world !"]:
        ids = [VOCAB.index(w) for w in sentence.lower().split()]
        tokens, _ = greedy(ids)
        outputs.append(tuple(tokens))
        assert f'| "{sentence}" | `{" ".join(VOCAB[t] for t in tokens)}` |' in table
    assert len(set(outputs)) == len(outputs)


def test_p_hola_renormalised_on_the_page():
    """Exercise 1: P(hola) at step 0 is the teacher-forcing P(hola) divided by 1 - P(<pad>) - P(<sos>)."""
    z = decoder_output([example.SOS], memory())[-1] @ P.W_out + P.b_out
    full = softmax(z)
    kept = 1 - full[example.PAD] - full[example.SOS]
    _, dists = greedy()
    hola = VOCAB.index("hola")
    np.testing.assert_allclose(full[hola] / kept, dists[0][hola], rtol=1e-12)
    page = all_outputs(NOTEBOOK)
    assert f"P(hola) with <pad>, <sos>: {full[hola]:.3f}; / {kept:.3f} = {dists[0][hola]:.3f}" in page


def test_step_table_on_the_page():
    """Every row of the step-by-step table: prefix, chosen token, its probability."""
    tokens, dists = greedy()
    rows = re.findall(r"^\| (\d+) \| `([^`]*)` \| `([^`]*)` \| (\d\.\d{3}) \|$", cell_markdown("greedy-table"), flags=re.M)
    assert len(rows) == len(tokens)
    prefix = [example.SOS]
    for t, (step, pre, chosen, prob) in enumerate(rows):
        assert int(step) == t and pre == " ".join(VOCAB[i] for i in prefix) and chosen == VOCAB[tokens[t]]
        assert abs(float(prob) - dists[t, tokens[t]]) <= 5e-4 + 1e-9
        prefix.append(tokens[t])


def test_next_token_after_sos_hola_mundo_on_the_page():
    """Step 1's reading of fig-next-token-09: the full softmax of the last row of the logits."""
    Y = sos_hola_mundo()
    mem = memory()
    for layer in P.decoder_layers:
        Y = decoder_block(Y, mem, layer)
    p = softmax(Y[-1] @ P.W_out + P.b_out)
    best = int(np.argmax(p))
    m = re.search(r"most probable next token: (\S+) \((\d\.\d{3})\); <eos> gets (\d\.\d{3})", all_outputs(NOTEBOOK))
    assert m, "the read-off line is missing from the notebook"
    assert m.group(1) == VOCAB[best]
    assert abs(float(m.group(2)) - p[best]) <= 5e-4 + 1e-9
    assert abs(float(m.group(3)) - p[example.EOS]) <= 5e-4 + 1e-9
