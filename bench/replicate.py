#!/usr/bin/env python3
"""Replicate a JSONL of articles to N records on stdout (bench helper).

usage: replicate.py SRC N [--progress FILE]

Cycles through SRC's records ({"id", "source"?, "title"?, "text"}) until N lines are
written. Copy k of record "x" gets the id "x#k" so ids stay unique; source, title and
text are unchanged. With --progress, the number of records written so far is
stored in FILE (overwritten in place every 1,000 records and at the end), so
a sampler can tell how far a stream has got. Standard library only.
"""
import json
import os
import sys


def main(argv):
    args = list(argv[1:])
    progress = None
    if "--progress" in args:
        i = args.index("--progress")
        if i + 1 >= len(args):
            sys.exit("replicate.py: --progress needs a FILE")
        progress = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    src, n = args[0], int(args[1])

    recs = []  # (id, serialised rest of the object after the id)
    with open(src, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            rest = {k: o[k] for k in ("source", "title", "text") if k in o}
            tail = json.dumps(rest, ensure_ascii=False)[1:]  # '"title": ..., "text": ...}'
            recs.append((str(o.get("id", len(recs))), tail))
    if not recs:
        sys.exit("replicate.py: no records in " + src)

    out = sys.stdout.buffer
    pfd = os.open(progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if progress else None

    def report(k):
        if pfd is not None:
            b = b"%d\n" % k
            os.ftruncate(pfd, 0)
            os.pwrite(pfd, b, 0)

    m = len(recs)
    try:
        for k in range(n):
            rid, tail = recs[k % m]
            sep = ", " if tail != "}" else ""
            out.write(('{"id": ' + json.dumps(rid + "#" + str(k // m), ensure_ascii=False)
                       + sep + tail + "\n").encode("utf-8"))
            if pfd is not None and k % 1000 == 999:
                report(k + 1)
        out.flush()
    except BrokenPipeError:
        sys.stderr.write("replicate.py: reader closed the stream early\n")
        return 1
    report(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
