#!/usr/bin/env python3
"""Which files under results/h200/ no document cites (issue 16): README.md and docs/*.md.

A file is cited when a document names its path (results/h200/<path>, also as ../results/...),
or a folder above it (results/h200/<folder>/, the folder itself, not a longer path), or its bare
name in backticks in a document that names its folder. results/h200/README.md (the index) and
results/h200/archive/ (kept, uncited on purpose) are not checked.

  results_cited.py [REPO]   prints the uncited files, one a line; exit 1 if any, else 0
"""

import re
import sys
from pathlib import Path

END = r"(?![A-Za-z0-9_.*-])"  # a folder cited as such, not as the start of a longer path


def uncited(repo):
    results = repo / "results" / "h200"
    texts = [path.read_text() for path in [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]]
    found = []
    for path in sorted(p for p in results.rglob("*") if p.is_file()):
        relative = path.relative_to(results).as_posix()
        if relative == "README.md" or relative.startswith("archive/"):
            continue
        parts = relative.split("/")
        names = ["/".join(parts[:i]) + ("" if i == len(parts) else "/") for i in range(1, len(parts) + 1)]
        folder = "results/h200/" + "/".join(parts[:-1]) + "/"
        cited = any(re.search(re.escape("results/h200/" + name) + END, text) for text in texts
                    for name in names)
        cited = cited or (len(parts) > 1 and any(
            folder in text and f"`{parts[-1]}`" in text for text in texts))
        if not cited:
            found.append(relative)
    return found


def main(argv):
    repo = Path(argv[0]) if argv else Path(__file__).resolve().parents[2]
    found = uncited(repo)
    for relative in found:
        print(f"results/h200/{relative}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
