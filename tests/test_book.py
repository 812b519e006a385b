"""Book integrity without Quarto: _quarto.yml, the chapter notebooks and their anatomy.

Everything here reads files only (no kernel), so it runs in a second. What Quarto
would complain about, or render wrongly, is checked from the sources:
- _quarto.yml parses, is a book that never executes, lists only existing files and
  every notebook in chapters/;
- each chapter opens with a raw cell of YAML front matter (title, Binder and Colab
  links to this chapter's notebook in the repository named once in _quarto.yml),
  then the Colab installer cell copied verbatim from CONTRIBUTING.md;
- each chapter was executed top to bottom and stored no error and no stderr;
- no numeric matrix is typed by hand in markdown;
- figures have a label, a caption and alt text; labels are unique across the book and
  every @fig- reference names a figure of the book;
- each chapter labels its key equations ({#eq-…}) and refers to them; @eq- references resolve;
- 2-4 exercises, each followed by a collapsed solution; callout fences balance;
- markdown images have alt text.
"""
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_DIR = ROOT / "chapters"
CHAPTERS = sorted(CHAPTER_DIR.glob("*.ipynb"))
CHAPTER_IDS = [p.stem for p in CHAPTERS]
# Appendix notebooks (appendices/*.ipynb) have a chapter's anatomy without its exercises:
# the structural checks below run on chapters and appendices alike.
APPENDIX_NOTEBOOKS = sorted((ROOT / "appendices").glob("*.ipynb"))
NOTEBOOKS = CHAPTERS + APPENDIX_NOTEBOOKS
CHAPTER_NAME = re.compile(r"^chapters/(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")


# ---------------------------------------------------------------- helpers

def quarto_config():
    return yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))


def repo_owner_and_name():
    url = quarto_config()["book"]["repo-url"]
    m = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", url)
    assert m, f"book: repo-url must be https://github.com/OWNER/REPO, got {url!r}"
    return m.group(1), m.group(2)


