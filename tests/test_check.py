"""mathlib.check: each check passes the book's solution, says "not done yet" to an
unfinished answer, and names the typical mistake of at least three wrong answers
(written here the way a reader would, most from appendix C's pitfalls)."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import attention, check, example, layers, phrases, positional, transformer

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, name, answer):
    getattr(check, name)(answer)
    return capsys.readouterr().out


# ------------------------------------------------------------------ the book's solutions

def one_hot(ids, vocab_size):
    return (ids[:, None] == np.arange(vocab_size)).astype(float)


def positional_encoding(n_positions, d_model):
    p = np.arange(n_positions)[:, None]
    i = np.arange(d_model // 2)
    angle = p / 10000 ** (2 * i / d_model)
    pe = np.zeros((n_positions, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def merge_heads(H):
    h, n, d = H.shape
    return H.transpose(1, 0, 2).reshape(n, h * d)


def feed_forward(x, W1, b1, W2, b2):
    return np.maximum(0, x @ W1 + b1) @ W2 + b2


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def encoder_layer(X, p):
    A, _ = attention.multi_head_attention(X, X, p.self_attn)
    X1 = layers.add_and_norm(X, A, p.norm1)
    return layers.add_and_norm(X1, layers.feed_forward(X1, p.ffn), p.norm2)


def causal_mask(n):
    i, j = np.indices((n, n))
    return j <= i


def sample_probabilities(logits, temperature, top_k):
    z = logits / temperature
    if top_k is not None:
        cut = np.sort(z)[::-1][top_k - 1]
        rank = np.argsort(-z, kind="stable")
        keep = np.zeros(len(z), dtype=bool)
        keep[rank[:top_k]] = True
        z = np.where(keep, z, -np.inf)
        assert z.max() >= cut
    return softmax(z)


def cross_entropy(logits, targets, pad_id):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    real = targets != pad_id
    return float(-picked[real].mean())


def warmup_lr(step, d_model, warmup):
    return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)


ARTICLES = {("the", "m"): "el", ("the", "f"): "la", ("a", "m"): "un", ("a", "f"): "una"}


def translate_phrase(det, adj, noun):
    spanish, gender = phrases.NOUNS[noun]
    masculine, feminine = phrases.ADJECTIVES[adj]
    adjective = masculine if gender == "m" else feminine
    return f"{ARTICLES[det, gender]} {spanish} {adjective}"


SOLUTIONS = {f.__name__: f for f in (one_hot, positional_encoding, softmax, merge_heads,
                                      feed_forward, layer_norm, encoder_layer, causal_mask,
                                      sample_probabilities, cross_entropy, warmup_lr,
                                      translate_phrase)}


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_the_solution_is_correct(capsys, name):
    out = run(capsys, name, SOLUTIONS[name])
    assert out.startswith(f"Correct: {name} agrees with mathlib"), out


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_unfinished_is_not_done_yet(capsys, name):
    def unfinished(*args, **kwargs):
        ...
    assert run(capsys, name, ...).startswith("Not done yet")
    assert run(capsys, name, unfinished).startswith("Not done yet")


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_output_fits_the_page(capsys, name):
    def wrong(**kwargs):
        if name == "translate_phrase":
            return "a phrase that is not the answer"
        return 0.0 if name in ("cross_entropy", "warmup_lr") else np.zeros((2, 2))
    out = run(capsys, name, wrong)
    assert out.startswith("Not yet")
    assert all(len(line) <= 74 for line in out.splitlines()), out


def test_an_exception_is_reported_not_raised(capsys):
    def softmax(x):
        return x.nonexistent()
    out = run(capsys, "softmax", softmax)
    assert "raised AttributeError" in out


# ------------------------------------------------------------------ typical wrong answers

def _tril(n):
    return np.tril(np.ones((n, n), dtype=bool))


WRONG = {
    "one_hot": [
        (lambda ids, vocab_size: np.eye(vocab_size)[ids].T, "rows and columns are swapped"),
        (lambda ids, vocab_size: np.eye(vocab_size)[(ids + 1) % vocab_size],
         "one column too far right"),
        (lambda ids, vocab_size: np.eye(vocab_size)[ids].sum(axis=0), "summed into one"),
        (lambda ids, vocab_size: np.ones((len(ids), vocab_size)), "exactly one 1"),
    ],
    "positional_encoding": [
        (lambda n_positions, d_model: np.where(
            np.arange(d_model) % 2 == 0,
            np.sin(np.arange(n_positions)[:, None] / 10000 ** (np.arange(d_model) / d_model)),
            np.cos(np.arange(n_positions)[:, None] / 10000 ** (np.arange(d_model) / d_model))),
         "pair index"),
        (lambda n_positions, d_model: positional_encoding(n_positions, d_model)[
            :, np.arange(d_model) ^ 1], "sin and cos are swapped"),
        (lambda n_positions, d_model: np.concatenate(
            [np.sin(np.arange(n_positions)[:, None] / 10000 ** (2 * np.arange(d_model // 2)
                                                                  / d_model)),
             np.cos(np.arange(n_positions)[:, None] / 10000 ** (2 * np.arange(d_model // 2)
                                                                  / d_model))], axis=1),
         "all the sines come first"),
        (lambda n_positions, d_model: np.stack(
            [np.sin(np.arange(n_positions)[:, None] * 10000 ** (2 * np.arange(d_model // 2)
                                                                  / d_model)),
             np.cos(np.arange(n_positions)[:, None] * 10000 ** (2 * np.arange(d_model // 2)
                                                                  / d_model))],
            axis=-1).reshape(n_positions, d_model), "divided by it"),
    ],
    "softmax": [
        (lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), "overflows"),
        (lambda x: softmax(x.T).T if x.ndim == 2 else softmax(x), "columns sum to 1"),
        (lambda x: np.exp(x - x.max(axis=-1, keepdims=True)), "was the maximum subtracted"),
        (lambda x: np.exp(x) - np.exp(x).max(), "was the maximum subtracted"),
        (lambda x: (np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)) * 1.2 if np.isfinite(
            x).all() and np.abs(x).max() < 100 else softmax(x) * 1.2, "rows sum to"),
    ],
    "merge_heads": [
        (lambda H: H.reshape(H.shape[1], -1), "without the transpose"),
        (lambda H: np.concatenate(list(H), axis=0).reshape(H.shape[1], -1),
         "without the transpose"),   # the same numbers as the plain reshape
        (lambda H: merge_heads(H[::-1]), "reverse order"),
        (lambda H: H.transpose(1, 0, 2), "(n, h·d)"),
        (lambda H: np.concatenate(list(H), axis=0), "(n, h·d)"),
    ],
    "feed_forward": [
        (lambda x, W1, b1, W2, b2: (x @ W1 + b1) @ W2 + b2, "no ReLU"),
        (lambda x, W1, b1, W2, b2: np.maximum(0, np.maximum(0, x @ W1 + b1) @ W2 + b2),
         "after the second layer"),
        (lambda x, W1, b1, W2, b2: np.maximum(0, x @ W1) @ W2 + b2, "b1 is missing"),
        (lambda x, W1, b1, W2, b2: (np.maximum(0, x @ W1) + b1) @ W2 + b2,
         "b1 is added after the ReLU"),
        (lambda x, W1, b1, W2, b2: np.maximum(0, x @ W1 + b1) @ W2, "b2 is missing"),
    ],
    "layer_norm": [
        (lambda x, gamma, beta, eps: (x - x.mean(-1, keepdims=True))
         / (x.std(-1, keepdims=True) + eps) * gamma + beta, "outside the square root"),
        (lambda x, gamma, beta, eps: (x - x.mean(-1, keepdims=True))
         / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps) * gamma + beta, "d − 1"),
        (lambda x, gamma, beta, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps) * gamma + beta,
         "down the columns"),
        (lambda x, gamma, beta, eps: (x - x.mean(-1, keepdims=True))
         / np.sqrt(x.var(-1, keepdims=True) + eps), "gamma and beta are missing"),
    ],
    "encoder_layer": [
        (lambda X, p: layers.layer_norm(
            layers.feed_forward(layers.layer_norm(attention.multi_head_attention(
                X, X, p.self_attn)[0], p.norm1.gamma, p.norm1.beta), p.ffn),
            p.norm2.gamma, p.norm2.beta), "residual connections are missing"),
        (lambda X, p: (lambda N: (lambda X1: X1 + layers.feed_forward(
            layers.layer_norm(X1, p.norm2.gamma, p.norm2.beta), p.ffn))(
            X + attention.multi_head_attention(N, N, p.self_attn)[0]))(
            layers.layer_norm(X, p.norm1.gamma, p.norm1.beta)), "pre-LN"),
        (lambda X, p: layers.add_and_norm(
            layers.add_and_norm(X, attention.multi_head_attention(X, X, p.self_attn)[0],
                                p.norm1), layers.feed_forward(X, p.ffn), p.norm2),
         "must read X1"),
        (lambda X, p: layers.add_and_norm(X, attention.multi_head_attention(
            X, X, p.self_attn)[0], p.norm1), "second one"),
    ],
    "causal_mask": [
        (lambda n: np.triu(np.ones((n, n), dtype=bool)), "see the future"),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "must see itself"),
        (lambda n: ~_tril(n), "swapped"),
        (lambda n: np.tril(np.ones((n, n))), "not booleans"),
    ],
    "sample_probabilities": [
        (lambda logits, temperature, top_k: sample_probabilities(logits * temperature, 1.0,
                                                                 top_k), "multiplied by T"),
        (lambda logits, temperature, top_k: (lambda p: np.where(
            p >= (np.sort(p)[::-1][top_k - 1] if top_k else 0), p, 0))(
            softmax(logits / temperature)), "after the softmax"),
        (lambda logits, temperature, top_k: sample_probabilities(
            -logits, temperature, top_k) if top_k else softmax(logits / temperature),
         "k smallest"),
        (lambda logits, temperature, top_k: sample_probabilities(logits, 1.0, top_k),
         "temperature is ignored"),
    ],
    "cross_entropy": [
        (lambda logits, targets, pad_id: float(-np.take_along_axis(
            np.log(softmax(logits)), targets[..., None], -1).mean()), "padding positions"),
        (lambda logits, targets, pad_id: float(-np.take_along_axis(
            np.log(softmax(logits)), targets[..., None], -1)[..., 0][targets != pad_id].sum()),
         "the sum"),
        (lambda logits, targets, pad_id: -cross_entropy(logits, targets, pad_id), "the sign"),
        (lambda logits, targets, pad_id: float(-np.take_along_axis(
            logits, targets[..., None], -1)[..., 0][targets != pad_id].mean()), "raw logit"),
    ],
    "warmup_lr": [
        (lambda step, d_model, warmup: d_model ** -0.5 * max(step ** -0.5,
                                                              step * warmup ** -1.5), "max"),
        (lambda step, d_model, warmup: min(step ** -0.5, step * warmup ** -1.5),
         "d_model^−0.5 is missing"),
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** -0.5,
                                                              step * warmup ** -0.5),
         "warmup^−1.5"),
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** 0.5,
                                                              step * warmup ** -1.5),
         "decays"),
    ],
}


def _word_for_word(det, adj, noun):
    """English order, every word translated, the masculine forms."""
    return " ".join([phrases.DETERMINERS[det][0], phrases.ADJECTIVES[adj][0],
                     phrases.NOUNS[noun][0]])


WRONG["translate_phrase"] = [
    (_word_for_word, "before the noun"),
    (lambda det, adj, noun: " ".join(
        [{"the": "el", "a": "un"}[det], phrases.NOUNS[noun][0],
         phrases.ADJECTIVES[adj][phrases.NOUNS[noun][1] == "f"]]),
     "the article is masculine whatever the noun"),
    (lambda det, adj, noun: translate_phrase(det, adj, noun).rsplit(" ", 1)[0]
     + " " + phrases.ADJECTIVES[adj][0], "the adjective does not agree"),
    (lambda det, adj, noun: f"{phrases.DETERMINERS[det][0]} {phrases.NOUNS[noun][0]} "
     f"{phrases.ADJECTIVES[adj][0]}", "masculine whatever the noun: both"),
    (lambda det, adj, noun: " ".join(
        [phrases.DETERMINERS[det][phrases.NOUNS[noun][1] == "m"], phrases.NOUNS[noun][0],
         phrases.ADJECTIVES[adj][phrases.NOUNS[noun][1] == "m"]]), "genders are swapped"),
    (lambda det, adj, noun: translate_phrase({"the": "a", "a": "the"}[det], adj, noun),
     "articles are swapped"),
    (lambda det, adj, noun: translate_phrase(det, adj, noun).split(), "not a list"),
    (lambda det, adj, noun: translate_phrase(det, adj, noun).capitalize() + " <eos>",
     "lower case"),
    (lambda det, adj, noun: " ".join(sorted(translate_phrase(det, adj, noun).split())),
     "wrong order"),
    (lambda det, adj, noun: f"{ARTICLES[det, phrases.NOUNS[noun][1]]} {noun} "
     f"{phrases.ADJECTIVES[adj][0]}", "an English word is left"),
]


def test_mathlib_check_offers_every_check_of_its_part_modules():
    """`check.<name>` reaches every check defined in mathlib/check/'s part modules, and only those."""
    from mathlib.check import beyond, decoder, encoder, learning
    defined = {name for m in (encoder, decoder, learning, beyond) for name, f in vars(m).items()
               if callable(f) and not name.startswith("_") and f.__module__ == m.__name__}
    assert defined == set(check.__all__) == set(SOLUTIONS)
    assert all(getattr(check, name).__module__.startswith("mathlib.check.") for name in defined)


