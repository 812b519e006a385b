"""The preface, README and CONTRIBUTING tell the truth about the book and its tests.

- the architecture drawing is shown once (the cover), is the current
  mathlib.diagram.architecture drawing, and the tour has a line for every box of it;
- the journey table's shapes are the shapes mathlib computes on "Hello World" → `<sos>`
  hola mundo, each in the chapter the table names;
- the running example is described exactly (vectors, vocabulary count, seed, the scale
  of each kind of weight, no two vectors differing by a constant);
- the "How to experiment" one-liners run and do what they say, in every chapter (slow);
  the quoted example.claim note is what example.claim prints;
- the sizes table matches the configs; tables carry column widths that agree with their
  separator lines; the preface cites what it credits;
- README's two commands and requirements; the Makefile says what to install when
  `python -m venv` fails;
- CONTRIBUTING: every rule it lists names a test file (or tool) that exists and checks it,
  its highlight names are mathlib.diagram.ARCHITECTURE_PARTS.
"""
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mathlib import attention, diagram, example, generate, layers, tokens
from mathlib import transformer as T

ROOT = Path(__file__).resolve().parents[1]
PREFACE = (ROOT / "index.qmd").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def section(md, title):
    """The text of the `## title` section, up to the next heading of level 1 or 2."""
    m = re.search(rf"^## {re.escape(title)}\s*(?:\{{[^}}]*\}})?\s*$(.*?)(?=^#{{1,2}} |\Z)", md, re.M | re.S)
    assert m, f"no section '## {title}'"
    return m.group(1)


def table_rows(md, label):
    """The body rows (lists of stripped cells) of the pipe table captioned {#label …}."""
    m = re.search(rf"((?:^\|.*\|\s*\n)+)\s*\n?: [^\n]*\{{#{label}\b[^}}]*\}}", md, re.M)
    assert m, f"no table {{#{label}}}"
    lines = m.group(1).strip().splitlines()
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines[2:]]


def shape_of(cell):
    """'$3 \\times 10$' → (3, 10); '$2$' → (2,)."""
    m = re.fullmatch(r"\$([\d\s\\times]+)\$", cell)
    assert m, f"not a shape: {cell!r}"
    return tuple(int(x) for x in re.split(r"\s*\\times\s*", m.group(1).strip()))


# ---------------------------------------------------------------- the guided tour

def test_the_architecture_is_shown_once_as_the_cover():
    """Quarto puts the book's cover-image at the top of the preface: the tour refers to it and
    does not show it a second time; its alt text names what the drawing holds."""
    import yaml
    book = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    assert book["cover-image"] == "images/cover.png"
    assert "cover.png" not in PREFACE, "the preface shows the architecture a second time"
    assert "the drawing at the top of this page" in section(PREFACE, "A guided tour")
    alt = book["cover-image-alt"]
    for needle in ("Masked Multi-Head Self-Attention", "Cross-Attention", "Linear, Softmax"):
        assert needle in alt, f"the cover's alt text lost {needle!r}"


