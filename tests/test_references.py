"""The bibliography and the citations agree: nothing cited is missing, nothing listed is uncited.

Quarto resolves `[@key]`, `[@key, §3.5]`, `[@a; @b]`, `[-@key]` and a bare `@key` in prose
against `references.bib` (set by `bibliography:` in _quarto.yml) and prints the list on
references.qmd. A key that is not in the .bib renders as "?@key" and only warns, so:

- every key cited on a page of the book (index.qmd, the chapters, the appendices: markdown,
  Markdown outputs and figure captions) must be an entry of references.bib;
- every entry of references.bib must be cited at least once (an uncited entry would still
  be listed only if `nocite` said so: it means a chapter lost its citation);
- the .bib parses (no duplicate keys, each entry has author or title, year and url).

Not citations: Quarto's cross-references (`@fig-…`, `@eq-…`, `@tbl-…`, `@sec-…`, …),
e-mail addresses, anything in code or math. The .bib is read with a small regex parser
(no new dependency); its own tests below show what it accepts.
"""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"

# Quarto's cross-reference prefixes: @fig-x is a figure, not the citation key "fig-x".
CROSSREF_PREFIXES = ("fig", "tbl", "eq", "sec", "lst", "thm", "lem", "cor", "prp", "cnj", "def",
                     "exm", "exr", "sol", "rem", "alg", "ch", "apx")

# Pandoc's citation key: begins with a letter, digit or _, then letters, digits, _ and single
# internal punctuation from :.#$%&-+?<>~/ (trailing punctuation ends the key). @{…} also works.
# The @ must not follow a word character (that is an e-mail address) or another @/backslash.
CITATION = re.compile(
    r"(?<![\w@\\`])-?@(?:\{(?P<braced>[^{}\s]+)\}|(?P<key>[\w](?:[\w]|[:.#$%&\-+?<>~/](?=[\w]))*))")


# ---------------------------------------------------------------- reading the .bib

def parse_bib(text):
    """[(entry type, key, {field: value})] of a BibTeX file; @comment/@string/@preamble skipped.

    Values may be {braced} (nested braces allowed), "quoted" or bare (a number or a macro).
    """
    entries = []
    for m in re.finditer(r"@(\w+)\s*([{(])", text):
        kind = m.group(1).lower()
        start = m.end()
        body, depth, i = None, 1, start
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0) if m.group(2) == "{" else \
                {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        assert depth == 0, f"references.bib: the entry at offset {m.start()} never closes"
        body = text[start:i - 1]
        if kind in ("comment", "string", "preamble"):
            continue
        key, _, rest = body.partition(",")
        key = key.strip()
        assert re.fullmatch(r"[\w:.\-+/]+", key), f"references.bib: bad key {key!r} at offset {m.start()}"
        entries.append((kind, key, parse_fields(rest, key)))
    return entries


def parse_fields(text, key):
    fields, i = {}, 0
    while True:
        m = re.compile(r"\s*,?\s*([A-Za-z][\w-]*)\s*=\s*").match(text, i)
        if not m:
            assert not text[i:].strip(" \t\n,"), f"references.bib: {key}: cannot read {text[i:i + 60]!r}"
            return fields
        name, i = m.group(1).lower(), m.end()
        if text[i] == "{":
            depth, j = 1, i + 1
            while depth:
                assert j < len(text), f"references.bib: {key}: field {name} never closes"
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            value, i = text[i + 1:j - 1], j
        elif text[i] == '"':
            j = text.index('"', i + 1)
            value, i = text[i + 1:j], j + 1
        else:
            m2 = re.compile(r"[\w.:-]+").match(text, i)
            assert m2, f"references.bib: {key}: field {name} has no value"
            value, i = m2.group(0), m2.end()
        assert name not in fields, f"references.bib: {key}: field {name} given twice"
        fields[name] = re.sub(r"\s+", " ", value).strip()


def bib_keys():
    return [key for _, key, _ in parse_bib(BIB.read_text(encoding="utf-8"))]


# ---------------------------------------------------------------- reading the book's pages

def book_pages():
    """Every page _quarto.yml lists (preface, chapters, appendices, references), plus any notebook
    or .qmd in chapters/ and appendices/ (a page not yet listed still must not cite nonsense)."""
    book = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    listed = []

    def walk(items):
        for item in items or []:
            if isinstance(item, str):
                listed.append(item)
            elif isinstance(item, dict):
                walk(item.get("chapters"))
                if item.get("href") or item.get("file"):
                    listed.append(item.get("href") or item.get("file"))
    walk(book.get("chapters"))
    walk(book.get("appendices"))
    pages = {ROOT / f for f in listed}
    for folder in ("chapters", "appendices"):
        pages |= set((ROOT / folder).glob("*.ipynb")) | set((ROOT / folder).glob("*.qmd"))
    return sorted(p for p in pages if p.is_file())


def _cell_source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def texts_of(path):
    """The text Quarto renders as Markdown on the page: a .qmd (without its YAML header), or a
    notebook's markdown cells, its text/markdown outputs and its figure captions."""
    if path.suffix != ".ipynb":
        text = path.read_text(encoding="utf-8")
        return [re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)]
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            texts.append(_cell_source(cell))
        elif cell["cell_type"] == "code":
            texts += re.findall(r"^#\|\s*fig-cap:\s*(.*)$", _cell_source(cell), flags=re.M)
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md:
                    texts.append("".join(md) if isinstance(md, list) else md)
    return texts


