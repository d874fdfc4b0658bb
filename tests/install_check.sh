#!/usr/bin/env bash
# cmake --install into a temporary prefix, then use it as a user would:
#   - every promised file is there, and no internal header;
#   - examples/api_example.c builds with `pkg-config --cflags --libs dnncrit`
#     only (shared library) and runs; the same with --static and no .so
#     (Requires.private, Libs.private) gives the same output;
#   - the umbrella header compiles, links and runs as C++ (extern "C"), and
#     compiles without cJSON's headers;
#   - the man pages (when help2man is installed) and the bash completion work;
#   - the Python module imports from the prefix (no PYTHONPATH into the source
#     tree, no DNNCRIT_LIB) and finds the installed library;
#   - the README shows examples/api_example.c as it is.
#
#   install_check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_check: $*" >&2; exit 1; }
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
  cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

pc=$(find "$prefix" -name dnncrit.pc)
[ -n "$pc" ] || fail "no dnncrit.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in bin/dnncrit bin/dnncrit-powerlaw include/dnncrit.h include/dnncrit/version.h include/dnncrit/export.h \
         share/bash-completion/completions/dnncrit; do
  [ -f "$prefix/$f" ] || fail "$f not installed"
done
"$prefix/bin/dnncrit-powerlaw" --version | grep -q "^dnncrit-powerlaw " ||
  fail "the installed dnncrit-powerlaw does not run"
