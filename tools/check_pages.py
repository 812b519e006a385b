#!/usr/bin/env python3
"""Check in a real browser that every page of the book fits its text column.

usage: python tools/check_pages.py [PAGE ...] [--json] [--report-only] [--screenshots DIR]
       python tools/check_pages.py --site _book [--allow-network]

Without --site, each page (index.qmd, chapters/*.ipynb, the appendices, or the PAGEs given) is built into
one HTML page from what the notebook stores: markdown cells rendered like Pandoc does (math
kept for MathJax, pipe tables with Pandoc's column widths, callouts from `::: {.callout-*}`
fenced divs, also across cells), code cells as code blocks unless `#| echo: false`, and
their stored outputs (streams and text/plain in <pre>, text/latex as display math,
text/markdown rendered, PNG/JPEG/SVG as <img>, labelled figures with captions). The page
has the book's layout: a 680-px text column, Bootstrap/flatly/Quarto's fonts and sizes
(Lato 17 px; code 0.875em in the Bootstrap monospace stack), the project's styles.css, and
MathJax 3 (tex-chtml-full, what Quarto loads) typesetting the math offline from
node_modules/. Then headless Chromium (Debian's chromium, driven by playwright; nothing is
downloaded, every request is answered from disk, none leaves the machine) measures, and the
check fails on

  code      a code block with a line that does not fit (measured with white-space: pre,
            so a line that Quarto would wrap or scroll counts);
  text      a text output (<pre>) wider than its box or the column;
  math      an equation (display or inline) wider than its box or the column;
  table     a table wider than the column, or a cell whose text overflows its column;
  image     an image wider than the column;
  broken-image, math-error (a MathJax error: an undefined macro, a TeX syntax error, math
            left untypeset), other (anything else that runs past the column).

With --site DIR it measures Quarto's own rendered pages instead (the column is
`main.content`/#quarto-document-content, outputs `.cell-output`, math `mjx-container`, code
`div.sourceCode pre`), after expanding collapsed callouts; the publish workflow runs it on
_book/ before deploying. There, MathJax requested from the CDN is served from node_modules/
when it is installed, and other requests off the loopback are refused unless
--allow-network.

Exit status: 0 every page fits, 1 some page does not (0 with --report-only), 2 the check
could not run (no browser, no MathJax, a page that cannot be built).
"""
import argparse
import base64
import html
import json
import mimetypes
import os
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "http://check-pages.localhost"   # *.localhost never leaves the machine; all requests are routed
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/es5/(?P<path>[^?#]+)")
GOOGLE_LATO = re.compile(r"^https://fonts\.googleapis\.com/css2?\?family=Lato")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
KINDS = ["code", "text", "math", "table", "image", "broken-image", "math-error", "other"]

# The site's geometry and type, approximated (see README, "Checking the pages in a browser").
COLUMN_PX = 680          # Quarto's book text column at a 1280-px window
VIEWPORT = (1280, 900)
ROOT_FONT_PX = 17        # Quarto's root font size; Bootstrap's body text is 1rem
BODY_FONT = ('Lato, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
             'sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol"')      # flatly
MONO_FONT = 'SFMono-Regular, Menlo, Monaco, Consolas, "Liberation Mono", "Courier New", monospace'


class CheckError(Exception):
    """The check could not run (exit status 2)."""


# ------------------------------------------------------------------ Markdown, as Pandoc reads it

MATH_TOKEN = re.compile(
    r"(?P<code>(?P<ticks>`+)(?:.+?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<display>\$\$(?P<dbody>.+?)\$\$(?:[ \t]*\{#(?P<label>eq-[\w.:-]+)\})?)"
    r"|(?P<inline>(?<![\\$\w])\$(?![\s$])(?P<ibody>(?:[^$\\\n]|\\.)+?)(?<![\s\\])\$(?!\d))",
    re.S)
FENCE_LINE = re.compile(r"^\s*(```|~~~)")
DIV_LINE = re.compile(r"^\s*(:{3,})\s*(?P<attrs>\{[^}]*\}|[\w-]+)?\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
XREF = re.compile(r"(?<![\w@.])@((?:fig|eq|sec|tbl)-[\w-]*\w)")


def math_span(tex, display):
    body = html.escape(tex.strip(), quote=False)
    if display:
        return f'<span class="math display">\\[{body}\\]</span>'
    return f'<span class="math inline">\\({body}\\)</span>'


class Book:
    """What the pages share: chapter numbers, labels for cross-references, the Markdown renderer."""

    def __init__(self, root=ROOT):
        import mistune

        self.root = root
        self.numbers = chapter_numbers(root)
        self.labels = {}
        book = self

        class Renderer(mistune.HTMLRenderer):
            def block_code(self, code, info=None):
                lang = (info or "").split()[0] if info else ""
                return code_block(code, lang.strip("{}"), book=book)

        self.markdown = mistune.create_markdown(renderer=Renderer(escape=False),
                                                plugins=["table", "strikethrough", "footnotes"])
        self.code_blocks = 0

    def reference(self, label):
        """What Quarto writes for @label: "Figure 3.1" (a label of another page: a number of that width)."""
        kind = {"fig": "Figure", "eq": "Equation", "sec": "Section", "tbl": "Table"}[label.split("-")[0]]
        return self.labels.get(label, f"{kind}\u00a00.0")

    def md(self, text, page):
        """HTML of a Markdown text (no fenced divs in it), math left for MathJax."""
        maths = []

        def keep(m):
            if m.group("code"):
                return m.group(0)
            if m.group("display"):
                tex = m.group("dbody")
                label = m.group("label")
                if label:
                    page.equations += 1
                    number = f"{page.number}.{page.equations}" if page.number else str(page.equations)
                    self.labels.setdefault(label, f"Equation\u00a0{number}")
                    numbered = math_span(tex + r" \qquad(" + number + ")", True)
                    span = f'<span id="{label}" class="quarto-xref">{numbered}</span>'
                else:
                    span = math_span(tex, True)
            else:
                span = math_span(m.group("ibody"), False)
            maths.append(span)
            return f"MJXPH{len(maths) - 1}X"

        out, block, fence = [], [], None
        for line in text.split("\n"):      # math is protected outside fenced code only
            if fence:
                out.append(line)
                if line.strip().startswith(fence):
                    fence = None
                continue
            m = FENCE_LINE.match(line)
            if m:
                out.append(MATH_TOKEN.sub(keep, "\n".join(block)))
                block, fence = [], m.group(1)
                out.append(line)
                continue
            block.append(line)
        out.append(MATH_TOKEN.sub(keep, "\n".join(block)))
        text = "\n".join(out)

        text = re.sub(r"^(#{1,6}\s.*?)\s*\{[^}]*\}\s*$", r"\1", text, flags=re.M)   # heading attributes
        text = re.sub(r"(!\[[^\]]*\]\([^)]*\))\{[^}]*\}", r"\1", text)               # image attributes
        text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)                          # bracketed spans
        text = XREF.sub(lambda m: self.reference(m.group(1)), text)
        widths = pipe_table_widths(text)
        rendered = self.markdown(text)
        rendered = add_table_widths(rendered, widths)
        return re.sub(r"MJXPH(\d+)X", lambda m: maths[int(m.group(1))], rendered)


def pipe_table_widths(text):
    """Pandoc's relative column widths for each pipe table in `text` (None: automatic widths).

    Pandoc sets the widths from the dashes of the separator line when any line of the table
    is longer than its --columns (72); otherwise the browser sizes the columns.
    """
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1]):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            rows = lines[i:j]
            if max(len(r) for r in rows) > 72:
                dashes = [len(c.strip()) for c in lines[i + 1].strip().strip("|").split("|")]
                total = sum(dashes)
                out.append([d / total for d in dashes])
            else:
                out.append(None)
            i = j
        else:
            i += 1
    return out


