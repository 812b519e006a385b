"""The reproducibility gate of issue 18 (what .ci/run runs after `make test`).

usage:  python tools/reproducibility_gate.py [--skip-oldest]

Training is chaotic (chapter 11): another machine's arithmetic trains another model, so
the chapters that train print from a live run only what every run shares and take exact
numbers after training from the stored checkpoint (mathlib/data). Checked four ways, on
chapters 10-19 and appendix C:

  1. nbval under OpenBLAS's Prescott kernel (OPENBLAS_CORETYPE=Prescott, another
     arithmetic): every stored text output must come out the same;
  2. tools/nbval_perturbed.py on every chapter that trains (calls train.train): every
     stored output must come out the same when each training run starts from
     parameters nudged by a relative 1e-10 (the stand-in for Accelerate, ARM or another
     numpy; the nudge lives only in that tool, never in mathlib);
  3. nbval with the oldest numpy pyproject.toml allows, in a second virtual
     environment, .venv-oldest (made once, then reused);
  4. the tests marked `gate` (pytest -m gate): the slow tests that train from several
     perturbed starts and under another kernel and check what the chapters say of every
     run, and the page checker's agreement with the real render. `make test` leaves them
     out (-m "not gate") so that it stays quick to run often; CI runs them here.

Prints each check's time; exits 1 if any check failed (all of them run).
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBVAL = ["-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
         "-p", "no:cacheprovider", "-q"]
WARNINGS = "error,ignore::PendingDeprecationWarning:ipykernel.kernelbase"   # as the Makefile
OLDEST = ROOT / ".venv-oldest"


def notebooks():
    chapters = sorted(ROOT.glob("chapters/1[0-9]-*.ipynb"))
    return [str(p.relative_to(ROOT)) for p in chapters + [ROOT / "appendices" / "c-pitfalls.ipynb"]]


def trains(notebook):
    return "train.train(" in (ROOT / notebook).read_text(encoding="utf-8")


def oldest_numpy():
    """The lower bound of numpy in pyproject.toml's dependencies, e.g. "2.0"."""
    text = (ROOT / "pyproject.toml").read_text()
    m = re.search(r'"numpy>=([0-9.]+)', text)
    if m is None:
        raise SystemExit("pyproject.toml names no lower bound for numpy")
    return m.group(1)


def run(title, cmd, **env):
    print(f"\n== {title}\n   {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    status = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, PYTHONWARNINGS=WARNINGS,
                                                     **env)).returncode
    print(f"== {title}: {'passed' if status == 0 else 'FAILED'} "
          f"in {time.monotonic() - start:.0f} s", flush=True)
    return status == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-oldest", action="store_true",
                        help="leave out check 3 (the second virtual environment)")
    args = parser.parse_args(argv)
    books = notebooks()
    training = [nb for nb in books if trains(nb)]
    ok = [run("1/4 nbval with OPENBLAS_CORETYPE=Prescott", [sys.executable, *NBVAL, *books],
              OPENBLAS_CORETYPE="Prescott")]
    ok.append(run("2/4 outputs unchanged from starts nudged by 1e-10",
                  [sys.executable, "tools/nbval_perturbed.py", *training]))
    if not args.skip_oldest:
        version = oldest_numpy()
        python = OLDEST / "bin" / "python"
        start = time.monotonic()
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(OLDEST)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]",
                        f"numpy=={version}.*"], cwd=ROOT, check=True)
        print(f"\n.venv-oldest with numpy {version}.* ready in "
              f"{time.monotonic() - start:.0f} s", flush=True)
        ok.append(run(f"3/4 nbval with numpy {version}", [str(python), *NBVAL, *books]))
    ok.append(run("4/4 the tests marked gate (pytest -m gate)",
                  [sys.executable, "-m", "pytest", "-m", "gate", "-n", "2", "--dist", "loadfile",
                   "-p", "no:cacheprovider", "-q", "tests"]))
    print("\nreproducibility gate:", "OK" if all(ok) else "FAILED")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