def listed_files(config=None):
    """Every file named in book: chapters and book: appendices, in order."""
    book = (config or quarto_config())["book"]
    out = []

    def walk(items):
        for item in items or []:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                part = item.get("part")
                if isinstance(part, str) and part.endswith((".qmd", ".md", ".ipynb")):
                    out.append(part)
                if "href" in item or "file" in item:
                    out.append(item.get("href") or item.get("file"))
                walk(item.get("chapters"))
            else:
                raise AssertionError(f"unexpected entry in _quarto.yml book lists: {item!r}")

    walk(book.get("chapters"))
    walk(book.get("appendices"))
    return out


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def markdown_cells(nb):
    return [source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def without_code(md):
    """Markdown with fenced code blocks and inline code removed (math is kept)."""
    md = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", "", md)
    return re.sub(r"`[^`\n]*`", "", md)


def front_matter(nb):
    first = nb["cells"][0]
    assert first["cell_type"] == "raw", "the first cell must be a raw cell holding the YAML front matter"
    text = source(first).strip()
    m = re.fullmatch(r"---\n(.*?)\n---", text, flags=re.S)
    assert m, "the raw front-matter cell must start and end with a line '---'"
    meta = yaml.safe_load(m.group(1))
    assert isinstance(meta, dict), "the front matter must be a YAML mapping"
    return meta


def cell_options(cell):
    """Quarto's `#| key: value` lines at the top of a code cell, parsed as YAML."""
    lines = []
    for line in source(cell).splitlines():
        if line.startswith("#|"):
            lines.append(line[2:].removeprefix(" "))
        elif line.strip() == "":
            continue
        else:
            break
    if not lines:
        return {}
    opts = yaml.safe_load("\n".join(lines))
    assert isinstance(opts, dict), f"cell options must be YAML key: value lines:\n{source(cell)[:200]}"
    return opts


def contributing():
    return (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def colab_cell_from_contributing():
    text = contributing()
    start = text.index("Colab installer")
    m = re.search(r"```python\n(.*?)\n\s*```", text[start:], flags=re.S)
    assert m, "CONTRIBUTING.md lost the Colab installer code block"
    return textwrap.dedent(m.group(1)).strip()


def titles_from_contributing():
    rows = re.findall(r"^\|\s*`(chapters/[^`]+\.ipynb)`\s*\|\s*([^|]+?)\s*\|\s*$", contributing(), flags=re.M)
    return dict(rows)


MATRIX = re.compile(r"\\begin\{([bpvBV]?matrix|smallmatrix)\}(.*?)\\end\{\1\}", re.S)


def hand_typed_matrices(md):
    """Matrix environments in markdown that contain a digit that is not an index or exponent."""
    found = []
    for m in MATRIX.finditer(md):
        body = re.sub(r"[_^](\{[^}]*\}|\w)", "", m.group(2))  # w_{12}, x^2 are symbols
        body = re.sub(r"\\[A-Za-z]+", "", body)              # \cdots, \vdots, \frac...
        if re.search(r"\d", body):
            found.append(m.group(0)[:80])
    return found


OPEN = re.compile(r"^\s*(:{3,})\s*(\{[^}]*\}|[A-Za-z][\w-]*)\s*$")
CLOSE = re.compile(r"^\s*(:{3,})\s*$")


def callout_events(nb):
    """('open', attrs) / ('close', None) for every fenced div, in document order."""
    events = []
    for md in markdown_cells(nb):
        in_code = False
        for line in md.splitlines():
            if re.match(r"^\s*(```|~~~)", line):
                in_code = not in_code
                continue
            if in_code:
                continue
            if m := OPEN.match(line):
                events.append(("open", m.group(2)))
            elif CLOSE.match(line):
                events.append(("close", None))
    return events


def is_exercise(attrs):
    return ".callout-important" in attrs and re.search(r'title="Exercise\b', attrs) is not None


def is_solution(attrs):
    return ".callout-tip" in attrs and re.search(r'collapse="?true"?', attrs) is not None


def figure_cells(nb):
    return [c for c in code_cells(nb) if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]


# ---------------------------------------------------------------- _quarto.yml

def test_there_are_chapters():
    assert CHAPTERS, "chapters/ holds no notebook: the book tests would pass vacuously"


def test_quarto_yml_is_a_book_that_renders_stored_outputs():
    cfg = quarto_config()
    assert cfg["project"]["type"] == "book"
    assert cfg["execute"]["enabled"] is False, "Quarto must never execute the notebooks"
    html = cfg["format"]["html"]
    assert html["html-math-method"] == "mathjax"
    assert {"light", "dark"} <= set(html["theme"]), "light and dark themes"
    assert html.get("toc") is True and cfg["book"].get("search", True) is not False
    repo_owner_and_name()  # repo-url well formed


def test_every_listed_file_exists():
    cfg = quarto_config()
    files = listed_files(cfg)
    assert files and files[0] == "index.qmd", "the book starts with the preface, index.qmd"
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, f"_quarto.yml lists files that do not exist: {missing}"
    assert len(files) == len(set(files)), "a file is listed twice"
    for key in ("cover-image", "favicon", "image"):
        if key in cfg["book"]:
            assert (ROOT / cfg["book"][key]).is_file(), f"book: {key} {cfg['book'][key]} does not exist"
    for extra in ("css", "include-after-body", "include-in-header"):
        value = cfg["format"]["html"].get(extra) or []
        for f in [value] if isinstance(value, str) else value:
            assert (ROOT / f).is_file(), f"format: html: {extra} {f} does not exist"


def test_every_chapter_notebook_is_listed_in_order():
    listed = [f for f in listed_files() if f.startswith("chapters/")]
    on_disk = [f"chapters/{p.name}" for p in CHAPTERS]
    assert on_disk, "no chapters"
    unlisted = sorted(set(on_disk) - set(listed))
    assert not unlisted, f"notebooks in chapters/ missing from _quarto.yml: {unlisted}"
    for f in listed:
        assert CHAPTER_NAME.match(f), f"{f}: chapter files are chapters/NN-slug.ipynb"
    numbers = [int(CHAPTER_NAME.match(f).group(1)) for f in listed]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), \
        f"chapters must be listed in the order of their numbers: {listed}"


def test_every_appendix_is_listed():
    """Each page in appendices/ is listed under book: appendices, after every chapter."""
    cfg = quarto_config()
    listed = [f for f in listed_files({"book": {"appendices": cfg["book"].get("appendices")}})]
    on_disk = sorted(f"appendices/{p.name}" for p in (ROOT / "appendices").glob("*")
                     if p.suffix in (".qmd", ".ipynb"))
    unlisted = sorted(set(on_disk) - set(listed))
    assert not unlisted, f"pages in appendices/ missing from book: appendices: in _quarto.yml: {unlisted}"
    chapters = [f for f in listed_files({"book": {"chapters": cfg["book"]["chapters"]}})]
    stray = [f for f in chapters if f.startswith("appendices/")]
    assert not stray, f"appendices listed among the chapters: {stray}"


def test_preface_is_unnumbered():
    first = (ROOT / "index.qmd").read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first == "# Preface {.unnumbered}", "index.qmd must start with '# Preface {.unnumbered}'"


def test_no_code_links_binder_anywhere():
    """`code-links: binder` makes Quarto query the git remote at render time (fails offline)."""
    pattern = re.compile(r"code-links:\s*\[?\s*[\"']?binder\b")
    texts = {"_quarto.yml": (ROOT / "_quarto.yml").read_text(encoding="utf-8"),
             "index.qmd": (ROOT / "index.qmd").read_text(encoding="utf-8")}
    for p in NOTEBOOKS:
        texts[p.name] = source(load(p)["cells"][0])
    for name, text in texts.items():
        assert not pattern.search(text), f"{name}: uses code-links: binder"
    assert "code-links" not in quarto_config()["format"]["html"], \
        "code-links belong in each chapter's front matter, not in _quarto.yml"


# ---------------------------------------------------------------- per chapter

chapter = pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


@notebook
def test_front_matter_title_and_links(path):
    nb = load(path)
    meta = front_matter(nb)
    assert isinstance(meta.get("title"), str) and meta["title"].strip(), "front matter needs a title"
    rel = path.relative_to(ROOT).as_posix()          # chapters/NN-slug.ipynb or appendices/x.ipynb
    expected_title = titles_from_contributing().get(rel)
    if expected_title is not None:
        assert meta["title"] == expected_title, "title differs from the table in CONTRIBUTING.md"
    links = meta.get("code-links")
    assert isinstance(links, list) and all(isinstance(x, dict) for x in links), \
        "code-links must be an explicit list of {text, icon, href}"
    owner, repo = repo_owner_and_name()
    binder = f"https://mybinder.org/v2/gh/{owner}/{repo}/HEAD?urlpath=lab/tree/{rel}"
    colab = f"https://colab.research.google.com/github/{owner}/{repo}/blob/main/{rel}"
    hrefs = {x.get("href") for x in links}
    assert binder in hrefs, f"no Binder link to this notebook; expected {binder}, got {sorted(map(str, hrefs))}"
    assert colab in hrefs, f"no Colab link to this notebook; expected {colab}, got {sorted(map(str, hrefs))}"
    for x in links:
        assert x.get("text") and x.get("href"), f"code-link without text or href: {x}"
        if "mybinder.org" in x["href"]:
            assert x["href"] == binder, f"Binder link points elsewhere: {x['href']}"
        if "colab.research.google.com" in x["href"]:
            assert x["href"] == colab, f"Colab link points elsewhere: {x['href']}"


@notebook
def test_colab_installer_is_the_second_cell_verbatim(path):
    cell = load(path)["cells"][1]
    assert cell["cell_type"] == "code", "the second cell is the Colab installer code cell"
    assert source(cell).strip() == colab_cell_from_contributing(), \
        "the Colab installer differs from the one in CONTRIBUTING.md"
    assert cell.get("outputs") == [], "the installer must print nothing where mathlib is installed"


@notebook
def test_executed_top_to_bottom_with_clean_outputs(path):
    nb = load(path)
    cells = [c for c in code_cells(nb) if source(c).strip()]
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), \
        f"not executed top to bottom in a fresh kernel: execution counts {counts}"
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert outputs, "no stored outputs"
    for i, c in enumerate(code_cells(nb)):
        for o in c.get("outputs", []):
            assert o["output_type"] != "error", f"code cell {i} stored an error: {o.get('ename')}: {o.get('evalue')}"
            assert not (o["output_type"] == "stream" and o.get("name") == "stderr"), \
                f"code cell {i} stored stderr (a warning?): {''.join(o.get('text', ''))[:200]!r}"