def add_table_widths(rendered, widths):
    parts = rendered.split("<table>")
    out = parts[0]
    for k, rest in enumerate(parts[1:]):
        w = widths[k] if k < len(widths) else None
        cols = "".join(f'<col style="width: {100 * f:.0f}%">' for f in w) if w else ""
        out += '<table class="caption-top table">' + (f"<colgroup>{cols}</colgroup>" if cols else "") + rest
    return out


def code_block(code, lang="", book=None, cell_code=False):
    """A code block as Pandoc and Quarto write it (one span per line, copy button)."""
    lines = code.rstrip("\n").split("\n")
    spans = "\n".join(f"<span>{html.escape(line, quote=False)}</span>" for line in lines)
    cls = "sourceCode cell-code" if cell_code else "sourceCode"
    lang_cls = f" {html.escape(lang)}" if lang else ""
    return (f'<div class="code-copy-outer-scaffold"><div class="{cls}">'
            f'<pre class="sourceCode{lang_cls} code-with-copy"><code class="sourceCode{lang_cls}">{spans}'
            f'</code></pre></div><button class="code-copy-button" title="Copy to Clipboard">'
            f'<i class="bi"></i></button></div>\n')


def chapter_numbers(root):
    """{relative path: chapter number} in the order of _quarto.yml (index.qmd is unnumbered)."""
    try:
        import yaml
        book = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    except Exception:
        return {}
    numbers, n = {}, 0

    def walk(items):
        nonlocal n
        for item in items:
            if isinstance(item, dict):
                walk(item.get("chapters", []))
            elif isinstance(item, str) and not item.endswith("index.qmd"):
                n += 1
                numbers[item] = n
    walk(book.get("chapters", []) + book.get("appendices", []))
    return numbers


# ------------------------------------------------------------------ building one page

def source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def cell_options(code):
    """Quarto's `#| key: value` options at the top of a code cell, and the code without them."""
    lines = code.split("\n")
    opts, k = [], 0
    while k < len(lines) and lines[k].startswith("#|"):
        opts.append(lines[k][2:].strip())
        k += 1
    parsed = {}
    if opts:
        try:
            import yaml
            parsed = yaml.safe_load("\n".join(opts)) or {}
        except Exception:
            for o in opts:
                key, _, value = o.partition(":")
                parsed[key.strip()] = value.strip()
    return parsed, "\n".join(lines[k:])


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def front_matter(text):
    m = re.match(r"^\s*---\s*\n(.*?)\n---\s*(\n|$)", text, re.S)
    if not m:
        return {}, text
    try:
        import yaml
        meta = yaml.safe_load(m.group(1)) or {}
    except Exception:
        meta = dict(re.findall(r"^(\w[\w-]*):\s*\"?(.*?)\"?\s*$", m.group(1), re.M))
    return meta, text[m.end():]


