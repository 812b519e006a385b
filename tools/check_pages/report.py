"""The report: counts per kind, one line per problem, the worst first."""
import sys
from pathlib import Path

from .common import KINDS, VIEWPORT


def summarize(problems):
    counts = {k: 0 for k in KINDS}
    for p in problems:
        counts[p["kind"]] = counts.get(p["kind"], 0) + 1
    return {k: v for k, v in counts.items() if v}


def overflow_of(p):
    if "width" in p and "available" in p:
        return p["width"] - p["available"]
    return 10 ** 6   # errors first


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
    elif kind == "phone":
        what = f"{p.get('what', '?')} reaches {p.get('width')} px on a {p.get('available')}-px phone"
    else:
        what = f"{p.get('width')} px > {p.get('available')} px" + (" (text overflows its table column)" if p.get("cellText") else "")
    excerpt = p.get("excerpt", "")
    return f"  {kind:<12} {where}: {what}" + (f"\n  {'':<12}   {excerpt}" if excerpt else "")


def print_report(report, worst=5, stream=None):
    stream = stream or sys.stdout
    first = next((p["info"] for p in report["pages"] if p["info"].get("codeFonts")),
                 next((p["info"] for p in report["pages"]), {}))
    col = first.get("column", {})
    phone = report["settings"].get("phone")
    print(f"check_pages ({report['mode']}): column {col.get('width', 0):.0f} px, body {first.get('bodyFont', '?')}, "
          f"code {'; '.join(first.get('codeFonts', [])) or '?'}; MathJax {first.get('mathjax', 'none')}; "
          f"{Path(report['browser']).name} {report.get('browser_version', '')}"
          + (f"; and on a {phone[0]}-px phone" if phone else ""), file=stream)
    for p in report["pages"]:
        counts = ", ".join(f"{k} {v}" for k, v in p["counts"].items()) or "fits"
        n = len(p["problems"])
        width = p["info"].get("phone", {}).get("documentWidth")
        print(f"{p['name']:<40} {n:>3} problem{'s' if n != 1 else ' '}  ({counts})"
              + (f"  phone {width} px" if width else "") + f"  {p['seconds']:.1f} s", file=stream)
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
