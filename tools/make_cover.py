"""Draw the book's cover figure: the whole architecture, every part highlighted, on a
transparent background so that it reads on the light and on the dark page.

usage: python tools/make_cover.py [OUTPUT]       (default images/cover.png)

The PNG is committed (README, the book's title page and its social card use it);
re-run this script when mathlib.diagram.architecture changes.
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # a file, no window

from mathlib import diagram  # noqa: E402  (after choosing the backend)

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = pathlib.Path(argv[0]) if argv else ROOT / "images" / "cover.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = diagram.architecture(highlight="all")
    # No "Software" text chunk: the bytes depend on the drawing, not on the matplotlib version.
    fig.savefig(out, dpi=150, transparent=True, metadata={"Software": None})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
