"""The website, Binder and CI, checked without Quarto, Binder or GitHub (none is reachable here).

- links between the book's pages (markdown links to .ipynb/.qmd/.md files, #anchors,
  @sec-/@tbl-/@eq- cross-references) resolve; README's links to local files resolve;
- images referenced in markdown exist and have alt text;
- the notation table of the preface matches mathlib's toy config and the paper's base config;
- environment.yml (conda, for rendering) and binder/ (what Binder builds) agree with pyproject.toml;
- the workflows are valid YAML and use only known published actions, pinned to a major version;
- the Makefile and .ci/run offer what the README promises.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
APPENDICES = sorted([*(ROOT / "appendices").glob("*.qmd"), *(ROOT / "appendices").glob("*.ipynb")]) \
    + [p for p in [ROOT / "references.qmd"] if p.exists()]
PAGES = [ROOT / "index.qmd", *CHAPTERS, *APPENDICES]          # the book's pages
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "LICENSE-text.md"]  # GitHub-rendered


# ---------------------------------------------------------------- reading pages

def cell_source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def markdown_of(path):
    """The markdown of a page: a .qmd/.md file, or the markdown cells of a notebook."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n\n".join(cell_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def prose(md):
    """Markdown without fenced code, inline code and math, where links and images live."""
    md = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", "", md)
    md = re.sub(r"`[^`\n]*`", "", md)
    md = re.sub(r"\$\$.*?\$\$", "", md, flags=re.S)
    return re.sub(r"(?<!\\)\$[^$\n]+\$", "", md)


LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$", re.M)


def links(md):
    return LINK.findall(prose(md))


def images(md):
    return IMAGE.findall(prose(md))


def pandoc_id(text):
    """Pandoc's auto_identifiers (what Quarto uses for headings without an explicit id)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)     # links -> their text
    text = re.sub(r"[*_`]", "", text).strip()               # emphasis and code marks
    text = re.sub(r"[^\w\s.-]", "", text.lower())
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"^[^a-z]+", "", text)
    return text or "section"


def github_id(text):
    """GitHub's heading anchors for .md files rendered on github.com."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def ids_of(path):
    """Every anchor a link can target in a page."""
    md = markdown_of(path)
    body = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$", "", md)
    ids = set(re.findall(r"\{#([A-Za-z][\w.:-]*)", body))      # {#sec-x}, {#eq-y}, {#tbl-z}, {#fig-w}
    for hashes, text, attrs in HEADING.findall(body):
        explicit = re.search(r"#([A-Za-z][\w.:-]*)", attrs or "")
        ids.add(explicit.group(1) if explicit else
                (github_id(text) if path.suffix == ".md" else pandoc_id(text)))
    if path.suffix == ".ipynb":                                 # `#| label: fig-…` cell options
        nb = json.loads(path.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                ids |= set(re.findall(r"^#\|\s*label:\s*([\w-]+)\s*$", cell_source(c), flags=re.M))
    return ids


def is_external(target):
    return re.match(r"^[a-z][a-z0-9+.-]*:", target) is not None   # http:, https:, mailto:, ...


# ---------------------------------------------------------------- links and images

SOURCES = [p for p in PAGES + DOCS if p.exists()]


@pytest.mark.parametrize("page", SOURCES, ids=[p.name for p in SOURCES])
def test_local_links_resolve(page):
    checked = 0
    for target in links(markdown_of(page)):
        if is_external(target):
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        assert dest.exists(), f"{page.name}: link to {target!r}: {dest} does not exist"
        if anchor and dest.is_file() and dest.suffix in (".ipynb", ".qmd", ".md"):
            assert anchor in ids_of(dest), f"{page.name}: link to {target!r}: no #{anchor} in {dest.name}"
        checked += 1
    if page.name in ("README.md", "index.qmd"):
        assert checked, f"{page.name} links to no local file (the link parser is broken?)"


def test_cross_references_resolve_in_the_book():
    """@sec-, @tbl-, @eq- may point anywhere in the book; Quarto resolves them across chapters."""
    defined = set().union(*(ids_of(p) for p in PAGES))
    for page in PAGES:
        refs = re.findall(r"(?<![\w@.])@((?:sec|tbl|eq|lst|thm)-[A-Za-z0-9_-]*[A-Za-z0-9_])",
                          prose(markdown_of(page)))
        missing = sorted(set(refs) - defined)
        assert not missing, f"{page.name}: cross-references to nothing: {missing}"


@pytest.mark.parametrize("page", SOURCES, ids=[p.name for p in SOURCES])
def test_images_exist_and_have_alt_text(page):
    md = markdown_of(page)
    for alt, target in images(md):
        assert alt.strip(), f"{page.name}: image {target!r} has no alt text"
        if not is_external(target) and not target.startswith("attachment:"):
            assert (page.parent / target.split("#")[0]).is_file(), f"{page.name}: image {target!r} does not exist"
    for tag in re.findall(r"<img\b[^>]*>", prose(md), flags=re.I):
        assert re.search(r'\balt\s*=\s*"[^"]+"', tag), f"{page.name}: <img> without alt text: {tag}"


def test_readme_shows_a_figure_from_the_book():
    found = images((ROOT / "README.md").read_text(encoding="utf-8"))
    local = [t for _, t in found if not is_external(t)]
    assert local and all((ROOT / t).is_file() for t in local), f"README needs a local figure, found {found}"


# ---------------------------------------------------------------- the preface's notation table

def notation_rows():
    text = (ROOT / "index.qmd").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5:
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize("symbol, field", [
    (r"$d_{\text{model}}$", "d_model"), ("$h$", "n_heads"), ("$d_k$", "d_k"), ("$d_v$", "d_v"),
    (r"$d_{\text{ff}}$", "d_ff"), ("$N$", "n_encoder_layers"),
])
def test_notation_table_matches_the_configs(symbol, field):
    from mathlib import example
    from mathlib.transformer import Config
    row = notation_rows().get(symbol)
    assert row is not None, f"index.qmd's notation table has no row {symbol}"
    here, paper = row[3], row[4]
    assert int(here) == getattr(example.CONFIG, field), f"{symbol}: 'Here' says {here}"
    assert int(paper) == getattr(Config(), field), f"{symbol}: the paper column says {paper}"


# ---------------------------------------------------------------- environment.yml vs pyproject

def requirement(spec):
    """(normalised name, specifier without spaces) of 'name>=1,<2', 'name =1.2', 'name'."""
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*$", spec)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2).replace(" ", "")


def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_agrees_with_pyproject():
    env = environment()
    assert env["channels"] == ["conda-forge"]
    conda = dict(requirement(d) for d in env["dependencies"] if isinstance(d, str))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip, "environment.yml must install mathlib from the checkout (pip: [-e .])"
    project = pyproject()["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"] \
        + project["optional-dependencies"]["lab"]
    for dep in wanted:
        name, spec = requirement(dep)
        assert name in conda, f"{name} (pyproject) is missing from environment.yml"
        assert conda[name] == spec, f"{name}: pyproject says {spec!r}, environment.yml says {conda[name]!r}"
    assert "quarto" in conda, "environment.yml must bring Quarto for rendering"
    python = conda["python"]
    assert re.fullmatch(r"=3\.\d+", python), "python=3.X exactly (repo2docker reads only that form)"
    minimum = tuple(int(x) for x in project["requires-python"].removeprefix(">=").split("."))
    assert tuple(int(x) for x in python[1:].split(".")) >= minimum


def binder_environment():
    return yaml.safe_load((ROOT / "binder" / "environment.yml").read_text(encoding="utf-8"))


def test_binder_builds_a_lean_runtime_environment():
    """binder/environment.yml: mathlib's dependencies and the lab extra, at pyproject's ranges, nothing else."""
    env = binder_environment()
    assert env["channels"] == ["conda-forge"]
    conda = dict(requirement(d) for d in env["dependencies"] if isinstance(d, str))
    project = pyproject()["project"]
    runtime = dict(requirement(d) for d in project["dependencies"] + project["optional-dependencies"]["lab"])
    assert {k: v for k, v in conda.items() if k not in ("python", "pip")} == runtime, \
        "binder/environment.yml must list exactly mathlib's dependencies and the lab extra, at pyproject's ranges"
    root_conda = dict(requirement(d) for d in environment()["dependencies"] if isinstance(d, str))
    assert conda["python"] == root_conda["python"], "Binder runs the Python the notebooks are executed with"
    assert all(k in root_conda and root_conda[k] == v for k, v in runtime.items()), \
        "environment.yml and binder/ disagree on a runtime dependency"
    assert not any(isinstance(d, dict) for d in env["dependencies"]), "no pip section: postBuild installs mathlib"


def test_binder_installs_mathlib_from_the_checkout():
    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable (repo2docker runs it)"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert re.search(r"^python -m pip install --no-deps -e \.$", text, flags=re.M), \
        "postBuild installs mathlib from the repository root without re-resolving its dependencies"


def test_binder_folder_decides_what_binder_builds():
    """repo2docker reads only binder/ when it exists; anything else there would change the build."""
    assert sorted(p.name for p in (ROOT / "binder").iterdir()) == ["environment.yml", "postBuild"]
    assert not (ROOT / ".binder").exists(), ".binder/ would take precedence over binder/"
    for chapter in CHAPTERS:          # the launch links open each notebook in that build
        front = cell_source(json.loads(chapter.read_text(encoding="utf-8"))["cells"][0])
        assert f"urlpath=lab/tree/chapters/{chapter.name}" in front, f"{chapter.name}: no Binder link to itself"


# ---------------------------------------------------------------- workflows

KNOWN_ACTIONS = {
    "actions/checkout", "actions/setup-python", "actions/cache", "actions/upload-artifact",
    "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages",
    "quarto-dev/quarto-actions/setup", "quarto-dev/quarto-actions/render", "quarto-dev/quarto-actions/publish",
}
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def workflow(name):
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def triggers(wf):
    on = wf.get("on", wf.get(True))   # YAML 1.1 reads the key `on` as True
    return set(on) if isinstance(on, (dict, list)) else {on}


def steps(wf):
    return [s for job in wf["jobs"].values() for s in job.get("steps", [])]


def test_workflows_use_only_published_actions():
    assert {w.name for w in WORKFLOWS} >= {"test.yml", "publish.yml"}
    for path in WORKFLOWS:
        wf = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert wf.get("jobs"), f"{path.name}: no jobs"
        for step in steps(wf):
            if "uses" in step:
                m = re.fullmatch(r"([\w.-]+/[\w.-]+(?:/[\w.-]+)*)@(v\d+)", step["uses"])
                assert m, f"{path.name}: {step['uses']!r} is not owner/repo@vN"
                assert m.group(1) in KNOWN_ACTIONS, f"{path.name}: unknown action {m.group(1)}"
            else:
                assert "run" in step, f"{path.name}: a step with neither uses nor run: {step}"


def test_test_workflow():
    wf = workflow("test.yml")
    assert {"push", "pull_request"} <= triggers(wf)
    job = next(iter(wf["jobs"].values()))
    versions = job["strategy"]["matrix"]["python-version"]
    assert {"3.10", "3.11", "3.12"} <= set(versions)
    runs = "\n".join(s.get("run", "") for s in steps(wf))
    assert "make test" in runs and "make unit" in runs
    assert "download.pytorch.org/whl/cpu" in runs, "CPU-only torch for the cross-check tests"
    setup = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"].get("cache") == "pip"
    assert str(job.get("env", {}).get("CI", wf.get("env", {}).get("CI"))).lower() == "true"


def test_publish_workflow_renders_without_executing():
    wf = workflow("publish.yml")
    assert triggers(wf) >= {"push"}
    on = wf.get("on", wf.get(True))
    assert on["push"]["branches"] == ["main"]
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
    uses = [s.get("uses", "") for s in steps(wf)]
    assert any(u.startswith("quarto-dev/quarto-actions/setup@") for u in uses)
    assert any(u.startswith("quarto-dev/quarto-actions/render@") for u in uses)
    assert "--execute" not in json.dumps(wf), "the site is rendered from stored outputs"
    upload = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    quarto = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert upload["with"]["path"] == quarto["project"]["output-dir"]
    assert quarto["execute"]["enabled"] is False


def test_publish_workflow_checks_the_pages_before_deploying():
    wf = workflow("publish.yml")
    build = wf["jobs"]["build"]["steps"]
    index = {i: s for i, s in enumerate(build)}
    render = next(i for i, s in index.items() if s.get("uses", "").startswith("quarto-dev/quarto-actions/render@"))
    check = next(i for i, s in index.items() if "tools/check_pages --site _book" in s.get("run", ""))
    upload = next(i for i, s in index.items() if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert render < check < upload, "the browser check runs after rendering and before the upload"
    assert "continue-on-error" not in build[check] and "if" not in build[check], "a failing check must stop the job"
    install = "\n".join(s.get("run", "") for s in build[:render])
    assert re.search(r"pip install -e \"\.\[[\w,]*pages[\w,]*\]\"", install), "the pages extra (playwright)"
    assert wf["jobs"]["deploy"]["needs"] == "build"


def test_browser_check_assets_are_pinned_and_not_committed():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert re.fullmatch(r"\^3\.\d+\.\d+", deps.get("mathjax", "")), "MathJax 3, what Quarto loads"
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/mathjax"]["version"].startswith("3."), "npm ci installs the locked MathJax 3"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "node_modules" in ignored or "node_modules/" in ignored
    extras = pyproject()["project"]["optional-dependencies"]
    assert any(requirement(d)[0] == "playwright" for d in extras["pages"])


# ---------------------------------------------------------------- Makefile, .ci/run, README

def makefile_targets():
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), flags=re.M))


