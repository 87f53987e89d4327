#!/usr/bin/env python3
"""Static SASS instruction counts of the attention kernel's code regions, per kernel.

Reads `cuobjdump --dump-sass` output (a file, .gz too, or stdin) and prints, for every
attention_fwd_kernel whose mangled name contains FILTER: the total, and the three regions of the
K/V loop: its overhead (wait, barrier, prefetch, up to the branch that picks the tile body) and
the two tile bodies (the masked one, then the full one, as ptxas lays them out; each straight-line
code, so static counts are executed counts per tile). Used for docs/kernel-notes.md's counts.

  python3 tests/kernels/sass_tile_counts.py tune-sass-full.txt.gz [FILTER]
"""
import collections
import gzip
import re
import sys

BRANCH = re.compile(r'BRA (0x[0-9a-f]+)')


def read_kernels(stream):
    kernels, name = collections.OrderedDict(), None
    for line in stream:
        m = re.search(r'Function : (\S+)', line)
        if m:
            name = m.group(1)
            kernels[name] = []
            continue
        m = re.match(r'\s+/\*([0-9a-f]{4,})\*/\s+(.*?);', line)
        if m and name:
            kernels[name].append((int(m.group(1), 16), m.group(2).strip()))
    return kernels


def opcode(text):
    if text.startswith('@'):
        text = text.split(None, 1)[1]
    op = text.split()[0]
    base = op.split('.')[0]
    return None if base == 'NOP' else (op if base in ('MUFU', 'F2FP', 'HMMA') else base)


def histogram(instructions):
    counts = collections.Counter(op for op in map(opcode, (t for _, t in instructions)) if op)
    return sum(counts.values()), ' '.join(f'{k} {v}' for k, v in counts.most_common())


def regions(ins):
    """(loop overhead, first tile body, second tile body) as index ranges, or None."""
    addr = [a for a, _ in ins]
    try:
        bar = next(i for i, (_, t) in enumerate(ins) if t.startswith('BAR.SYNC'))
        back = next(i for i in range(bar + 1, len(ins)) if BRANCH.search(ins[i][1]) and
                    int(BRANCH.search(ins[i][1]).group(1), 16) < ins[bar][0])
        first_mufu = next(i for i in range(bar, back) if 'MUFU.EX2' in ins[i][1])
        select = max(i for i in range(bar, first_mufu) if BRANCH.search(ins[i][1]))
        second = addr.index(int(BRANCH.search(ins[select][1]).group(1), 16))
        end_first = max(i for i in range(select + 1, second) if ins[i][1].startswith('BRA '))
        tail = addr.index(int(BRANCH.search(ins[end_first][1]).group(1), 16))
    except (StopIteration, ValueError):
        return None
    return (bar, select + 1), (select + 1, end_first + 1), (second, tail)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != '-' else None
    wanted = sys.argv[2] if len(sys.argv) > 2 else ''
    opener = gzip.open if path and path.endswith('.gz') else open
    with (opener(path, 'rt') if path else sys.stdin) as stream:
        kernels = read_kernels(stream)
    for name, ins in kernels.items():
        if 'attention_fwd_kernel' not in name or wanted not in name:
            continue
        total, _ = histogram(ins)
        print(f'{name}: {total} instructions')
        found = regions(ins)
        if found is None:
            print('  (no K/V loop found)')
            continue
        for label, (lo, hi) in zip(('loop overhead', 'tile body 1 (masked)', 'tile body 2 (full)'),
                                   found):
            count, ops = histogram(ins[lo:hi])
            print(f'  {label}: {count}: {ops}')


if __name__ == '__main__':
    main()
