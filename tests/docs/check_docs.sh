#!/usr/bin/env bash
# Checks that the man pages render cleanly and document what is implemented.
#
#   bash tests/docs/check_docs.sh BVLIVE_BINARY SOURCE_DIR
#
# Fails (exit 1, naming each problem) when:
#   - man/bvlive.1, man/bvlived.8 or man/bvlived.toml.5 makes groff (or man) warn;
#   - a subcommand listed by `bvlive --help` has no subsection in bvlive.1's COMMANDS,
#     or an option shown by `bvlive [COMMAND] --help` is not mentioned in bvlive.1;
#   - a config key (the uncommented keys of the tables of share/bvlived.toml, the [[live]]
#     keys listed in its comments, and every key `bvlived --config-keys` prints) has no
#     entry in its section of bvlived.toml.5, or a table has no section there;
#   - an exit code of bvlive (0 1 2 3 4 69, and any in `bvlive --help`) is missing from
#     bvlive.1's EXIT STATUS, or one of bvlived (0 1 2 78, and any in `bvlived --help`
#     when the binary sits beside bvlive's build dir) from bvlived.8's EXIT STATUS;
#   - a JSON-RPC method of daemon/rpc_methods.cpp is not named in bvlived.8.
# Exit 2 on bad usage.
set -uo pipefail