def test_makefile_offers_the_documented_targets():
    assert {"lab", "test", "unit", "execute", "site", "bench", "clean", "check-pages"} <= makefile_targets()
    make = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^check-pages:.*\n((?:\t.*\n)+)", make, flags=re.M)
    assert recipe and "$(PY) tools/check_pages " in recipe.group(1), "check-pages runs with the project's .venv"
    assert re.search(r"^check-pages: \$\(VENV\)/\.installed-pages", make, flags=re.M)


def test_ci_run_runs_the_browser_check_after_the_tests():
    text = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install" in text and "chromium" in text and re.search(r"^npm ci\b", text, flags=re.M)
    assert re.search(r"^make \.venv/\.installed-pages$", text, flags=re.M)
    test_at = re.search(r"^make test\b", text, flags=re.M).start()
    assert re.search(r'"\$\{CHECK_PAGES_STRICT:-1\}" = 1', text), "strict by default: a page that does not fit fails CI"
    checks = [m.start() for m in re.finditer(r"^\s*make check-pages\b", text, flags=re.M)]
    assert checks and min(checks) > test_at, "make check-pages runs after make test"
    assert re.search(r"^    make check-pages$", text, flags=re.M), "strict: a page that does not fit fails CI"


def run_ci_script(tmp_path, make_output, make_status=0):
    """.ci/run in a scratch copy of the repository, with `make` and the virtualenv's python replaced by
    stubs that log their arguments; returns (exit status, log lines, output)."""
    repo, bin_dir, log = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls.log"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    (repo / ".venv" / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    stubs = {repo / ".venv" / "bin" / "python": f'echo "python $*" >> {log}',
             bin_dir / "make": (f'echo "make $*" >> {log}\nif [ "$1" = test ]; then echo {shlex.quote(make_output)}; '
                                f'exit {make_status}; fi'),
             bin_dir / "npm": f'echo "npm $*" >> {log}',
             bin_dir / "chromium": "exit 0",
             bin_dir / "fc-list": 'echo "Liberation Mono"; echo "DejaVu Sans"',
             bin_dir / "apt-get": f'echo "apt-get $*" >> {log}'}     # never the real one here
    for path, body in stubs.items():
        path.write_text("#!/usr/bin/env bash\n" + body + "\n")
        path.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    proc = subprocess.run(["bash", str(repo / ".ci" / "run")], cwd=tmp_path, env=env, capture_output=True, text=True)
    return proc.returncode, log.read_text().splitlines() if log.exists() else [], proc.stdout + proc.stderr


