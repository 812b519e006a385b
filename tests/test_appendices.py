"""The appendices cannot drift from the code, the config or the chapters.

A. The model in equations (appendices/a-equations.qmd). Every equation is labelled and
   followed by links to the mathlib functions that compute it and to a chapter. A link
   [`module.function`](<repo-url>/blob/main/mathlib/module.py) must name a function that
   exists, that is *defined* in that module (not imported into it), in the file the link
   points to. Every public function of the model's modules has an equation, except the
   ones in EXCLUDED, each with its reason: a new public function without an equation fails.
B. Notation and glossary (appendices/b-notation.qmd). The sizes ("Here" and "Base model")
   are mathlib.example.CONFIG's and transformer.Config()'s; every shape is re-derived from
   the sizes; the glossary holds every term the book promised, each linked to a chapter;
   every symbol a chapter defines in a `::: {.callout-note title="Notation"}` callout
   appears in appendix B.
C. Common pitfalls (appendices/c-pitfalls.ipynb). Executed in a namespace: every
   `wrong_<slug>` has its `right_<slug>` and differs from it; every pitfall the book lists
   is there, with a link to the chapter that explains it.

The parsers are tested on synthetic pages and notebooks too (a renamed function, a link to
the wrong file, a function without an equation, a missing symbol): each check is shown to fail.
"""
import importlib
import importlib.util
import inspect
import json
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APPENDIX_A = ROOT / "appendices" / "a-equations.qmd"
APPENDIX_B = ROOT / "appendices" / "b-notation.qmd"
APPENDIX_C = ROOT / "appendices" / "c-pitfalls.ipynb"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Chapters announced before their files exist (CHAPTER_TASKS.md item 7): links to them are
# well formed; tests/test_site.py fails on them until the files land.
ANNOUNCED_CHAPTERS = {"10-loss-and-gradients.ipynb", "11-training.ipynb"}


def read(path):
    return path.read_text(encoding="utf-8")


def repo_url():
    return yaml.safe_load(read(ROOT / "_quarto.yml"))["book"]["repo-url"]


def cell_source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def without_code(md):
    md = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", "", md)
    return re.sub(r"`[^`\n]*`", "", md)


def chapter_link_ok(target):
    """../chapters/NN-slug.ipynb of an existing chapter or of an announced one."""
    m = re.fullmatch(r"\.\./chapters/(\d\d-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb)(#[\w-]+)?", target)
    return bool(m) and ((ROOT / "chapters" / m.group(1)).is_file() or m.group(1) in ANNOUNCED_CHAPTERS)


# ================================================================ A. the model in equations

# The modules whose public functions must each have an equation (Part III's once they exist).
MODEL_MODULES = ("embedding", "positional", "attention", "layers", "transformer", "params", "generate",
                 "loss", "train")
PART_III_MODULES = ("loss", "train", "grad", "corpus")

# Public functions of MODEL_MODULES that have no equation, and why.
EXCLUDED = {
    "params.init_layer": "a helper of init_params that builds one layer; its values are @eq-init-a",
    "params.map_arrays": "walks the parameter tree (cast_params, count_parameters and interop use it)",
    "params.cast_params": "converts every array to another dtype (float32 for the benchmark)",
    "params.count_parameters": "counts the numbers in a parameter set: chapter 7's table",
    "params.parameter_counts": "the same count from the sizes alone: chapter 7's table",
    "train.named_arrays": "bookkeeping: the parameter tree as named arrays",
    "train.writable_copy": "bookkeeping: a copy of the read-only example that training may change",
    "train.parameter_vector": "bookkeeping: the one vector θ a writable copy's arrays are views into",
    "train.flatten": "bookkeeping: every array in one vector (counting them, comparing bit for bit)",
    "layers.record": "training's cache: a layer hands backprop its arrays (no math)",
    "layers.dropout": "training's dropout through the cache (grad.dropout is @eq-dropout-a's code); x at inference",
    "train.loss_and_gradients": "forward pass, @eq-loss-a and backpropagation in a row: no new math",
    "train.train": "the loop: loss_and_gradients, @eq-warmup-a and @eq-adam-a, step after step",
    "train.translate": "greedy_decode (@eq-greedy-a) from text to text, for the trained model",
    "train.exact_matches": "counts the pairs translate gets exactly right",
    "train.teacher_forced_exact": "the same test in one teacher-forced pass: arg max of @eq-output-a",
    "train.save": "writes the parameters to a file",
    "train.load": "reads them back",
}