class Page:
    def __init__(self, path, book):
        self.path = Path(path).resolve()
        self.rel = self.path.relative_to(book.root).as_posix() if self.path.is_relative_to(book.root) else self.path.name
        self.number = book.numbers.get(self.rel)
        self.equations = 0
        self.figures = 0
        self.book = book
        self.parts = []
        self.depth = 0

    # fenced divs: `::: {.callout-note title="..."}` ... `:::`, possibly across cells
    def open_div(self, attrs):
        attrs = (attrs or "").strip("{} ")
        classes = re.findall(r"\.([\w-]+)", attrs)
        title = re.search(r'title="([^"]*)"', attrs)
        ident = re.search(r"#([\w-]+)", attrs)
        idattr = f' id="{ident.group(1)}"' if ident else ""
        callout = next((c for c in classes if c.startswith("callout-")), None)
        self.depth += 1
        if callout:
            title_html = html.escape(title.group(1)) if title else callout.split("-", 1)[1].title()
            # collapsed callouts are shown open: a reader opens them, and then they must fit too
            self.parts.append(
                f'<div{idattr} class="callout {callout} callout-style-default callout-titled">'
                f'<div class="callout-header d-flex align-content-center">'
                f'<div class="callout-icon-container"><i class="callout-icon"></i></div>'
                f'<div class="callout-title-container flex-fill">{title_html}</div></div>'
                f'<div class="callout-collapse collapse show"><div class="callout-body-container callout-body">\n')
            self.closers.append("</div></div></div>\n")
        else:
            self.parts.append(f'<div{idattr} class="{" ".join(classes)}">\n')
            self.closers.append("</div>\n")

    def close_div(self):
        if self.closers:
            self.parts.append(self.closers.pop())
            self.depth -= 1

    def markdown(self, text, where):
        seg = []

        def flush():
            if any(s.strip() for s in seg):
                self.parts.append(f'<div class="md"{where}>{self.book.md(chr(10).join(seg), self)}</div>\n')
            seg.clear()

        fence = None
        for line in text.split("\n"):
            if fence is None and FENCE_LINE.match(line):
                fence = FENCE_LINE.match(line).group(1)
            elif fence and line.strip().startswith(fence):
                fence = None
            m = DIV_LINE.match(line) if fence is None else None
            if m:
                flush()
                if m.group("attrs"):
                    self.open_div(m.group("attrs"))
                else:
                    self.close_div()
            else:
                seg.append(line)
        flush()

    def output(self, out, figure):
        kind = out.get("output_type")
        if kind == "stream":
            name = out.get("name", "stdout")
            return f'<div class="cell-output cell-output-{name}"><pre><code>{html.escape(source_text(out.get("text", "")))}</code></pre></div>\n'
        if kind == "error":
            tb = strip_ansi("\n".join(out.get("traceback", [])))
            return f'<div class="cell-output cell-output-error"><pre><code>{html.escape(tb)}</code></pre></div>\n'
        data = out.get("data", {})
        meta = out.get("metadata", {})
        for mime in ("image/svg+xml", "image/png", "image/jpeg", "image/gif"):
            if mime in data:
                payload = source_text(data[mime])
                if mime == "image/svg+xml":
                    payload = base64.b64encode(payload.encode()).decode()
                size = meta.get(mime, {}) if isinstance(meta.get(mime), dict) else {}
                dims = "".join(f' {k}="{int(size[k])}"' for k in ("width", "height") if k in size)
                alt = html.escape(figure.get("fig-alt", "") if figure else "", quote=True)
                img = f'<img src="data:{mime};base64,{payload.strip()}" class="img-fluid figure-img" alt="{alt}"{dims}>'
                if figure and figure.get("label", "").startswith("fig-"):
                    self.figures += 1
                    number = f"{self.number}.{self.figures}" if self.number else str(self.figures)
                    self.book.labels.setdefault(figure["label"], f"Figure\u00a0{number}")
                    cap = html.escape(str(figure.get("fig-cap", "")))
                    return (f'<div class="cell-output cell-output-display"><div id="{figure["label"]}" '
                            f'class="quarto-float quarto-figure quarto-figure-center anchored">'
                            f'<figure class="quarto-float quarto-float-fig figure"><div>{img}</div>'
                            f'<figcaption>Figure\u00a0{number}: {cap}</figcaption></figure></div></div>\n')
                return f'<div class="cell-output cell-output-display"><div>{img}</div></div>\n'
        if "text/html" in data:
            return f'<div class="cell-output cell-output-display">{source_text(data["text/html"])}</div>\n'
        if "text/markdown" in data:
            return (f'<div class="cell-output cell-output-display cell-output-markdown">'
                    f'{self.book.md(source_text(data["text/markdown"]), self)}</div>\n')
        if "text/latex" in data:
            tex = source_text(data["text/latex"]).strip()
            for a, b in (("$$", "$$"), ("$", "$"), (r"\[", r"\]"), (r"\(", r"\)")):
                if tex.startswith(a) and tex.endswith(b) and len(tex) >= len(a) + len(b):
                    tex = tex[len(a):len(tex) - len(b)]
                    break
            tex = re.sub(r"^\s*\\displaystyle\b", "", tex)
            return f'<div class="cell-output cell-output-display">{math_span(tex, True)}</div>\n'
        if "text/plain" in data:
            return f'<div class="cell-output cell-output-display"><pre><code>{html.escape(source_text(data["text/plain"]))}</code></pre></div>\n'
        return ""

    def build(self):
        self.parts, self.closers = [], []
        if self.path.suffix == ".ipynb":
            nb = json.loads(self.path.read_text(encoding="utf-8"))
            cells = nb.get("cells", [])
            meta = {}
            if cells and cells[0].get("cell_type") == "raw":
                meta, _ = front_matter(source(cells[0]))
            echo_default = meta.get("echo", (meta.get("execute") or {}).get("echo", True)) if isinstance(meta, dict) else True
            title = meta.get("title", self.path.stem) if isinstance(meta, dict) else self.path.stem
            self.prescan(cells)
            self.parts.append(f'<header id="title-block-header"><h1 class="title">{html.escape(self.title_number() + str(title))}</h1></header>\n')
            for i, cell in enumerate(cells):
                where = f' data-cell="{i}" data-cell-id="{html.escape(str(cell.get("id", "")))}"'
                text = source(cell)
                if cell.get("cell_type") == "markdown":
                    self.markdown(text, where)
                elif cell.get("cell_type") == "code":
                    opts, code = cell_options(text)
                    if opts.get("include") is False:
                        continue
                    body = []
                    if opts.get("echo", echo_default) not in (False, "false") and code.strip():
                        block = code_block(code, "python", cell_code=True)
                        if opts.get("code-fold") in (True, "true", "show"):
                            block = f'<details class="code-fold" open><summary>Show the code</summary>{block}</details>'
                        body.append(block)
                    if opts.get("output", True) not in (False, "false"):
                        body += [self.output(o, opts) for o in cell.get("outputs", [])]
                    if body:
                        self.parts.append(f'<div class="cell"{where}>\n{"".join(body)}</div>\n')
        else:
            meta, text = front_matter(self.path.read_text(encoding="utf-8"))
            if isinstance(meta, dict) and meta.get("title"):
                self.parts.append(f'<header id="title-block-header"><h1 class="title">{html.escape(str(meta["title"]))}</h1></header>\n')
            self.markdown(text, ' data-cell="0" data-cell-id=""')
        while self.closers:
            self.close_div()
        return page_html(self, "".join(self.parts))

    def title_number(self):
        return f"{self.number}\u2002" if self.number else ""

    def prescan(self, cells):
        """Number figures and equations first, so that a reference before its target resolves."""
        eq = fig = 0
        for cell in cells:
            text = source(cell)
            if cell.get("cell_type") == "markdown":
                for label in re.findall(r"\$\$[ \t]*\{#(eq-[\w.:-]+)\}", text):
                    eq += 1
                    self.book.labels.setdefault(label, f"Equation\u00a0{self.number or 0}.{eq}")
            elif cell.get("cell_type") == "code":
                label = cell_options(text)[0].get("label", "")
                if str(label).startswith("fig-"):
                    fig += 1
                    self.book.labels.setdefault(label, f"Figure\u00a0{self.number or 0}.{fig}")


