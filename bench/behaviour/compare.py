#!/usr/bin/python3
"""Compares two behaviour records written by compare.sh (one per binary).

usage: compare.py REC_OLD REC_NEW COMMANDS_LIST [--verbose]

REC_x/<i>/ holds, for command i (1-based, in COMMANDS_LIST order): rc, stdout, stderr,
seconds, files/<path> (every file the command created or rewrote, path relative to the
work directory) and deleted (paths it removed). Prints one line per command, `ok` or
`DIFF` with the reasons, then `N passed, M failed`; exits 1 when any command differs.

What is masked (values that change from run to run of the same binary, never results):
  JSON    the values of the keys in JSON_MASK_KEYS, anywhere in the tree (run start time,
          timings, wall and per-point seconds, throughput); every other byte is compared
  CSV     columns named in CSV_MASK_COLUMNS (per-epoch wall seconds of train)
  HTML    the report's generation time, and the run-record rows in HTML_MASK_ROWS
  stdout/stderr  a number followed by a time unit or a rate (TIMING) becomes '#'
  figures (.png .svg .pdf .eps): only presence and non-emptiness are compared (gnuplot output)
Everything else (exit codes, other CSV/TSV/text files, the rest of each JSON) must be
byte-identical.
"""
import gzip
import json
import os
import re
import sys

# JSON keys whose values vary between two runs of the same binary (found by running the
# same binary twice: compare.sh --self). Masked wherever they occur.
JSON_MASK_KEYS = {
    "started",             # run record: UTC start time
    "timings",             # run record: wall/CPU seconds of the phases (wall_s, ...)
    "seconds",             # sweep/train-sweep points and train epochs: wall seconds
    "train_seconds",       # train: wall seconds of the training loop
    "samples_per_s",       # train: throughput
    "site_updates_per_s",  # dp: throughput
    "hostname",            # (none today; a host name would vary between machines)
}
# CSV/TSV columns (by header name) that are timings.
CSV_MASK_COLUMNS = {"seconds"}  # train PREFIX.csv: wall seconds per epoch
# HTML report: generation time and these run-record rows (<tr><th>NAME</th><td>...</td>).
HTML_MASK_ROWS = ["started", "wall time (s)", "seconds", "train_seconds", "samples_per_s"]
# stdout/stderr: a number followed by a time unit (s, ms, min) or by a rate ("/s": samples/s,
# GFLOP/s, site updates/s) is a timing and is replaced by '#'; the rest of the line is compared.
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
TIMING = re.compile(r"(?<![\w.+-])" + NUMBER +
                    r"(?=\s?(?:s|ms|min|sec|seconds)\b(?!/)|\s?(?:[A-Za-z][A-Za-z ]*)?/s\b)")
FIGURE_EXT = (".png", ".svg", ".pdf", ".eps")

csv_masked = {}  # column -> files where it was masked
json_masked = set()  # JSON keys actually masked


def mask_text(text):
    return TIMING.sub("#", text)


JSON_KEY = re.compile(r'(?<!\\)"(%s)"\s*:\s*' % "|".join(re.escape(k) for k in sorted(JSON_MASK_KEYS)))