@notebook
def test_written_by_make_execute(path):
    """No per-cell timestamps (`jupyter execute`/JupyterLab store them; tools/execute.py does not),
    so `make execute` on a committed chapter leaves `git diff` empty."""
    nb = load(path)
    timed = [i for i, c in enumerate(code_cells(nb)) if "execution" in c.get("metadata", {})]
    assert not timed, f"code cells {timed[:5]}… store execution timestamps: re-run `make execute`"
    for i, c in enumerate(code_cells(nb)):
        names = [o.get("name") if o["output_type"] == "stream" else None for o in c.get("outputs", [])]
        split = any(a is not None and a == b for a, b in zip(names, names[1:]))
        assert not split, f"code cell {i}: a stream split in pieces (timing-dependent): re-run `make execute`"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "kernel name must be python3"


@notebook
def test_no_hand_typed_numeric_matrix(path):
    nb = load(path)
    bad = [m for md in markdown_cells(nb) for m in hand_typed_matrices(without_code(md))]
    assert not bad, f"numeric matrices typed in markdown (render them with mathlib.show): {bad}"


@notebook
def test_figures_have_label_caption_and_alt_text(path):
    nb = load(path)
    for c in figure_cells(nb):
        opts = cell_options(c)
        head = source(c)[:120]
        assert str(opts.get("label", "")).startswith("fig-"), f"figure cell without '#| label: fig-…':\n{head}"
        assert str(opts.get("fig-cap", "")).strip(), f"figure cell without '#| fig-cap:':\n{head}"
        assert str(opts.get("fig-alt", "")).strip(), f"figure cell without '#| fig-alt:':\n{head}"