def source_text(value):
    return "".join(value) if isinstance(value, list) else str(value)


SITE_CSS = """
@font-face { font-family: Lato; font-style: normal; font-weight: 400; font-display: block;
  src: url(/node_modules/@fontsource/lato/files/lato-latin-400-normal.woff2) format("woff2"); }
@font-face { font-family: Lato; font-style: italic; font-weight: 400; font-display: block;
  src: url(/node_modules/@fontsource/lato/files/lato-latin-400-italic.woff2) format("woff2"); }
@font-face { font-family: Lato; font-style: normal; font-weight: 700; font-display: block;
  src: url(/node_modules/@fontsource/lato/files/lato-latin-700-normal.woff2) format("woff2"); }
*, ::before, ::after { box-sizing: border-box; }
html { font-size: %(root)spx; }
body { margin: 0; font-family: %(body)s; font-size: 1rem; font-weight: 400; line-height: 1.5;
  color: #212529; background: #fff; -webkit-text-size-adjust: 100%%; text-rendering: optimizeLegibility; }
main.content { width: %(column)spx; margin: 1em 0 1em 250px; }
p, ul, ol, dl, table, figure, blockquote { margin-top: 0; margin-bottom: 1rem; }
h1, h2, h3, h4, h5, h6 { margin-top: 0; margin-bottom: .5rem; font-weight: 500; line-height: 1.2; }
h1 { font-size: 2.2rem; } h2 { font-size: 1.75rem; margin-top: 2rem; margin-bottom: 1rem;
  border-bottom: 1px solid #dee2e6; padding-bottom: .5rem; } h3 { font-size: 1.5rem; margin-top: 1.5rem; }
h4 { font-size: 1.25rem; margin-top: 1.5rem; }
a { color: #18bc9c; }
code, kbd, pre, samp { font-family: %(mono)s; font-size: 1em; }
code { font-size: .875em; color: #9753b8; word-wrap: break-word; }
pre { display: block; margin-top: 0; margin-bottom: 1rem; overflow: auto; font-size: .875em;
  background-color: initial; padding: initial; border: initial; }
pre code { font-size: inherit; color: inherit; word-break: normal; }
div.sourceCode { margin: 1em 0; overflow: auto; background-color: rgba(233, 236, 239, .65);
  border: 1px solid rgba(233, 236, 239, .65); border-radius: .25rem; overflow-y: hidden; }
pre.sourceCode { margin: 0; border: none; font-size: .875em; overflow: visible !important; padding: .4em;
  background-color: transparent; }
pre > code.sourceCode { white-space: pre; position: relative; }
pre > code.sourceCode > span { line-height: 1.25; }
.code-copy-outer-scaffold { position: relative; }
.code-copy-button { position: absolute; top: 0; right: 0; border: 0; margin-top: 5px; margin-right: 5px;
  background-color: transparent; width: 1.6rem; height: 1.6rem; }
.cell { margin-bottom: 1rem; }
.cell > .code-copy-outer-scaffold > .sourceCode { margin-bottom: 0; }
.cell-output > pre, .cell-output-stdout > pre { margin-bottom: 0; }
.cell-output { margin-top: .5rem; }
.img-fluid, .figure-img, p > img { max-width: 100%%; height: auto; }   /* Quarto gives Markdown figures img-fluid */
.quarto-figure-center > figure { text-align: center; }
figure { margin: 0 0 1rem; } figcaption { font-size: .875em; color: #6c757d; }
.table { width: 100%%; margin-bottom: 1rem; vertical-align: top; border-collapse: collapse;
  caption-side: top; border-color: #dee2e6; }
.table > :not(caption) > * > * { padding: .5rem .5rem; border-bottom: 1px solid #dee2e6; }
.table > thead { vertical-align: bottom; } th { text-align: inherit; font-weight: 700; }
.callout { margin-top: 1.25rem; margin-bottom: 1.25rem; border-radius: .25rem; border-left: 5px solid #2c3e50;
  border-right: 1px solid #dee2e6; border-top: 1px solid #dee2e6; border-bottom: 1px solid #dee2e6;
  overflow-wrap: break-word; }
.callout .callout-header { display: flex; align-content: center; font-size: .9rem; font-weight: 600;
  opacity: 85%%; padding: .2em .5em; }
.callout .callout-icon-container { padding-top: .1em; padding-right: .35em; }
.callout .callout-body-container { flex-grow: 1; }
.callout.callout-style-default .callout-body { font-size: .9rem; font-weight: 400; margin-top: .2em;
  padding-left: .5em; padding-right: .5em; }
.callout .callout-body > :last-child { margin-bottom: .5rem; }
.callout pre.sourceCode { padding-left: 0; }
details.code-fold > summary { font-size: .875em; color: #6c757d; }
"""

