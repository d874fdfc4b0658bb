#!/usr/bin/env bash
# Man pages and bash completion of the dnncrit CLI, generated from its --help.
#
#   gen_cli_docs.sh DNNCRIT_BIN OUT_DIR VERSION [HELP2MAN]
#
# OUT_DIR/man1/dnncrit.1 and dnncrit-<command>.1 (with HELP2MAN only), and
# OUT_DIR/completion/dnncrit: the subcommands after "dnncrit", each one's
# options after "dnncrit <command>", file names otherwise.
set -euo pipefail
bin=$1 out=$2 version=$3 help2man=${4:-}

# "  name   description" lines of the "commands:" block of dnncrit --help
commands() {
  "$bin" --help | sed -n '/^commands:/,$s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}
description() {
  "$bin" --help | sed -n "s/^  $1  *//p"
}
# "  --name ARG   description" lines of dnncrit COMMAND --help (not the deprecated spellings)
options() {
  "$bin" "$1" --help | grep -v deprecated | sed -n 's/^  \(--[A-Za-z0-9_-]*\).*/\1/p'
}

gen_man() {
  local wrappers=$out/wrappers cmd see_also
  rm -rf "$out/man1" "$wrappers"
  mkdir -p "$out/man1" "$wrappers"
  see_also=$(commands | sed 's/.*/.BR dnncrit-& (1)/' | paste -sd '\n' -)
  printf '[SEE ALSO]\n%s\n' "$(sed 's/$/,/;$s/,$//' <<<"$see_also")" >"$wrappers/main.h2m"
  printf '[SEE ALSO]\n.BR dnncrit (1)\n' >"$wrappers/sub.h2m"
  "$help2man" --no-info --no-discard-stderr --version-string="$version" \
    --name="deep networks as systems at an absorbing phase transition" \
    --source="dnncrit $version" --manual="dnncrit manual" --include="$wrappers/main.h2m" \
    --output="$out/man1/dnncrit.1" "$bin"
  for cmd in $(commands); do
    # help2man names a page after its program: dnncrit-<command> runs "dnncrit <command>"
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$bin" "$cmd" >"$wrappers/dnncrit-$cmd"
    chmod +x "$wrappers/dnncrit-$cmd"
    "$help2man" --no-info --no-discard-stderr --version-string="$version" \
      --name="$(description "$cmd")" --source="dnncrit $version" --manual="dnncrit manual" \
      --include="$wrappers/sub.h2m" --output="$out/man1/dnncrit-$cmd.1" "$wrappers/dnncrit-$cmd"
  done
  rm -rf "$wrappers"
}

gen_completion() {
  local cmd f=$out/completion/dnncrit
  mkdir -p "$out/completion"
  {
    echo "# bash completion for dnncrit $version (generated from its --help by cmake/gen_cli_docs.sh)"
    echo "_dnncrit()"
    echo "{"
    echo '    local cur=${COMP_WORDS[COMP_CWORD]} words'
    echo '    if [ "$COMP_CWORD" -eq 1 ]; then'
    echo "        words=\"--help --version $(commands | paste -sd ' ' -)\""
    echo '    elif [[ $cur == -* ]]; then'
    echo '        case ${COMP_WORDS[1]} in'
    for cmd in $(commands); do
      echo "        $cmd) words=\"$(options "$cmd" | paste -sd ' ' -)\" ;;"
    done
    echo '        *) return ;;'
    echo '        esac'
    echo '    else'
    echo '        return # file names (complete -o default)'
    echo '    fi'
    echo '    COMPREPLY=($(compgen -W "$words" -- "$cur"))'
    echo "}"
    echo "complete -o default -F _dnncrit dnncrit"
  } >"$f.tmp"
  mv "$f.tmp" "$f"
}

mkdir -p "$out"
gen_completion
if [ -n "$help2man" ]; then
  gen_man
fi
