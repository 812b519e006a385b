"""Markdown as Pandoc and Quarto write it: math kept for MathJax, pipe tables, code blocks."""
import html
import re

from .common import ROOT

MATH_TOKEN = re.compile(
    r"(?P<code>(?P<ticks>`+)(?:.+?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<display>\$\$(?P<dbody>.+?)\$\$(?:[ \t]*\{#(?P<label>eq-[\w.:-]+)\})?)"
    r"|(?P<inline>(?<![\\$\w])\$(?![\s$])(?P<ibody>(?:[^$\\\n]|\\.)+?)(?<![\s\\])\$(?!\d))",
    re.S)
FENCE_LINE = re.compile(r"^\s*(```|~~~)")
DIV_LINE = re.compile(r"^\s*(:{3,})\s*(?P<attrs>\{[^}]*\}|[\w-]+)?\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
TABLE_CAPTION = re.compile(r"^:\s+(?P<text>.*?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")
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
        self.code_blocks = 0
        book = self

        class Renderer(mistune.HTMLRenderer):
            def block_code(self, code, info=None):
                lang = (info or "").split()[0] if info else ""
                return code_block(code, lang.strip("{}"), book=book)

        self.markdown = mistune.create_markdown(renderer=Renderer(escape=False),
                                                plugins=["table", "strikethrough", "footnotes"])

    def reference(self, label):
        """What Quarto writes for @label: "Figure 3.1" (a label of another page: a number of that width)."""
        kind = {"fig": "Figure", "eq": "Equation", "sec": "Section", "tbl": "Table"}[label.split("-")[0]]
        return self.labels.get(label, f"{kind}\u00a00.0")

    def md(self, text, page):
        """HTML of a Markdown text (no fenced divs in it), math left for MathJax."""
        maths, sources = [], []

        def keep(m):
            if m.group("code"):
                return m.group(0)
            sources.append(m.group(0))
            if m.group("display"):
                tex = m.group("dbody")
                label = m.group("label")
                if label:
                    page.equations += 1
                    number = f"{page.number}.{page.equations}" if page.number else str(page.equations)
                    self.labels.setdefault(label, f"Equation\u00a0{number}")
                    tagged = math_span(tex + "\n\\tag{" + number + "}", True)
                    span = f'<span id="{label}">{tagged}</span>'
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
        tables, text = pipe_tables(text, lambda line: re.sub(r"MJXPH(\d+)X", lambda m: sources[int(m.group(1))], line))
        rendered = self.markdown(text)
        rendered = dress_tables(rendered, tables, self, page)
        rendered = re.sub(r"<img (?![^>]*class=)", '<img class="img-fluid" ', rendered)   # Quarto's images
        return re.sub(r"MJXPH(\d+)X", lambda m: maths[int(m.group(1))], rendered)


def pipe_tables(text, source=lambda line: line):
    """Each pipe table's Pandoc column widths (None: automatic) and caption; the text without captions.

    Pandoc sets the widths from the dashes of the separator line when any line of the table
    is longer than its --columns (72), Quarto from `tbl-colwidths="[...]"` in the caption's
    attributes; otherwise the browser sizes the columns. A caption is a `: text {#tbl-...}`
    line next to the table (after it or before it, a blank line between).
    """
    lines, out, i = text.split("\n"), [], 0
    drop = set()
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1]):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            rows = lines[i:j]
            widths, caption = None, None
            if max(len(source(r)) for r in rows) > 72:     # as long as the Markdown source
                dashes = [len(c.strip()) for c in lines[i + 1].strip().strip("|").split("|")]
                widths = [d / sum(dashes) for d in dashes]
            for k in (j + 1, j, i - 2, i - 1):
                m = TABLE_CAPTION.match(lines[k]) if 0 <= k < len(lines) and k not in drop else None
                if m:
                    caption = {"text": m.group("text"), "attrs": m.group("attrs") or ""}
                    cw = re.search(r'tbl-colwidths="\[([\d\s,.]+)\]"', caption["attrs"])
                    if cw:
                        ws = [float(x) for x in cw.group(1).split(",")]
                        widths = [w / sum(ws) for w in ws]
                    drop.add(k)
                    break
            out.append((widths, caption))
            i = j
        else:
            i += 1
    return out, "\n".join(line for k, line in enumerate(lines) if k not in drop)


def pipe_table_widths(text):
    """Pandoc's relative column widths for each pipe table in `text` (None: automatic widths)."""
    return [w for w, _ in pipe_tables(text)[0]]


def dress_tables(rendered, tables, book, page):
    """Quarto's table markup: class "caption-top table", a colgroup, a captioned float if labelled."""
    parts = rendered.split("<table>")
    out = parts[0]
    for k, rest in enumerate(parts[1:]):
        widths, caption = tables[k] if k < len(tables) else (None, None)
        cols = "".join(f'<col style="width: {100 * f:.0f}%">' for f in widths) if widths else ""
        table = '<table class="caption-top table">' + (f"<colgroup>{cols}</colgroup>" if cols else "") + rest
        label = re.search(r"#(tbl-[\w-]+)", caption["attrs"]) if caption else None
        if label:
            label = label.group(1)
            end = table.index("</table>") + len("</table>")
            page.tables += 1
            number = f"{page.number}.{page.tables}" if page.number else str(page.tables)
            book.labels.setdefault(label, f"Table\u00a0{number}")
            cap = book.markdown(caption["text"]).strip()
            cap = re.sub(r"^<p>(.*)</p>$", r"\1", cap, flags=re.S)
            table = (f'<div id="{label}" class="quarto-float quarto-figure quarto-figure-center anchored">'
                     f'<figure class="quarto-float quarto-float-tbl figure"><figcaption class="quarto-float-caption-top '
                     f'quarto-float-caption quarto-float-tbl">Table\u00a0{number}: {cap}</figcaption>'
                     f'<div>{table[:end]}</div></figure></div>{table[end:]}')
        out += table
    return out


def code_block(code, lang="", book=None, cell_code=False):
    """A code block as Pandoc and Quarto 1.7 write it (one span per line, the copy button in the pre)."""
    n = 1
    if book is not None:
        book.code_blocks += 1
        n = book.code_blocks
    lines = code.rstrip("\n").split("\n")
    spans = "\n".join(f'<span id="cb{n}-{k}"><a href="#cb{n}-{k}" aria-hidden="true" tabindex="-1"></a>'
                      f'{html.escape(line, quote=False)}</span>' for k, line in enumerate(lines, 1))
    cls = "sourceCode cell-code" if cell_code else "sourceCode"
    lang_cls = f" {html.escape(lang)}" if lang else ""
    return (f'<div class="{cls}" id="cb{n}"><pre class="sourceCode{lang_cls} code-with-copy">'
            f'<code class="sourceCode{lang_cls}">{spans}</code><button title="Copy to Clipboard" '
            f'class="code-copy-button"><i class="bi"></i></button></pre></div>\n')


def chapter_numbers(root):
    """{relative path: chapter number} in the order of _quarto.yml (index.qmd is unnumbered)."""
    try:
        import yaml
        book = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    except Exception:
        return {}
    numbers, n = {}, 0

    def walk(items, letters=False):
        nonlocal n
        for item in items:
            if isinstance(item, dict):
                walk(item.get("chapters", []), letters)
            elif isinstance(item, str) and not item.endswith("index.qmd"):
                n += 1
                numbers[item] = chr(ord("A") + n - 1) if letters else n
    walk(book.get("chapters", []))
    n = 0
    walk([a for a in book.get("appendices", []) if not a.endswith("references.qmd")], letters=True)
    return numbers