def test_every_check_has_three_wrong_answers():
    assert set(WRONG) == set(SOLUTIONS)
    assert all(len(w) >= 3 for w in WRONG.values())


@pytest.mark.parametrize("name,index", [(n, i) for n, ws in WRONG.items()
                                        for i in range(len(ws))])
def test_a_wrong_answer_gets_its_hint(capsys, name, index):
    wrong, hint = WRONG[name][index]
    out = run(capsys, name, wrong)
    assert out.startswith("Not yet"), out
    assert hint in " ".join(out.split()), out
    assert "expected" in out and "got" in out


# ------------------------------------------------------------------ the chapters

CHAPTERS = sorted((ROOT / "chapters").glob("[01][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_a_self_checking_exercise(path):
    """At the end of the exercises, one block of cells: an exercise with a `...` body,
    its check printing "Not done yet" (the notebook as committed runs unfinished), and
    a collapsed solution whose check prints "Correct" (CI runs each check on the
    book's solution)."""
    cells = json.loads(path.read_text("utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    heading = next(i for i, s in enumerate(sources) if re.search(r"^## Exercises", s, re.M))
    marker = f"ch{path.stem[:2]}-check"
    at = [i for i, c in enumerate(cells) if c.get("id", "").startswith(marker)]
    assert at and at == list(range(at[0], at[0] + len(at))) and at[0] > heading
    block = [cells[i] for i in at]
    texts = ["".join(o.get("text", "")) for c in block if c["cell_type"] == "code"
             for o in c.get("outputs", [])]
    code = "\n".join("".join(c["source"]) for c in block if c["cell_type"] == "code")
    assert re.search(r"^\s+\.\.\.", code, flags=re.M), "an unfinished body"
    assert re.search(r"check\.\w+\(", code)
    assert any(t.startswith("Not done yet") for t in texts), texts
    assert any(t.startswith("Correct") for t in texts), texts
    assert "".join(block[2]["source"]).startswith('::: {.callout-tip collapse="true"')
