"""Chapter 11's key results re-derived without mathlib's math (tests/reference.py and plain numpy).

What comes from mathlib: the toy parameters (mathlib.example), the book's
stored run (example.trained_params() and example.stored_runs(), made by
tools/make_checkpoint.py), and, for the slow test, one live re-run of
train.train. Everything the page claims about them is recomputed here in plain
numpy: the loss of the corpus (a plain-numpy forward pass and cross-entropy with
label smoothing), the gradient of one weight (by central differences of that
loss, not by backpropagation), one Adam step, the schedule with its cool-down,
that the key biases b_K do not change the loss, the lowest loss label smoothing
allows, and every greedy translation of the stored model
(reference.greedy_translation). The corpus is read from mathlib/data/corpus.tsv
with the csv module, not with mathlib.corpus. What the page says of a *live*
run, on every machine, is checked over several runs by tests/test_training_runs.py.
"""
import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mathlib import example, train
from reference import CHAPTERS, greedy_translation, model_logits, stored_text

NOTEBOOK = "11-training.ipynb"
VOCAB = list(example.VOCAB)
P = example.PARAMS
HOLA = VOCAB.index("hola")
CORPUS = Path(__file__).resolve().parents[1] / "mathlib" / "data" / "corpus.tsv"

# The chapter's settings, written out (train.TOY_SETTINGS must say the same).
STEPS, LR, WARMUP, COOLDOWN, SMOOTHING, D_MODEL = 400, 0.2, 100, 200, 0.1, 4
BETA1, BETA2, EPS = 0.9, 0.98, 1e-9


def read_corpus():
    """(train, held_out) pairs straight from the TSV file."""
    with open(CORPUS, encoding="utf-8") as f:
        rows = [r for r in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")
                if r]
    assert rows[0] == ["english", "spanish", "split"]
    pairs = {"train": [], "held-out": []}
    for en, es, split in rows[1:]:
        pairs[split].append((en, es))
    return pairs["train"], pairs["held-out"]


TRAIN, HELD_OUT = read_corpus()


def ids(text):
    return [VOCAB.index(w) for w in text.lower().split()]


def corpus_loss(params, smoothing=SMOOTHING):
    """Mean cross-entropy over every target token of the training pairs (teacher forcing:
    decoder input <sos> y1 … yk, targets y1 … yk <eos>), against (1 − ε)·one-hot + ε/K."""
    K = len(VOCAB)
    total, count = 0.0, 0
    for en, es in TRAIN:
        y = ids(es)
        z = model_logits(ids(en), [example.SOS, *y], params, scale=False)   # (m, K)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        for t, target in enumerate([*y, example.EOS]):
            q = np.full(K, smoothing / K)
            q[target] += 1 - smoothing
            total -= q @ log_p[t]
            count += 1
    return total / count


def rate(step):
    lrate = D_MODEL ** -0.5 * min(step ** -0.5, step * WARMUP ** -1.5)
    return LR * lrate * min(1, (STEPS - step + 1) / COOLDOWN)