MATHJAX_CONFIG = """
window.MathJax = {
  tex: { packages: { '[-]': ['noundefined'] } },   // an undefined macro is an error, not red text
  startup: { typeset: true },
  options: { enableMenu: false }
};
"""


def page_html(page, body):
    css = SITE_CSS % {"root": ROOT_FONT_PX, "body": BODY_FONT, "mono": MONO_FONT, "column": COLUMN_PX}
    styles = '<link rel="stylesheet" href="/styles.css">' if (page.book.root / "styles.css").is_file() else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(page.rel)}</title><style>{css}</style>{styles}"
            f"<script>{MATHJAX_CONFIG}</script>"
            f'<script id="MathJax-script" src="/node_modules/mathjax/es5/tex-chtml-full.js"></script>'
            f'</head><body class="quarto-light"><div id="quarto-content">'
            f'<main class="content" id="quarto-document-content">\n{body}</main></div></body></html>\n')


# ------------------------------------------------------------------ measuring in the browser

MEASURE_JS = r"""
async ({siteMode}) => {
  const TOL = 1;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const result = {problems: [], info: {}};
  // MathJax: wait for the first typeset (it may load late from the site's CDN link)
  const hasMath = () => document.querySelector('span.math, script[type^="math/tex"]') !== null;
  let waited = 0;
  while (hasMath() && !(window.MathJax && MathJax.startup && MathJax.startup.promise) && waited < 20000) {
    await sleep(100); waited += 100;
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) { result.info.mathjaxFailure = String(e); }
    result.info.mathjax = MathJax.version;
  }
  if (siteMode) {   // what a reader can open must fit as well
    document.querySelectorAll('.callout-collapse.collapse').forEach(e => e.classList.add('show'));
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    const s = document.createElement('style');
    s.textContent = 'pre > code.sourceCode, pre.sourceCode, div.sourceCode pre, .cell-output pre, ' +
                    '.cell-output pre code { white-space: pre !important; }';
    document.head.appendChild(s);
  }
  await document.fonts.ready;
  await Promise.all([...document.images].map(img => img.decode ? img.decode().catch(() => null) : null));
  await sleep(50);

  const main = document.querySelector('main.content, #quarto-document-content, main');
  if (!main) { result.info.noColumn = true; return result; }
  // The text column: where the book's paragraphs sit (Quarto places them on grid lines).
  let paras = [...main.querySelectorAll(':scope > p, :scope section > p, :scope > .md > p')]
      .filter(p => !p.closest('.callout, .cell, table, li'));
  const mr = main.getBoundingClientRect();
  let colLeft = mr.left, colRight = mr.right;
  if (paras.length) {
    colLeft = Math.min(...paras.map(p => p.getBoundingClientRect().left));
    colRight = Math.max(...paras.map(p => p.getBoundingClientRect().right));
  }
  result.info.column = {left: colLeft, right: colRight, width: colRight - colLeft};
  const cs = getComputedStyle(document.body);
  result.info.bodyFont = cs.fontSize + ' ' + cs.fontFamily.split(',')[0];
  result.info.rootFont = getComputedStyle(document.documentElement).fontSize;

  const headings = [...main.querySelectorAll('h1, h2, h3, h4')];
  const cells = [...main.querySelectorAll('div.cell')];
  const texOf = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of Array.from(MathJax.startup.document.math)) {
      if (item.typesetRoot) texOf.set(item.typesetRoot, item);
    }
  }
  const fonts = new Set();
  function where(el) {
    const w = {};
    const c = el.closest('[data-cell]');
    if (c) { w.cell = Number(c.dataset.cell); w.cellId = c.dataset.cellId || null; }
    else { const dc = el.closest('div.cell'); if (dc) w.cell = cells.indexOf(dc); }
    let h = null;
    for (const x of headings) {
      if (x.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) h = x; else break;
    }
    if (h) w.section = h.textContent.replace(/\s+/g, ' ').trim().slice(0, 60);
    if (el.closest('.callout')) {
      const t = el.closest('.callout').querySelector('.callout-title-container');
      if (t) w.callout = t.textContent.trim().slice(0, 60);
    }
    return w;
  }
  const flagged = new Set();
  function report(kind, el, extra) {
    flagged.add(el);
    const origin = el.closest('.cell-output') ? 'output' : el.closest('div.cell') ? 'cell' : 'prose';
    result.problems.push(Object.assign({kind, origin}, where(el), extra));
  }
  function widths(el) {
    const r = el.getBoundingClientRect();
    const inBox = el.scrollWidth - el.clientWidth;      // content past its own box (scrolls or is cut)
    const pastColumn = r.right - colRight;              // the box itself runs into the margin
    const contentRight = r.left + el.scrollWidth + (r.width - el.clientWidth);
    return {r, inBox, pastColumn, contentRight,
            needed: Math.round(Math.max(el.scrollWidth + (r.width - el.clientWidth), r.width)),
            available: Math.round(Math.min(r.width, colRight - r.left))};
  }
  function charsFit(pre) {
    const probe = document.createElement('span');
    probe.textContent = '0'.repeat(40);
    probe.style.whiteSpace = 'pre';
    (pre.querySelector('code') || pre).appendChild(probe);
    const w = probe.getBoundingClientRect().width / 40;
    probe.remove();
    const st = getComputedStyle(pre);
    const inner = pre.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    const room = Math.min(inner, colRight - pre.getBoundingClientRect().left - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight));
    fonts.add(st.fontSize + ' monospace, ' + w.toFixed(3) + ' px/char');
    return {charPx: w, fit: Math.floor(room / w + 0.02)};
  }
  function lineReport(pre) {
    const lines = pre.textContent.replace(/\n$/, '').split('\n');
    const {charPx, fit} = charsFit(pre);
    const lens = lines.map(l => [...l].length);
    const longest = Math.max(0, ...lens);
    const li = lens.indexOf(longest);
    return {chars: longest, fits: fit, line: li + 1, linesTooLong: lens.filter(n => n > fit).length,
            excerpt: lines[li].slice(0, 80)};
  }

  // code blocks (cells and ```fences, in prose or in Markdown outputs)
  for (const pre of main.querySelectorAll('div.sourceCode pre')) {
    const w = widths(pre);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      const lr = lineReport(pre);
      report('code', pre, Object.assign({width: w.needed, available: w.available}, lr));
    }
  }
  // text outputs
  for (const pre of main.querySelectorAll('.cell-output pre:not(.sourceCode)')) {
    if (pre.closest('div.sourceCode')) continue;
    const w = widths(pre);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      const lr = lineReport(pre);
      report('text', pre, Object.assign({width: w.needed, available: w.available}, lr));
    }
  }
  // math
  for (const mj of main.querySelectorAll('mjx-container')) {
    const display = mj.getAttribute('display') === 'true';
    const item = texOf.get(mj);
    const tex = item ? String(item.math).replace(/\s+/g, ' ').trim() : '';
    let over = false, needed, available;
    if (display) {
      const w = widths(mj);
      const math = mj.querySelector('mjx-math');
      const mr2 = math ? math.getBoundingClientRect() : w.r;
      needed = Math.round(Math.max(w.needed, mr2.width));
      available = w.available;
      over = w.inBox > TOL || w.pastColumn > TOL || mr2.right - Math.min(w.r.right, colRight) > TOL;
    } else {
      const r = mj.getBoundingClientRect();
      needed = Math.round(r.width); available = Math.round(colRight - colLeft);
      over = r.right - colRight > TOL;
    }
    if (over) report('math', mj, {width: needed, available, display, excerpt: tex.slice(0, 80)});
  }
  // MathJax errors, and math that was never typeset
  const errorSeen = new Set();
  for (const [root, item] of texOf) {
    const msgs = [];
    if (item.root && item.root.walkTree) {
      item.root.walkTree(node => {
        if (node.isKind && node.isKind('merror')) msgs.push('merror');
        else if (node.isKind && node.isKind('mtext') && node.attributes && node.attributes.get('mathcolor') === 'red')
          msgs.push('undefined macro (shown in red)');
      });
    }
    const dom = root.querySelector('mjx-merror');
    if (dom) msgs.push(dom.getAttribute('data-mjx-error') || dom.textContent.trim());
    if (msgs.length) {
      errorSeen.add(root);
      const m = [...new Set(msgs)].filter(x => x !== 'merror');
      report('math-error', root, {message: (m.length ? m : msgs).join('; ').slice(0, 120),
                                  excerpt: String(item.math).replace(/\s+/g, ' ').trim().slice(0, 80)});
    }
  }
  for (const el of main.querySelectorAll('mjx-merror')) {
    const root = el.closest('mjx-container');
    if (root && errorSeen.has(root)) continue;
    report('math-error', el, {message: (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120)});
  }
  for (const span of main.querySelectorAll('span.math')) {
    if (!span.querySelector('mjx-container'))
      report('math-error', span, {message: window.MathJax ? 'not typeset' : 'MathJax did not load',
                                  excerpt: span.textContent.slice(0, 80)});
  }
  // tables
  for (const t of main.querySelectorAll('table')) {
    const w = widths(t);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      report('table', t, {width: w.needed, available: w.available,
                          excerpt: t.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
      continue;
    }
    for (const td of t.querySelectorAll('td, th')) {
      if (td.querySelector('mjx-container[display="true"]')) continue;   // measured as math
      if (td.scrollWidth - td.clientWidth > TOL) {
        report('table', td, {width: td.scrollWidth, available: td.clientWidth, cellText: true,
                             excerpt: td.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
        break;
      }
    }
    const r = t.getBoundingClientRect();
    result.info.tallestTable = Math.max(result.info.tallestTable || 0, Math.round(r.height));
  }
  // images
  for (const img of main.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    if (!img.complete || img.naturalWidth === 0) {
      report('broken-image', img, {excerpt: (img.getAttribute('alt') || img.getAttribute('src') || '').slice(0, 80)});
    } else if (r.right - colRight > TOL) {
      report('image', img, {width: Math.round(r.width), available: Math.round(colRight - r.left),
                            excerpt: (img.getAttribute('alt') || '').slice(0, 80)});
    }
  }
  // anything else that runs past the column
  const blocks = main.querySelectorAll(':scope > *, section > *, .md > *, .cell > *, .cell-output-display > *, .callout-body > *');
  for (const b of blocks) {
    if (b.matches('script, style')) continue;
    if ([...flagged].some(f => b.contains(f) || f.contains(b))) continue;
    const r = b.getBoundingClientRect();
    if (r.width > 0 && r.right - colRight > TOL)
      report('other', b, {width: Math.round(r.width), available: Math.round(colRight - r.left),
                          excerpt: b.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
  }
  result.info.pageScrollsSideways = document.documentElement.scrollWidth > window.innerWidth + TOL;
  result.info.codeFonts = [...fonts];
  return result;
}
"""