def test_the_cover_is_the_current_architecture_drawing(tmp_path):
    """images/cover.png (the preface's drawing) must be what tools/make_cover.py draws today."""
    import matplotlib.image
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_cover
    finally:
        sys.path.remove(str(ROOT / "tools"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert make_cover.main([str(tmp_path / "now.png")]) == 0
    stored = matplotlib.image.imread(ROOT / "images" / "cover.png")
    now = matplotlib.image.imread(tmp_path / "now.png")
    assert stored.shape == now.shape, "images/cover.png is stale: run tools/make_cover.py"
    assert cover_blocks_changed(stored, now) < 0.002, "images/cover.png is stale: run tools/make_cover.py"


def cover_blocks_changed(a, b, k=15, tolerance=0.15):
    """The fraction of k×k blocks whose mean colour differs by more than `tolerance`.

    Another matplotlib or FreeType draws the glyphs' edges a little differently (seen:
    3.10.9 against 3.11.2, 1.7 % of the pixels, no block mean off by more than 0.11); a box
    whose colour, place or label changed moves whole blocks."""
    h, w = (a.shape[0] // k) * k, (a.shape[1] // k) * k
    means = [x[:h, :w].reshape(h // k, k, w // k, k, -1).mean(axis=(1, 3)) for x in (a, b)]
    return (np.abs(means[0] - means[1]).max(axis=-1) > tolerance).mean()


def test_a_changed_drawing_moves_the_cover_blocks(tmp_path):
    import matplotlib.image
    from mathlib import diagram
    fig = diagram.architecture("encoder")               # not the cover's "all"
    fig.savefig(tmp_path / "other.png", dpi=150, transparent=True)
    stored = matplotlib.image.imread(ROOT / "images" / "cover.png")
    other = matplotlib.image.imread(tmp_path / "other.png")
    assert other.shape != stored.shape or cover_blocks_changed(stored, other) > 0.002


def box_labels():
    """Every text of the architecture drawing that names a box (not the notes around it)."""
    fig = diagram.architecture(highlight="all")
    texts = {" ".join(t.get_text().split()) for ax in fig.axes for t in ax.texts}
    notes = {"Inputs", "Outputs (shifted right)", "Output Probabilities", "V", "K", "Q", "N×", "×N",
             "encoder output, read by every decoder layer"}
    return {t for t in texts if t and t not in notes}


def test_the_tour_has_a_line_for_every_box():
    labels = box_labels()
    assert {"Linear", "Softmax", "Feed Forward", "Multi-Head Cross-Attention"} <= labels, labels
    bullets = re.findall(r"^- (.*(?:\n  .*)*)", section(PREFACE, "A guided tour"), re.M)
    named = {m for b in bullets for m in re.findall(r"\*\*([^*]+)\*\*", b)}
    missing = sorted(label for label in labels if label not in named)
    assert not missing, f"the guided tour has no line for the box(es) {missing}"
    for b in bullets:
        assert re.search(r"\]\(chapters/\d\d-[\w-]+\.ipynb\)", b), f"a box's line names no chapter: {b[:60]}"


def journey():
    """What mathlib computes along the tour, keyed by (array, chapter)."""
    p = example.PARAMS
    c = p.config
    src = tokens.text_to_ids(example.SOURCE, example.VOCAB)
    tgt = tokens.text_to_ids(["<sos>", *tokens.tokenize(example.TARGET)], example.VOCAB)
    E = p.embedding[src]
    X = T.embed_with_positions(src, p)
    a = p.encoder_layers[0].self_attn
    heads = []
    for j in range(c.n_heads):
        k, v = slice(j * c.d_k, (j + 1) * c.d_k), slice(j * c.d_v, (j + 1) * c.d_v)
        Q, K, V = X @ a.W_Q[:, k], X @ a.W_K[:, k], X @ a.W_V[:, v]
        out, A = attention.scaled_dot_product_attention(Q, K, V)
        heads.append(out)
    assert Q.shape == K.shape == V.shape, "the tour gives Q, K, V one shape"
    f = p.encoder_layers[0].ffn
    X2, _ = T.encoder_layer(X, p.encoder_layers[0])
    M = T.encode(src, p)
    Y = T.embed_with_positions(tgt, p)
    _, _, cross = T.decoder_layer(Y, M, p.decoder_layers[0])
    D = T.decoder_stack(Y, M, p)
    Z = T.decode(tgt, M, p)
    return {("ids", 1): src.shape, ("$E$", 1): E.shape, ("$X$", 2): X.shape,
            ("$Q, K, V$", 3): Q.shape, ("$A$", 3): A.shape,
            (r"$\text{Concat}$", 4): np.concatenate(heads, axis=-1).shape,
            ("$H$", 5): layers.relu(X @ f.W1 + f.b1).shape, ("$X_2$", 6): X2.shape,
            ("$M$", 7): M.shape, ("$Y$", 8): Y.shape, ("$A$", 8): cross[0].shape,
            ("$D$", 8): D.shape, ("$Z$", 9): Z.shape, ("$P$", 9): attention.softmax(Z).shape}


def test_the_journey_table_has_the_shapes_mathlib_computes():
    expected = journey()
    rows = table_rows(PREFACE, "tbl-tour")
    seen = set()
    for array, what, shape, chapter in rows:
        m = re.fullmatch(r"\[(\d+)\]\(chapters/(\d\d)-[\w-]+\.ipynb\)", chapter)
        assert m and int(m.group(1)) == int(m.group(2)), f"{array}: bad chapter link {chapter!r}"
        assert (ROOT / re.search(r"\((.*)\)", chapter).group(1)).is_file(), chapter
        key = (array, int(m.group(1)))
        assert key in expected, f"the tour names {key}, which this test does not compute"
        assert shape_of(shape) == expected[key], f"{array} ({what}): the tour says {shape}, mathlib gives {expected[key]}"
        seen.add(key)
    assert seen == set(expected), f"rows lost from the tour: {sorted(set(expected) - seen)}"


def test_the_tour_translates_one_token_at_a_time_and_names_part_three():
    tour = section(PREFACE, "A guided tour")
    wanted = ["`<sos>`", *tokens.tokenize(example.TARGET), "`<eos>`"]
    assert wanted == ["`<sos>`", "hola", "mundo", "`<eos>`"]
    positions = [tour.find("`<sos>` alone"), tour.find("`<sos>` hola (two rows)"),
                 tour.find("`<sos>` hola mundo (three rows)"), tour.find("give `<eos>`")]
    assert -1 not in positions and positions == sorted(positions), "the step-by-step decoding lost a step"
    # "(one row)", "(two rows)", "(three rows)": the decoder input grows by one token per step.
    memory = T.encode(tokens.text_to_ids(example.SOURCE, example.VOCAB), example.PARAMS)
    for m, prefix in enumerate(([1], [1, 6], [1, 6, 7]), start=1):
        assert T.decode(np.array(prefix), memory, example.PARAMS).shape == (m, len(example.VOCAB))
    for chapter in ("chapters/10-loss-and-gradients.ipynb", "chapters/11-training.ipynb"):
        assert f"]({chapter})" in tour, f"the tour does not link {chapter}"


# ---------------------------------------------------------------- the running example

def vector(name):
    m = re.search(rf"{name} = \[([^\]]+)\]", section(PREFACE, "The running example"))
    assert m, f"the preface does not state {name}'s vector"
    return [int(x.replace("−", "-")) for x in m.group(1).split(",")]


def test_the_running_example_is_described_exactly():
    text = section(PREFACE, "The running example")
    for word in ("hello", "world"):
        assert vector(word) == example.EMBEDDINGS[example.VOCAB.index(word)].tolist(), word
    specials = [t for t in example.VOCAB if t.startswith("<")]
    words = [t for t in example.VOCAB if t.isalpha()]
    others = [t for t in example.VOCAB if t not in specials and t not in words]
    assert (len(words), others, len(specials), len(example.VOCAB)) == (6, ["!"], 3, 10)
    assert "The vocabulary has ten tokens: six words" in text and "three special tokens" in text
    listed = re.search(r"six words\s*\(([^)]*)\)", text).group(1)
    assert [w.strip() for w in listed.split(",")] == words
    assert all(f"`{t}`" in text for t in specials)
    assert f"seed {example.SEED}" in text
    assert "vectors of four numbers" in PREFACE and example.CONFIG.d_model == 4


def test_the_weights_are_the_kinds_the_preface_says():
    p = example.PARAMS
    halves, tenths, zeros = [], [], []
    for stack in (p.encoder_layers, p.decoder_layers):
        for layer in stack:
            for name in ("self_attn", "cross_attn"):
                a = getattr(layer, name, None)
                if a is None:
                    continue
                halves += [a.W_Q, a.W_K, a.W_V]
                tenths.append(a.W_O)
                zeros += [a.b_Q, a.b_K, a.b_V, a.b_O]
            tenths += [layer.ffn.W1, layer.ffn.b1, layer.ffn.W2, layer.ffn.b2]
            for norm in (layer.norm1, layer.norm2, getattr(layer, "norm3", layer.norm2)):
                assert (norm.gamma == 1).all() and (norm.beta == 0).all()
    tenths.append(p.W_out)
    zeros.append(p.b_out)
    h = np.concatenate([a.ravel() for a in halves])
    assert set(h.tolist()) == {-0.5, 0.0, 0.5}, "W_Q, W_K, W_V hold −½, 0 or ½"
    t = np.concatenate([a.ravel() for a in tenths])
    assert np.allclose(t * 10, np.round(t * 10)) and len(set(t.tolist())) > 3, "one decimal"
    assert 0.18 < t.std() < 0.22, f"'a standard deviation of 0.2': the tenths' std is {t.std():.3f}"
    assert all((z == 0).all() for z in zeros), "attention and output biases are zero"


def test_no_two_vectors_differ_by_a_constant_and_the_seed_pair_does():
    E = example.EMBEDDINGS
    for i in range(len(E)):
        for j in range(i + 1, len(E)):
            d = E[i] - E[j]
            assert not np.allclose(d, d[0]), f"{example.VOCAB[i]} and {example.VOCAB[j]} differ by a constant"
    pair = np.array([[1, 2, 3, 4], [2, 3, 4, 5]], dtype=float)
    text = " ".join(section(PREFACE, "The running example").split())
    assert "the bare vectors [1, 2, 3, 4] and [2, 3, 4, 5]" in text
    # layer norm merges only the bare pair; with positions added it stays apart (appendix D)
    assert "stay one to the end" not in text and "with the positional encodings added" in text
    normed = layers.layer_norm(pair, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(normed[0], normed[1])


# ---------------------------------------------------------------- how to experiment

def experiment_lines():
    blocks = re.findall(r"```python\n(.*?)```", section(PREFACE, "How to experiment"), re.S)
    lines = [b.strip() for b in blocks]
    assert len(lines) == 3 and all("\n" not in line for line in lines), "three moves, one line each"
    return lines


def test_the_three_moves_are_try_it_lines_the_chapters_use():
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from test_tinker import TRY_IT
    finally:
        sys.path.remove(str(Path(__file__).parent))
    names = [TRY_IT.match(line).group("name") if TRY_IT.match(line) else None for line in experiment_lines()]
    assert names == ["SOURCE", "params", "params"], names


def test_the_three_moves_run_and_do_what_they_say():
    results = []
    for line in experiment_lines():
        ns = {"example": example}
        exec(line, ns)
        results.append(ns)
    source = results[0]["SOURCE"]
    ids = tokens.text_to_ids(source, example.VOCAB)           # words from the vocabulary
    assert len(ids) != len(tokens.text_to_ids(example.SOURCE, example.VOCAB)), "another length"
    seeded, own = results[1]["params"], results[2]["params"]
    assert not np.array_equal(seeded.encoder_layers[0].self_attn.W_Q, example.PARAMS.encoder_layers[0].self_attn.W_Q)
    hello = example.VOCAB.index("hello")
    m = re.search(r'with_embedding\("hello", \[([^\]]*)\]\)', experiment_lines()[2])
    assert own.embedding[hello].tolist() == [float(x) for x in m.group(1).split(",")]
    assert example.PARAMS.embedding[hello].tolist() == vector("hello"), "the book's arrays are untouched"
    own.embedding[hello, 0] = 5.0                             # "a copy": writable
    with pytest.raises(ValueError):
        example.PARAMS.embedding[hello, 0] = 5.0              # "the book's arrays are read-only"
    for params, src in ((example.PARAMS, ids), (seeded, ids), (own, ids)):
        out = generate.greedy_decode(src, params, example.SOS, example.EOS, max_len=4)
        assert 1 <= len(out.tokens) <= 4


def test_the_quoted_note_is_what_claim_prints():
    text = section(PREFACE, "How to experiment")
    quote = " ".join(line.removeprefix(">").strip() for line in text.splitlines() if line.startswith(">"))
    said = re.search(r'the text says "([^"]+)"', quote).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        example.claim(False, said)
        example.claim(True, said)
    assert " ".join(out.getvalue().split()) == quote, "the preface misquotes example.claim's note"


def test_every_chapter_runs_with_your_own_vector():
    """The preface promises the third move works in every chapter: test_tinker runs every chapter
    with it (in its one-word variant), read from this section's text."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        import test_tinker
    finally:
        sys.path.remove(str(Path(__file__).parent))
    move = experiment_lines()[2].split("=", 1)[1].split("#")[0].strip()
    assert any(variant.get("params") == move for _, variant in test_tinker.VARIANTS), "no chapter run tries it"


# ---------------------------------------------------------------- notation, tables, citations

def test_the_sizes_table_matches_the_configs_and_names_the_fields():
    rows = table_rows(PREFACE, "tbl-notation")
    assert len(rows) >= 7
    for symbol, meaning, code, here, paper in rows:
        field = code.strip("`")
        assert int(here) == getattr(example.CONFIG, field), f"{symbol}: Here {here}"
        assert int(paper) == getattr(T.Config(), field), f"{symbol}: Paper {paper}"
    assert any(r[2] == "`vocab_size`" and int(r[3]) == len(example.VOCAB) for r in rows)
    assert "](appendices/b-notation.qmd)" in section(PREFACE, "Notation"), "the notation section links appendix B"


def test_every_table_has_column_widths_that_its_separator_agrees_with():
    """Quarto reads tbl-colwidths; Pandoc (and tools/check_pages.py) the separator's dashes."""
    tables = re.findall(r"((?:^\|.*\|[ \t]*\n)+)[ \t]*\n?: [^\n]*\{#(tbl-[\w-]+)([^}]*)\}", PREFACE, re.M)
    assert len(tables) >= 2
    for body, label, attrs in tables:
        widths = re.search(r'tbl-colwidths="\[([\d,\s]+)\]"', attrs)
        assert widths, f"{label}: no tbl-colwidths"
        widths = [int(w) for w in widths.group(1).split(",")]
        dashes = [len(c.strip()) for c in body.splitlines()[1].strip().strip("|").split("|")]
        assert sum(widths) == 100 and len(widths) == len(dashes), f"{label}: {widths}"
        assert dashes == widths, f"{label}: separator {dashes} vs tbl-colwidths {widths}"


def test_the_preface_cites_what_it_credits():
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M))
    cited = set(re.findall(r"(?<![\w@])@([a-z]+\d{4}\w*)", PREFACE))
    wanted = {"sanseviero2024random", "vaswani2017attention", "alammar2018illustrated",
              "rush2018annotated", "zhang2023d2l"}
    assert wanted <= cited, f"not cited: {sorted(wanted - cited)}"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"
    assert "The Random Transformer" in section(PREFACE, "The running example")


def test_special_tokens_are_in_backticks_in_the_preface():
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from test_book import SPECIAL_TOKEN, _outside_code_and_math
    finally:
        sys.path.remove(str(Path(__file__).parent))
    assert not SPECIAL_TOKEN.findall(_outside_code_and_math(PREFACE))


# ---------------------------------------------------------------- README and the Makefile

def test_readme_gives_the_two_commands_and_the_requirements():
    assert re.search(r"^make lab\b", README, re.M) and re.search(r"^make test\b", README, re.M)


def test_readme_requirements():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = project["requires-python"].removeprefix(">=")
    assert f"Python {minimum} or newer" in README
    for needle in ("sudo apt install python3-venv", "WSL", "Binder", "macOS", "conda env create"):
        assert needle in README, f"README lost {needle!r}"
    for part in ("Part I", "Part II", "Part III", "Appendices"):
        assert f"**{part}" in README, f"README does not say what {part} holds"


def test_make_says_what_to_install_when_venv_fails(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    python = tmp_path / "python-without-venv"
    python.write_text("#!/bin/sh\necho 'ensurepip is not available' >&2\nmkdir -p \"$3/bin\"\nexit 1\n")
    python.chmod(0o755)
    venv = tmp_path / "venv"
    proc = subprocess.run([make, "-s", f"PYTHON={python}", f"VENV={venv}", f"{venv}/bin/python"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "sudo apt install python3-venv" in proc.stderr, proc.stderr
    assert not venv.exists(), "a half-made virtual environment was left behind"


# ---------------------------------------------------------------- CONTRIBUTING

def rules_table():
    body = section(CONTRIBUTING, "Rules the tests enforce")
    rows = [[c.strip() for c in re.split(r"(?<=\s)\|(?=\s)", line.strip()[1:-1])]
            for line in body.splitlines() if line.startswith("|")][2:]
    assert len(rows) >= 12
    return rows


# What each enforcer must contain for the rule CONTRIBUTING credits it with.
EVIDENCE = {
    "equation": ("tests/test_book.py", "EQUATION_LABEL"), "fig-alt": ("tests/test_book.py", "fig-alt"),
    "backticks": ("tests/test_book.py", "SPECIAL_TOKEN"), "exercises": ("tests/test_book.py", "is_solution"),
    "Colab installer": ("tests/test_book.py", "colab_cell_from_contributing"),
    "No numeric matrix": ("tests/test_book.py", "hand_typed_matrices"),
    "key-result": ("tests/test_chapter_03.py", "key-result"),
    "decimal number": ("tests/test_prose_numbers.py", "DECIMAL"),
    "try it": ("tests/test_tinker.py", "TRY_IT"), "example.claim": ("tests/test_tinker.py", "claim"),
    "references.bib": ("tests/test_references.py", "references.bib"),
    "Notation callout": ("tests/test_appendices.py", "Notation"),
    "678-px": ("tools/check_pages/common.py", "678"), "nbval": ("tests/test_notebooks.py", "nbval"),
}


def test_every_rule_names_an_enforcer_that_exists_and_checks_it():
    for rule, enforcers in rules_table():
        files = re.findall(r"`((?:tests|tools)/[\w./]+\.py)`", enforcers)
        assert files or enforcers.startswith("`make test`"), f"rule without an enforcer: {rule[:60]}"
        for f in files:
            matches = list(ROOT.glob(f.replace("NN", "[0-9][0-9]")))
            assert matches, f"CONTRIBUTING credits {f}, which does not exist (rule: {rule[:60]})"
    text = " ".join(r[0] for r in rules_table())
    for needle, (path, evidence) in EVIDENCE.items():
        assert needle in text, f"CONTRIBUTING lost the rule about {needle!r}"
        assert evidence in (ROOT / path).read_text(encoding="utf-8"), f"{path} no longer checks {needle!r}"


def test_contributing_lists_exactly_the_highlight_names():
    names = re.findall(r'^\| `"([\w-]+)"` \|', section(CONTRIBUTING, 'The "you are here" names'), re.M)
    assert sorted(names) == sorted(diagram.ARCHITECTURE_PARTS)
    for name in names:
        diagram.architecture(highlight=name)


def test_contributing_names_only_existing_tools_and_make_targets():
    for path in set(re.findall(r"`((?:tools|tests)/[\w.]+\.py)", CONTRIBUTING)):
        assert list(ROOT.glob(path.replace("NN", "[0-9][0-9]"))), f"CONTRIBUTING names {path}, which does not exist"
    targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), re.M))
    for target in set(re.findall(r"`?make ([a-z][\w-]*)", CONTRIBUTING)):
        assert target in targets, f"CONTRIBUTING mentions `make {target}`, which the Makefile lacks"


@pytest.mark.parametrize("move", [0, 1, 2], ids=["sentence", "seed", "own vector"])
def test_each_move_runs_in_a_fresh_interpreter(move):
    """As in a chapter's first run: nothing of mathlib.example has been touched before the line."""
    line = experiment_lines()[move]
    code = f"from mathlib import example\n{line}\n"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, f"{line!r} fails in a fresh interpreter:\n{proc.stderr[-600:]}"
