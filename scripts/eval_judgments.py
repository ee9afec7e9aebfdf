#!/usr/bin/env python3
"""Resolves the search-evaluation query rules against the Tate catalog.

Each query in infra/eval/search-queries.json carries a rule over the curated
Tate subjects, subject paths, movements and category; this applies the rules
and prints how many artworks each query finds, with a few example titles.

    scripts/eval_judgments.py
    scripts/eval_judgments.py --write infra/eval/search-judgments.json

Exits 1 when the query set is unfit to evaluate with: a duplicated id, a rule
that finds fewer than MIN_RELEVANT or more than MAX_RELEVANT artworks, or a
term or category that nothing in the catalog has (almost always a typo, which
would otherwise silently narrow a rule).

Standard library only, so it runs anywhere python3 does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "infra" / "eval" / "search-queries.json"
# Same default as scripts/lib/common.sh, so the script works in any clone.
DATASETS = Path(os.environ.get("ATELIER_DATASETS", ROOT.parent / "shared" / "datasets"))

# Fewer than this and one lucky or unlucky hit swings the metrics; more and the
# query is so broad that any ranking scores well on it.
MIN_RELEVANT = 5
MAX_RELEVANT = 400

RULE_KEYS = {"all", "any", "none", "category"}


def artwork_terms(artwork: dict) -> set[str]:
    """Every term a rule may use to match this artwork, lower-cased."""
    terms = {s.lower() for s in artwork.get("subjects") or []}
    terms.update(m.lower() for m in artwork.get("movements") or [])
    for path in artwork.get("subject_paths") or []:
        segments = path.lower().split("/")
        terms.add(segments[-1])
        terms.update("/".join(segments[:i]) for i in range(1, len(segments) + 1))
    return terms


def is_relevant(rule: dict, terms: set[str], category: str) -> bool:
    if not all(t.lower() in terms for t in rule.get("all", [])):
        return False
    if "any" in rule and not any(t.lower() in terms for t in rule["any"]):
        return False
    if any(t.lower() in terms for t in rule.get("none", [])):
        return False
    return "category" not in rule or category in {c.lower() for c in rule["category"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DATASETS / "tate" / "catalog.jsonl")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--write", type=Path, metavar="JUDGMENTS", help="write {query_id: [external_ref, ...]} here")
    args = parser.parse_args()

    with args.catalog.open(encoding="utf-8") as f:
        catalog = [json.loads(line) for line in f if line.strip()]
    indexed = [(artwork, artwork_terms(artwork), artwork["category"].lower()) for artwork in catalog]
    known_terms = set().union(*(terms for _, terms, _ in indexed))
    known_categories = {category for _, _, category in indexed}

    queries = json.loads(args.queries.read_text(encoding="utf-8"))["queries"]
    problems: list[str] = []
    seen: set[str] = set()
    judgments: dict[str, list[str]] = {}
    counts: list[int] = []
    for query in queries:
        qid, rule = query["id"], query["relevant"]
        if qid in seen:
            problems.append(f"{qid}: duplicate id")
        seen.add(qid)
        if unknown := set(rule) - RULE_KEYS:
            problems.append(f"{qid}: unknown rule keys {sorted(unknown)}")
        for key in ("all", "any", "none"):
            problems += [f"{qid}: {key} term {t!r} matches nothing" for t in rule.get(key, []) if t.lower() not in known_terms]
        problems += [f"{qid}: no category {c!r}" for c in rule.get("category", []) if c.lower() not in known_categories]

        hits = [artwork for artwork, terms, category in indexed if is_relevant(rule, terms, category)]
        counts.append(len(hits))
        if not MIN_RELEVANT <= len(hits) <= MAX_RELEVANT:
            problems.append(f"{qid}: {len(hits)} relevant, want {MIN_RELEVANT}..{MAX_RELEVANT}")
        judgments[qid] = [f"tate:{artwork['source_id']}" for artwork in hits]

        print(f"{len(hits):4d}  {qid}: {query['query']}")
        for artwork in hits[:3]:
            print(f"        {artwork['title'][:70]} ({artwork['artist']}, {artwork['category']})")

    print(f"\n{len(queries)} queries; relevant per query min {min(counts)}, median {statistics.median(counts):g}, max {max(counts)}")
    if problems:
        print("\n" + "\n".join(problems), file=sys.stderr)
        return 1
    if args.write:
        args.write.write_text(json.dumps(judgments, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