def find_browser(explicit=None):
    for cand in [explicit, os.environ.get("CHECK_PAGES_BROWSER")] + BROWSER_NAMES:
        if not cand:
            continue
        path = shutil.which(cand) or (cand if os.path.isfile(cand) and os.access(cand, os.X_OK) else None)
        if path:
            return path
        if cand in (explicit, os.environ.get("CHECK_PAGES_BROWSER")):
            raise CheckError(f"browser {cand!r} not found")
    raise CheckError("no Chromium found (looked for " + ", ".join(BROWSER_NAMES) +
                     "): install Debian's package (apt-get install chromium) or pass --browser PATH")


def mathjax_dir(root):
    d = root / "node_modules" / "mathjax" / "es5"
    return d if (d / "tex-chtml-full.js").is_file() else None


class Router:
    """Answers every request of the browser from disk; nothing goes to the network by default."""

    def __init__(self, base, root, pages=None, allow_network=False):
        self.base, self.root, self.pages = base, root, pages or {}
        self.allow_network = allow_network
        self.refused = []
        self.missing = []

    def file(self, route, path):
        if path.is_file():
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".woff2":
                ctype = "font/woff2"
            route.fulfill(status=200, path=str(path), content_type=ctype)
        else:
            self.missing.append(str(path))
            route.fulfill(status=404, body="not found")

    def __call__(self, route):
        url = route.request.url
        if url.startswith(ORIGIN + "/"):
            rel = unquote(urlsplit(url).path).lstrip("/")
            if rel in self.pages:
                return route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.pages[rel])
            if rel.startswith("node_modules/"):
                target = (self.root / rel).resolve()
                allowed = self.root / "node_modules"
            else:
                target = (self.base / rel).resolve()
                allowed = self.base
                if target.is_dir():
                    target = target / "index.html"
            if not target.is_relative_to(allowed.resolve()):
                return route.fulfill(status=403, body="outside the served folder")
            return self.file(route, target)
        m = MATHJAX_CDN.match(url)
        if m and mathjax_dir(self.root):
            return self.file(route, mathjax_dir(self.root) / m.group("path"))
        if GOOGLE_LATO.match(url) and (self.root / "node_modules/@fontsource/lato").is_dir() and not self.allow_network:
            css = SITE_CSS.split("*, ::before")[0]   # the @font-face rules for Lato
            return route.fulfill(status=200, content_type="text/css", body=css.replace("/node_modules/", ORIGIN + "/node_modules/"))
        if url.startswith("data:"):
            return route.continue_()
        if self.allow_network:
            return route.continue_()
        self.refused.append(url)
        return route.abort()


