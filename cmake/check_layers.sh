#!/usr/bin/env bash
# The layer rule of src/ (docs/ARCHITECTURE.md): a layer uses only itself
# and the layers below it. Layers, bottom to top (analysis and train side
# by side: neither uses the other), and what each may use:
# The rule comes from src/CMakeLists.txt (dnc_add_layer ... BELOW ...) as
# arguments LAYER=LOWER,LOWER,... (one per layer, bottom to top), so that it
# is written once.
declare -A MAY_USE=()
LAYERS=()
read_rule() { # LAYER=LOWER,... -> LAYERS, MAY_USE
  local layer=${1%%=*} below=${1#*=}
  LAYERS+=("$layer")
  MAY_USE[$layer]="$layer ${below//,/ }"
}
#
#   check_layers.sh includes SOURCE_DIR RULE...
#       every #include "..." in src/<layer>/ names a header of its own layer
#       or one below: an internal header by its layer path ("core/hd.h"),
#       a public one (include/dnncrit/<module>.h) through the layer of the
#       src/<layer>/<module>.c that implements it. The library includes
#       nothing from cli/. Run at build time.
#   check_layers.sh symbols RULE... -- LAYER=OBJ:OBJ:... ...
#       every dnc_ symbol an object of a layer uses is defined in that layer
#       or one below, and no two modules use each other, directly or through
#       others (tsort finds the loops). Run as the test layer_check.
set -euo pipefail

rank_of() { # layer name -> its index in LAYERS, or empty
  local i
  for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$1" ] && echo "$i" && return; done
}

may_use() { # may_use LAYER TARGET: whether LAYER may use TARGET
  case " ${MAY_USE[$1]:-} " in *" $2 "*) return 0 ;; esac
  return 1
}

module_name() { # build/.../engines/propagate.c.o -> propagate
  local m
  m=$(basename "$1")
  echo "${m%%.*}"
}

check_includes() {
  local src="$1/src" bad=0 file layer rank inc target trank module impl
  declare -A module_layer=()
  for file in "$src"/*/*.c "$src"/*/*.h; do
    module=$(basename "${file%.*}")
    module_layer[$module]=$(basename "$(dirname "$file")")
  done
  while IFS= read -r file; do
    layer=${file#"$src"/}; layer=${layer%%/*}
    rank=$(rank_of "$layer")
    if [ -z "$rank" ]; then
      echo "check_layers: $file is in no layer (src/ holds only the layer folders ${LAYERS[*]})" >&2
      bad=1; continue
    fi
    while IFS= read -r inc; do
      case "$inc" in
        dnncrit/version.h) continue ;;
        dnncrit/*) module=$(basename "${inc%.h}"); target=${module_layer[$module]:-} ;;
        */*) target=${inc%%/*} ;;
        *) [ -e "$(dirname "$file")/$inc" ] && continue
           echo "check_layers: $file includes \"$inc\", which is no library header" >&2
           bad=1; continue ;;
      esac
      [ -z "$target" ] && continue # a public header without a .c (types only)
      if ! may_use "$layer" "$target"; then
        echo "check_layers: $file ($layer) includes \"$inc\" of layer ${target}, which it may not use" >&2
        bad=1
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' -o -name '*.cu' -o -name '*.inc' \) | sort)
  return $bad
}

check_symbols() {
  local bad=0 arg layer objs rank sym owner
  declare -A defined_in=() module_of=()
  declare -A layer_objs=()
  local pairs=""
  for arg in "$@"; do
    layer=${arg%%=*}; objs=${arg#*=}
    layer_objs[$layer]=$objs
    while read -r o sym; do defined_in[$sym]=$layer; module_of[$sym]=$o; done < <(
      IFS=:; for o in $objs; do
        nm -g --defined-only "$o" | awk -v o="$(module_name "$o")" '$3 ~ /^dnc_/ {print o, $3}'
      done)
  done
  for layer in "${!layer_objs[@]}"; do
    rank=$(rank_of "$layer")
    while read -r o sym; do
      owner=${defined_in[$sym]:-}
      [ -z "$owner" ] && continue
      [ "${module_of[$sym]}" != "$(module_name "$o")" ] &&
        pairs+="$(module_name "$o") ${module_of[$sym]}"$'\n'
      if ! may_use "$layer" "$owner"; then
        echo "check_layers: $(basename "$o") ($layer) uses $sym of layer $owner, which it may not use" >&2
        bad=1
      fi
    done < <(IFS=:; for o in ${layer_objs[$layer]}; do
               nm -u "$o" | awk -v o="$o" '$2 ~ /^dnc_/ {print o, $2}'; done)
  done
  if ! printf '%s' "$pairs" | sort -u | tsort >/dev/null 2>"${TMPDIR:-/tmp}/layer_check.$$"; then
    echo "check_layers: modules that use each other (a cycle):" >&2
    grep -v 'input contains a loop' "${TMPDIR:-/tmp}/layer_check.$$" | sed 's/^tsort: /  /' >&2
    bad=1
  fi
  rm -f "${TMPDIR:-/tmp}/layer_check.$$"
  [ $bad = 0 ] && echo "layer_check: every layer uses only itself and the layers below (${LAYERS[*]})"
  return $bad
}

usage() {
  echo "usage: $0 includes SOURCE_DIR LAYER=BELOW,... ... | symbols LAYER=BELOW,... ... -- LAYER=OBJ:OBJ..." >&2
  exit 2
}
mode=${1:-}
[ $# -ge 2 ] || usage
shift
case "$mode" in
  includes) dir=$1; shift; for r in "$@"; do read_rule "$r"; done; check_includes "$dir" ;;
  symbols)
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do read_rule "$1"; shift; done
    [ $# -gt 0 ] || usage
    shift; check_symbols "$@" ;;
  *) usage ;;
esac
