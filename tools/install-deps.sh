#!/bin/sh
# Installs the Debian packages dnncrit needs: tools/packages-build.txt, and
# with --ci also tools/packages-ci.txt (sanitizers, fuzzing, valgrind).
# Works as root (no sudo needed) and as a user with sudo.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lists="$here/packages-build.txt"
case "${1:-}" in
  --ci) lists="$lists $here/packages-ci.txt" ;;
  "") ;;
  *) echo "usage: $0 [--ci]" >&2; exit 2 ;;
esac
if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root=sudo
else
  echo "install-deps: not root and no sudo: run this script as root" >&2
  exit 1
fi
packages=$(cat $lists | sed 's/#.*//' | tr -s ' \n' ' ')
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $packages
