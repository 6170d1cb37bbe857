# Sourced by the CLI error tests: `expect STATUS DESCRIPTION -- ARGS...` runs
# "$TTQ" ARGS and checks the exit status, and that a failure printed exactly one
# line on stderr. Counts into $pass / $fail; scratch files go to $tmp.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

expect() {
  local want=$1 what=$2; shift 3
  "$TTQ" "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$got" = "$want" ] && { [ "$want" = 0 ] || [ "$lines" = 1 ]; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: $what: status $got (want $want), $lines stderr lines:"; cat "$tmp/err"
  fi
}