if (($# != 2)); then
  echo "usage: $0 BVLIVE_BINARY SOURCE_DIR" >&2
  exit 2
fi
bvlive=$1
src=$2
man_dir=$src/man
pages=("$man_dir/bvlive.1" "$man_dir/bvlived.8" "$man_dir/bvlived.toml.5")

failures=0
fail() {
  echo "check_docs: FAIL: $*" >&2
  failures=$((failures + 1))
}

[[ -x $bvlive ]] || { echo "check_docs: $bvlive is not an executable" >&2; exit 2; }
[[ -d $man_dir ]] || { echo "check_docs: $man_dir is not a directory" >&2; exit 2; }

# The text of section NAME (from its .SH line to the next .SH) of a man page source.
section() {
  local page=$1 name=$2
  awk -v name="$name" '
    /^\.SH[ \t]/ {
      title = $0
      sub(/^\.SH[ \t]+/, "", title)
      gsub(/"/, "", title)
      inside = (title == name)
      next
    }
    inside { print }
  ' "$page"
}

# A command-line option as it is written in roff: --foo-bar -> \-\-foo\-bar.
roff_option() { printf '%s' "$1" | sed 's/-/\\-/g'; }

# A man page source (on stdin) has a tagged paragraph for WORD: ".TP" then ".B WORD".
has_tp_entry() {
  awk -v word="$1" '
    prev ~ /^\.TP([ \t]|$)/ && $1 == ".B" && $2 == word && NF == 2 { found = 1 }
    { prev = $0 }
    END { exit !found }
  '
}

# ------------------------------------------------------------------ rendering
for page in "${pages[@]}"; do
  if [[ ! -f $page ]]; then
    fail "$page does not exist"
    continue
  fi
  if ! command -v groff >/dev/null; then
    fail "groff is not installed (apt-get install groff-base); cannot check $page"
    continue
  fi
  out=$(groff -man -ww -Tutf8 -z "$page" 2>&1)
  [[ -z $out ]] || fail "groff warns about $page:"$'\n'"$out"
  if command -v man >/dev/null; then
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $out ]] || fail "man --warnings warns about $page:"$'\n'"$out"
  fi
done

bvlive_1=$man_dir/bvlive.1
bvlived_8=$man_dir/bvlived.8
toml_5=$man_dir/bvlived.toml.5

# ------------------------------------------------------------------ bvlive(1): commands
if [[ -f $bvlive_1 ]]; then
  help=$("$bvlive" --help 2>&1) || fail "'$bvlive --help' exited non-zero"
  commands=$(printf '%s\n' "$help" | awk '
    /^Subcommands:/ { inside = 1; next }
    inside && /^[ \t]*$/ { exit }
    inside && match($0, /^[ \t]+[a-z][a-z0-9-]*/) { name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name); print name }
  ')
  [[ -n $commands ]] || fail "found no subcommands in '$bvlive --help'"
  commands_text=$(section "$bvlive_1" "COMMANDS")
  [[ -n $commands_text ]] || fail "bvlive.1 has no COMMANDS section"

  option_lines() {  # the option column of a CLI11 help text
    awk '/^[ \t]+-/ { print $1 }' | tr ',' '\n' | sed -n 's/^\(--*[A-Za-z][A-Za-z0-9-]*\).*/\1/p'
  }
  options=$(printf '%s\n' "$help" | option_lines)
  for cmd in $commands; do
    # A subsection per command: .SS "create [OPTIONS] ..." or .SS "rotate\-key ID".
    roff_cmd=$(roff_option "$cmd")
    if ! printf '%s\n' "$commands_text" | grep -Eq "^\.SS[[:blank:]]+\"?(bvlive )?$(printf '%s' "$roff_cmd" | sed 's/\\/\\\\/g')([ \"]|$)"; then
      fail "bvlive.1: command '$cmd' (from bvlive --help) has no .SS subsection in COMMANDS"
    fi
    sub_help=$("$bvlive" "$cmd" --help 2>&1) || fail "'$bvlive $cmd --help' exited non-zero"
    options+=$'\n'$(printf '%s\n' "$sub_help" | option_lines)
  done
  for opt in $(printf '%s\n' "$options" | sort -u); do
    roff=$(roff_option "$opt")
    if [[ $opt == --* ]]; then
      grep -Fq -- "$roff" "$bvlive_1" || fail "bvlive.1: option '$opt' (from --help) is not documented"
    else
      # A short option must not be matched inside a long one (\-q in \-\-quiet).
      grep -Eq -- "(^|[^\\-])$(printf '%s' "$roff" | sed 's/\\/\\\\/g')([^A-Za-z0-9\\]|$)" "$bvlive_1" ||
        fail "bvlive.1: option '$opt' (from --help) is not documented"
    fi
  done

  # ---------------------------------------------------------------- bvlive(1): exit codes
  codes="0 1 2 3 4 69 "$(printf '%s\n' "$help" | awk '
    /^Exit codes:/ { inside = 1; next }
    inside && /^[ \t]*$/ { exit }
    inside && match($0, /^[ \t]+[0-9]+[ \t]/) { code = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", code); print code }
  ')
  exit_text=$(section "$bvlive_1" "EXIT STATUS")
  [[ -n $exit_text ]] || fail "bvlive.1 has no EXIT STATUS section"
  for code in $(tr -s ' ' '\n' <<<"$codes" | sort -un); do
    printf '%s\n' "$exit_text" | has_tp_entry "$code" ||
      fail "bvlive.1: exit code $code is missing from EXIT STATUS (want a '.TP' entry '.B $code')"
  done
fi

# ------------------------------------------------------------------ bvlived(8)
if [[ -f $bvlived_8 ]]; then
  codes="0 1 2 78"
  bvlived=$(dirname "$bvlive")/../daemon/bvlived
  if [[ -x $bvlived ]]; then
    daemon_help=$("$bvlived" --help 2>&1) || fail "'$bvlived --help' exited non-zero"
    # "Exit status: 0 clean shutdown, 1 fatal error, 2 usage error, 78 bad config file."
    codes+=" "$(printf '%s\n' "$daemon_help" | sed -n 's/^Exit status: //p' | grep -Eo '(^|, )[0-9]+' | tr -d ', ')
    for opt in $(printf '%s\n' "$daemon_help" | awk '/^[ \t]+-/ { print $1 }' | tr ',' '\n' |
                 sed -n 's/^\(--*[A-Za-z][A-Za-z0-9-]*\).*/\1/p' | sort -u); do
      grep -Fq -- "$(roff_option "$opt")" "$bvlived_8" || fail "bvlived.8: option '$opt' (from bvlived --help) is not documented"
    done
  fi
  exit_text=$(section "$bvlived_8" "EXIT STATUS")
  [[ -n $exit_text ]] || fail "bvlived.8 has no EXIT STATUS section"
  for code in $(tr -s ' ' '\n' <<<"$codes" | sort -un); do
    printf '%s\n' "$exit_text" | has_tp_entry "$code" ||
      fail "bvlived.8: exit code $code is missing from EXIT STATUS (want a '.TP' entry '.B $code')"
  done
  methods_src=$src/daemon/rpc_methods.cpp
  if [[ -f $methods_src ]]; then
    for method in $(grep -Eo '\{"[a-z]+\.[a-z_]+",' "$methods_src" | tr -d '{",'); do
      grep -Fq -- "$method" "$bvlived_8" || fail "bvlived.8: JSON-RPC method '$method' (daemon/rpc_methods.cpp) is not documented"
    done
  fi
fi

# ------------------------------------------------------------------ bvlived.toml(5)
example=$src/share/bvlived.toml
if [[ -f $toml_5 ]]; then
  declare -A want=()  # "section key" -> where it came from
  if [[ -f $example ]]; then
    # Uncommented `key = value` lines of the sections (not [[live]]).
    while read -r sec key; do
      want["$sec $key"]=share/bvlived.toml
    done < <(awk '
      /^[ \t]*\[\[/ { sec = ""; next }
      /^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
      sec != "" && sec !~ /\./ && match($0, /^[ \t]*[a-z_]+[ \t]*=/) {
        key = substr($0, RSTART, RLENGTH); gsub(/[ \t=]/, "", key); print sec, key
      }
    ' "$example")
    # The [[live]] keys its comments list: "#   custom_id     required: ..." after "Keys:".
    while read -r key; do
      want["live $key"]=share/bvlived.toml
    done < <(awk '
      /^#.*\[\[live\]\].*Keys:/ { inside = 1; next }
      inside && /^#[ \t]*$/ { exit }
      inside && match($0, /^#   [a-z_]+  /) { key = substr($0, RSTART, RLENGTH); gsub(/[# \t]/, "", key); print key }
    ' "$example")
  else
    fail "$example does not exist"
  fi
  # Every key the loader reads, as the daemon itself lists them ("rtmp.port", "live.auto_start").
  bvlived=$(dirname "$bvlive")/../daemon/bvlived
  if [[ -x $bvlived ]]; then
    keys=$("$bvlived" --config-keys) || fail "'$bvlived --config-keys' exited non-zero"
    [[ -n $keys ]] || fail "'$bvlived --config-keys' printed nothing"
    while IFS=. read -r sec key; do
      [[ -n $sec && -n $key ]] && want["$sec $key"]="bvlived --config-keys"
    done <<<"$keys"
  else
    fail "no bvlived beside $bvlive to list the config keys"
  fi
  ((${#want[@]})) || fail "found no config keys to check"
  declare -A section_text=()
  for sec in $(printf '%s\n' "${!want[@]}" | cut -d' ' -f1 | sort -u | grep -vx live); do
    section_text[$sec]=$(section "$toml_5" "[$sec]")
    [[ -n ${section_text[$sec]} ]] || fail "bvlived.toml.5 has no [$sec] section"
  done
  section_text[live]=$(section "$toml_5" "[[live]]")
  [[ -n ${section_text[live]} ]] || fail "bvlived.toml.5 has no [[live]] section"
  for entry in "${!want[@]}"; do
    sec=${entry%% *} key=${entry#* }
    text=${section_text[$sec]}
    printf '%s\n' "$text" | has_tp_entry "$key" ||
      fail "bvlived.toml.5: key '$key' of [$sec] (from ${want[$entry]}) has no '.TP' entry '.B $key' in its section"
  done
fi

if ((failures)); then
  echo "check_docs: $failures problem(s)" >&2
  exit 1
fi
echo "check_docs: man pages render cleanly and document every command, option, key and exit code"
exit 0