def summarize(problems):
    counts = {k: 0 for k in KINDS}
    for p in problems:
        counts[p["kind"]] = counts.get(p["kind"], 0) + 1
    return {k: v for k, v in counts.items() if v}


def overflow_of(p):
    if "width" in p and "available" in p:
        return p["width"] - p["available"]
    return 10 ** 6   # errors first


def run(targets, site=None, browser=None, allow_network=False, screenshots=None, out_dir=None,
        root=ROOT, timeout_ms=60000):
    """Measure every target page; returns the report (a dict)."""
    executable = find_browser(browser)
    if site is None and mathjax_dir(root) is None:
        raise CheckError(f"MathJax 3 is missing from {root / 'node_modules'}: run `npm ci` (package.json) first")
    try:
        from playwright.sync_api import Error as PlaywrightError, sync_playwright
    except ImportError as exc:
        raise CheckError(f"playwright is not installed ({exc}): pip install -e '.[pages]'")
    report = {"mode": "site" if site else "notebooks", "browser": executable, "pages": [],
              "settings": {"column_px": COLUMN_PX, "root_font_px": ROOT_FONT_PX, "viewport": VIEWPORT}}
    pages = {}
    base = Path(site).resolve() if site else root
    book = None if site else Book(root)
    order = []
    t_build = time.perf_counter()
    for target in targets:
        target = Path(target).resolve()
        if site:
            rel = target.relative_to(base).as_posix()
        else:
            inside = target.relative_to(root).as_posix() if target.is_relative_to(root) else f"_outside/{target.name}"
            rel = Path(inside).with_suffix(".check.html").as_posix()
            try:
                pages[rel] = Page(target, book).build()
            except Exception as exc:
                raise CheckError(f"cannot build a page from {target}: {type(exc).__name__}: {exc}") from exc
            if out_dir:
                dest = Path(out_dir) / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(pages[rel], encoding="utf-8")
        order.append((target, rel))
    build_seconds = time.perf_counter() - t_build

    router = Router(base, root, pages, allow_network=allow_network)
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=executable, args=BROWSER_FLAGS, headless=True)
        except PlaywrightError as exc:
            raise CheckError(f"cannot start {executable}: {exc}") from exc
        try:
            context = b.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
                                    device_scale_factor=1, service_workers="block")
            context.route("**/*", router)
            report["browser_version"] = b.version
            for target, rel in order:
                t0 = time.perf_counter()
                page = context.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                try:
                    page.goto(f"{ORIGIN}/{rel}", wait_until="load", timeout=timeout_ms)
                    res = page.evaluate(MEASURE_JS, {"siteMode": bool(site)})
                    if screenshots:
                        shot = Path(screenshots) / (Path(rel).name.replace(".check.html", "").replace(".html", "") + ".png")
                        shot.parent.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(shot), full_page=True)
                except PlaywrightError as exc:
                    raise CheckError(f"{rel}: the browser failed: {exc}") from exc
                finally:
                    page.close()
                info = res["info"]
                if info.get("noColumn"):
                    if site:
                        continue       # not a page of the book (e.g. 404.html)
                    raise CheckError(f"{rel}: no text column found")
                if info.get("mathjaxFailure"):
                    raise CheckError(f"{rel}: MathJax failed: {info['mathjaxFailure']}")
                problems = sorted(res["problems"], key=overflow_of, reverse=True)
                name = target.name if not site else rel
                report["pages"].append({
                    "page": target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target),
                    "name": name, "counts": summarize(problems), "problems": problems, "info": info,
                    "script_errors": errors, "seconds": round(time.perf_counter() - t0, 2)})
        finally:
            b.close()
    report["build_seconds"] = round(build_seconds, 2)
    report["refused_requests"] = sorted(set(router.refused))[:50]
    report["missing_files"] = sorted(set(router.missing))[:50]
    report["total"] = sum(len(p["problems"]) for p in report["pages"])
    report["totals"] = summarize([q for p in report["pages"] for q in p["problems"]])
    return report