def figure_labels(nb):
    labels = {cell_options(c).get("label") for c in code_cells(nb)}
    labels |= {m for md in markdown_cells(nb) for m in re.findall(r"\{#(fig-[\w-]+)", md)}
    return {x for x in labels if isinstance(x, str) and x.startswith("fig-")}


@notebook
def test_figure_references_resolve(path):
    """Every @fig-… names a figure of this chapter, or of another chapter of the book
    (Quarto books resolve cross-chapter references: "Figure 6.2" links to chapter 6)."""
    nb = load(path)
    book = set().union(*(figure_labels(load(p)) for p in NOTEBOOKS))
    refs = {r for md in markdown_cells(nb)
            for r in re.findall(r"(?<![\w@.])@(fig-[A-Za-z0-9_-]*[A-Za-z0-9_])", without_code(md))}
    assert not refs - book, f"@fig references to no figure of the book: {sorted(refs - book)}"


@chapter
def test_exercises_each_followed_by_a_collapsed_solution(path):
    events = callout_events(load(path))
    depth, top = 0, []
    for kind, attrs in events:
        if kind == "open":
            if depth == 0:
                top.append(attrs)
            depth += 1
        else:
            depth -= 1
            assert depth >= 0, "a ':::' closes a callout that was never opened"
    assert depth == 0, f"{depth} callout fence(s) left open (count the ':::' lines)"
    exercises = [i for i, a in enumerate(top) if is_exercise(a)]
    assert 2 <= len(exercises) <= 4, f"expected 2-4 exercises (callout-important titled 'Exercise N'), found {len(exercises)}"
    numbers = [int(re.search(r'title="Exercise (\d+)', top[i]).group(1)) for i in exercises]
    assert numbers == list(range(1, len(numbers) + 1)), f"exercises are numbered 1, 2, …: {numbers}"
    for i in exercises:
        nxt = top[i + 1] if i + 1 < len(top) else None
        assert nxt is not None and is_solution(nxt), \
            f"Exercise {numbers[exercises.index(i)]} is not followed by a collapsed solution " \
            f'(::: {{.callout-tip collapse="true" title="Solution"}}), next callout: {nxt}'


@chapter
def test_solutions_are_executed_code(path):
    """Each solution callout contains at least one code cell with stored output or an assert."""
    nb = load(path)
    inside, found, solutions = False, False, []
    for c in nb["cells"]:
        text = source(c)
        if c["cell_type"] == "markdown":
            for line in text.splitlines():
                if (m := OPEN.match(line)) and is_solution(m.group(2)):
                    inside, found = True, False
                elif CLOSE.match(line) and inside:
                    solutions.append(found)
                    inside = False
        elif c["cell_type"] == "code" and inside and text.strip():
            found = found or bool(c.get("outputs")) or "assert" in text
    assert solutions and all(solutions), f"solutions without executed code: {solutions}"


@notebook
def test_markdown_images_have_alt_text(path):
    for md in markdown_cells(load(path)):
        md = without_code(md)
        for alt, target in re.findall(r"!\[([^\]]*)\]\(([^)\s]+)", md):
            assert alt.strip(), f"image without alt text: {target}"
        for tag in re.findall(r"<img\b[^>]*>", md, flags=re.I):
            assert re.search(r'\balt\s*=\s*"[^"]+"', tag), f"<img> without alt text: {tag}"


def test_figure_labels_unique_across_the_book():
    seen = {}
    for p in NOTEBOOKS:
        for c in code_cells(load(p)):
            label = cell_options(c).get("label")
            if label:
                assert label not in seen, f"label {label!r} used in {seen[label]} and {p.name}"
                seen[label] = p.name
    assert seen, "no labelled cell anywhere in the book"