def without_code_and_math(md):
    md = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", " ", md)       # fenced code
    md = re.sub(r"`[^`\n]*`", " ", md)                                 # inline code
    md = re.sub(r"\$\$.*?\$\$", " ", md, flags=re.S)                   # display math
    md = re.sub(r"(?<![\\$])\$[^$\n]+?\$", " ", md)                    # inline math
    md = re.sub(r"<[a-z][a-z0-9+.-]*:[^>\s]*>", " ", md)               # <https://…> autolinks
    return re.sub(r"\]\([^)\s]*\)", "]", md)                           # link targets (URLs with @)


def citations(md):
    """The citation keys in a piece of Markdown, in order (cross-references and e-mails left out)."""
    keys = []
    for m in CITATION.finditer(without_code_and_math(md)):
        key = m.group("braced") or m.group("key")
        if re.match(rf"(?:{'|'.join(CROSSREF_PREFIXES)})-", key):
            continue
        keys.append(key)
    return keys


def cited_keys():
    """{key: [page names]} over the whole book."""
    cited = {}
    for page in book_pages():
        for text in texts_of(page):
            for key in citations(text):
                cited.setdefault(key, [])
                name = str(page.relative_to(ROOT))
                if name not in cited[key]:
                    cited[key].append(name)
    return cited


# ---------------------------------------------------------------- the parsers do what they say

def test_citation_parser_on_examples():
    md = """
The paper [@vaswani2017attention, §3.5] and two more [@ba2016layernorm; @he2016residual].
Rush [-@rush2018annotated] writes it in code; @alammar2018illustrated draws it.
Braced: [@{odd:key.2}]. A key at the end of a sentence: see @zhang2023d2l.
Not citations: @fig-here-03, @eq-attention-a, @tbl-notation, @sec-intro, mail author@example.org,
`@decorator` in code, $a@b$ in math, [a link](https://example.org/@user), <https://example.org/@user2>,

```python
@inside_a_fence
```
"""
    assert citations(md) == ["vaswani2017attention", "ba2016layernorm", "he2016residual",
                             "rush2018annotated", "alammar2018illustrated", "odd:key.2", "zhang2023d2l"]


def test_bib_parser_on_examples():
    text = """% a comment line
@comment{ignored, title = {x}}
@string{acl = "ACL"}
@article{one2020a,
  title = {A {Nested} Title},
  author = "Doe, Jane and Roe, Richard",
  year = 2020,
  url = {https://example.org/a}
}
@misc( two2021b , title={B}, year={2021} )
"""
    entries = parse_bib(text)
    assert [(k, key) for k, key, _ in entries] == [("article", "one2020a"), ("misc", "two2021b")]
    fields = entries[0][2]
    assert fields == {"title": "A {Nested} Title", "author": "Doe, Jane and Roe, Richard",
                      "year": "2020", "url": "https://example.org/a"}
    with pytest.raises(AssertionError, match="never closes"):
        parse_bib("@article{three, title = {unclosed}")


# ---------------------------------------------------------------- the book

def test_bibliography_is_configured_and_printed():
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    bib = cfg.get("bibliography") or cfg.get("format", {}).get("html", {}).get("bibliography")
    assert bib == "references.bib", f"_quarto.yml must say `bibliography: references.bib`, got {bib!r}"
    page = ROOT / "references.qmd"
    assert page.is_file(), "references.qmd (the list of references) is missing"
    text = page.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# References {.unnumbered}"
    assert re.search(r"^::: \{#refs\}\n:::\s*$", text, flags=re.M), "references.qmd needs ::: {#refs} :::"
    assert "references.qmd" in (cfg["book"].get("appendices") or []) + \
        [c for c in cfg["book"]["chapters"] if isinstance(c, str)], "references.qmd is not listed in _quarto.yml"


def test_bib_entries_are_complete_and_unique():
    entries = parse_bib(BIB.read_text(encoding="utf-8"))
    assert entries, "references.bib holds no entry"
    keys = [key for _, key, _ in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"references.bib: keys given twice: {duplicates}"
    for kind, key, fields in entries:
        missing = [f for f in ("title", "year", "url") if not fields.get(f)]
        if not (fields.get("author") or fields.get("editor")):
            missing.append("author")
        assert not missing, f"references.bib: @{kind}{{{key}}} lacks {missing}"
        assert re.fullmatch(r"\d{4}", fields["year"]), f"{key}: year {fields['year']!r}"
        assert fields["url"].startswith("https://"), f"{key}: url {fields['url']!r}"


def test_the_book_cites_something():
    """The scan must find citations somewhere (else the two tests below would pass on a broken parser)."""
    assert len(book_pages()) >= 3
    assert cited_keys(), "no citation anywhere in the book: is the citation parser broken?"


def test_every_cited_key_is_in_the_bibliography():
    known = set(bib_keys())
    unknown = {k: pages for k, pages in cited_keys().items() if k not in known}
    assert not unknown, "cited but not in references.bib (Quarto would print ?@key): " + \
        "; ".join(f"@{k} in {', '.join(p)}" for k, p in sorted(unknown.items()))


def test_every_bibliography_entry_is_cited():
    cited = cited_keys()
    uncited = [k for k in bib_keys() if k not in cited]
    assert not uncited, f"entries of references.bib that no page cites yet: {uncited}"
