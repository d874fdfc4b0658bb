#!/usr/bin/env bash
# Builds a git ref of this repository out of tree and prints the path of its dnncrit binary.
#
#   bench/behaviour/baseline.sh [REF]        # REF defaults to main
#   bench/behaviour/compare.sh "$(bench/behaviour/baseline.sh HEAD~5)" build/dnncrit
#
# The ref's tree is exported with `git archive` (the working tree and its build are not
# touched) into ${DNNCRIT_BASELINE_DIR:-${TMPDIR:-/tmp}}/dnncrit-baseline-<commit>/src and
# built there in build/ (Release, no tests, -j${DNNCRIT_BASELINE_JOBS:-2}). A finished build of
# the same commit is reused. Build output goes to stderr (and build.log); stdout is only the
# binary's path, so the script can be used inside $(...). Exit status 1 if the build fails.
set -euo pipefail

ref=${1:-main}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}") || {
    echo "baseline.sh: '$ref' is not a commit of $repo" >&2
    exit 1
}
root=${DNNCRIT_BASELINE_DIR:-${TMPDIR:-/tmp}}/dnncrit-baseline-$commit
bin=$root/build/dnncrit
jobs=${DNNCRIT_BASELINE_JOBS:-2}

if [ -x "$bin" ] && [ -f "$root/build.ok" ]; then
    echo "baseline.sh: reusing the build of $ref ($commit) in $root" >&2
    echo "$bin"
    exit 0
fi

echo "baseline.sh: building $ref ($commit) in $root" >&2
rm -rf "$root"
mkdir -p "$root/src"
git -C "$repo" archive --format=tar "$commit" | tar -x -C "$root/src"

opts=(-DCMAKE_BUILD_TYPE=Release)
# DNNCRIT_BUILD_TESTS exists in CMakeLists.txt since the test suite became optional; older
# refs without it simply build their tests too.
if grep -q 'DNNCRIT_BUILD_TESTS' "$root/src/CMakeLists.txt"; then
    opts+=(-DDNNCRIT_BUILD_TESTS=OFF)
fi
# only the CLI when its target (dnncrit_cli, output name dnncrit) exists, else everything
build_cli() {
    local target=()
    if cmake --build "$root/build" --target help 2>/dev/null | grep -q 'dnncrit_cli'; then
        target=(--target dnncrit_cli)
    fi
    cmake --build "$root/build" -j"$jobs" "${target[@]}"
}
if ! { cmake -S "$root/src" -B "$root/build" "${opts[@]}" && build_cli; } >"$root/build.log" 2>&1; then
    tail -n 30 "$root/build.log" >&2
    echo "baseline.sh: the build of $ref failed (log: $root/build.log)" >&2
    exit 1
fi
[ -x "$bin" ] || { echo "baseline.sh: no dnncrit binary in $root/build" >&2; exit 1; }
touch "$root/build.ok"
echo "baseline.sh: built $bin" >&2
echo "$bin"
