"""Measure how wide MathJax draws LaTeX strings, to check mathlib.show.width against it.

    python tools/measure_math.py MATHJAX_DIR strings.json [out.json]

strings.json: a list of LaTeX strings (no delimiters). MATHJAX_DIR: an npm install of
MathJax 3 (`npm install mathjax@3`, its node_modules/mathjax). Each string is typeset as
\\(\\displaystyle ...\\) in a 17-px body, with es5/tex-chtml-full.js (the file Quarto loads),
in Debian's headless Chromium driven by playwright; nothing is fetched from the network.
Prints, per string, the width in em (of MathJax's own em: <mjx-math> width over the
font size of <mjx-container>), in px, and show.width's estimate.
"""
import html
import json
import pathlib
import sys
import tempfile

from playwright.sync_api import sync_playwright

from mathlib import show

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def measure(strings, mathjax_dir):
    script = pathlib.Path(mathjax_dir, "es5", "tex-chtml-full.js").resolve()
    body = "\n".join(f'<div class="m">\\(\\displaystyle {html.escape(s)}\\)</div>' for s in strings)
    page = (f'<!doctype html><html><head><meta charset="utf-8"><style>body {{ font: 17px "Liberation Sans",'
            f' sans-serif; width: {show.COLUMN_PX}px }} .m {{ white-space: nowrap }}</style>'
            f'<script src="{script.as_uri()}"></script></head><body>{body}</body></html>')
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        path = pathlib.Path(tmp, "page.html")
        path.write_text(page, encoding="utf-8")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        tab = browser.new_page()
        tab.goto(path.as_uri())
        tab.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        tab.evaluate("MathJax.startup.promise")
        found = tab.evaluate("""() => [...document.querySelectorAll('.m mjx-container')].map(c => {
            const px = c.querySelector('mjx-math').getBoundingClientRect().width;
            return {px: px, em: px / parseFloat(getComputedStyle(c).fontSize),
                    error: !!c.querySelector('mjx-merror')}; })""")
        browser.close()
    return found


if __name__ == "__main__":
    strings = json.loads(pathlib.Path(sys.argv[2]).read_text())
    found = measure(strings, sys.argv[1])
    for s, m in zip(strings, found):
        print(f"{m['em']:8.3f} em {m['px']:7.1f} px  estimate {show.width(s):8.3f}  {'ERROR ' * m['error']}{s[:60]}")
    if len(sys.argv) > 3:
        pathlib.Path(sys.argv[3]).write_text(json.dumps(found))
