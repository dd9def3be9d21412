#!/usr/bin/env bash
# Runs inside the test sandbox (see python314.sh): lint, types, tests. Every step runs even
# when an earlier one failed, so one run shows every problem; the exit code is non-zero if any
# step failed or if no test ran.
#
#   checks.sh [--fast] [--lint] [--fix] [PYTEST ARGS...]
set -uo pipefail

fast=0 lint_only=0 fix=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=1 ;;
    --lint) lint_only=1 ;;
    --fix) fix=1 ;;
    --) shift; break ;;
    *) break ;;
  esac
  shift
done

failed=()
step() {  # step NAME CMD...
  local name="$1" t0=$SECONDS rc=0
  shift
  echo "==> $name: $*"
  "$@" || rc=$?
  if [ "$rc" = 0 ]; then
    echo "<== $name ok ($((SECONDS - t0)) s)"
  else
    echo "<== $name FAILED with exit code $rc ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
  return "$rc"
}

if [ "$fix" = 1 ]; then
  step "ruff fix" ruff check --fix . || true
  step "ruff format" ruff format . || true
  [ ${#failed[@]} = 0 ]
  exit
fi

if [ "$fast" = 0 ]; then
  step "ruff check" ruff check .
  step "ruff format" ruff format --check --diff .
  # mypy's targets and strictness live in setup.cfg ([mypy] files = custom_components/openclaw).
  step "mypy" mypy
fi

if [ "$lint_only" = 0 ]; then
  summary=/tmp/openclaw-pytest-summary.json
  rm -f "$summary"
  export OPENCLAW_TEST_SUMMARY="$summary"  # written by tests/conftest.py
  rc=0
  step "pytest" python -m pytest "$@" || rc=$?
  ran=""
  if [ -f "$summary" ]; then
    ran="$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["ran"])' "$summary")"
  fi
  if [ "$rc" = 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass."
  elif [ "$rc" = 0 ] && [ "$ran" = 0 ]; then
    echo "pytest ran no test (everything was skipped or deselected): that is a failure, not a pass."
    failed+=("pytest: no test ran")
  fi
fi

if [ ${#failed[@]} = 0 ]; then
  echo "scripts/test: all steps ok"
  exit 0
fi
echo "scripts/test: FAILED steps: ${failed[*]}"
exit 1