def outputs(cell_id, kinds=("text/plain", "text/latex", "text/markdown")):
    """Every text (stream, text/plain, text/latex, text/markdown) a cell showed."""
    nb = json.loads((CHAPTERS / NOTEBOOK).read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    texts = []
    for out in cell["outputs"]:
        if out["output_type"] == "stream":
            texts.append("".join(out["text"]))
        for kind in kinds:
            if kind in out.get("data", {}):
                texts.append("".join(out["data"][kind]))
    return "\n".join(texts)


def table_rows(markdown):
    """The body rows of a pipe table, as lists of stripped cells."""
    lines = [l for l in markdown.splitlines() if l.startswith("|")][2:]
    return [[c.strip() for c in l.strip("|").split("|")] for l in lines]


def test_the_settings_are_the_chapter_s():
    assert train.TOY_SETTINGS == dict(steps=STEPS, lr=LR, warmup=WARMUP, cooldown=COOLDOWN,
                                      label_smoothing=SMOOTHING, p_drop=0.0, batch_size=None,
                                      seed=0)


STORED = example.trained_params()
RUNS = example.stored_runs()


# ---------------------------------------------------------------- the key result

def check_key_result(text):
    lines = text.strip().splitlines()
    assert len(lines) == 3, text
    assert lines[0] == "your run: 'Hello World' after training: hola mundo <eos>"
    m = re.fullmatch(r"the book's stored run: loss at step 1 (\d\.\d{4}), at step (\d+) (\d\.\d{4})",
                     lines[0 + 1])
    assert m, lines[1]
    start, steps, end = float(m.group(1)), int(m.group(2)), float(m.group(3))
    assert steps == STEPS
    assert abs(start - corpus_loss(P)) <= 5e-5 + 1e-12          # the untrained model's loss
    assert end == round(float(RUNS["loss"][-1]), 4)
    floor = label_smoothing_floor()
    assert floor < end < floor + 0.1                             # close to the floor, not below
    m = re.fullmatch(rf"  all {len(TRAIN)} training pairs exact first after step (\d+), "
                     rf"at the end {len(TRAIN)}/{len(TRAIN)}", lines[2])
    assert m, lines[2]
    first = int(m.group(1))
    assert RUNS["exact"][first - 1] == len(TRAIN) and (RUNS["exact"][:first - 1] < len(TRAIN)).all()
    return start, first, end


def label_smoothing_floor(K=len(VOCAB), eps=SMOOTHING):
    """−Σ q log q for q = 0.9 + 0.01 on the right token and 0.01 on the 9 others."""
    right, other = 1 - eps + eps / K, eps / K
    return -(right * math.log(right) + (K - 1) * other * math.log(other))


def test_key_result_on_the_page():
    check_key_result(stored_text(NOTEBOOK))


def test_a_changed_key_result_fails():
    text = stored_text(NOTEBOOK)
    start = re.search(r"step 1 (\d\.\d{4})", text).group(1)
    wrong_digit = text.replace(start, f"{float(start) + 0.0002:.4f}", 1)
    wrong_word = text.replace("hola mundo <eos>", "hola hola <eos>")
    wrong_count = text.replace("at the end 20/20", "at the end 19/20")
    for bad in (wrong_digit, wrong_word, wrong_count):
        assert bad != text
        with pytest.raises(AssertionError):
            check_key_result(bad)


def test_loss_log_during_training():
    """The live run prints steps 1, 10 and 50 only (every run agrees there): the step-1 loss
    is the plain-numpy loss of the untrained model, and the loss falls."""
    log = re.findall(r"step +(\d+) +loss (\d\.\d{4}) +exact +(\d+)/20", outputs("train"))
    assert [int(s) for s, _, _ in log] == [1, 10, 50]
    losses = [float(x) for _, x, _ in log]
    assert losses[0] == round(corpus_loss(P), 4)
    assert losses[0] > losses[1] > losses[2]
    assert [round(float(RUNS["loss"][s - 1]), 4) for s in (1, 10, 50)] == losses
    assert [int(k) for _, _, k in log] == [int(RUNS["exact"][s - 1]) for s in (1, 10, 50)]


def test_floor_and_uniform_loss_on_the_page():
    text = outputs("floor")
    assert f"lowest possible loss with label smoothing: {label_smoothing_floor():.4f}" in text
    assert f"loss of a uniform guess: ln 10 = {math.log(10):.4f}" in text
    assert "smoothed target: 0.91 on the right token, 0.01 on each other one" in text


@pytest.mark.slow                      # trains the toy model (seconds)
def test_a_live_run_prints_what_the_page_shows():
    """A re-run on this machine prints the page's steps 1, 10, 50 and says "hola mundo"."""
    params, losses = train.train(P, TRAIN, VOCAB, **train.TOY_SETTINGS)
    assert abs(losses[0] - corpus_loss(P)) < 1e-9
    shown = [float(x) for x in re.findall(r"loss (\d\.\d{4})", outputs("train"))]
    assert [round(losses[s - 1], 4) for s in (1, 10, 50)] == shown
    tokens, _ = greedy_translation(ids("hello world"), params, example.SOS, example.EOS, 10,
                                   scale=False)
    assert " ".join(VOCAB[t] for t in tokens) == "hola mundo <eos>"


def test_the_key_biases_do_not_change_the_loss():
    """The page: softmax ignores q·b_K, the same for a whole row, so b_K's gradient is 0.
    In plain numpy: changing every b_K leaves the corpus loss as it is."""
    p = train.writable_copy(P)
    n = 0
    for layer in p.encoder_layers + p.decoder_layers:
        for att in (getattr(layer, "self_attn", None), getattr(layer, "cross_attn", None)):
            if att is not None:
                att.b_K[...] = np.linspace(-1, 1, att.b_K.size)
                n += att.b_K.size
    assert n == 108
    assert abs(corpus_loss(p) - corpus_loss(P)) < 1e-12
    assert "b_K 108" in outputs("adam-still")


# ---------------------------------------------------------------- Adam and the schedule

def numbers(latex):
    return [float(x) for x in re.findall(r"-?\d+\.\d+", latex)]


def gradient_by_differences(h=1e-6):
    """∂loss/∂W_out[0, hola] of the untrained model, by central differences (no backprop)."""
    def loss_at(delta):
        p = train.writable_copy(P)
        p.W_out[0, HOLA] += delta
        return corpus_loss(p)
    return (loss_at(h) - loss_at(-h)) / (2 * h)


def test_one_adam_step_by_hand():
    shown = outputs("adam-one-math", kinds=("text/latex",))
    g1 = gradient_by_differences()
    m1, v1 = (1 - BETA1) * g1, (1 - BETA2) * g1 ** 2
    m1_hat, v1_hat = m1 / (1 - BETA1), v1 / (1 - BETA2)
    theta0 = float(P.W_out[0, HOLA])
    theta1 = theta0 - rate(1) * m1_hat / (math.sqrt(v1_hat) + EPS)
    # step 1: ± the rate, up to ε: the move is rate · |g1| / (|g1| + ε)
    assert abs(theta1 - (theta0 - rate(1) * np.sign(g1))) < 1.01 * rate(1) * EPS / abs(g1)
    lines = shown.split("\n")
    assert len(lines) == 4
    # m_1 = 0.9·0 + 0.1·(g1) = m1
    assert numbers(lines[0]) == pytest.approx([0.9, 0.1, round(g1, 6), round(m1, 7)], abs=1e-12)
    assert numbers(lines[1]) == pytest.approx([0.98, 0.02, round(g1, 6), round(v1, 7)], abs=1e-12)
    assert numbers(lines[2]) == pytest.approx([round(m1, 7), 0.9, round(m1_hat, 6),
                                               round(v1, 7), 0.98, round(v1_hat, 6)], abs=1e-12)
    # θ1 = θ0 − lr·m̂/(√v̂ + ε) = θ0 − lr·(±1) = θ1
    assert numbers(lines[3]) == pytest.approx(
        [theta0, rate(1), round(m1_hat, 6), round(v1_hat, 6), theta0, rate(1),
         round(m1_hat / (math.sqrt(v1_hat) + EPS), 4), round(theta1, 6)], abs=1e-12)


def test_second_adam_step_on_the_page():
    m = re.search(r"g2 = (-?\d\.\d{6}), m2_hat = (-?\d\.\d{6}), v2_hat = (\d\.\d{6})\n"
                  r"step 2 moves the weight by (\d\.\d{6}) x (-?\d\.\d{4}): (-?\d\.\d{6}) -> (-?\d\.\d{6})",
                  outputs("adam-two"))
    assert m, outputs("adam-two")
    g2, m2_hat, v2_hat, lr2, step, before, after = map(float, m.groups())
    g1 = gradient_by_differences()
    m2 = BETA1 * (1 - BETA1) * g1 + (1 - BETA1) * g2             # from the shown g2
    v2 = BETA2 * (1 - BETA2) * g1 ** 2 + (1 - BETA2) * g2 ** 2
    assert abs(m2 / (1 - BETA1 ** 2) - m2_hat) <= 1e-6
    assert abs(v2 / (1 - BETA2 ** 2) - v2_hat) <= 1e-6
    assert lr2 == round(rate(2), 6)
    assert abs(m2_hat / math.sqrt(v2_hat) - step) <= 2e-4
    assert before == round(float(P.W_out[0, HOLA]) - rate(1) * np.sign(g1), 6)
    assert abs(before - lr2 * step - after) <= 2e-6


def test_schedule_on_the_page():
    shown = dict(re.findall(r"step +(\d+): rate (\d\.\d{6})", outputs("schedule")))
    assert set(shown) == {"1", "2", "100", "200", "300", "400"}
    for s, r in shown.items():
        assert float(r) == round(rate(int(s)), 6)
    assert rate(WARMUP) == max(rate(s) for s in range(1, STEPS + 1))     # the peak is at warmup
    assert rate(STEPS) < rate(STEPS - COOLDOWN) / 100                   # the cool-down's end
    paper = re.search(r"the paper's peak \(d_model 512, warmup 4000\): (\d\.\d{6})", outputs("schedule"))
    assert float(paper.group(1)) == round(512 ** -0.5 * 4000 ** -0.5, 6)


# ---------------------------------------------------------------- the translations

def test_training_pairs_translated_as_in_the_corpus():
    """The stored table: every training pair, its greedy translation (plain numpy, the book's
    stored run) equal to the Spanish of corpus.tsv followed by <eos>."""
    params = STORED
    rows = table_rows(outputs("train-table"))
    assert [r[0] for r in rows] == [f'"{en}"' for en, _ in TRAIN]
    for (en, es), (_, shown, exact) in zip(TRAIN, rows):
        tokens, _ = greedy_translation(ids(en), params, example.SOS, example.EOS, 10, scale=False)
        assert " ".join(VOCAB[t] for t in tokens) == f"{es} <eos>"
        assert shown == f"`{es} <eos>`" and exact == "yes"


def test_held_out_pairs_on_the_page():
    params = STORED
    rows = table_rows(outputs("held-table"))
    assert len(rows) == len(HELD_OUT)
    n_exact = 0
    for (en, es), (src, right, shown, exact) in zip(HELD_OUT, rows):
        tokens, _ = greedy_translation(ids(en), params, example.SOS, example.EOS, 10, scale=False)
        out = " ".join(VOCAB[t] for t in tokens)
        assert (src, right, shown) == (f'"{en}"', f'"{es}"', f"`{out}`")
        assert exact == ("yes" if out == f"{es} <eos>" else "no")
        n_exact += out == f"{es} <eos>"
    assert f"held out, the book's stored run: {n_exact} of {len(HELD_OUT)} exact" in \
        outputs("held-count")


def test_untrained_translation_on_the_page():
    tokens, _ = greedy_translation(ids("hello world"), P, example.SOS, example.EOS, 10, scale=False)
    text = outputs("before").split("\n")
    assert text[0] == "'Hello World' before training:"
    assert text[1] == " ".join(VOCAB[t] for t in tokens)
    assert example.EOS not in tokens


def test_no_claim_note_in_the_book_run():
    """example.claim prints a note only when a sentence of the text is false: never in the book."""
    nb = json.loads((CHAPTERS / NOTEBOOK).read_text())
    notes = [c.get("id") for c in nb["cells"] for o in c.get("outputs", [])
             if "Note: the text says" in "".join(o.get("text", ""))]
    assert not notes, f"cells whose claims do not hold for the book's example: {notes}"


def test_the_chaos_figure_s_numbers_are_the_stored_runs():
    text = outputs("chaos-claims")
    d, d_loss = RUNS["delta"], np.abs(RUNS["loss"] - RUNS["loss_perturbed"])
    assert (f"largest |Δθ|: step 1 {d[0]:.1e}, step 50 {d[49]:.1e}, step 100 {d[99]:.1e}"
            in text)
    assert f"|Δ loss|: largest over steps 1-50 {d_loss[:50].max():.1e}" in text
    assert "steps 1-50: the two losses agree to 6 decimals: True" in outputs("chaos")
    assert "'Hello World': hola mundo <eos> | hola mundo <eos>" in outputs("chaos")


def test_bias_correction_ratios_on_the_page():
    """Exercise 4: without bias correction a steady gradient's step is (1-β1^t)/√(1-β2^t)."""
    rows = re.findall(r"^ *(\d+) +(\d\.\d{4}) +(\d\.\d{4}) +(\d\.\d{2})$", outputs("ex4"), re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 10, 100, 400]
    for t, a, b, ratio in rows:
        t = int(t)
        assert float(ratio) == round((1 - BETA1 ** t) / math.sqrt(1 - BETA2 ** t), 2)
    assert [float(r[3]) < 1 for r in rows][:3] == [True, True, False]
