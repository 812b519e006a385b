"""Open each page in headless Chromium (every request answered from disk) and measure it."""
import mimetypes
import os
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import Page
from .common import (BROWSER_FLAGS, BROWSER_NAMES, COLUMN_PX, GOOGLE_LATO, HERE, MATHJAX_CDN, NPM_CDN,
                     ORIGIN, PHONE, QUARTO, ROOT, ROOT_FONT_PX, VIEWPORT, CheckError)
from .markdown import Book
from .report import overflow_of, summarize

MEASURE_JS = (HERE / "measure.js").read_text(encoding="utf-8")
LATO = "/node_modules/@fontsource/lato/files/lato-latin-{w}-{s}.woff2"
LATO_CSS = "".join(
    f'@font-face {{ font-family: Lato; font-style: {s}; font-weight: {w}; font-display: block; '
    f'src: url({ORIGIN}{LATO.format(w=w, s=s)}) format("woff2"); }}\n'
    for w, s in (("400", "normal"), ("400", "italic"), ("700", "normal"), ("700", "italic")))


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
    """Answers every request of the browser from disk; nothing goes to the network by default.

    The page's own files come from `base` (the site, or the repository for built pages),
    Quarto's CSS from quarto/, MathJax, Lato and any other package a page asks a CDN for
    (an explorer's script) from node_modules/ when it is there.
    """

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
                target, allowed = (self.root / rel).resolve(), self.root / "node_modules"
            elif rel.startswith("_check_pages/quarto/"):
                target, allowed = (QUARTO / rel.split("/", 2)[2]).resolve(), QUARTO
            else:
                target, allowed = (self.base / rel).resolve(), self.base
                if target.is_dir():
                    target = target / "index.html"
            if not target.is_relative_to(allowed.resolve()):
                return route.fulfill(status=403, body="outside the served folder")
            return self.file(route, target)
        if url.startswith("data:"):
            return route.continue_()
        m = MATHJAX_CDN.match(url)
        if m and mathjax_dir(self.root):
            return self.file(route, mathjax_dir(self.root) / m.group("path"))
        if self.allow_network:
            return route.continue_()
        if GOOGLE_LATO.match(url) and (self.root / "node_modules/@fontsource/lato").is_dir():
            return route.fulfill(status=200, content_type="text/css", body=LATO_CSS)
        m = NPM_CDN.match(url)
        if m and (self.root / "node_modules" / m.group("pkg")).is_dir():
            target = (self.root / "node_modules" / m.group("pkg") / m.group("path")).resolve()
            if target.is_relative_to((self.root / "node_modules").resolve()):
                return self.file(route, target)
        self.refused.append(url)
        return route.abort()


def settle(page, site, phone):
    """Let the page's scripts run (an explorer draws after load), then measure it."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page.evaluate(MEASURE_JS, {"siteMode": bool(site), "phone": phone})


def run(targets, site=None, browser=None, allow_network=False, screenshots=None, out_dir=None,
        root=ROOT, timeout_ms=60000, phone=True):
    """Measure every target page at the desktop column (and at a phone's width); returns the report."""
    executable = find_browser(browser)
    if site is None and mathjax_dir(root) is None:
        raise CheckError(f"MathJax 3 is missing from {root / 'node_modules'}: run `npm ci` (package.json) first")
    try:
        from playwright.sync_api import Error as PlaywrightError, sync_playwright
    except ImportError as exc:
        raise CheckError(f"playwright is not installed ({exc}): pip install -e '.[pages]'")
    report = {"mode": "site" if site else "notebooks", "browser": executable, "pages": [],
              "settings": {"column_px": COLUMN_PX, "root_font_px": ROOT_FONT_PX, "viewport": VIEWPORT,
                           "phone": PHONE if phone else None}}
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
    sizes = [("desktop", VIEWPORT)] + ([("phone", PHONE)] if phone else [])
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=executable, args=BROWSER_FLAGS, headless=True)
        except PlaywrightError as exc:
            raise CheckError(f"cannot start {executable}: {exc}") from exc
        try:
            contexts = {}
            for name, (w, h) in sizes:
                contexts[name] = b.new_context(viewport={"width": w, "height": h}, device_scale_factor=1,
                                               service_workers="block")
                contexts[name].route("**/*", router)
            report["browser_version"] = b.version
            for target, rel in order:
                t0 = time.perf_counter()
                res, errors = {}, []
                for name, _ in sizes:
                    page = contexts[name].new_page()
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    try:
                        page.goto(f"{ORIGIN}/{rel}", wait_until="load", timeout=timeout_ms)
                        res[name] = settle(page, site, name == "phone")
                        if screenshots:
                            stem = Path(rel).name.replace(".check.html", "").replace(".html", "")
                            shot = Path(screenshots) / (stem + ("-phone" if name == "phone" else "") + ".png")
                            shot.parent.mkdir(parents=True, exist_ok=True)
                            page.screenshot(path=str(shot), full_page=True)
                    except PlaywrightError as exc:
                        raise CheckError(f"{rel}: the browser failed: {exc}") from exc
                    finally:
                        page.close()
                info = res["desktop"]["info"]
                if info.get("noColumn"):
                    if site:
                        continue       # not a page of the book (e.g. 404.html)
                    raise CheckError(f"{rel}: no text column found")
                if info.get("mathjaxFailure"):
                    raise CheckError(f"{rel}: MathJax failed: {info['mathjaxFailure']}")
                problems = sorted(res["desktop"]["problems"], key=overflow_of, reverse=True)
                if "phone" in res:
                    problems += sorted(res["phone"]["problems"], key=overflow_of, reverse=True)
                    info["phone"] = {"viewport": res["phone"]["info"].get("viewport"),
                                     "documentWidth": res["phone"]["info"].get("documentWidth")}
                report["pages"].append({
                    "page": target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target),
                    "name": target.name if not site else rel, "counts": summarize(problems),
                    "problems": problems, "info": info, "script_errors": sorted(set(errors)),
                    "seconds": round(time.perf_counter() - t0, 2)})
        finally:
            b.close()
    report["build_seconds"] = round(build_seconds, 2)
    report["refused_requests"] = sorted(set(router.refused))[:50]
    report["missing_files"] = sorted(set(router.missing))[:50]
    report["total"] = sum(len(p["problems"]) for p in report["pages"])
    report["totals"] = summarize([q for p in report["pages"] for q in p["problems"]])
    return report