for f in libdnncrit.a libdnncrit.so; do [ -e "$libdir/$f" ] || fail "$libdir/$f not installed"; done
soname=$(readelf -d "$libdir/libdnncrit.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ -f "$libdir/$soname" ] || fail "no $soname (the soname of libdnncrit.so) installed"

# The public headers are exactly include/dnncrit/*.h and the generated version.h.
expected=$( (cd "$src/include/dnncrit" && ls -- *.h; echo version.h) | sort)
installed=$(cd "$prefix/include/dnncrit" && ls | sort)
[ "$expected" = "$installed" ] || fail "installed headers differ from include/dnncrit:
$(diff <(echo "$expected") <(echo "$installed") || true)"

export PKG_CONFIG_PATH=$libdir/pkgconfig
cflags=$(pkg-config --cflags dnncrit)
warn=(-Wall -Wextra -Wpedantic -Werror)

# C, shared library
# shellcheck disable=SC2046 # pkg-config output is a list of words
cc -std=c17 "${warn[@]}" "$src/examples/api_example.c" -o "$tmp/api_shared" \
  $(pkg-config --cflags --libs dnncrit)
readelf -d "$tmp/api_shared" | grep -q "NEEDED.*libdnncrit.so" ||
  fail "api_example does not use libdnncrit.so"
LD_LIBRARY_PATH=$libdir "$tmp/api_shared" >"$tmp/shared.out" || fail "api_example (shared) failed"
grep -q "sigma_w\* = 1\.[0-9]" "$tmp/shared.out" || fail "unexpected output: $(cat "$tmp/shared.out")"

# C, static library: a copy of the prefix without the shared library
cp -a "$prefix" "$tmp/static"
rm -f "$tmp/static/${libdir#"$prefix"/}"/libdnncrit.so*
# shellcheck disable=SC2046
cc -std=c17 "${warn[@]}" "$src/examples/api_example.c" -o "$tmp/api_static" \
  $(PKG_CONFIG_PATH=$tmp/static/${libdir#"$prefix"/}/pkgconfig pkg-config --cflags --libs --static dnncrit)
! readelf -d "$tmp/api_static" | grep -q "NEEDED.*libdnncrit" || fail "api_static needs libdnncrit.so"
"$tmp/api_static" >"$tmp/static.out" || fail "api_example (static) failed"
cmp -s "$tmp/shared.out" "$tmp/static.out" || fail "static and shared builds print different numbers"

# C++: the umbrella header declares extern "C" functions (links) and compiles
# under -Wpedantic
cat >"$tmp/api.cpp" <<'CPP'
#include <dnncrit.h>
#include <cstdio>
int main()
{
    double sigma_w = 0;
    if (dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.3, &sigma_w) != DNC_OK) return 1;
    std::printf("%s %.6f\n", dnc_activation_name(DNC_ACT_TANH), sigma_w);
    return 0;
}
CPP
# shellcheck disable=SC2046
g++ -std=c++17 "${warn[@]}" "$tmp/api.cpp" -o "$tmp/api_cpp" $(pkg-config --cflags --libs dnncrit)
LD_LIBRARY_PATH=$libdir "$tmp/api_cpp" >"$tmp/cpp.out" || fail "the C++ program failed"
grep -q "^tanh 1\.[0-9]" "$tmp/cpp.out" || fail "unexpected C++ output: $(cat "$tmp/cpp.out")"

# The public headers need no cJSON: the umbrella does not include it.
# shellcheck disable=SC2086
if cc -std=c17 -M $cflags -x c - <<<'#include <dnncrit.h>' | grep -q cJSON; then
  fail "the umbrella header includes cJSON"
fi

# Man pages: one per subcommand, readable by man.
commands=$("$prefix/bin/dnncrit" --help | sed -n '/^commands:/,$s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
if command -v help2man >/dev/null; then
  man1=$prefix/share/man/man1
  [ -f "$man1/dnncrit.1" ] || fail "no dnncrit.1"
  for c in $commands; do [ -f "$man1/dnncrit-$c.1" ] || fail "no man page dnncrit-$c.1"; done
  if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$man1/dnncrit-propagate.1" 2>/dev/null | grep -q -- "--sigma-w" ||
      fail "dnncrit-propagate.1 does not show --sigma-w"
  fi
else
  echo "install_check: help2man not installed, man pages not checked"
fi

# Bash completion: subcommands, then a subcommand's options.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dnncrit
           echo "${COMPREPLY[*]}"' _ "$prefix/share/bash-completion/completions/dnncrit" "$@"
}
[ "$(complete_words dnncrit prop)" = propagate ] || fail "completion of 'dnncrit prop'"
[ "$(complete_words dnncrit propagate --sigma-)" = "--sigma-w --sigma-b" ] ||
  fail "completion of 'dnncrit propagate --sigma-': $(complete_words dnncrit propagate --sigma-)"

# The Python module, as installed (when /usr/bin/python3 with numpy is there).
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  pkg=$(find "$prefix" -path '*dist-packages/dnncrit/__init__.py' | head -1)
  [ -n "$pkg" ] || fail "the Python package was not installed"
  [ -f "$(dirname "$pkg")/_paths.py" ] || fail "the Python package has no _paths.py"
  pyout=$(cd "$tmp" && env -u DNNCRIT_LIB PYTHONPATH="$(dirname "$(dirname "$pkg")")" \
    /usr/bin/python3 -c 'import dnncrit; print(dnncrit.version(), round(dnncrit.critical_sigma_w("tanh"), 6))') ||
    fail "import dnncrit from the prefix failed"
  [ "$pyout" = "$(cat "$build/generated/dnncrit/version.h" | sed -n 's/.*VERSION "\(.*\)"/\1/p') 1.0" ] ||
    fail "unexpected output of the installed Python module: $pyout"
fi

# The README shows examples/api_example.c as it is.
readme_copy=$(awk '/examples\/api_example\.c`:$/ {f = 1; next} f && /^```c$/ {p = 1; next}
                   p && /^```$/ {exit} p' "$src/README.md")
[ "$readme_copy" = "$(cat "$src/examples/api_example.c")" ] ||
  fail "README's copy of examples/api_example.c differs from the file"

echo "install_check: OK ($prefix: shared, static and C++ builds of the API, $(wc -w <<<"$commands") subcommands)"
cat "$tmp/shared.out"
