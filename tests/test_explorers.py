"""The explorers (mathlib.explore): their data, and their pages in a real browser.

The browser tests take each explorer's HTML from its chapter's stored output (what the
site shows), put it in a minimal page with the site's column and colours (light, and
dark with Quarto's body.quarto-dark), serve it on 127.0.0.1 and drive Debian's Chromium
with playwright: every control by keyboard (Tab to it, arrow keys) and by pointer, the
numbers shown against mathlib's for several settings, the labels, the width at 680 and
390 px. EXPLORER_SCREENSHOTS=1 saves the screenshots to images/explorers/.
"""
import functools
import hashlib
import importlib.util
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mathlib import example, explore
from mathlib.generate import sample_probabilities
from mathlib.positional import positional_encoding
from mathlib.tokens import text_to_ids

from conftest import in_ci

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = {"positions": "02-positional-encoding", "attention": "04-multi-head-attention",
            "temperature": "09-generation", "training": "11-training"}


# ------------------------------------------------------------------ data, no browser

@functools.lru_cache(maxsize=None)
def stored_html(name):
    """The explorer's text/html as stored in its chapter (one explorer per chapter).
    EXPLORER_FRESH=1: made now by mathlib.explore instead (while editing the scripts)."""
    if os.environ.get("EXPLORER_FRESH"):
        e = getattr(explore, name)()
        return e.html, repr(e)
    nb = json.loads((ROOT / "chapters" / f"{CHAPTERS[name]}.ipynb").read_text("utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html is not None:
                html = "".join(html) if isinstance(html, list) else html
                if f'id="hx-{name}"' in html:
                    found.append((html, out["data"].get("text/plain")))
    assert len(found) == 1, f"{CHAPTERS[name]} must hold the {name} explorer once"
    return found[0]


def stored_data(name):
    html, _ = stored_html(name)
    m = re.search(r'<script type="application/json" class="hx-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.mark.parametrize("name", list(CHAPTERS))
def test_data_at_most_200_kb(name):
    html, plain = stored_html(name)
    m = re.search(r'class="hx-data">(.*?)</script>', html, re.S)
    assert len(m.group(1).encode()) <= explore.MAX_BYTES
    digest = hashlib.sha256(m.group(1).encode()).hexdigest()[:12].translate(
        str.maketrans("0123456789", "ghijklmnop"))
    assert digest in "".join(plain), "the text summary names the data's digest (nbval)"


@pytest.mark.parametrize("name", list(CHAPTERS))
def test_summary_lines_fit(name):
    _, plain = stored_html(name)
    assert all(len(line) <= 74 for line in "".join(plain).splitlines())


def test_positions_data_is_mathlib():
    data = stored_data("positions")
    for m, d in zip(data["models"], (example.CONFIG.d_model, 64)):
        assert m["d"] == d
        pe = positional_encoding(131, d)
        np.testing.assert_allclose(np.array(m["pe"]) / 1000, pe[:101], atol=5e-4)
        for p, k in [(0, 0), (7, 3), (100, 30)]:
            assert abs(m["dot"][p][k] / 1000 - pe[p] @ pe[p + k]) <= 5e-4


def test_attention_covers_every_sentence():
    data = stored_data("attention")
    assert data["words"] == ["hello", "world", "goodbye", "!"]
    assert len(data["weights"]) == 4 + 16 + 64
    w = np.array(data["weights"]["hello world !"][0]) / 1000      # (layers, h, n, n)
    ids = text_to_ids("hello world !", example.VOCAB)
    np.testing.assert_allclose(w, explore.encoder_weights(ids, example.PARAMS), atol=5e-4)


def _snapshot_tool():
    spec = importlib.util.spec_from_file_location(
        "make_training_snapshots", ROOT / "tools" / "make_training_snapshots.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.mark.slow                      # trains the toy model (seconds)
def test_training_snapshots_reproduce(tmp_path):
    """tools/make_training_snapshots.py writes the stored file again, byte for byte, and
    its run ends at the stored checkpoint, on the arithmetic that made them (training is
    chaotic: another OpenBLAS kernel, BLAS or CPU trains another model by design)."""
    tool = _snapshot_tool()
    stored = json.loads(Path(explore.SNAPSHOTS).read_text("utf-8"))
    here = json.loads(tool.make_checkpoint.arithmetic())
    if here != stored["made_with"]:
        pytest.skip(f"this machine's arithmetic {here} is not the one that made the "
                    f"snapshots {stored['made_with']}: training is chaotic")
    data, trained = tool.make()
    text = json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"
    assert text == Path(explore.SNAPSHOTS).read_text("utf-8"), \
        "run tools/make_training_snapshots.py and commit mathlib/data/training_snapshots.json"
    assert tool.same_as_checkpoint(trained), "the snapshots' run must end at the checkpoint"


def test_the_last_snapshot_is_the_stored_model():
    """On any machine: the last snapshot's translations are the checkpoint's."""
    from mathlib import corpus, train
    data = json.loads(Path(explore.SNAPSHOTS).read_text("utf-8"))
    assert data["settings"] == dict(train.TOY_SETTINGS)
    trained = example.trained_params()
    train_pairs, held_out = corpus.load()
    assert data["snapshots"][-1]["translations"] == [
        train.translate(s, trained, example.VOCAB) for s, _ in train_pairs + held_out]


def test_html_is_deterministic():
    assert explore.positions().html == explore.positions().html


@pytest.mark.parametrize("name", list(CHAPTERS))
def test_the_stored_page_side_is_the_files_of_mathlib(name):
    """The CSS and the scripts stored in the chapter are mathlib/page/explorers/'s files as they
    are (re-execute the chapter after editing one)."""
    html, _ = stored_html(name)
    script = getattr(explore, f"{name.upper()}_JS")
    assert f"<style>\n{explore.CSS}</style>" in html
    assert f"(function () {{\n\n{explore.COMMON_JS}\n\n{script}\n}})();" in html


# ------------------------------------------------------------------ the browser

CSS = """
html { font-size: 17px; }
body { margin: 0; font-family: Lato, "Helvetica Neue", Arial, sans-serif; background: #fff;
       color: #212529; }
body.quarto-dark { background: #222; color: #dee2e6; }
main { width: 680px; max-width: calc(100vw - 24px); margin: 0 auto; padding: 12px 0; }
"""


def page(name, dark):
    html, _ = stored_html(name)
    return (f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,">'
            f'<style>{CSS}</style></head><body class="{"quarto-dark" if dark else "quarto-light"}">'
            f'<main id="quarto-document-content"><p>Text before.</p>'
            f'<div class="cell-output cell-output-display">{html}</div>'
            f'<p>Text after.</p></main></body></html>')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorers")
    for name in CHAPTERS:
        for dark in (False, True):
            (folder / f"{name}-{'dark' if dark else 'light'}.html").write_text(
                page(name, dark), "utf-8")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci():
            raise
        pytest.skip("playwright is not installed: pip install -e '.[pages]'")
    if not Path(chromium).exists():
        if in_ci():
            pytest.fail("no chromium: apt-get install chromium")
        pytest.skip("no chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium,
                               args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def open_page(browser, site, name, dark=False, width=680 + 40):
    pg = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    start = time.perf_counter()
    pg.goto(f"{site}/{name}-{'dark' if dark else 'light'}.html")
    pg.wait_for_selector(f"#hx-{name} svg")
    pg.load_ms = (time.perf_counter() - start) * 1000
    assert not errors, errors
    return pg


def label_of(pg, control_id):
    return pg.evaluate("id => document.querySelector(`label[for='${id}']`).textContent.trim()",
                       control_id)


def controls(pg, name):
    """(id, kind, accessible label) of every control, in Tab order."""
    return pg.evaluate("""name => Array.from(document.querySelectorAll(
        `#hx-${name} input, #hx-${name} select`)).map(e => [e.id, e.tagName.toLowerCase(),
        e.labels.length ? e.labels[0].textContent.trim() : ''])""", name)


def tab_to(pg, control_id):
    """Press Tab from the top of the page until the control has the focus."""
    pg.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(20):
        pg.keyboard.press("Tab")
        if pg.evaluate("() => document.activeElement.id") == control_id:
            return
    raise AssertionError(f"Tab never reached #{control_id}")


def text(pg, selector):
    return pg.locator(selector).first.text_content()


def fits(pg, name):
    return pg.evaluate("""name => { const e = document.getElementById(`hx-${name}`);
        const m = e.closest('main').getBoundingClientRect();
        let worst = 0;
        for (const c of e.querySelectorAll('*')) { const r = c.getBoundingClientRect();
            worst = Math.max(worst, r.right - m.right); }
        return {overflow: worst, scroll: e.scrollWidth - e.clientWidth,
                doc: document.documentElement.scrollWidth - window.innerWidth}; }""", name)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHAPTERS))
@pytest.mark.parametrize("width", [680 + 40, 390])
def test_fits_the_column_and_a_phone(browser, site, name, width):
    pg = open_page(browser, site, name, width=width)
    f = fits(pg, name)
    assert f["overflow"] <= 1 and f["scroll"] <= 1 and f["doc"] <= 0, f
    pg.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHAPTERS))
def test_every_control_is_labelled_and_reachable(browser, site, name):
    pg = open_page(browser, site, name)
    cs = controls(pg, name)
    assert cs and all(label for _, _, label in cs), cs
    for cid, _, _ in cs:
        tab_to(pg, cid)
    pg.close()


@pytest.mark.slow
def test_positions(browser, site):
    pg = open_page(browser, site, "positions")
    (p_id, _, p_label), (k_id, _, k_label) = controls(pg, "positions")
    assert (p_label, k_label) == ("position p", "offset k")
    pe4, pe64 = positional_encoding(131, 4), positional_encoding(131, 64)

    def check(p, k):
        nums = pg.locator("#hx-positions .hx-nums:not(.hx-dot)").all_text_contents()
        assert nums[0] == "[" + ", ".join(f"{v:.3f}" for v in pe4[p]) + "]"
        assert nums[1].startswith("first four: [" + ", ".join(f"{v:.3f}" for v in pe64[p, :4]))
        dots = pg.locator("#hx-positions .hx-dot").all_text_contents()
        for shown, pe in zip(dots, (pe4, pe64)):
            assert shown == f"PE({p})·PE({p + k}) = {pe[p] @ pe[p + k]:.3f}"

    check(1, 1)
    tab_to(pg, p_id)
    for _ in range(4):
        pg.keyboard.press("ArrowRight")
    check(5, 1)
    pg.keyboard.press("End")
    check(100, 1)
    tab_to(pg, k_id)
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("ArrowUp")
    check(100, 3)
    # pointer: click the middle of the p slider
    box = pg.locator(f"#{p_id}").bounding_box()
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    p = int(pg.locator(f"#{p_id}").input_value())
    assert 40 <= p <= 60
    check(p, 3)
    pg.close()


def shown_weights(pg):
    return [float(t) for t in pg.locator("#hx-attention text.hx-w").all_text_contents()]


@pytest.mark.slow
def test_attention(browser, site):
    pg = open_page(browser, site, "attention")
    cs = controls(pg, "attention")
    assert [label for _, _, label in cs] == ["word 1", "word 2", "word 3", "model", "layer", "head"]
    trained = explore.trained_params()

    def check(sentence, model, layer, head):
        params = example.PARAMS if model == 0 else trained
        ids = text_to_ids(sentence, example.VOCAB)
        w = explore.encoder_weights(ids, params)[layer, head]
        title = text(pg, "#hx-attention .hx-title")
        assert title == (f'"{sentence}", {("untrained", "trained")[model]} model, '
                         f'layer {layer + 1}, head {head + 1}')
        np.testing.assert_allclose(shown_weights(pg), w.reshape(-1), atol=5e-4 + 1e-9)

    check("hello world", 0, 0, 0)
    ids = {label: cid for cid, _, label in cs}
    tab_to(pg, ids["word 3"])
    pg.keyboard.press("ArrowDown")                   # (none) -> hello
    check("hello world hello", 0, 0, 0)
    tab_to(pg, ids["layer"])
    pg.keyboard.press("ArrowDown")
    pg.keyboard.press("ArrowDown")
    check("hello world hello", 0, 2, 0)
    pg.select_option(f"#{ids['model']}", value="trained")        # pointer-like: choose the option
    pg.select_option(f"#{ids['head']}", value="2")
    check("hello world hello", 1, 2, 1)
    pg.select_option(f"#{ids['word 2']}", value="")         # one word: word 3 is disabled
    check("hello", 1, 2, 1)
    assert pg.locator(f"#{ids['word 3']}").is_disabled()
    pg.select_option(f"#{ids['word 1']}", value="!")
    pg.select_option(f"#{ids['word 2']}", value="goodbye")
    pg.select_option(f"#{ids['word 3']}", value="world")
    check("! goodbye world", 1, 2, 1)
    pg.close()


@pytest.mark.slow
def test_temperature(browser, site):
    pg = open_page(browser, site, "temperature")
    cs = controls(pg, "temperature")
    ids = {label: cid for cid, _, label in cs}
    assert list(ids) == ["temperature T", "top-k", "step"]
    src = text_to_ids(example.SOURCE, example.VOCAB)
    from mathlib.generate import greedy_decode
    from mathlib.transformer import decode, encode
    run = greedy_decode(src, example.PARAMS, example.SOS, example.EOS, 10)
    logits = decode(np.array([example.SOS, *run.tokens][:len(run.tokens)]),
                    encode(src, example.PARAMS), example.PARAMS)
    logits[:, [example.PAD, example.SOS]] = -np.inf

    def check(T, k, step):
        p = sample_probabilities(logits[step - 1], T, k)
        shown = {e.get_attribute("data-token"): float(e.text_content())
                 for e in pg.locator("#hx-temperature text.hx-p").all()}
        assert list(shown) == list(example.VOCAB[2:])
        for token, v in shown.items():
            assert abs(v - p[example.VOCAB.index(token)]) <= 5e-4 + 1e-9, (T, k, step, token)
        if k == 8 and T == 1.0:
            np.testing.assert_allclose(list(shown.values()),
                                       run.probabilities[step - 1][2:], atol=5e-4 + 1e-9)

    check(1.0, 8, 1)
    tab_to(pg, ids["temperature T"])
    pg.keyboard.press("ArrowLeft")
    pg.keyboard.press("ArrowLeft")
    check(0.8, 8, 1)
    tab_to(pg, ids["top-k"])
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("ArrowUp")
    check(0.8, 5, 1)
    tab_to(pg, ids["step"])
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("ArrowRight")
    check(0.8, 5, 3)
    pg.select_option(f"#{ids['top-k']}", value="1")
    check(0.8, 1, 3)
    pg.locator(f"#{ids['temperature T']}").fill("29")   # the last: T = 3.0
    pg.select_option(f"#{ids['top-k']}", value="8")
    check(3.0, 8, 3)
    box = pg.locator(f"#{ids['step']}").bounding_box()
    pg.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    check(3.0, 8, 10)
    pg.close()


@pytest.mark.slow
def test_training(browser, site):
    pg = open_page(browser, site, "training")
    data = json.loads(Path(explore.SNAPSHOTS).read_text("utf-8"))
    (s_id, _, label), = controls(pg, "training")
    assert label == "snapshot"

    def check(i):
        snap = data["snapshots"][i]
        step = snap["step"]
        loss = f"{data['losses'][step - 1]:.4f}" if step else "(before training)"
        assert text(pg, "#hx-training .hx-loss") == f"step {step}, loss {loss}"
        assert pg.locator("#hx-training td.hx-out").all_text_contents() == snap["translations"]
        shown = [float(t) for t in pg.locator("#hx-training text.hx-w").all_text_contents()]
        np.testing.assert_allclose(shown, np.array(snap["cross"]).reshape(-1) / 1000)

    n = len(data["snapshots"])
    check(n - 1)
    tab_to(pg, s_id)
    pg.keyboard.press("Home")
    check(0)
    for _ in range(5):
        pg.keyboard.press("ArrowRight")
    check(5)
    box = pg.locator(f"#{s_id}").bounding_box()
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    i = int(pg.locator(f"#{s_id}").input_value())
    assert abs(i - (n - 1) / 2) <= 3
    check(i)
    # the trained model's numbers agree with a step-0 run of mathlib (the untrained model)
    cross = explore.cross_weights(text_to_ids(example.SOURCE, example.VOCAB),
                                  [example.SOS, *text_to_ids(example.TARGET, example.VOCAB)],
                                  example.PARAMS)[-1]
    np.testing.assert_allclose(np.array(data["snapshots"][0]["cross"]) / 1000, cross, atol=5e-4)
    pg.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHAPTERS))
@pytest.mark.parametrize("dark", [False, True])
def test_screenshot(browser, site, name, dark, tmp_path):
    """Dark mode: the text takes the page's colour. Screenshots for a person to look at."""
    pg = open_page(browser, site, name, dark=dark)
    colour = pg.evaluate(f"() => getComputedStyle(document.querySelector('#hx-{name} "
                         f".hx-title')).color")
    assert colour == ("rgb(222, 226, 230)" if dark else "rgb(33, 37, 41)")
    folder = ROOT / "images" / "explorers" if os.environ.get("EXPLORER_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pg.locator(f"#hx-{name}").screenshot(path=str(folder / f"{name}-{'dark' if dark else 'light'}.png"))
    pg.close()


@pytest.mark.slow
def test_load_time(browser, site):
    """Each explorer's page loads and draws well within a second (reported, not timed
    strictly: a loaded machine is slower)."""
    times = {}
    for name in CHAPTERS:
        pg = open_page(browser, site, name)
        times[name] = round(pg.load_ms)
        pg.close()
    print("load times (ms):", times)
    assert all(t < 5000 for t in times.values()), times
