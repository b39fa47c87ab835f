# bench/common.sh — shared helpers for bench/throughput, bench/soak and bench/train-time (sourced, not run).
#
# Sets ROOT (the repo root, found from this file's location, never hard-coded),
# SHARED (../shared relative to ROOT), the data paths, and provides:
#   bench_die MSG            print "bench: MSG" on stderr and exit 1
#   bench_log MSG            progress message on stderr (stdout stays for results)
#   bench_check_data         fail clearly if ../shared or a data file is missing
#   bench_build              make -s (builds bin/ only if something changed)
#   bench_pick_python        set PY to a python3 that can import sklearn
#   bench_ensure_model DIR   set MODEL to a topic bundle: BENCH_MODELS if set, else a
#                            copy in DIR of models/topic if it has manifest.json (and
#                            BENCH_TRAIN is not 1), else train one into DIR/topic
#                            with the shipped topic settings (sets TRAIN_SECONDS)
#   bench_bg CMD...          run CMD as a child that bench_kill_child stops
#   bench_abs PATH           PATH made absolute against the caller's directory

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
# Paths the caller gives are the caller's: made absolute before moving to the root.
bench_abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
[ -n "${BENCH_MODELS:-}" ] && BENCH_MODELS=$(bench_abs "$BENCH_MODELS")
[ -n "${TMPDIR:-}" ] && TMPDIR=$(bench_abs "$TMPDIR")
case "${PYTHON:-}" in */*) PYTHON=$(bench_abs "$PYTHON") ;; esac
cd "$ROOT" || exit 1
SHARED="$ROOT/../shared"
TRAIN0="$SHARED/corpora/ant_multisource/train-00.jsonl"
TRAIN1="$SHARED/corpora/ant_multisource/train-01.jsonl"
EVAL="$SHARED/eval/ant_multisource-test.jsonl"
NCPU=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
TRAIN_SECONDS=""

bench_die() { echo "bench: $*" >&2; exit 1; }
# bench_ints NAME=VALUE...: each a whole number of at most 9 digits (the
# shell's test would fail on a longer one with a message of its own)
bench_ints() {
    local kv name value
    for kv in "$@"; do
        name=${kv%%=*} value=${kv#*=}
        case $value in '' | *[!0-9]*) bench_die "$name must be a whole number (got '$value')" ;; esac
        [ ${#value} -le 9 ] || bench_die "$name is too large ($value)"
    done
}
bench_log() { echo "bench: $*" >&2; }

# Runs a long command as a child the script can stop: killed with the script
# (bench_kill_child, from its EXIT trap) rather than left running, as a child
# the shell waits on in the foreground would be.  /usr/bin/time's own child
# goes with it.
BENCH_CHILD=""
bench_bg() {
    "$@" &
    BENCH_CHILD=$!
    local rc=0
    wait "$BENCH_CHILD" || rc=$?
    BENCH_CHILD=""
    return "$rc"
}
bench_kill_child() {
    [ -n "$BENCH_CHILD" ] || return 0
    pkill -TERM -P "$BENCH_CHILD" 2>/dev/null || true
    kill -TERM "$BENCH_CHILD" 2>/dev/null || true
}

bench_check_data() {
    [ -d "$SHARED" ] || bench_die "data directory ../shared (next to the repo root) is missing; it must hold corpora/ant_multisource/train-00.jsonl, train-01.jsonl and eval/ant_multisource-test.jsonl"
    local f
    for f in "$TRAIN0" "$TRAIN1" "$EVAL"; do
        [ -r "$f" ] || bench_die "missing data file ../shared/${f#"$SHARED"/}"
    done
    [ -x /usr/bin/time ] || bench_die "/usr/bin/time (GNU time) is missing: apt-get install time"
}

bench_build() {
    make -s bin/mizan-train bin/mizan-classify >&2 || bench_die "make failed"
    [ -x bin/mizan-classify ] && [ -x bin/mizan-train ] || bench_die "bin/mizan-classify or bin/mizan-train not built"
}

# A python3 with scikit-learn. Tries $PYTHON, python3 on PATH, then the system
# interpreter (python3-sklearn is a Debian package, so it lives there even when
# PATH's python3 is a pyenv/venv one). Installs python3-sklearn only as root.
bench_pick_python() {
    local c
    for c in ${PYTHON:+"$PYTHON"} python3 /usr/bin/python3; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sklearn' >/dev/null 2>&1; then
            PY=$c; return 0
        fi
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        bench_log "scikit-learn not importable; installing python3-sklearn"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn >&2 \
            || bench_die "apt-get install python3-sklearn failed"
        for c in python3 /usr/bin/python3; do
            if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sklearn' >/dev/null 2>&1; then
                PY=$c; return 0
            fi
        done
    fi
    bench_die "missing: scikit-learn for python3 (install the Debian package python3-sklearn as root, or set PYTHON=/path/to/python3 with sklearn)"
}

bench_ensure_model() {
    local tmp=$1
    if [ -n "${BENCH_MODELS:-}" ]; then
        [ -d "$BENCH_MODELS" ] || bench_die "BENCH_MODELS=$BENCH_MODELS is not a directory"
        MODEL=$BENCH_MODELS
    elif [ "${BENCH_TRAIN:-0}" != 1 ] && [ -f models/topic/manifest.json ]; then
        # Snapshot it, so a concurrent `make models` cannot change it mid-benchmark.
        cp -R models/topic "$tmp/topic" || bench_die "cannot copy models/topic"
        [ -f "$tmp/topic/manifest.json" ] || bench_die "models/topic changed while being copied; run again"
        MODEL=$tmp/topic
        bench_log "model: models/topic (snapshot)"
        return 0
    else
        bench_log "training a topic model into a temp dir (no models/topic bundle, or BENCH_TRAIN=1)"
        # the shipped topic model's settings (the Makefile's models target)
        bench_bg /usr/bin/time -f '%e' -o "$tmp/train.time" \
            bin/mizan-train --corpus "$TRAIN0" --corpus "$TRAIN1" --out "$tmp/topic" --max-features 90000 \
                --punct --class-weight balanced --C 0.25 --source-field source --quiet >&2 \
            || bench_die "mizan-train failed"
        TRAIN_SECONDS=$(tail -n 1 "$tmp/train.time")
        MODEL=$tmp/topic
    fi
    bench_log "model: $MODEL"
}