CODE_LINK = re.compile(r"\[`(?P<name>[A-Za-z_]\w*\.[A-Za-z_]\w*)`\]\((?P<url>[^)\s]+)\)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
DISPLAY = re.compile(r"\$\$(?P<tex>.*?)\$\$(?P<attrs>[ \t]*\{#(?P<label>eq-[\w-]+)\})?", re.S)


def equations(md):
    """[(label or None, tex, the text after it up to the next equation or heading)]."""
    md = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", "", md)
    found = list(DISPLAY.finditer(md))
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(md)
        after = md[m.end():end]
        heading = re.search(r"^#{1,6} ", after, flags=re.M)
        out.append((m.group("label"), m.group("tex"), after[:heading.start()] if heading else after))
    return out


def code_links(md):
    return [(m.group("name"), m.group("url")) for m in CODE_LINK.finditer(md)]


def public_functions(module):
    """Functions defined in the module itself whose names do not start with _."""
    return sorted(name for name, obj in vars(module).items()
                  if not name.startswith("_") and inspect.isfunction(obj)
                  and obj.__module__ == module.__name__)


def link_problems(md, import_module=importlib.import_module):
    """What is wrong with the page's links to mathlib: [] when every link is true."""
    problems, base = [], f"{repo_url()}/blob/main/mathlib/"
    links = code_links(md)
    if not links:
        return ["the page links to no mathlib function"]
    for name, url in links:
        module_name, func_name = name.split(".")
        want = f"{base}{module_name}.py"
        if url != want:
            problems.append(f"[`{name}`] links to {url}, not to its module's file {want}")
        if not (ROOT / "mathlib" / f"{module_name}.py").is_file():
            problems.append(f"[`{name}`]: there is no file mathlib/{module_name}.py")
            continue
        try:
            module = import_module(f"mathlib.{module_name}")
        except ImportError as exc:
            problems.append(f"[`{name}`]: cannot import mathlib.{module_name}: {exc}")
            continue
        obj = getattr(module, func_name, None)
        if obj is None:
            problems.append(f"[`{name}`]: mathlib.{module_name} has no {func_name} (renamed or removed?)")
        elif not callable(obj):
            problems.append(f"[`{name}`]: mathlib.{module_name}.{func_name} is not a function")
        elif getattr(obj, "__module__", None) != module.__name__:
            problems.append(f"[`{name}`]: {func_name} is defined in {obj.__module__}, not in "
                            f"mathlib.{module_name}: link the module that defines it")
    return problems


def present_modules(names=MODEL_MODULES, import_module=importlib.import_module):
    return {n: import_module(f"mathlib.{n}") for n in names
            if importlib.util.find_spec(f"mathlib.{n}") is not None}


def coverage_problems(md, modules, excluded=EXCLUDED):
    """Public functions of `modules` ({name: module}) that the page links nowhere, and stale
    or contradictory exclusions."""
    linked = {name for name, _ in code_links(md)}
    problems = []
    for mod_name, module in modules.items():
        for func in public_functions(module):
            full = f"{mod_name}.{func}"
            if full not in linked and full not in excluded:
                problems.append(f"{full} is a public function of mathlib.{mod_name} with no equation "
                                f"linking it (add one to appendices/a-equations.qmd, or exclude it "
                                f"in tests/test_appendices.py EXCLUDED with the reason)")
    for full, reason in excluded.items():
        mod_name, func = full.split(".")
        if mod_name in modules and func not in public_functions(modules[mod_name]):
            problems.append(f"EXCLUDED names {full}, which is not a public function of mathlib.{mod_name}")
        if full in linked:
            problems.append(f"{full} is both linked from an equation and EXCLUDED")
        if not reason.strip():
            problems.append(f"EXCLUDED {full} without a reason")
    return problems


def equation_problems(md):
    """Every display equation labelled, labels unique, each followed by code and chapter links."""
    problems, labels = [], []
    for label, tex, after in equations(md):
        if label is None:
            problems.append(f"an equation without a label {{#eq-…}}: $${tex.strip()[:60]}…$$")
            continue
        labels.append(label)
        if not code_links(after):
            problems.append(f"{label}: no link to the mathlib function that computes it follows it")
        chapters = [t for t in LINK.findall(after) if t.startswith("../chapters/")]
        if not chapters:
            problems.append(f"{label}: no link to the chapter where it is worked out follows it")
        for t in chapters:
            if not chapter_link_ok(t):
                problems.append(f"{label}: {t} is not a chapter of the book")
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        problems.append(f"equation labels used twice: {dup}")
    return problems


def chapter_equation_labels():
    labels = set()
    for p in CHAPTERS:
        nb = json.loads(read(p))
        for c in nb["cells"]:
            if c["cell_type"] == "markdown":
                labels |= set(re.findall(r"\$\$[ \t]*\{#(eq-[\w-]+)\}", cell_source(c)))
    return labels


def test_appendix_a_links_name_real_functions_in_their_own_files():
    problems = link_problems(read(APPENDIX_A))
    assert not problems, "\n".join(problems)


def test_appendix_a_every_equation_is_labelled_and_linked():
    md = read(APPENDIX_A)
    assert len(equations(md)) >= 20, "the whole model needs more equations than this"
    problems = equation_problems(md)
    assert not problems, "\n".join(problems)
    clash = {label for label, _, _ in equations(md)} & chapter_equation_labels()
    assert not clash, f"labels also used in a chapter (Quarto needs them unique in the book): {clash}"
    refs = set(re.findall(r"(?<![\w@.])@(eq-[A-Za-z0-9_-]*[A-Za-z0-9_])", without_code(md)))
    assert refs <= {label for label, _, _ in equations(md)}, f"@eq references to nothing: {refs}"


def test_appendix_a_covers_every_public_function_of_the_model():
    modules = present_modules()
    assert {"embedding", "positional", "attention", "layers", "transformer", "generate"} <= set(modules)
    problems = coverage_problems(read(APPENDIX_A), modules)
    assert not problems, "\n".join(problems)


def test_the_forward_pass_functions_are_all_covered():
    """The list the book promised, spelled out: each is linked from an equation."""
    promised = """embedding.embed positional.positional_encoding attention.softmax
        attention.scaled_dot_product_attention attention.multi_head_attention attention.causal_mask
        attention.padding_mask layers.linear layers.relu layers.feed_forward layers.layer_norm
        layers.add_and_norm transformer.encoder_layer transformer.decoder_layer transformer.encoder_stack
        transformer.decoder_stack transformer.embed_with_positions transformer.encode transformer.decode
        transformer.output_logits transformer.forward generate.greedy_decode""".split()
    linked = {name for name, _ in code_links(read(APPENDIX_A))}
    assert not set(promised) - linked, f"no equation links {sorted(set(promised) - linked)}"
    if importlib.util.find_spec("mathlib.loss") is not None:
        part3 = {"loss.cross_entropy", "loss.smoothed_targets", "train.adam_step", "train.warmup_lr"}
        assert not part3 - linked, f"no equation links {sorted(part3 - linked)}"


# ---- the checks above fail when they should

def _page_with(old, new):
    md = read(APPENDIX_A)
    assert old in md, f"the mutation needs {old!r} on the page"
    return md.replace(old, new)


def test_a_renamed_function_on_the_page_is_caught():
    md = _page_with("[`attention.multi_head_attention`]", "[`attention.multi_head_attn`]")
    problems = link_problems(md)
    assert any("has no multi_head_attn" in p for p in problems), problems
    # and the real name is now unlinked, so coverage fails too
    assert any(p.startswith("attention.multi_head_attention ") for p in
               coverage_problems(md, present_modules())), "coverage did not notice the lost link"


def test_a_function_renamed_in_the_code_is_caught(monkeypatch):
    import mathlib.layers
    monkeypatch.delattr(mathlib.layers, "layer_norm")
    problems = link_problems(read(APPENDIX_A))
    assert any("mathlib.layers has no layer_norm" in p for p in problems), problems


def test_a_link_to_the_wrong_file_is_caught():
    url = f"{repo_url()}/blob/main/mathlib/"
    md = _page_with(f"[`layers.feed_forward`]({url}layers.py)", f"[`layers.feed_forward`]({url}attention.py)")
    assert any("not to its module's file" in p for p in link_problems(md))


def test_a_function_imported_into_another_module_is_not_that_modules(monkeypatch):
    """[`layers.softmax`](…/layers.py) must fail when layers only imports softmax from attention."""
    import mathlib.attention
    import mathlib.layers
    monkeypatch.setattr(mathlib.layers, "softmax", mathlib.attention.softmax, raising=False)
    md = f"[`layers.softmax`]({repo_url()}/blob/main/mathlib/layers.py)"
    assert any("defined in mathlib.attention" in p for p in link_problems(md)), link_problems(md)


def test_a_new_public_function_without_an_equation_is_caught(monkeypatch):
    import mathlib.attention

    def attention_entropy(A):
        return -(A * np.log(A)).sum(-1)
    attention_entropy.__module__ = "mathlib.attention"
    monkeypatch.setattr(mathlib.attention, "attention_entropy", attention_entropy, raising=False)
    problems = coverage_problems(read(APPENDIX_A), present_modules())
    assert any(p.startswith("attention.attention_entropy ") for p in problems), problems
    stale = coverage_problems(read(APPENDIX_A), present_modules(), {**EXCLUDED, "layers.gone": "x"})
    assert any("EXCLUDED names layers.gone" in p for p in stale)


def test_an_equation_without_label_or_links_is_caught():
    md = "Text.\n\n$$\nx = 1\n$$\n\nMore.\n\n$$\ny = 2\n$$ {#eq-y-a}\n\nNo links here.\n"
    problems = equation_problems(md)
    assert any("without a label" in p for p in problems)
    assert any("eq-y-a: no link to the mathlib" in p for p in problems)
    assert any("eq-y-a: no link to the chapter" in p for p in problems)
    md = md.replace("No links here.", "[ch](../chapters/99-nothing.ipynb)")
    assert any("is not a chapter of the book" in p for p in equation_problems(md))


# ================================================================ B. notation and glossary

def tables(md):
    """[(header cells, [row cells])] of the pipe tables of a page."""
    out, current = [], None
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = (cells, [])
                out.append(current)
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current[1].append(cells)
        else:
            current = None
    return out


def table_with_header(md, *header):
    """The rows of every table whose columns start with `header`, one after the other."""
    found = [rows for head, rows in tables(md) if tuple(head[:len(header)]) == header]
    assert found, f"no table with the columns {header} in {APPENDIX_B.name}"
    return [row for rows in found for row in rows]


def math_spans(text):
    """Inline and display math, in order ($…$ and $$…$$), outside code."""
    text = without_code(text)
    spans = re.findall(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", text, flags=re.S)
    return [a or b for a, b in spans]


def sizes_table():
    return {row[0]: row for row in table_with_header(read(APPENDIX_B), "Symbol", "Meaning", "Here")}


def arrays_table():
    return {row[0]: row for row in table_with_header(read(APPENDIX_B), "Symbol", "Meaning", "Shape")}


def number(cell):
    """'4', '37000', '$10^{-5}$' → the number; anything else → None."""
    cell = cell.strip().strip("$").replace(" ", "")
    if re.fullmatch(r"\d+", cell):
        return int(cell)
    m = re.fullmatch(r"10\^\{(-?\d+)\}", cell)
    return 10.0 ** int(m.group(1)) if m else None


def toy_and_base():
    """{symbol: (value here, value in the base model)} from the code, not from the page."""
    from mathlib import example, tokens
    from mathlib.transformer import Config
    toy, base = example.CONFIG, Config()
    to_ids = getattr(tokens, "text_to_ids", None) or tokens.encode
    n = len(to_ids(example.SOURCE, example.VOCAB))
    m = len(to_ids(example.TARGET, example.VOCAB)) + 1          # <sos> in front
    assert toy.n_encoder_layers == toy.n_decoder_layers and base.n_encoder_layers == base.n_decoder_layers
    return {
        r"$d_{\text{model}}$": (toy.d_model, base.d_model), "$h$": (toy.n_heads, base.n_heads),
        "$d_k$": (toy.d_k, base.d_k), "$d_v$": (toy.d_v, base.d_v), r"$d_{\text{ff}}$": (toy.d_ff, base.d_ff),
        "$N$": (toy.n_encoder_layers, base.n_encoder_layers),
        r"$\lvert\mathcal{V}\rvert$": (toy.vocab_size, base.vocab_size),
        "$n$": (n, None), "$m$": (m, None), r"$\epsilon$": (toy.eps, None),
    }


def test_appendix_b_sizes_are_the_configs():
    rows = sizes_table()
    from mathlib.transformer import Config
    for symbol, (here, base) in toy_and_base().items():
        assert symbol in rows, f"the sizes table has no row {symbol}"
        row = rows[symbol]
        assert number(row[2]) == here, f"{symbol}: 'Here' says {row[2]}, example.CONFIG gives {here}"
        if base is not None:
            assert number(row[3]) == base, f"{symbol}: 'Base model' says {row[3]}, Config() gives {base}"
        field = row[4].strip("`")
        if re.fullmatch(r"[a-z_]+", field):
            assert hasattr(Config(), field), f"{symbol}: Config has no field {field}"


SIZE_SYMBOLS = {r"d_{\text{model}}": "d_model", "h": "n_heads", "d_k": "d_k", "d_v": "d_v",
                r"d_{\text{ff}}": "d_ff", "N": "n_encoder_layers", r"\lvert\mathcal{V}\rvert": "vocab_size",
                "n": "n", "m": "m"}


def evaluate_shape(shape, values):
    r"""'$n \times h d_k$' with values → '2 \times 6' (a letter stays a letter when its value is a str);
    None when the shape holds a size without a value (d_in)."""
    tex = shape.strip().strip("$")
    dims = []
    for dim in tex.split(r"\times"):
        rest, product, letters = dim.replace(r"\,", " ").strip(), 1, []
        while rest:
            for sym in sorted(SIZE_SYMBOLS, key=len, reverse=True):
                if rest.startswith(sym) and not re.match(r"[A-Za-z_{]", rest[len(sym):len(sym) + 1] or " "):
                    v = values[SIZE_SYMBOLS[sym]]
                    if isinstance(v, str):
                        letters.append(v)
                    else:
                        product *= v
                    rest = rest[len(sym):].strip()
                    break
            else:
                return None
        dims.append(" ".join(letters + ([str(product)] if product != 1 or not letters else [])))
    return r" \times ".join(dims)


def test_appendix_b_shapes_follow_from_the_sizes():
    sizes = {s: v for s, v in toy_and_base().items()}
    toy = {SIZE_SYMBOLS[s.strip("$")]: v[0] for s, v in sizes.items() if s.strip("$") in SIZE_SYMBOLS}
    base = {SIZE_SYMBOLS[s.strip("$")]: v[1] for s, v in sizes.items() if s.strip("$") in SIZE_SYMBOLS}
    base.update(n="n", m="m")
    checked = 0
    for symbol, row in arrays_table().items():
        shape, here, paper = row[2], row[3], row[4]
        spans = math_spans(shape)
        if not spans:
            continue
        want_here, want_base = evaluate_shape(spans[0], toy), evaluate_shape(spans[0], base)
        if want_here is None:
            assert not here and not paper, f"{symbol}: shape {shape} has no sizes to fill 'Here' from"
            continue
        for got, want, column in ((here, want_here, "Here"), (paper, want_base, "Base model")):
            got = re.sub(r"\s+", " ", got.strip().strip("$"))
            assert got == want, f"{symbol}: shape {shape} gives {want!r} in column {column}, the page says {got!r}"
            checked += 1
    assert checked >= 40, f"only {checked} shapes checked: is the arrays table parsed?"


def test_appendix_b_index_ranges_follow_from_the_sizes():
    from mathlib.transformer import Config
    sizes = toy_and_base()
    n, m = sizes["$n$"][0], sizes["$m$"][0]
    from mathlib import example
    toy, base = example.CONFIG, Config()
    expected = {"$pos$": (range(n), None), "$i$": (range(toy.d_model // 2), range(base.d_model // 2)),
                "$j$": (range(toy.n_heads), range(base.n_heads)), "$t$": (range(m), None),
                r"$\ell$": (range(toy.n_encoder_layers), range(base.n_encoder_layers))}
    rows = arrays_table()

    def as_range(cell):
        cell = cell.strip()
        if m_ := re.fullmatch(r"(\d+) … (\d+)", cell):
            return range(int(m_.group(1)), int(m_.group(2)) + 1)
        return [int(x) for x in cell.split(",")] if cell else None

    for symbol, (here, base_range) in expected.items():
        assert symbol in rows, f"no row {symbol}"
        assert list(as_range(rows[symbol][3])) == list(here), f"{symbol}: 'Here' says {rows[symbol][3]}"
        if base_range is not None:
            assert list(as_range(rows[symbol][4])) == list(base_range), f"{symbol}: 'Base' says {rows[symbol][4]}"


def test_shape_evaluation_catches_a_wrong_shape():
    toy = dict(d_model=4, n_heads=2, d_k=3, d_v=3, d_ff=8, n_encoder_layers=6, vocab_size=10, n=2, m=3)
    assert evaluate_shape(r"$d_{\text{model}} \times h d_k$", toy) == r"4 \times 6"
    assert evaluate_shape(r"$n \times \lvert\mathcal{V}\rvert$", {**toy, "n": "n"}) == r"n \times 10"
    assert evaluate_shape(r"$d_{\text{in}} \times d_{\text{out}}$", toy) is None
    assert evaluate_shape(r"$n \times d_k$", toy) != r"2 \times 4"


# ---- the glossary

GLOSSARY_TERMS = """token; vocabulary; embedding; positional encoding; query; key; value; score;
    attention weight; head; multi-head attention; feed-forward network; residual connection;
    layer norm; post-LN; pre-LN; encoder; decoder; memory; causal mask; padding mask;
    cross-attention; logit; softmax; greedy decoding; temperature; top-k; top-p; teacher forcing;
    exposure bias; cross-entropy; label smoothing; gradient; backpropagation; Adam; warm-up;
    dropout; weight tying; BPE; subword; rank collapse"""


def glossary(md):
    """{term: definition} of the definition list under '## Glossary'."""
    part = md.split("\n## Glossary", 1)
    assert len(part) == 2, "no '## Glossary' section"
    entries, term = {}, None
    for line in part[1].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith(": "):
            assert term, f"a definition without a term: {line[:60]}"
            entries[term] = line[2:]
        elif line.startswith("  ") and term in entries:
            entries[term] += " " + line.strip()
        elif line.strip():
            term = line.strip()
    return entries


def test_glossary_has_every_term_each_linked_to_a_chapter():
    entries = glossary(read(APPENDIX_B))
    names = {part.strip().lower(): term for term in entries for part in re.split(r",\s*", term)}
    for word in (t.strip() for t in GLOSSARY_TERMS.split(";")):
        assert word.lower() in names, f"the glossary has no entry for {word!r}"
    for term, definition in entries.items():
        chapters = [t for t in LINK.findall(definition) if t.startswith("../chapters/")]
        assert chapters, f"glossary: {term!r} links to no chapter"
        for t in chapters:
            assert chapter_link_ok(t), f"glossary: {term!r} links to {t}, not a chapter of the book"


# ---- every symbol of a chapter's notation callout is in appendix B

_SUBSUP = r"[_^](?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|.)"


def normalise_symbol(s):
    """One spelling per symbol: d_\\text{model} = d_{\\text{model}} = d_{model}, \\varepsilon = \\epsilon, …"""
    s = s.strip()
    s = re.sub(r"\\(?:mathrm|operatorname\*?|textrm|textit|mathit|textsf|mathsf)\s*\{", r"\\text{", s)
    s = re.sub(r"\\(?:mathbf|bm)\s*\{", r"\\boldsymbol{", s)
    s = s.replace(r"\varepsilon", r"\epsilon").replace(r"\vartheta", r"\theta").replace(r"\varphi", r"\phi")
    s = re.sub(r"\\left\||\\right\||\\[lr]vert|\\vert|\\mid", "|", s)
    s = re.sub(r"\\[,;:! ]|~", "", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"([_^])\\text\{([^{}]*)\}", r"\1{\2}", s)          # d_\text{model} → d_{model}
    s = re.sub(r"([_^])\{\\text\{([^{}]*)\}\}", r"\1{\2}", s)       # d_{\text{model}} → d_{model}
    s = re.sub(r"([_^])\{([A-Za-z0-9]|\\[A-Za-z]+)\}", r"\1\2", s)  # _{k} → _k
    return s


def _outside_scripts(s):
    return re.sub(_SUBSUP, "", s)


EXPRESSION = re.compile(r"\\times|\\cdot|\\sqrt|\\frac|\\sum|\\prod|\\to\b|\\rightarrow|\\le|\\ge|\\in\b|"
                        r"\\approx|\\sim|\\dots|\\ldots|\\cdots|[+\-/<>]")


def symbols_of_span(tex):
    """The symbols a math span names: the left side of an '=', split at top-level commas;
    f(x) counts as f; shapes, sums and other expressions name nothing."""
    tex = tex.split("=")[0]
    parts, depth, cur = [], 0, ""
    for ch in tex:
        depth += {"{": 1, "}": -1, "(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for part in parts:
        part = normalise_symbol(part)
        if m := re.fullmatch(r"(.+?)\((?!\\ell\)).*\)", part):   # PE(pos) → PE; X^{(\ell)} stays
            if "(" not in _outside_scripts(m.group(1)):
                part = m.group(1)
        bare = _outside_scripts(part)
        if not part or not re.search(r"[A-Za-z]", part) or EXPRESSION.search(bare) or "(" in bare:
            continue
        out.append(part)
    return out


CALLOUT_OPEN = re.compile(r"^\s*(:{3,})\s*(\{[^}]*\}|[A-Za-z][\w-]*)\s*$")
CALLOUT_CLOSE = re.compile(r"^\s*:{3,}\s*$")


def is_notation_callout(attrs):
    return "callout-note" in attrs and re.search(r"""title\s*=\s*["']Notation\b""", attrs, flags=re.I)


def notation_callouts(nb):
    """The text of every Notation callout of a notebook (a callout may span several cells)."""
    lines = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            lines += cell_source(cell).splitlines() + [""]
        else:
            lines.append("<code cell>")
    out, stack, in_code = [], [], False
    for line in lines:
        if re.match(r"^\s*(```|~~~)", line):
            in_code = not in_code
        elif not in_code and (m := CALLOUT_OPEN.match(line)):
            stack.append([bool(is_notation_callout(m.group(2))), []])
            continue
        elif not in_code and CALLOUT_CLOSE.match(line) and stack:
            notation, body = stack.pop()
            if notation:
                out.append("\n".join(body))
            elif stack:
                stack[-1][1].extend(body)
            continue
        for frame in stack:
            frame[1].append(line)
    return out


def item_symbols(item):
    """The math a list item defines: every span before its first ':' or ' — ' outside math
    ("$R_2$, $R_3$: the residual sums"), else its first span."""
    masked = re.sub(r"\$[^$\n]*\$", lambda m: "x" * len(m.group(0)), item)
    cut = re.search(r":|\s[—–-]\s", masked)
    return math_spans(item[:cut.start()]) if cut else math_spans(item)[:1]


def defined_symbols(callout):
    """The symbols a Notation callout defines: the first math of each list item, the math of a
    table row's first cell, and the symbols named in prose."""
    found, in_item = [], False
    for line in without_code(callout).splitlines():
        if re.match(r"^\s*\|?\s*:?-{3,}", line):
            continue
        if m := re.match(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$", line):
            spans, in_item = item_symbols(m.group(1)), True
        elif in_item and line.startswith((" ", "\t")) and line.strip():
            continue                      # the rest of a list item: its meaning, not a symbol
        elif line.strip().startswith("|"):
            spans = math_spans(line.strip().strip("|").split("|")[0])
        else:
            spans, in_item = math_spans(line), False
        for span in spans:
            found += [s for s in symbols_of_span(span) if s not in found]
    return found


def appendix_b_symbols(md=None):
    md = read(APPENDIX_B) if md is None else md
    return {s for span in math_spans(md) for s in symbols_of_span(span)}


def in_appendix_b(symbol, known):
    """Exactly (after normalising the spelling). A numeric index is not taken for B's letter: a
    callout that defines $R_2$ defines a new symbol, not the $R_k$ of appendix B."""
    return symbol in known


def missing_symbols(nb, known):
    return [s for text in notation_callouts(nb) for s in defined_symbols(text) if not in_appendix_b(s, known)]


def test_every_symbol_of_a_chapter_notation_callout_is_in_appendix_b():
    known = appendix_b_symbols()
    assert {r"d_{model}", "W_Q^j", r"\text{head}_j", "M", "Y_3", "|\\mathcal{V}|", r"\epsilon_{ls}"} <= known, \
        "appendix B's symbols were not parsed"
    problems = []
    for path in CHAPTERS:
        missing = missing_symbols(json.loads(read(path)), known)
        if missing:
            problems.append(f"{path.name}: {missing}")
    assert not problems, "symbols defined in a chapter's Notation callout but not in appendix B " \
        "(add them to appendices/b-notation.qmd, or use B's symbol for the same thing: one meaning " \
        "per symbol):\n" + "\n".join(problems)


def _notebook(*markdown):
    return {"cells": [{"cell_type": "markdown", "source": md} if md != "CODE" else
                      {"cell_type": "code", "source": "x = 1", "outputs": []} for md in markdown]}


def test_notation_callout_parser_on_a_synthetic_notebook():
    nb = _notebook(
        "Some prose with $Q$ outside any callout.",
        '::: {.callout-note title="Notation"}\n'
        "- $E$: token embeddings, $n \\times d_\\text{model}$\n"
        "- $W_Q, W_K, W_V$: the projections\n"
        "- $R_2$, $R_3$ — two sums, with $Z_9$ in the meaning\n"
        "- $S = QK^\\top$, the scores, with a meaning that goes on\n"
        "  over a second line naming $U_{\\text{meaning}}$, not a symbol\n"
        "- $\\text{head}_0$ and $\\text{head}_1$, the heads",          # the callout goes on in the next cell
        "CODE",
        "| Symbol | Meaning |\n|---|---|\n| $\\varepsilon$ | a small constant |\n"
        "| $PE(pos)$ | the encoding of $pos$ |\n\n"
        "We write $\\lvert\\mathcal{V}\\rvert = 10$ and $Z_{\\text{new}}$ for a new thing.\n"
        "::: {.callout-tip}\nnested: $Y_1$\n:::\n:::",
        "::: {title='notation' .callout-note}\n1. $\\ell$: a layer\n:::",
        '::: {.callout-note title="By hand"}\n- $X_9$ is not notation\n:::',
    )
    callouts = notation_callouts(nb)
    assert len(callouts) == 2
    assert defined_symbols(callouts[0]) == ["E", "W_Q", "W_K", "W_V", "R_2", "R_3", "S", r"\text{head}_0", r"\epsilon",
                                            "PE", "|\\mathcal{V}|", "Z_{new}", "Y_1"]
    assert defined_symbols(callouts[1]) == [r"\ell"]
    known = appendix_b_symbols()
    assert missing_symbols(nb, known) == ["R_2", "R_3", r"\text{head}_0", "Z_{new}"]
    fake_b = "| $E$ | x |\n| $W_Q, W_K, W_V$ | y |"
    assert "S" in missing_symbols(nb, appendix_b_symbols(fake_b))


def test_symbol_normalisation():
    assert normalise_symbol(r"d_\text{model}") == normalise_symbol(r"d_{\text{model}}") == "d_{model}"
    assert normalise_symbol(r"\varepsilon") == normalise_symbol(r"\epsilon")
    assert normalise_symbol(r"|\mathcal{V}|") == normalise_symbol(r"\lvert\mathcal{V}\rvert")
    assert symbols_of_span(r"n \times d_k") == []
    assert symbols_of_span(r"X = E + PE") == ["X"]
    assert symbols_of_span(r"X^{(\ell)}") == [r"X^{(\ell)}"]
    assert in_appendix_b(normalise_symbol(r"W_Q^{j}"), {"W_Q^j"}) and not in_appendix_b("R_2", {"R_k"})


# ================================================================ C. common pitfalls

# Every mistake the book promised to show (BOOK.md's correctness facts, the write-up's
# errors), by the <slug> of its wrong_<slug> / right_<slug> pair.
REQUIRED_PITFALLS = {
    "pe": "positional encoding without the pair index",
    "rounded": "rounded stand-in numbers",
    "scaling": "ad-hoc scaling of the scores",
    "w_o": "W_O drawn again at every call",
    "merge": "merging heads without the transpose",
    "ln_eps": "layer norm's eps outside the root",
    "ln_variance": "layer norm dividing by d - 1",
    "shifted_pair": "embeddings that differ by a constant",
    "encoder_residual": "the encoder layer's wrong residual",
    "padding": "padding masked on the query rows",
    "softmax": "softmax without the maximum subtracted",
    "causal": "the decoder without a causal mask",
    "mask_zero": "masked scores set to 0",
    "mask_1e4": "masked scores of -1e4",
    "third_norm": "the decoder's missing third norm",
    "decoder_residual": "the decoder's cross-attention residual adding Y",
    "cross_layer": "cross-attention reading the wrong encoder layer",
    "redrawn": "weights drawn again during generation",
    "positions": "positions missing during generation",
    "encoder_runs": "the encoder re-run at every generation step",
    "scale": "embeddings not scaled by sqrt(d_model)",
    "unseeded": "random draws without a seed",
    "shift": "the training target not shifted right",
    "loss_probs": "the loss computed on probabilities",
    "loss_padding": "the loss averaged over padding",
}


def run_notebook(nb):
    """Execute a notebook's code cells in one fresh namespace, as a kernel would (stdout kept
    apart, numpy's print options restored afterwards); returns the namespace."""
    import contextlib
    import io
    ns = {"__name__": "__notebook__"}
    with np.printoptions(**np.get_printoptions()), contextlib.redirect_stdout(io.StringIO()):
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            try:
                exec(compile(cell_source(cell), f"<cell {i}>", "exec"), ns)
            except AssertionError as exc:
                raise AssertionError(f"cell {i} ({cell.get('id')}): its own check failed, so the "
                                     f"'wrong' equals the 'right' or the page's claim is false: "
                                     f"{exc}\n{cell_source(cell)}") from exc
    return ns


def same(a, b):
    """Equal values: the same shape and equal to 6 significant digits (NaN equals nothing)."""
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return a == b
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, rtol=1e-6, atol=1e-8))


def pitfall_problems(ns):
    wrongs = {k[len("wrong_"):] for k in ns if k.startswith("wrong_")}
    rights = {k[len("right_"):] for k in ns if k.startswith("right_")}
    problems = [f"wrong_{s} has no right_{s}" for s in sorted(wrongs - rights)]
    problems += [f"right_{s} has no wrong_{s}" for s in sorted(rights - wrongs)]
    for s in sorted(wrongs & rights):
        if same(ns[f"wrong_{s}"], ns[f"right_{s}"]):
            problems.append(f"wrong_{s} equals right_{s}: the pitfall shows nothing")
    return problems


@pytest.fixture(scope="module")
def pitfalls():
    nb = json.loads(read(APPENDIX_C))
    return nb, run_notebook(nb)


def test_every_wrong_differs_from_its_right(pitfalls):
    _, ns = pitfalls
    problems = pitfall_problems(ns)
    assert not problems, "\n".join(problems)
    missing = {s: what for s, what in REQUIRED_PITFALLS.items() if f"wrong_{s}" not in ns}
    assert not missing, f"pitfalls the book promised and c-pitfalls.ipynb does not show: {missing}"


def sections(nb):
    """[(heading, markdown text, [code sources])] for each '## ' section of a notebook."""
    out = []
    for cell in nb["cells"]:
        text = cell_source(cell)
        if cell["cell_type"] == "markdown" and text.startswith("## "):
            out.append((text.splitlines()[0][3:], text, []))
        elif out and cell["cell_type"] == "markdown":
            out[-1] = (out[-1][0], out[-1][1] + "\n" + text, out[-1][2])
        elif out and cell["cell_type"] == "code":
            out[-1][2].append(text)
    return out


def test_each_pitfall_links_its_chapter_and_ends_with_a_check(pitfalls):
    nb, _ = pitfalls
    seen = {}
    for heading, text, sources in sections(nb):
        slugs = {s for src in sources for s in re.findall(r"\bwrong_(\w+)\s*[,=]", src)}
        if not slugs:
            continue
        for s in slugs:
            assert s not in seen, f"wrong_{s} is assigned in '{seen[s]}' and in '{heading}'"
            seen[s] = heading
        links = [t for t in LINK.findall(text) if t.startswith("../chapters/")]
        assert links, f"'{heading}': no link to the chapter that explains it"
        assert all(chapter_link_ok(t) for t in links), f"'{heading}': {links}"
        assert re.search(r"^assert\b", sources[-1], flags=re.M), \
            f"'{heading}': its last cell does not end with a visible check (assert …)"
    assert len(seen) >= len(REQUIRED_PITFALLS)


def test_pitfall_prose_numbers_are_shown_by_outputs():
    from test_prose_numbers import untraceable
    nb = json.loads(read(APPENDIX_C))
    assert not untraceable(nb), f"decimal numbers in prose that no output shows: {untraceable(nb)}"


def test_a_wrong_equal_to_its_right_is_caught(pitfalls):
    _, ns = pitfalls
    broken = dict(ns, wrong_merge=np.array(ns["right_merge"]))    # the bug "fixed" in the wrong cell
    assert "wrong_merge equals right_merge: the pitfall shows nothing" in pitfall_problems(broken)
    del broken["right_pe"]
    assert "wrong_pe has no right_pe" in pitfall_problems(broken)
    nb = _notebook("## A pitfall\n\n[chapter 3](../chapters/03-self-attention.ipynb)")
    nb["cells"].append({"cell_type": "code", "outputs": [], "source":
                        "import numpy as np\nwrong_x = np.ones(3) / 3\nright_x = np.full(3, 1 / 3)"})
    assert pitfall_problems(run_notebook(nb)) == ["wrong_x equals right_x: the pitfall shows nothing"]
    assert not same([np.nan, 1.0], [np.nan, 1.0]) and not same(np.ones(2), np.ones(3))


# ================================================================ Part III: training from appendix A alone

def test_appendix_a_holds_the_whole_training_recipe():
    """Issue 18 item 7: the backward pass and the training recipe, each piece linked to the
    mathlib function that computes it."""
    linked = {name for name, _ in code_links(read(APPENDIX_A))}
    promised = """loss.smoothed_targets loss.cross_entropy loss.log_softmax loss.cross_entropy_backward
        grad.forward grad.backward grad.linear_backward grad.relu_backward grad.feed_forward_backward
        grad.layer_norm_backward grad.softmax_backward grad.scaled_dot_product_attention_backward
        grad.merge_heads_backward grad.split_heads_backward grad.multi_head_attention_backward
        grad.encoder_layer_backward grad.decoder_layer_backward grad.embedding_backward
        grad.dropout grad.dropout_backward gradcheck.numerical_gradient gradcheck.relative_error
        train.adam_step train.adam_init train.warmup_lr params.init_params""".split()
    assert not set(promised) - linked, f"no equation links {sorted(set(promised) - linked)}"
    labels = {label for label, _, _ in equations(read(APPENDIX_A))}
    assert {"eq-chain-a", "eq-sums-backward-a", "eq-tied-backward-a", "eq-dropout-a",
            "eq-loss-gradient-a", "eq-adam-a", "eq-warmup-a", "eq-init-a"} <= labels


def test_appendix_a_says_what_the_toy_training_starts_from():
    """Chapter 11 trains example.PARAMS; Glorot initialisation is init_params's, not chapter 11's."""
    md = read(APPENDIX_A)
    init = next(after for label, _, after in equations(md) if label == "eq-init-a")
    start = md[md.index("## Training: where it starts"):]
    assert "example.PARAMS" in start and "TOY_SETTINGS" in start
    assert "Used in [chapter 11]" not in init, "appendix A says chapter 11 trains from Glorot"
    import mathlib.train
    assert hasattr(mathlib.train, "TOY_SETTINGS")


def test_part_three_has_one_notation():
    """Issue 18 item 8: one name for the smoothed target (ỹ), y_0 = <sos> with position t
    predicting y_{t+1}, one glyph for ε_ls, σ² the variance, g only ∂L/∂θ, K never |V|."""
    ch10 = json.loads(read(ROOT / "chapters" / "10-loss-and-gradients.ipynb"))
    md10 = "\n".join(cell_source(c) for c in ch10["cells"] if c["cell_type"] == "markdown")
    code10 = "\n".join(cell_source(c) for c in ch10["cells"] if c["cell_type"] == "code")
    a, b = read(APPENDIX_A), read(APPENDIX_B)
    for name, text in (("chapter 10", md10), ("appendix A", a), ("appendix B", b)):
        assert r"\varepsilon_{ls}" not in text, f"{name}: write \\epsilon_{{ls}}"
        assert "q_t" not in text, f"{name}: the smoothed target is \\tilde{{y}}, not q"
        assert not re.search(r"\\sigma\s*=\s*\\sqrt", text), f"{name}: σ is the standard deviation"
        assert not re.search(r"g\s*=\s*dy\s*\\odot", text), f"{name}: g means ∂L/∂θ only"
    assert r"P_{t, y_{t+1}}" in md10 and r"[c = y_{t+1}]" in md10
    assert r"[c = y_{t+1}]" in a and "$y_0$ = `<sos>`" in b
    assert not re.search(r"\bK\s*=\s*len\(VOCAB\)|, K = ", code10), "K is the keys, not |V|"
    import mathlib.loss
    doc = mathlib.loss.__doc__ + mathlib.loss.cross_entropy_backward.__doc__
    assert "ỹ" in doc and " q" not in doc and "K = vocab" not in doc
    outputs = json.dumps([c.get("outputs", []) for c in ch10["cells"]], ensure_ascii=False)
    assert "entropy of ỹ" in outputs and "entropy of t" not in outputs


def test_exposure_bias_is_chapter_11s():
    b = read(APPENDIX_B)
    entry = b[b.index("Exposure bias"):]
    entry = entry[:entry.index("\n\n")]
    assert "11-training.ipynb" in entry and "10-loss" not in entry