EQUATION_LABEL = re.compile(r"\$\$[ \t]*\{#(eq-[\w-]+)\}")   # Quarto: `$$ {#eq-name}` right after the closing $$


def equation_labels(nb):
    return [m for md in markdown_cells(nb) for m in EQUATION_LABEL.findall(md)]


@chapter
def test_key_equations_are_labelled_and_referenced(path):
    """Each chapter labels its key equation(s) for Quarto's cross-references and refers to them."""
    nb = load(path)
    labels = equation_labels(nb)
    assert labels, "no labelled equation ($$ … $$ {#eq-…}) in this chapter"
    refs = {r for md in markdown_cells(nb)
            for r in re.findall(r"(?<![\w@.])@(eq-[A-Za-z0-9_-]*[A-Za-z0-9_])", without_code(md))}
    assert set(labels) <= refs, f"labelled but never referenced: {sorted(set(labels) - refs)}"


def test_equation_references_resolve_and_labels_are_unique():
    labels = [label for p in CHAPTERS for label in equation_labels(load(p))]
    assert len(labels) == len(set(labels)), f"equation labels used twice: {labels}"
    for p in CHAPTERS:
        refs = {r for md in markdown_cells(load(p))
                for r in re.findall(r"(?<![\w@.])@(eq-[A-Za-z0-9_-]*[A-Za-z0-9_])", without_code(md))}
        assert not refs - set(labels), f"{p.name}: @eq references to no equation: {sorted(refs - set(labels))}"


SPECIAL_TOKEN = re.compile(r"<(pad|sos|eos)>")


def _outside_code_and_math(md):
    md = re.sub(r"```.*?```", "", md, flags=re.S)
    md = re.sub(r"`[^`\n]*`", "", md)
    md = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
    return re.sub(r"\$[^$\n]*\$", "", md)


@notebook
def test_special_tokens_are_not_swallowed_as_html(path):
    """A bare <sos> in Markdown (prose, a Markdown output, a figure caption) is an unknown HTML tag
    to Pandoc and vanishes from the page: write `<sos>` in backticks."""
    nb = load(path)
    texts = list(markdown_cells(nb))
    texts += ["".join(o.get("data", {}).get("text/markdown", "")) for c in code_cells(nb) for o in c.get("outputs", [])]
    texts += [str(cell_options(c).get("fig-cap", "")) for c in code_cells(nb)]
    for text in texts:
        bare = SPECIAL_TOKEN.findall(_outside_code_and_math(text))
        assert not bare, f"bare special token(s) {bare} outside code or math in: {text[:120]!r}"


# ---------------------------------------------------------------- prose length, editions

PROSE_LIMIT = {"08-decoder": 2200, "09-generation": 2200}    # words of prose, issue 20


def prose_words(nb):
    """Words of a notebook's markdown cells with fenced code, inline code, display and inline
    math, and callout fences (::: lines) removed: what a reader reads as prose."""
    total = 0
    for md in markdown_cells(nb):
        md = without_code(md)
        md = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
        md = re.sub(r"\$[^$\n]*\$", "", md)
        md = re.sub(r"(?m)^\s*:::.*$", "", md)
        total += len(re.findall(r"\S*[A-Za-z0-9]\S*", md))
    return total


def test_prose_words_counts_words_not_math_or_code():
    nb = {"cells": [{"cell_type": "markdown", "source": "Two words $x + y = z$ and `code here`\n"
                                                         "$$\na b c\n$$\n::: {.callout-note title=\"T\"}\n"
                                                         "three more words\n:::\n```python\nx = 1\n```\n"}]}
    assert prose_words(nb) == 2 + 1 + 3


@pytest.mark.parametrize("stem", sorted(PROSE_LIMIT))
def test_long_chapters_stay_within_their_prose_limit(stem):
    words = prose_words(load(CHAPTER_DIR / f"{stem}.ipynb"))
    assert words <= PROSE_LIMIT[stem], f"{stem}: {words} words of prose, limit {PROSE_LIMIT[stem]}"


EDITIONS = re.compile(r"\b(?:first|second|third|earlier|previous|last|old|new) edition\b|\bold scale\b", re.I)


def test_no_page_speaks_of_earlier_editions():
    pages = {p.name: "\n".join(markdown_cells(load(p))) for p in NOTEBOOKS}
    pages.update({p.name: p.read_text(encoding="utf-8") for p in [ROOT / "index.qmd", *(ROOT / "appendices").glob("*.qmd")]})
    for name, text in pages.items():
        assert not EDITIONS.search(text), f"{name} speaks of an edition: {EDITIONS.search(text).group(0)!r}"