def describe(p):
    loc = []
    if p.get("cell") is not None and p.get("cell") != -1:
        loc.append(f"cell {p['cell']}" + (f" ({p['cellId']})" if p.get("cellId") else ""))
    if p.get("callout"):
        loc.append(f"in \u201c{p['callout']}\u201d")
    elif p.get("section"):
        loc.append(f"\u00a7 {p['section']}")
    where = ", ".join(loc) or "page"
    kind = p["kind"]
    if kind in ("code", "text"):
        what = (f"line {p['line']}: {p['chars']} chars, {p['fits']} fit"
                + (f" ({p['linesTooLong']} lines too long)" if p.get("linesTooLong", 0) > 1 else "")
                + f"; {p['width']} px > {p['available']} px")
    elif kind in ("math-error", "broken-image"):
        what = p.get("message", "")
    else:
        what = f"{p.get('width')} px > {p.get('available')} px" + (" (text overflows its table column)" if p.get("cellText") else "")
    excerpt = p.get("excerpt", "")
    return f"  {kind:<12} {where}: {what}" + (f"\n  {'':<12}   {excerpt}" if excerpt else "")


def print_report(report, worst=5, stream=None):
    stream = stream or sys.stdout
    s = report["settings"]
    first = next((p["info"] for p in report["pages"] if p["info"].get("codeFonts")),
                 next((p["info"] for p in report["pages"]), {}))
    col = first.get("column", {})
    print(f"check_pages ({report['mode']}): column {col.get('width', 0):.0f} px, body {first.get('bodyFont', '?')}, "
          f"code {'; '.join(first.get('codeFonts', [])) or '?'}; MathJax {first.get('mathjax', 'none')}; "
          f"{Path(report['browser']).name} {report.get('browser_version', '')}", file=stream)
    for p in report["pages"]:
        counts = ", ".join(f"{k} {v}" for k, v in p["counts"].items()) or "fits"
        n = len(p["problems"])
        print(f"{p['name']:<40} {n:>3} problem{'s' if n != 1 else ' '}  ({counts})  {p['seconds']:.1f} s", file=stream)
        shown = p["problems"] if worst is None else p["problems"][:worst]
        for q in shown:
            print(describe(q), file=stream)
        if len(shown) < n:
            print(f"  ... and {n - len(shown)} more (--all lists every one)", file=stream)
        if p["info"].get("pageScrollsSideways"):
            print("  note: the whole page scrolls sideways", file=stream)
        if p["info"].get("tallestTable", 0) > VIEWPORT[1]:
            print(f"  note: a table is {p['info']['tallestTable']} px tall (taller than the window)", file=stream)
        for e in p["script_errors"][:3]:
            print(f"  script error on the page: {e}", file=stream)
    totals = ", ".join(f"{k} {v}" for k, v in report["totals"].items()) or "none"
    print(f"TOTAL: {report['total']} problems ({totals}) on {sum(1 for p in report['pages'] if p['problems'])} "
          f"of {len(report['pages'])} pages", file=stream)
    if report["refused_requests"]:
        print(f"note: refused {len(report['refused_requests'])} off-machine requests, e.g. {report['refused_requests'][0]}", file=stream)


def default_targets(root, site=None):
    if site:
        site = Path(site)
        return sorted(p for p in site.rglob("*.html") if "site_libs" not in p.parts)
    pages = sorted((root / "chapters").glob("*.ipynb"))
    if (root / "index.qmd").is_file():
        pages.insert(0, root / "index.qmd")
    appendices = root / "appendices"
    if appendices.is_dir():
        pages += sorted(p for p in appendices.iterdir() if p.suffix in (".ipynb", ".qmd"))
    if (root / "references.qmd").is_file():
        pages.append(root / "references.qmd")
    return pages


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("pages", nargs="*", help="notebooks or .qmd files (default: index.qmd, chapters/*.ipynb, appendices/*, references.qmd), "
                    "or with --site, .html files of the site")
    ap.add_argument("--site", metavar="DIR", help="measure Quarto's rendered site in DIR (e.g. _book) instead")
    ap.add_argument("--json", action="store_true", help="print the whole report as JSON")
    ap.add_argument("--all", action="store_true", help="list every problem, not the worst 5 of each page")
    ap.add_argument("--report-only", action="store_true",
                    help="exit 0 even when a page does not fit (still 2 when the check cannot run)")
    ap.add_argument("--browser", help="Chromium or Chrome executable (default: $CHECK_PAGES_BROWSER, "
                    "then chromium, chromium-browser, google-chrome on the PATH)")
    ap.add_argument("--allow-network", action="store_true",
                    help="--site: let the page load what it asks for off the machine (CDN MathJax, web fonts)")
    ap.add_argument("--screenshots", metavar="DIR", help="save a full-page PNG of each page in DIR")
    ap.add_argument("--out", metavar="DIR", help="also write the built HTML pages to DIR")
    args = ap.parse_args(argv)

    if args.site and not Path(args.site).is_dir():
        print(f"check_pages: {args.site} is not a folder (run `quarto render` first)", file=sys.stderr)
        return 2
    targets = [Path(p) for p in args.pages] or default_targets(ROOT, args.site)
    missing = [str(t) for t in targets if not t.is_file()]
    if missing or not targets:
        print(f"check_pages: no such page: {', '.join(missing) or '(none found)'}", file=sys.stderr)
        return 2
    try:
        report = run(targets, site=args.site, browser=args.browser, allow_network=args.allow_network,
                     screenshots=args.screenshots, out_dir=args.out)
    except CheckError as exc:
        print(f"check_pages: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        print_report(report, worst=None if args.all else 5)
    if report["total"] and not args.report_only:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
