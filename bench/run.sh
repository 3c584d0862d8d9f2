#!/usr/bin/env bash
# Benchmark harness: runs the Go engine (longhaul flow solve), LEMON's
# NetworkSimplex and CostScaling, and NetworkX's network_simplex on the same
# generated DIMACS instances and prints a Markdown table. See bench/README.md.
#
#   bash bench/run.sh [--sizes 1k,10k,100k,1M] [--kinds netgen,planner]
#                     [--reps 3] [--seed 1] [--solvers go,lemon,networkx]
#                     [--timeout 1200] [--networkx-force] [--networkx-max-arcs N]
#                     [--workdir DIR] [--out FILE] [--no-install]
#
# Exit status: 0 all good; 1 some optimal costs DISAGREE; 2 a solver failed or
# timed out (and none disagreed); 64 bad usage.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD="$HERE/build"

SIZES=${SIZES:-1k,10k,100k,1M}
KINDS=${KINDS:-netgen,planner}
REPS=${REPS:-3}
SEED=${SEED:-1}
SOLVERS=${SOLVERS:-go,lemon,networkx}
TIMEOUT=${TIMEOUT:-1200}
NX_FORCE=${NX_FORCE:-0}
NX_MAX_ARCS=${NX_MAX_ARCS:-100000}
WORKDIR=${WORKDIR:-}
OUT=${OUT:-}
INSTALL=${INSTALL:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
# For testing the harness itself: use this executable as the Go engine instead
# of building cmd/longhaul (it must answer `flow solve --stats FILE`).
LONGHAUL_BIN=${LONGHAUL_BIN:-}

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --kinds) KINDS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --solvers) SOLVERS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --networkx-force) NX_FORCE=1; shift ;;
    --networkx-max-arcs) NX_MAX_ARCS=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps must be a positive number" >&2; exit 64; }
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --timeout must be a positive number of seconds" >&2; exit 64; }

log() { echo "[bench] $*" >&2; }
has_solver() { [[ ",$SOLVERS," == *",$1,"* ]]; }

