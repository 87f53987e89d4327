#!/usr/bin/env python3
"""The commit a GPU run measures, written here and checked there (issue 16).

The device copies the working tree; whether git works there is not promised, so the commit is
stamped before the call, from git, together with git's blob hash of every tracked file, and the
device checks the copy against those hashes without git. Standard library only.

  tree_stamp.py write STAMP [--allow-dirty]   here: refuse a dirty tree (exit 2), else write STAMP
  tree_stamp.py verify STAMP                  there: every stamped file as stamped, else exit 2;
                                              prints the commit (with -dirty if stamped dirty)
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA = 1


def fail(message):
    print(f"tree_stamp: {message}", file=sys.stderr)
    sys.exit(2)


def git(*args):
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=False)
    if result.returncode != 0:
        first = result.stderr.decode(errors="replace").strip().splitlines()[:1]
        fail(f"git {' '.join(args)} failed in {REPO}: {first[0] if first else 'no message'}")
    return result.stdout


def blob_hash(path):
    """git's object id of a file as a blob: sha1 of 'blob <size>\\0' + content (a link's target)."""
    data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def write(stamp, allow_dirty):
    commit = git("rev-parse", "--verify", "HEAD").decode().strip()
    # Untracked files count: they travel with the tree. Ignored ones (build dirs, .repro) do not.
    status = [line for line in git("status", "--porcelain", "-z").decode().split("\0") if line]
    if status and not allow_dirty:
        first = status[0][3:]
        fail(f"the tree is dirty ({len(status)} path(s), first: {first}): commit first, or "
             f"--allow-dirty to stamp {commit[:12]}-dirty (every report then says -dirty)")
    files = {}
    for entry in git("ls-files", "-s", "-z").decode().split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, object_id, _stage = meta.split()
        if mode == "160000":  # a submodule: not a file of this tree
            continue
        on_disk = REPO / path
        if status:  # dirty: stamp what is on disk, so the device checks the tree that travels
            if not on_disk.exists() and not on_disk.is_symlink():
                continue
            object_id = blob_hash(on_disk)
        files[path] = object_id
    if status:
        for line in status:
            if line.startswith("??"):
                path = line[3:]
                if (REPO / path).is_file():
                    files[path] = blob_hash(REPO / path)
    content = {
        "tree_stamp_schema": SCHEMA,
        "commit": commit + ("-dirty" if status else ""),
        "dirty_paths": [line[3:] for line in status],
        "files": files,
    }
    stamp = Path(stamp)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    temporary = stamp.with_name(stamp.name + ".tmp")
    temporary.write_text(json.dumps(content, indent=0, sort_keys=True) + "\n")
    temporary.replace(stamp)
    print(content["commit"])


def verify(stamp):
    try:
        content = json.loads(Path(stamp).read_text())
    except OSError as error:
        fail(f"{stamp}: {error.strerror}: run scripts/reproduce stamp here and carry .repro")
    except ValueError as error:
        fail(f"{stamp}: not JSON ({error})")
    if not isinstance(content, dict) or content.get("tree_stamp_schema") != SCHEMA:
        fail(f"{stamp}: tree_stamp_schema is not {SCHEMA}")
    commit, files = content.get("commit"), content.get("files")
    if not isinstance(commit, str) or not commit or not isinstance(files, dict) or not files:
        fail(f"{stamp}: needs a commit and a non-empty files map")
    bad = []
    for path, object_id in sorted(files.items()):
        on_disk = REPO / path
        if not on_disk.exists() and not on_disk.is_symlink():
            bad.append(f"{path} (missing)")
        elif blob_hash(on_disk) != object_id:
            bad.append(f"{path} (changed)")
    if bad:
        fail(f"the tree is not the stamped {commit[:12]}: {len(bad)} file(s) differ, first: "
             f"{bad[0]} (stamp again after committing, and change nothing before the call)")
    print(commit)


def main(argv):
    if len(argv) >= 2 and argv[0] == "write" and set(argv[2:]) <= {"--allow-dirty"}:
        write(argv[1], "--allow-dirty" in argv[2:])
    elif len(argv) == 2 and argv[0] == "verify":
        verify(argv[1])
    else:
        fail("usage: tree_stamp.py write STAMP [--allow-dirty] | verify STAMP")


if __name__ == "__main__":
    main(sys.argv[1:])
