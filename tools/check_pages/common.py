"""What every part of the checker shares: where things are, the site's geometry, the kinds of problem."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
QUARTO = HERE / "quarto"        # Quarto 1.7.34's generated CSS, copied from a render (quarto/README.md)
ORIGIN = "http://check-pages.localhost"   # *.localhost never leaves the machine; all requests are routed
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/es5/(?P<path>[^?#]+)")
# other packages a page (an explorer's text/html output) asks a CDN for, answered from node_modules/
NPM_CDN = re.compile(r"^https://(?:cdn\.jsdelivr\.net/npm|unpkg\.com)/(?P<pkg>(?:@[\w.-]+/)?[\w.-]+?)"
                     r"(?:@[^/]*)?/(?P<path>[^?#]+)")
GOOGLE_LATO = re.compile(r"^https://fonts\.googleapis\.com/css2?\?family=Lato")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
KINDS = ["code", "text", "math", "table", "image", "html", "broken-image", "math-error", "other", "phone"]

# The site's geometry: the page is laid out by Quarto's own CSS (quarto/), so the text column is
# what Quarto's grid gives at this window: 678 px at 1280 px (code boxes 676 px: 74 characters).
VIEWPORT = (1280, 900)
PHONE = (390, 844)       # a phone held upright: no page may be wider than this
COLUMN_PX = 678
ROOT_FONT_PX = 17


class CheckError(Exception):
    """The check could not run (exit status 2)."""
