#!/usr/bin/python3
"""Writes docs/readme/*.md, the README's subcommand sections one file per
topic, so that docs/ can point at a section without the whole README. The
README is the source: edit it, then run

    /usr/bin/python3 tools/readme_sections.py          # rewrite docs/readme/
    /usr/bin/python3 tools/readme_sections.py --check  # exit 1 if out of date

(the test `readme_mirrors` runs --check). Relative link targets are
rewritten for the files' place two folders down."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# file -> the README sections ("### " headings, each up to the next "### "
# or "## ") it holds, in order
FILES = {
    "propagate.md": ["### The main job: `dnncrit demo`", "### `dnncrit propagate`",
                     "### Your own network: `propagate --weights`",
                     "### Benchmark: `bench/run_propagate.sh`",
                     "### Gaussian generation benchmark: `bench/run_normals.sh`",
                     "### Ensemble engine benchmark: `bench/run_ensemble.sh`"],
    "meanfield.md": ["### Mean-field theory: `meanfield`, `critical`, `phase-diagram`, `advise`"],
    "scaling.md": ["### Critical exponents, finite-size scaling and universality classes"],
    "cnn.md": ["### Random CNNs: `dnncrit cnn`"],
    "avalanche.md": ["### Avalanches, power laws and susceptibility", "### Your own recordings"],
    "train.md": ["### Training and trainability (`train`, `train-sweep`)"],
    "sweep.md": ["### Sweeps on threads, MPI ranks and clusters: `dnncrit sweep`"],
    "device.md": ["### GPUs: `--device cuda` (optional CUDA backend)"],
    "plot.md": ["### Figures and reports"],
    "reproduce.md": ["### Reproducing papers: `dnncrit reproduce`"],
}

HEADER = ("<!-- Generated from README.md by tools/readme_sections.py: edit the README, "
          "then run that script. -->\n\n")


def sections(readme):
    """heading -> its text (heading line included)"""
    out, current, lines = {}, None, []
    for line in readme.splitlines(keepends=True):
        if line.startswith("### ") or line.startswith("## "):
            if current:
                out[current] = "".join(lines)
            current, lines = (line.rstrip("\n") if line.startswith("### ") else None), []
        if current:
            lines.append(line)
    if current:
        out[current] = "".join(lines)
    return out


def relink(text):
    """](path) relative to the repository root -> relative to docs/readme/"""
    def fix(m):
        target = m.group(1)
        if re.match(r"^([a-z]+:|#|/)", target):
            return m.group(0)
        if target.startswith("docs/"):
            return "](../" + target[len("docs/"):] + ")"
        return "](../../" + target + ")"
    return re.sub(r"\]\(([^)\s]+)\)", fix, text)


def render():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        found = sections(f.read())
    files = {}
    for name, heads in FILES.items():
        missing = [h for h in heads if h not in found]
        if missing:
            sys.exit("readme_sections.py: README.md has no section %r (update FILES)" % missing[0])
        body = "".join(found[h].rstrip("\n") + "\n\n" for h in heads).rstrip("\n") + "\n"
        files[name] = HEADER + relink(body)
    return files


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] not in ([], ["--check"]):
        sys.exit("usage: readme_sections.py [--check]")
    stale = []
    for name, text in render().items():
        path = os.path.join(ROOT, "docs", "readme", name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(name)
        else:
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
    if stale:
        sys.exit("docs/readme/ is out of date with README.md (%s): run "
                 "/usr/bin/python3 tools/readme_sections.py" % ", ".join(stale))


main()