def test_ci_run_installs_torch_then_runs_make_test(tmp_path):
    status, calls, out = run_ci_script(tmp_path, "===== 212 passed, 3 skipped in 80.1s =====")
    assert status == 0 and ".ci/run: OK" in out, out
    assert calls == ['npm ci --no-audit --no-fund', 'python -m pip install --quiet torch==2.13.0',
                     'make .venv/.installed-pages', 'make test',
                     'python tools/reproducibility_gate.py', 'make check-pages'], calls


@pytest.mark.parametrize("make_output, make_status", [("===== 5 skipped in 1.0s =====", 0),
                                                      ("no summary at all", 0),
                                                      ("===== 1 failed, 9 passed in 2.0s =====", 2)])
def test_ci_run_fails_unless_some_test_passed(tmp_path, make_output, make_status):
    status, calls, out = run_ci_script(tmp_path, make_output, make_status)
    assert status != 0, out
    assert calls[-1] == "make test"


def test_ci_run_and_the_readme_use_the_same_test_command():
    text = (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / ".ci" / "run", os.X_OK), ".ci/run must be executable"
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, flags=re.M) and re.search(r"^make lab\b", readme, flags=re.M)


def test_readme_badges_point_at_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    book = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    slug = book["repo-url"].removeprefix("https://github.com/")
    assert f"https://github.com/{slug}/actions/workflows/test.yml/badge.svg" in readme
    assert f"https://mybinder.org/v2/gh/{slug}/HEAD" in readme
    assert book["site-url"] in readme
    assert "MIT" in readme and "CC BY 4.0" in readme
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-text.md").read_text()


