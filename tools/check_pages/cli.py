"""The command line: which pages, which output, which exit status."""
import argparse
import json
import sys
from pathlib import Path

from .common import ROOT, CheckError
from .measure import run
from .report import print_report


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


def main(argv=None, root=ROOT):
    from . import __doc__ as doc
    ap = argparse.ArgumentParser(prog="check_pages", description=doc.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=doc.split("\n\n", 2)[2])
    ap.add_argument("pages", nargs="*", help="notebooks or .qmd files (default: index.qmd, chapters/*.ipynb, appendices/*, references.qmd), "
                    "or with --site, .html files of the site")
    ap.add_argument("--site", metavar="DIR", help="measure Quarto's rendered site in DIR (e.g. _book) instead")
    ap.add_argument("--json", action="store_true", help="print the whole report as JSON")
    ap.add_argument("--all", action="store_true", help="list every problem, not the worst 5 of each page")
    ap.add_argument("--report-only", action="store_true",
                    help="exit 0 even when a page does not fit (still 2 when the check cannot run)")
    ap.add_argument("--no-phone", action="store_true", help="measure at the desktop column only, not on a 390-px phone")
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
    targets = [Path(p) for p in args.pages] or default_targets(root, args.site)
    missing = [str(t) for t in targets if not t.is_file()]
    if missing or not targets:
        print(f"check_pages: no such page: {', '.join(missing) or '(none found)'}", file=sys.stderr)
        return 2
    try:
        report = run(targets, site=args.site, browser=args.browser, allow_network=args.allow_network,
                     screenshots=args.screenshots, out_dir=args.out, root=root, phone=not args.no_phone)
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
