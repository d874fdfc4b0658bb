#!/usr/bin/env bash
# The public API boundary of libdnncrit (README "Using the library").
#
#   check_exports.sh LIBDNNCRIT_SO INCLUDE_DIR
#
# 1. the shared library exports dnc_ names only (the library is compiled
#    with -fvisibility=hidden; include/dnncrit/export.h makes what public
#    headers declare visible), and each of them is declared in a public
#    header: nothing internal (src/<layer>/*.h) leaks out;
# 2. every function a public header declares is exported (a definition
#    that misses its header would be hidden);
# 3. the umbrella header include/dnncrit.h includes every public header.
set -euo pipefail
lib=$1 inc=$2
bad=0

exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u)
[ -n "$exported" ] || { echo "check_exports: $lib exports nothing" >&2; exit 1; }

# Names the public headers declare, comments stripped: every line at file
# scope of the form "type dnc_name(" (functions; no typedefs) or
# "extern type dnc_name;" / "extern type dnc_name[...];" (variables).
declared=$(for h in "$inc"/dnncrit/*.h; do
    gcc -fpreprocessed -dD -E -P -x c "$h" 2>/dev/null
  done | grep -v '^typedef' | sed -n \
    -e 's/^extern [A-Za-z0-9_ *]*[ *]\(dnc_[a-z0-9_]*\)\(\[.*\]\)\{0,1\};.*/\1/p' \
    -e 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\(dnc_[a-z0-9_]*\)(.*/\1/p' | sort -u)

while read -r sym; do
  case "$sym" in
    dnc_*) ;;
    *) echo "check_exports: $lib exports $sym, not a dnc_ name" >&2; bad=1; continue ;;
  esac
  if ! grep -qx "$sym" <<<"$declared"; then
    echo "check_exports: $lib exports $sym, which no public header declares (internal?)" >&2
    bad=1
  fi
done <<<"$exported"

while read -r sym; do
  if ! grep -qx "$sym" <<<"$exported"; then
    echo "check_exports: $sym is declared in a public header but not exported by $lib" >&2
    bad=1
  fi
done <<<"$declared"

for h in "$inc"/dnncrit/*.h; do
  name=dnncrit/$(basename "$h")
  if ! grep -q "^#include \"$name\"" "$inc/dnncrit.h"; then
    echo "check_exports: the umbrella header $inc/dnncrit.h does not include $name" >&2
    bad=1
  fi
done

[ "$bad" = 0 ] && echo "check_exports: $(wc -l <<<"$exported") dnc_ symbols exported, all declared in public headers"
exit $bad
