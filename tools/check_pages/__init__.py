"""Check in a real browser that every page of the book fits its text column, and a phone.

usage: python tools/check_pages [PAGE ...] [--json] [--all] [--report-only] [--screenshots DIR]
       python tools/check_pages --site _book [--allow-network]
       (or python -m tools.check_pages ... from the repository's root)

Without --site, each page (index.qmd, chapters/*.ipynb, the appendices, or the PAGEs given) is built into
one HTML page from what the notebook stores (build.py, markdown.py): markdown cells rendered like
Pandoc does (math kept for MathJax, labelled equations with \\tag, pipe tables with Pandoc's or
tbl-colwidths' column widths, callouts from `::: {.callout-*}` fenced divs, also across cells),
code cells as Quarto 1.7 writes them unless `#| echo: false`, and their stored outputs (streams
and text/plain in <pre>, text/latex as display math, text/markdown rendered, text/html as it is,
scripts included, PNG/JPEG/SVG as <img>, labelled figures with captions). The page is laid out
by Quarto's own generated CSS (quarto/: the flatly Bootstrap theme, Pandoc's and the syntax
highlighter's styles, copied from a Quarto 1.7.34 render), in Quarto's grid of sidebar, text
column and margin, with the project's styles.css, and MathJax 3 (tex-chtml-full, what Quarto
loads) typesetting the math offline from node_modules/. So it measures like the real render:
a 678-px column at a 1280-px window, 74 code characters to a 676-px code box.

Then headless Chromium (Debian's chromium, driven by playwright; nothing is downloaded, every
request is answered from disk, none leaves the machine) measures each page twice (measure.py,
measure.js). At the desktop window the check fails on

  code      a code block with a line that does not fit (measured with white-space: pre,
            so a line that Quarto would wrap or scroll counts);
  text      a text output (<pre>) wider than its box or the column;
  math      an equation (display or inline) wider than its box or the column;
  table     a table wider than the column, or a cell whose text overflows its column;
  image     an image wider than the column;
  html      an HTML output (an explorer, a widget) wider than the column;
  broken-image, math-error (a MathJax error: an undefined macro, a TeX syntax error, math
            left untypeset), other (anything else that runs past the column).

and at a 390-px phone (--no-phone skips it) on

  phone     anything that reaches past the phone's screen instead of scrolling in its own box
            (the page would scroll sideways and cut it off).

With --site DIR it measures Quarto's own rendered pages instead (the column is
`main.content`/#quarto-document-content, outputs `.cell-output`, math `mjx-container`, code
`div.sourceCode pre`), after expanding collapsed callouts; the publish workflow runs it on
_book/ before deploying. There, MathJax requested from the CDN is served from node_modules/
when it is installed, and other requests off the loopback are refused unless
--allow-network. tests/test_check_pages.py checks that the checker's own build and its
measurement of a real render (/work/shared/quarto-render-like fixtures) agree.

Exit status: 0 every page fits, 1 some page does not (0 with --report-only), 2 the check
could not run (no browser, no MathJax, a page that cannot be built).
"""
from .build import Page, cell_options, page_html, source_text  # noqa: F401
from .cli import default_targets, main  # noqa: F401
from .common import (COLUMN_PX, KINDS, ORIGIN, PHONE, QUARTO, ROOT, ROOT_FONT_PX, VIEWPORT,  # noqa: F401
                     CheckError)
from .markdown import Book, code_block, pipe_table_widths  # noqa: F401
from .measure import MEASURE_JS, Router, find_browser, mathjax_dir, run  # noqa: F401
from .report import describe, print_report, summarize  # noqa: F401