# size_arcs 1k -> 1000, 1M -> 1000000, 2500 -> 2500
size_arcs() {
  local s=$1
  case "$s" in
    *[kK]) echo $(( ${s%[kK]} * 1000 )) ;;
    *[mM]) echo $(( ${s%[mM]} * 1000000 )) ;;
    *) echo "$s" ;;
  esac
}
for s in ${SIZES//,/ }; do
  [[ "$s" =~ ^[1-9][0-9]*[kKmM]?$ ]] || { echo "run.sh: bad size '$s' (use e.g. 1k,10k,100k,1M or 5000)" >&2; exit 64; }
done
for k in ${KINDS//,/ }; do
  [[ "$k" == netgen || "$k" == planner ]] || { echo "run.sh: bad kind '$k' (netgen, planner)" >&2; exit 64; }
done

# ---------------------------------------------------------------- prepare
pkg_missing() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
if [ "$INSTALL" = 1 ] && command -v dpkg-query >/dev/null; then
  want=()
  if has_solver lemon && pkg_missing liblemon-dev; then want+=(liblemon-dev); fi
  if has_solver lemon && ! command -v g++ >/dev/null; then want+=(g++); fi
  if has_solver networkx && pkg_missing python3-networkx; then want+=(python3-networkx); fi
  [ -x /usr/bin/time ] || want+=(time)
  if [ ${#want[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing ${want[*]} with apt-get"
      export DEBIAN_FRONTEND=noninteractive
      if ! apt-get install -y -q "${want[@]}" >&2; then
        apt-get update -q >&2 && apt-get install -y -q "${want[@]}" >&2 || log "apt-get install failed"
      fi
    else
      log "not root: not installing ${want[*]}; solvers that need them are skipped"
    fi
  fi
fi

mkdir -p "$BUILD"
HAVE_GO=0 HAVE_LEMON=0 HAVE_NX=0 HAVE_TIME=0
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then HAVE_TIME=1; fi
[ "$HAVE_TIME" = 1 ] || log "/usr/bin/time (GNU time) missing: no memory columns"

command -v go >/dev/null || { echo "run.sh: the go toolchain is needed (for bench/gen)" >&2; exit 2; }
log "building bench/gen"
(cd "$ROOT" && go build -o "$BUILD/gen" ./bench/gen)

if has_solver lemon; then
  if [ -f /usr/include/lemon/network_simplex.h ] && command -v g++ >/dev/null; then
    log "building the LEMON driver"
    if g++ -O2 -o "$BUILD/lemon-solve" "$HERE/lemon/solve.cpp" -llemon >&2; then
      HAVE_LEMON=1
    else
      log "LEMON driver failed to build: LEMON columns are n/a"
    fi
  else
    log "LEMON headers or g++ missing (Debian: liblemon-dev, g++): LEMON columns are n/a"
  fi
fi

if has_solver networkx; then
  if "$PYTHON" -c 'import networkx' 2>/dev/null; then
    HAVE_NX=1
  else
    log "$PYTHON cannot import networkx (Debian: python3-networkx): NetworkX column is n/a"
  fi
fi

if has_solver go; then
  GO_BIN="$BUILD/longhaul"
  if [ -n "$LONGHAUL_BIN" ]; then
    GO_BIN=$LONGHAUL_BIN
    log "using LONGHAUL_BIN=$GO_BIN as the Go engine"
    built=1
  else
    log "building the Go engine (cmd/longhaul)"
    built=0
    (cd "$ROOT" && go build -o "$GO_BIN" ./cmd/longhaul) >&2 && built=1
  fi
  if [ "$built" = 1 ]; then
    # Probe: does `flow solve --stats` exist and print an s line?
    probe=$(mktemp)
    printf 'p min 2 1\nn 1 1\nn 2 -1\na 1 2 0 1 7\n' > "$probe"
    if "$GO_BIN" flow solve --stats "$probe" 2>/dev/null | grep -q '^s 7$'; then
      HAVE_GO=1
    else
      log "'longhaul flow solve --stats' is missing or broken: Go columns are n/a"
    fi
    rm -f "$probe"
  else
    log "cmd/longhaul does not build: Go columns are n/a"
  fi
fi

# ---------------------------------------------------------------- instances
CLEANUP=""
if [ -z "$WORKDIR" ]; then
  WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/longhaul-bench.XXXXXX")
  CLEANUP=$WORKDIR
fi
trap 'if [ -n "$CLEANUP" ]; then rm -rf "$CLEANUP"; fi' EXIT
mkdir -p "$WORKDIR/logs"
log "instances and logs in $WORKDIR${CLEANUP:+ (removed at exit; keep them with --workdir DIR)}"

INSTANCES=()
for size in ${SIZES//,/ }; do
  arcs=$(size_arcs "$size")
  for kind in ${KINDS//,/ }; do
    name="$kind-$size"
    file="$WORKDIR/$name-s$SEED.min"
    if [ ! -s "$file" ]; then
      log "generating $name ($arcs arcs, seed $SEED)"
      "$BUILD/gen" -kind "$kind" -arcs "$arcs" -seed "$SEED" -o "$file.tmp"
      mv "$file.tmp" "$file"
    fi
    INSTANCES+=("$name")
  done
done

# ---------------------------------------------------------------- helpers
median() { # numbers on stdin -> median
  sort -g | awk '{a[NR]=$1} END{ if (NR==0) exit; if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'
}
fmt_ms() { awk -v x="$1" 'BEGIN{ if (x+0 >= 100) printf "%.0f", x; else if (x+0 >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
is_num() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }
ratio() { # a/b as "1.23x", or n/a
  if is_num "$1" && is_num "$2" && awk -v b="$2" 'BEGIN{exit !(b>0)}'; then
    awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2fx", a/b }'
  else
    echo "n/a"
  fi
}
# value FILE REGEX FIELD: the FIELD-th word of the last line matching REGEX
value() { { grep -E "$2" "$1" || true; } | tail -n 1 | awk -v f="$3" '{print $f}'; }
maxrss_mb() { # from a /usr/bin/time -v report
  { grep -E 'Maximum resident set size' "$1" 2>/dev/null || true; } | awk '{printf "%.1f", $NF/1024}'
}

# run_timed LOG MEMFILE CMD... : runs CMD under timeout (and /usr/bin/time -v
# when MEMFILE is set and GNU time is there); sets RC.
run_timed() {
  local out=$1 mem=$2; shift 2
  RC=0
  if [ -n "$mem" ] && [ "$HAVE_TIME" = 1 ]; then
    # timeout inside time: a timed-out solver is killed, not orphaned, and
    # time still reports the peak RSS of the process tree it waited for.
    /usr/bin/time -v -o "$mem" timeout -k 10 "$TIMEOUT" "$@" >"$out" 2>"$out.err" || RC=$?
  else
    timeout -k 10 "$TIMEOUT" "$@" >"$out" 2>"$out.err" || RC=$?
  fi
}

# ---------------------------------------------------------------- run
STATUS=0
ROWS=()
NOTES=()
for name in "${INSTANCES[@]}"; do
  file="$WORKDIR/$name-s$SEED.min"
  read -r _ _ nodes arcs < <(grep -m1 '^p ' "$file")

  declare -A times=() costs=() state=()
  go_parse=() go_mem="" lemon_mem="" go_method=""
  for s in go lemon-ns lemon-cs networkx; do times[$s]=""; costs[$s]=""; state[$s]=""; done
  [ "$HAVE_GO" = 1 ] || state[go]="n/a"
  [ "$HAVE_LEMON" = 1 ] || { state[lemon-ns]="n/a"; state[lemon-cs]="n/a"; }
  [ "$HAVE_NX" = 1 ] || state[networkx]="n/a"
  if [ "$HAVE_NX" = 1 ] && [ "$NX_FORCE" != 1 ] && [ "$arcs" -gt "$NX_MAX_ARCS" ]; then
    state[networkx]="skipped"
  fi

  # note_cost SOLVER COST: the cost must be the same in every repetition
  note_cost() {
    local s=$1 c=$2
    if [ -z "${costs[$s]}" ]; then costs[$s]=$c
    elif [ "${costs[$s]}" != "$c" ]; then costs[$s]="${costs[$s]}|$c"; fi
  }
  fail_state() { # SOLVER RC LOG
    local s=$1 rc=$2 out=$3
    if [ "$rc" = 124 ]; then state[$s]="timeout"; else state[$s]="err"; fi
    local msg
    msg=$(grep -v '^Command exited with non-zero status' "$out.err" 2>/dev/null | head -c 200 | tr '\n|' '  ' || true)
    if [ "$rc" = 124 ]; then msg="no answer within ${TIMEOUT}s"; fi
    local where=""
    if [ -z "$CLEANUP" ]; then where="; log $out.err"; fi
    NOTES+=("$name: $s ${state[$s]} (exit $rc): ${msg:-no message}$where")
    log "$name: $s ${state[$s]} (exit $rc): $msg"
  }

  for ((r = 1; r <= REPS; r++)); do
    if [ -z "${state[go]}" ]; then
      out="$WORKDIR/logs/$name.go.$r"
      log "$name: go engine, run $r/$REPS"
      run_timed "$out" "$out.mem" "$GO_BIN" flow solve --stats "$file"
      c=$(value "$out" '^s ' 2)
      [ -n "$c" ] || { grep -qE '^c INFEASIBLE$' "$out" && c=INFEASIBLE; } || true
      [ -n "$c" ] || { grep -qE '^c UNBOUNDED$' "$out" && c=UNBOUNDED; } || true
      t=$(value "$out" '^c solve-ms ' 3)
      if [ -n "$c" ] && is_num "$t" && { [ "$RC" = 0 ] || [[ "$c" =~ ^(INFEASIBLE|UNBOUNDED)$ ]]; }; then
        note_cost go "$c"
        times[go]+="$t "
        go_parse+=("$(value "$out" '^c parse-ms ' 3)")
        go_method=$(value "$out" '^c method ' 0 | sed 's/^c method //')
        m=$(maxrss_mb "$out.mem")
        if [ -n "$m" ] && { [ -z "$go_mem" ] || awk -v a="$m" -v b="$go_mem" 'BEGIN{exit !(a>b)}'; }; then go_mem=$m; fi
      else
        fail_state go "$RC" "$out"
      fi
    fi
    if [ -z "${state[lemon-ns]}" ]; then
      out="$WORKDIR/logs/$name.lemon.$r"
      log "$name: LEMON NetworkSimplex + CostScaling, run $r/$REPS"
      run_timed "$out" "$out.mem" "$BUILD/lemon-solve" "$file"
      for s in lemon-ns lemon-cs; do
        c=$(value "$out" "^s $s " 3)
        t=$(value "$out" "^c $s solve-ms " 4)
        if [ "$RC" = 0 ] && [ -n "$c" ] && is_num "$t"; then
          note_cost "$s" "$c"
          times[$s]+="$t "
        else
          fail_state "$s" "$RC" "$out"
        fi
      done
      m=$(maxrss_mb "$out.mem")
      if [ -n "$m" ] && { [ -z "$lemon_mem" ] || awk -v a="$m" -v b="$lemon_mem" 'BEGIN{exit !(a>b)}'; }; then lemon_mem=$m; fi
    fi
    if [ -z "${state[networkx]}" ]; then
      out="$WORKDIR/logs/$name.networkx.$r"
      log "$name: NetworkX network_simplex, run $r/$REPS"
      nxflags=(--max-arcs "$NX_MAX_ARCS")
      if [ "$NX_FORCE" = 1 ]; then nxflags+=(--force); fi
      run_timed "$out" "" "$PYTHON" "$HERE/networkx/solve.py" "${nxflags[@]}" "$file"
      c=$(value "$out" '^s networkx ' 3)
      t=$(value "$out" '^c networkx solve-ms ' 4)
      if [ "$RC" = 3 ]; then
        state[networkx]="skipped"
      elif [ "$RC" = 0 ] && [ -n "$c" ] && is_num "$t"; then
        note_cost networkx "$c"
        times[networkx]+="$t "
      else
        fail_state networkx "$RC" "$out"
      fi
    fi
  done

  # Medians (or the state word) per solver.
  declare -A cell=()
  for s in go lemon-ns lemon-cs networkx; do
    if [ -n "${state[$s]}" ]; then
      cell[$s]=${state[$s]}
    else
      cell[$s]=$(printf '%s\n' ${times[$s]} | median)
    fi
  done
  fmt_cell() { if is_num "$1"; then fmt_ms "$1"; else echo "$1"; fi; }

  best_lemon=""
  for s in lemon-ns lemon-cs; do
    if is_num "${cell[$s]}" && { [ -z "$best_lemon" ] || awk -v a="${cell[$s]}" -v b="$best_lemon" 'BEGIN{exit !(a<b)}'; }; then
      best_lemon=${cell[$s]}
    fi
  done
  r_lemon=$(ratio "${cell[go]}" "$best_lemon")
  r_nx=$(ratio "${cell[go]}" "${cell[networkx]}")

  # Agreement over every cost any solver produced (timed-out or failed
  # solvers' partial runs count too).
  distinct=$(for s in go lemon-ns lemon-cs networkx; do
               if [ -n "${costs[$s]}" ]; then printf '%s\n' ${costs[$s]//|/ }; fi
             done | sort -u)
  nd=$(printf '%s' "$distinct" | grep -c . || true)
  nsolvers=0
  for s in go lemon-ns lemon-cs networkx; do if [ -n "${costs[$s]}" ]; then nsolvers=$((nsolvers + 1)); fi; done
  if [ "$nd" -gt 1 ]; then
    agree="**DISAGREE**"
    cost="—"
    STATUS=1
    detail=""
    for s in go lemon-ns lemon-cs networkx; do if [ -n "${costs[$s]}" ]; then detail+=" $s=${costs[$s]}"; fi; done
    NOTES+=("**DISAGREE** on $name:$detail")
    log "!!!!!!!! DISAGREE on $name:$detail"
  elif [ "$nd" = 1 ]; then
    cost=$distinct
    if [ "$nsolvers" -gt 1 ]; then agree="yes ($nsolvers)"; else agree="only 1 solver"; fi
  else
    cost="—"; agree="n/a"
  fi
  for s in go lemon-ns lemon-cs networkx; do
    if [[ "${state[$s]}" == err || "${state[$s]}" == timeout ]] && [ "$STATUS" = 0 ]; then STATUS=2; fi
  done

  pmed=$(printf '%s\n' "${go_parse[@]:-}" | grep . | median || true)
  if [ -n "$pmed" ]; then pcell=$(fmt_ms "$pmed"); else pcell="n/a"; fi
  ROWS+=("| $name | $arcs | $nodes | $(fmt_cell "${cell[go]}") | $pcell | ${go_method:-n/a} | ${go_mem:-n/a} | $(fmt_cell "${cell[lemon-ns]}") | $(fmt_cell "${cell[lemon-cs]}") | ${lemon_mem:-n/a} | $(fmt_cell "${cell[networkx]}") | $r_lemon | $r_nx | $cost | $agree |")
  log "done $name"
  unset times costs state cell
done

# ---------------------------------------------------------------- report
report() {
  echo "## longhaul min-cost flow benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, seed $SEED, median of $REPS run(s); times in ms (solve only, parse excluded), memory in MB (peak RSS of the whole process)."
  echo
  echo "| instance | arcs | nodes | go ms | go parse ms | go method | go MB | lemon-ns ms | lemon-cs ms | lemon MB | networkx ms | go / best lemon | go / networkx | optimal cost | costs agree |"
  echo "|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"
  printf '%s\n' "${ROWS[@]}"
  if [ ${#NOTES[@]} -gt 0 ]; then
    echo
    printf -- '- %s\n' "${NOTES[@]}"
  fi
  case "$STATUS" in
    1) echo; echo "**DISAGREE: the solvers found different optimal costs (see above).**" ;;
    2) echo; echo "Some solver failed or timed out (see above)." ;;
  esac
}
if [ -n "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  report | tee "$OUT"
else
  report
fi
exit "$STATUS"
