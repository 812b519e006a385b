"""One HTML page per chapter, built from what the notebook stores, in Quarto's own markup and CSS."""
import base64
import html
import json
import re
from pathlib import Path

from .common import QUARTO
from .markdown import DIV_LINE, FENCE_LINE, code_block, math_span


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
        self.tables = 0
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
                        block = code_block(code, "python", book=self.book, cell_code=True)
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


MATHJAX_CONFIG = """
window.MathJax = {
  tex: { packages: { '[-]': ['noundefined'] } },   // an undefined macro is an error, not red text
  startup: { typeset: true },
  options: { enableMenu: false }
};
"""


def page_html(page, body):
    """The page as Quarto 1.7 lays out a book chapter: its generated Bootstrap theme (flatly), Pandoc's
    inline styles, the sidebar/content/margin grid, the book's styles.css, then MathJax."""
    styles = '<link rel="stylesheet" href="/styles.css">' if (page.book.root / "styles.css").is_file() else ""
    quarto = "".join(f'<link rel="stylesheet" href="/_check_pages/quarto/{name}">'
                     for name in ("syntax-highlighting.css", "bootstrap.min.css"))
    pandoc = (QUARTO / "pandoc.css").read_text(encoding="utf-8")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0, user-scalable=yes\">"
            f"<title>{html.escape(page.rel)}</title><style>{pandoc}</style>{quarto}"
            f"<script>{MATHJAX_CONFIG}</script>"
            f'<script id="MathJax-script" src="/node_modules/mathjax/es5/tex-chtml-full.js"></script>{styles}'
            f'</head><body class="nav-sidebar floating quarto-light">'
            f'<div id="quarto-content" class="quarto-container page-columns page-rows-contents page-layout-article">'
            f'<nav id="quarto-sidebar" class="sidebar collapse collapse-horizontal quarto-sidebar-collapse-item '
            f'sidebar-navigation floating overflow-auto"></nav>'
            f'<div id="quarto-margin-sidebar" class="sidebar margin-sidebar"></div>'
            f'<main class="content" id="quarto-document-content">\n{body}</main></div></body></html>\n')
