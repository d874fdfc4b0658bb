#!/usr/bin/env bash
# Behaviour comparison of two dnncrit binaries over a fixed command list.
#
#   bench/behaviour/compare.sh [options] OLD_BINARY NEW_BINARY
#   bench/behaviour/compare.sh [options] --self BINARY     # same binary twice: checks the masking
#
# Runs every line of commands.txt with each binary, in order, in a fresh work directory
# (cwd; the same absolute path for both binaries, so paths recorded in outputs match),
# records exit code, stdout, stderr and every file each line wrote, then compares
# (compare.py): exit codes equal, data files byte-identical, JSON identical after masking
# timing fields, stdout/stderr identical after masking timings. One line per command
# (ok / DIFF with reasons), then "N passed, M failed"; exit status 1 on any difference,
# 2 on a usage error.
#
# options:
#   --commands FILE   command list (default: commands.txt next to this script)
#   --only LIST       run only these command numbers (e.g. 3,10-12); later lines that read
#                     files of skipped lines will then fail the same way on both sides
#   --timeout S       per-command limit in seconds (default 60); a timeout gives exit code 124
#   --keep            keep the temporary directory (records and work directories)
#   --verbose         print every difference of a command, not only the first four
#
# Environment passed to each command (nothing else leaks in): PATH (with the binary under
# test first, as `dnncrit`), HOME, TMPDIR, LC_ALL=C, TZ=UTC, OMP_NUM_THREADS=1,
# OPENBLAS_NUM_THREADS=1, OUT=out, FIX=fixtures, DATA=$DNNCRIT_FMNIST (default
# /usr/share/datasets/fashion-mnist).
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
commands=$here/commands.txt
timeout_s=60
keep=0
verbose=
only=
self=0
bins=()

usage() {
    sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
        --commands) commands=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --timeout) timeout_s=${2:?}; shift 2 ;;
        --keep) keep=1; shift ;;
        --verbose) verbose=--verbose; shift ;;
        --self) self=1; shift ;;
        -h|--help) usage ;;
        -*) echo "compare.sh: unknown option $1" >&2; usage ;;
        *) bins+=("$1"); shift ;;
    esac
done
if [ $self = 1 ]; then
    [ ${#bins[@]} = 1 ] || usage
    bins+=("${bins[0]}")
fi
[ ${#bins[@]} = 2 ] || usage
for i in 0 1; do
    b=$(readlink -f -- "${bins[$i]}") || b=
    if [ -z "$b" ] || [ ! -x "$b" ] || [ -d "$b" ]; then
        echo "compare.sh: '${bins[$i]}' is not an executable file" >&2
        exit 2
    fi
    bins[i]=$b
done
[ -r "$commands" ] || { echo "compare.sh: cannot read $commands" >&2; exit 2; }
python=/usr/bin/python3
[ -x $python ] || python=python3

# in_only N: is command N selected by --only?
in_only() {
    [ -z "$only" ] && return 0
    local part lo hi parts
    IFS=, read -ra parts <<<"$only"
    for part in "${parts[@]}"; do
        lo=${part%-*}; hi=${part#*-}
        [ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ] && return 0
    done
    return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnncrit-behaviour.XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# the command list without comments and blank lines, numbered 1..N
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$commands" >"$tmp/list"
n=$(wc -l <"$tmp/list")
work=$tmp/work
data=${DNNCRIT_FMNIST:-/usr/share/datasets/fashion-mnist}

# snapshot DIR: every file with size and modification time (ns), sorted
snapshot() { (cd "$1" && find . -type f -printf '%P\t%s\t%T@\n' | LC_ALL=C sort); }

# run_all LABEL BINARY: run the list with BINARY, records in $tmp/rec-LABEL/<i>/
run_all() {
    local label=$1 bin=$2 rec=$tmp/rec-$1 i=0 line rc t0 t1
    rm -rf "${work:?}" "${tmp:?}/bin"
    mkdir -p "$work/out" "$tmp/bin" "$rec"
    cp -r "$here/fixtures" "$work/fixtures"
    ln -s "$bin" "$tmp/bin/dnncrit"
    local t_start t_end
    t_start=$(date +%s.%N)
    while IFS= read -r line; do
        i=$((i + 1))
        local d=$rec/$i
        mkdir -p "$d/files"
        if ! in_only $i; then echo skipped >"$d/rc"; continue; fi
        snapshot "$work" >"$tmp/before"
        t0=$(date +%s.%N)
        (cd "$work" && exec env -i PATH="$tmp/bin:/usr/local/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" \
            TMPDIR="${TMPDIR:-/tmp}" LC_ALL=C TZ=UTC OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
            OUT=out FIX=fixtures DATA="$data" \
            timeout -k 5 "$timeout_s" bash -c "$line") </dev/null >"$d/stdout" 2>"$d/stderr"
        rc=$?
        t1=$(date +%s.%N)
        echo $rc >"$d/rc"
        echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >"$d/seconds"
        snapshot "$work" >"$tmp/after"
        # written = new or changed (size or mtime) files; deleted = gone
        LC_ALL=C comm -13 "$tmp/before" "$tmp/after" | cut -f1 | while IFS= read -r f; do
            mkdir -p "$d/files/$(dirname "$f")"
            cp -p "$work/$f" "$d/files/$f"
        done
        cut -f1 "$tmp/before" >"$tmp/before.names"
        cut -f1 "$tmp/after" >"$tmp/after.names"
        LC_ALL=C comm -23 "$tmp/before.names" "$tmp/after.names" >"$d/deleted"
        [ -t 2 ] && printf '\r  %s: %d/%d' "$label" "$i" "$n" >&2
    done <"$tmp/list"
    t_end=$(date +%s.%N)
    [ -t 2 ] && printf '\r' >&2
    printf '  %s: %d commands in %s s\n' "$label" "$n" \
        "$(echo "$t_start $t_end" | awk '{printf "%.1f", $2 - $1}')" >&2
    mv "$work" "$tmp/work-$label"
}

echo "behaviour comparison: $n commands from $commands" >&2
echo "  OLD: ${bins[0]}" >&2
echo "  NEW: ${bins[1]}" >&2
t_all=$(date +%s.%N)
run_all old "${bins[0]}"
run_all new "${bins[1]}"
$python "$here/compare.py" "$tmp/rec-old" "$tmp/rec-new" "$tmp/list" $verbose
status=$?
echo "total $(echo "$t_all $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}') s" >&2
exit $status
