"""python tools/check_pages [...]  or  python -m tools.check_pages [...]"""
import sys
from pathlib import Path

if __package__ in (None, ""):      # run as a folder: python tools/check_pages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from check_pages.cli import main
else:
    from .cli import main

sys.exit(main())
