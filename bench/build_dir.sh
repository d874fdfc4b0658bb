# Sourced by the bench/run_*.sh scripts before they cd to the repository:
#   build=$(dnc_build_dir "$1" build)
# The build folder as an absolute path: BUILD_DIR as given (relative to
# where the script was started), or the repository's DEFAULT folder. The
# repository itself is refused, since configuring there would write CMake's
# files among the sources (an in-source build).
dnc_build_dir() {
  local repo given
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  given=${1:-$repo/$2}
  mkdir -p "$given"
  given=$(cd "$given" && pwd -P)
  if [ "$given" = "$repo" ]; then
    echo "$(basename "$0"): BUILD_DIR is the source folder; give a build folder such as build" >&2
    exit 2
  fi
  echo "$given"
}
