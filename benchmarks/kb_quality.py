"""Knowledge-base quality on the corpus: each site of shared/sites served on loopback, read
offline by the same builder `voice-platform kb build` runs, scored by shared/tools/score.py.

Run: `make bench` (or `.venv/bin/python -m benchmarks.kb_quality`). Prints recall,
in-category recall, decoys leaked and the size ratio per site against the bar of #5
(recall 0.85, in-category 0.75, no decoy). Exits non-zero when a site misses it."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.crawl import SHARED, SITES, served
from voice_platform.crawl.crawler import Limits
from voice_platform.extract.build import build_kb
from voice_platform.knowledge.document import export_json
from voice_platform.providers.llm import get_embedder

RECALL, IN_CATEGORY = 0.85, 0.75
SUMMARY = re.compile(
    r"recall (?P<recall>[\d.]+) .*in-category (?P<in_category>[\d.]+), "
    r"decoys leaked (?P<leaked>\d+), size ratio (?P<ratio>[\d.]+)"
)


def main() -> int:
    embedder = get_embedder()
    missed = False
    print(f"{'site':<26}{'facts':>6}{'recall':>8}{'in-cat':>8}{'decoys':>8}{'size':>7}")
    with tempfile.TemporaryDirectory(prefix="vp-kb-quality-") as folder:
        for site in SITES:
            out = Path(folder) / f"{site}.json"
            with served(SHARED / "sites" / site / "site", Path(folder) / "log", 0) as url:
                result = asyncio.run(
                    build_kb(url, embedder, limits=Limits(max_pages=50), allow_private=True)
                )
            out.write_text(export_json(result.kb))
            scored = subprocess.run(
                [sys.executable, str(SHARED / "tools" / "score.py"), "kb",
                 str(SHARED / "sites" / site), str(out)],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            found = SUMMARY.search(scored.strip().splitlines()[-1])
            assert found, scored
            recall, in_category = float(found["recall"]), float(found["in_category"])
            leaked = int(found["leaked"])
            facts = sum(
                len(getattr(result.kb.categories, name).facts)
                for name in type(result.kb.categories).model_fields
            )
            ok = recall >= RECALL and in_category >= IN_CATEGORY and leaked == 0
            missed |= not ok
            print(
                f"{site:<26}{facts:>6}{recall:>8.2f}{in_category:>8.2f}{leaked:>8}"
                f"{float(found['ratio']):>7.2f}  {'ok' if ok else 'MISSED'}"
            )
    print(f"bar: recall >= {RECALL}, in-category >= {IN_CATEGORY}, decoys leaked 0")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
