#!/usr/bin/python3
"""The slow tests reproduce_STUDY_quick: `dnncrit reproduce STUDY --quick`
end to end (STUDY: tamai2025 by default, or ghavasieh2025). Checks the exit status, that claims.csv has the header and one row
per claim that `dnncrit reproduce --list` names, in that order, each with an
allowed verdict and finite numbers where the verdict is not inconclusive; that
reproduce.json and report.html exist and agree with it; and that every
`dnncrit SUBCOMMAND` in a claim's command is a real subcommand (--help: 0).

Usage: reproduce_quick_check.py DNNCRIT_BIN [STUDY]"""
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
STUDY = sys.argv[2] if len(sys.argv) > 2 else "tamai2025"
VERDICTS = {"supported", "not supported", "inconclusive"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


listing = subprocess.run([BIN, "reproduce", "--list"], capture_output=True, text=True)
if listing.returncode != 0:
    fail(f"--list exited {listing.returncode}")
claims, in_study = [], False
for line in listing.stdout.splitlines():
    if not line.startswith(" "):
        in_study = line.startswith(STUDY + ":")
    elif in_study:
        claims.append(re.sub(r"^\s*\d+\.\s*", "", line))
if len(claims) < 4:
    fail(f"{STUDY} lists {len(claims)} claims: {claims}")

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "repro")
    run = subprocess.run([BIN, "reproduce", STUDY, "--quick", "--out-dir", out, "--quiet"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"exit {run.returncode}: {run.stderr}")
    with open(os.path.join(out, "claims.csv"), newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["claim", "paper", "measured", "error", "verdict", "command"]:
        fail(f"header {rows[0]}")
    rows = rows[1:]
    if [r[0] for r in rows] != claims:
        fail(f"rows {[r[0] for r in rows]} != claims {claims}")
    with open(os.path.join(out, "reproduce.json")) as f:
        rec = json.load(f)
    if [c["claim"] for c in rec["claims"]] != claims or not rec["config"]["quick"]:
        fail("reproduce.json does not list the claims of a quick run")
    with open(os.path.join(out, "report.html")) as f:
        html = f.read()
    subs = set()
    for r, c in zip(rows, rec["claims"]):
        name, paper, m, e, verdict, command = r
        if verdict not in VERDICTS:
            fail(f"{name}: verdict '{verdict}'")
        if verdict != c["verdict"] or not c["rule"] or not c["detail"]:
            fail(f"{name}: reproduce.json disagrees or lacks rule/detail")
        if verdict != "inconclusive" and not (math.isfinite(float(m)) and float(e) > 0):
            fail(f"{name}: {verdict} with measured {m} +- {e}")
        if not paper or "dnncrit " not in command:
            fail(f"{name}: no paper statement or no dnncrit command")
        if name.replace("&", "&amp;") not in html:
            fail(f"{name}: not in report.html")
        subs.update(re.findall(r"\bdnncrit ([a-z][a-z-]*)", command))
        print(f"{name}: {verdict}, {m} +- {e}")
    for s in sorted(subs):
        h = subprocess.run([BIN, s, "--help"], capture_output=True, text=True)
        if h.returncode != 0:
            fail(f"'dnncrit {s}' in a command is not a subcommand")
    print(f"ok: {len(rows)} claims, subcommands used: {', '.join(sorted(subs))}")
