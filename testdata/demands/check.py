#!/usr/bin/env python3
"""Validate testdata/demands/quality.jsonl and print statistics.

Checks: JSON shape; field / cooperation-mode / TRL codes against the reference
CSVs in crates/domain/data; org_kind against the fixed list; judged ids exist in
testdata/csl/csl-dev.jsonl; grades are 1-3 and every demand has a grade >= 2;
title 10-30 and description 120-400 characters; and the no-copy rule: no
substring of 10 or more characters is shared between a demand's title or
description and any CSL title or abstract (checked on the raw text and again
after NFKC normalisation with punctuation and spaces removed).

Standard library only. Usage: python3 testdata/demands/check.py [quality.jsonl]
Exit status 0 when everything passes, 1 otherwise.
"""
import collections
import csv
import json
import re
import statistics
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = ROOT / "crates" / "domain" / "data"
CSL = ROOT / "testdata" / "csl" / "csl-dev.jsonl"

ORG_KINDS = {"listed_company", "high_tech_enterprise", "leading_enterprise", "park", "investor", "other_enterprise"}  # OrgKind codes (crates/domain/src/role.rs)
KEYS = ["id", "title", "description", "field", "cooperation_modes", "trl_min",
        "org_kind", "industry", "judgements"]
N = 10  # shortest forbidden shared substring


def read_csv(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def normalise(text):
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\W_]+", "", text).lower()


def grams(text, n=N):
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "quality.jsonl"
    subfields = {r["code"]: r["name"] for r in read_csv("fields.csv") if r["parent_code"]}
    modes = {r["code"] for r in read_csv("cooperation_modes.csv")}
    trls = {int(r["level"]) for r in read_csv("trl.csv")}
    papers = {}
    with open(CSL, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            papers[p["id"]] = p

    raw_index, norm_index = {}, {}
    for pid, p in papers.items():
        for part in (p["title"], p["abstract"]):
            for g in grams(part):
                raw_index.setdefault(g, pid)
            for g in grams(normalise(part)):
                norm_index.setdefault(g, pid)

    errors = []
    demands = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"line {n}: empty line")
                continue
            try:
                demands.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: bad JSON: {e}")

    seen = set()
    for d in demands:
        did = d.get("id", "?")
        err = lambda msg: errors.append(f"{did}: {msg}")
        if list(d.keys()) != KEYS:
            err(f"keys {list(d.keys())} != {KEYS}")
        if not re.fullmatch(r"dq-\d{3}", str(did)):
            err("id must look like dq-001")
        if did in seen:
            err("duplicate id")
        seen.add(did)
        title, desc = d.get("title", ""), d.get("description", "")
        if not isinstance(title, str) or not 10 <= len(title) <= 30:
            err(f"title length {len(title)} not in 10-30")
        if not isinstance(desc, str) or not 120 <= len(desc) <= 400:
            err(f"description length {len(desc)} not in 120-400")
        if d.get("field") not in subfields:
            err(f"field {d.get('field')!r} is not a sub-field code in fields.csv")
        cm = d.get("cooperation_modes")
        if not isinstance(cm, list) or not cm or len(set(cm)) != len(cm) or any(m not in modes for m in cm):
            err(f"cooperation_modes {cm!r} invalid")
        trl = d.get("trl_min")
        if not isinstance(trl, int) or isinstance(trl, bool) or trl not in trls:
            err(f"trl_min {trl!r} not a level in trl.csv")
        if d.get("org_kind") not in ORG_KINDS:
            err(f"org_kind {d.get('org_kind')!r} not in {sorted(ORG_KINDS)}")
        if not isinstance(d.get("industry"), str) or not d["industry"].strip():
            err("industry missing")
        j = d.get("judgements")
        if not isinstance(j, dict) or not j:
            err("judgements missing")
            j = {}
        for pid, g in j.items():
            if pid not in papers:
                err(f"unknown paper {pid}")
            if g not in (1, 2, 3) or isinstance(g, bool):
                err(f"grade {g!r} for {pid} not in 1-3")
        if not any(g >= 2 for g in j.values() if isinstance(g, int)):
            err("no paper graded 2 or 3")
        for label, text in (("title", title), ("description", desc)):
            if not isinstance(text, str):
                continue
            for g in sorted(grams(text)):
                if g in raw_index:
                    err(f"{label} shares {g!r} with {raw_index[g]}")
                    break
            else:
                for g in sorted(grams(normalise(text))):
                    if g in norm_index:
                        err(f"{label} shares (normalised) {g!r} with {norm_index[g]}")
                        break

    # Statistics
    grades = collections.Counter(g for d in demands for g in d.get("judgements", {}).values())
    per = [len(d.get("judgements", {})) for d in demands]
    fields = collections.Counter(d.get("field") for d in demands)
    relevant = [sum(1 for g in d.get("judgements", {}).values() if g >= 2) for d in demands]
    papers_judged = {p for d in demands for p in d.get("judgements", {})}
    disc = collections.Counter(papers[p]["discipline"] for p in papers_judged if p in papers)
    print(f"demands: {len(demands)}")
    print(f"sub-fields covered: {len(fields)}")
    for code, c in sorted(fields.items(), key=lambda kv: [int(x) for x in str(kv[0]).split('.')] if kv[0] in subfields else [99]):
        print(f"  {code} {subfields.get(code, '?')}: {c}")
    print(f"industries: {len({d.get('industry') for d in demands})}")
    print(f"org_kind: {dict(collections.Counter(d.get('org_kind') for d in demands))}")
    print(f"trl_min: {dict(sorted(collections.Counter(d.get('trl_min') for d in demands).items()))}")
    if per:
        print(f"judged papers per demand: mean {statistics.mean(per):.2f}, median {statistics.median(per)}, min {min(per)}, max {max(per)}")
        print(f"papers graded >=2 per demand: mean {statistics.mean(relevant):.2f}, min {min(relevant)}, max {max(relevant)}")
    print(f"judgements: {sum(per)} (grade 3: {grades[3]}, grade 2: {grades[2]}, grade 1: {grades[1]})")
    print(f"distinct papers judged: {len(papers_judged)} of {len(papers)} ({len(disc)} disciplines)")

    if errors:
        print(f"\nFAIL: {len(errors)} problem(s)")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