def mask_json(data):
    """The JSON text with the value of every masked key replaced by "<masked>"; every other
    byte (layout, key order, number spelling) is kept, so the rest compares byte for byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    dec = json.JSONDecoder()
    out, pos = [], 0
    while True:
        m = JSON_KEY.search(text, pos)
        if not m:
            break
        try:
            _, end = dec.raw_decode(text, m.end())
        except ValueError:  # not a key followed by a value: leave it
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        out.append(text[pos:m.end()] + '"<masked>"')
        json_masked.add(m.group(1))
        pos = end
    out.append(text[pos:])
    return "".join(out).encode("utf-8")


def mask_csv(data, name):
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    if not lines:
        return data
    sep = "\t" if name.endswith(".tsv") or ("\t" in lines[0] and "," not in lines[0]) else ","
    header = lines[0].split(sep)
    cols = [i for i, h in enumerate(header) if h.strip() in CSV_MASK_COLUMNS]
    if not cols:
        return data
    for i in cols:
        csv_masked.setdefault(header[i].strip(), set()).add(name)
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split(sep)
        for i in cols:
            if i < len(f):
                f[i] = "#"
        out.append(sep.join(f))
    return "\n".join(out).encode("utf-8", errors="surrogateescape")


def mask_html(data):
    text = data.decode("utf-8", errors="surrogateescape")
    text = re.sub(r"Generated [0-9-]+ [0-9:]+ UTC", "Generated <masked> UTC", text)
    for row in HTML_MASK_ROWS:
        text = re.sub(r"(<tr><th>%s</th><td>)[^<]*(</td>)" % re.escape(row), r"\1<masked>\2", text)
    return text.encode("utf-8", errors="surrogateescape")


def first_difference(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: %r vs %r" % (i + 1, x[:80], y[:80])
    return "line %d: one side has %d lines, the other %d" % (min(len(la), len(lb)) + 1, len(la), len(lb))


def normalised(path, name):
    """(kind, comparable bytes) of a written file."""
    with open(path, "rb") as f:
        data = f.read()
    base = name
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
            base = name[:-3]
        except OSError:
            pass
    if base.endswith(FIGURE_EXT):
        return "figure", b"non-empty" if data else b"empty"
    if base.endswith(".json"):
        return "json", mask_json(data)
    if base.endswith((".csv", ".tsv")):
        return "csv", mask_csv(data, name)
    if base.endswith((".html", ".htm")):
        return "html", mask_html(data)
    return "data", data


def list_files(d):
    res = {}
    root = os.path.join(d, "files")
    for dirpath, _, files in os.walk(root):
        for fn in files:
            p = os.path.join(dirpath, fn)
            res[os.path.relpath(p, root)] = p
    return res


def read(path, default=b""):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


def compare_command(da, db):
    reasons = []
    rca, rcb = read(os.path.join(da, "rc")).strip(), read(os.path.join(db, "rc")).strip()
    if rca != rcb:
        reasons.append("exit code %s vs %s" % (rca.decode(), rcb.decode()))
    for stream in ("stdout", "stderr"):
        a = mask_text(read(os.path.join(da, stream)).decode("utf-8", errors="surrogateescape"))
        b = mask_text(read(os.path.join(db, stream)).decode("utf-8", errors="surrogateescape"))
        if a != b:
            reasons.append("%s differs (%s)" % (stream, first_difference(
                a.encode("utf-8", errors="surrogateescape"), b.encode("utf-8", errors="surrogateescape"))))
    fa, fb = list_files(da), list_files(db)
    for name in sorted(set(fa) - set(fb)):
        reasons.append("only OLD wrote %s" % name)
    for name in sorted(set(fb) - set(fa)):
        reasons.append("only NEW wrote %s" % name)
    for name in sorted(set(fa) & set(fb)):
        _, a = normalised(fa[name], name)
        _, b = normalised(fb[name], name)
        if a != b:
            reasons.append("%s differs (%s)" % (name, first_difference(a, b)))
    dla = read(os.path.join(da, "deleted")).split()
    dlb = read(os.path.join(db, "deleted")).split()
    if dla != dlb:
        reasons.append("deleted files differ: %s vs %s" % (dla, dlb))
    nfiles = len(set(fa) | set(fb))
    return reasons, nfiles


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    reca, recb, listfile = args
    with open(listfile) as f:
        commands = [l.rstrip("\n") for l in f]
    passed = failed = skipped = 0
    nfiles_total = 0
    for i, cmd in enumerate(commands, 1):
        da, db = os.path.join(reca, str(i)), os.path.join(recb, str(i))
        if read(os.path.join(da, "rc")).strip() == b"skipped":
            skipped += 1
            continue
        reasons, nfiles = compare_command(da, db)
        nfiles_total += nfiles
        rc = read(os.path.join(da, "rc")).strip().decode() or "?"
        short = cmd if len(cmd) <= 90 else cmd[:87] + "..."
        if reasons:
            failed += 1
            shown = reasons if verbose else reasons[:4] + (
                ["... %d more" % (len(reasons) - 4)] if len(reasons) > 4 else [])
            print("%3d DIFF  %s" % (i, short))
            for r in shown:
                print("          %s" % r)
        else:
            passed += 1
            print("%3d ok    [exit %s, %d files]  %s" % (i, rc, nfiles, short))
    print("compared %d written files in all" % nfiles_total)
    if json_masked:
        print("note: JSON keys masked (timings, start time): " + ", ".join(sorted(json_masked)))
    for col, files in sorted(csv_masked.items()):
        print("note: CSV column '%s' masked (a timing) in %d files: %s" %
              (col, len(files), ", ".join(sorted(files)[:6]) + (", ..." if len(files) > 6 else "")))
    if skipped:
        print("%d skipped (--only)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