@pytest.mark.skipif(shutil.which("quarto") is not None, reason="quarto is installed: `make site` would render")
def test_make_site_without_quarto_says_how_to_get_it(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    bin_dir = tmp_path / "bin"          # a PATH with make and a shell but no quarto
    bin_dir.mkdir()
    for tool in ("make", "bash", "sh"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    proc = subprocess.run([make, "-s", "site"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) >= 1 and "environment.yml" in lines[0] and "quarto" in lines[0].lower(), proc.stderr


def test_wide_things_scroll_in_their_own_box_on_a_phone():
    """styles.css keeps a phone's page 390 px wide (tools/check_pages measures it): display math
    scrolls in its box, and on a narrow screen so do tables, numbered equations, show's matrices
    and a formula in a sentence; links break anywhere."""
    css = (ROOT / "styles.css").read_text(encoding="utf-8")
    assert re.search(r'mjx-container\[jax="CHTML"\]\[display="true"\] \{[^}]*overflow-x: auto', css)
    assert re.search(r"main\.content a[^{]*\{ overflow-wrap: anywhere; \}", css)
    narrow = re.search(r"@media \(max-width: 767\.98px\) \{(.*?)\n\}", css, re.S)
    assert narrow, "no rules for a narrow screen"
    for selector in ("main.content table", '[width="full"]', ".cell-output-markdown p > span.math:only-child",
                     "p > span.math.inline > mjx-container"):
        rule = narrow.group(1).split(selector, 1)
        assert len(rule) == 2, f"{selector}: no rule on a narrow screen"
        assert "overflow-x: auto" in rule[1].split("}")[0] or "min-width: 0" in rule[1].split("}")[0], selector
