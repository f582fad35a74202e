#!/usr/bin/env bash
# Pin the exact version of every package the project resolves to (every group, every platform) in
# pyproject.toml's [tool.uv] constraint-dependencies: `bash packaging/pin-versions.sh [--upgrade]`.
# Without --upgrade the versions of the local uv.lock stay (after a dependency is added or a bound
# changes, only what must move moves); with --upgrade every package takes its newest version within
# the bounds. Then run the tests and commit pyproject.toml when they pass (uv.lock stays local).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.local/bin:$PATH"

upgrade=()
case "${1:-}" in
  "") ;;
  --upgrade) upgrade=(--upgrade) ;;
  *) echo "usage: bash packaging/pin-versions.sh [--upgrade]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
cp pyproject.toml "$work/pyproject.toml.before"
# A failed resolution leaves pyproject.toml as it was.
trap 'status=$?; if [ "$status" -ne 0 ]; then cp "$work/pyproject.toml.before" pyproject.toml; fi; rm -rf "$work"' EXIT

# Replace the entries of `constraint-dependencies = [` ... `]` with the lines of file $1.
write_pins() {
  awk -v pins="$1" '
    /^constraint-dependencies = \[/ {
      print
      while ((getline line < pins) > 0) printf "    \"%s\",\n", line
      skipping = 1
      next
    }
    skipping && /^\]/ { skipping = 0 }
    !skipping { print }
  ' pyproject.toml > "$work/pyproject.toml"
  cat "$work/pyproject.toml" > pyproject.toml
}

grep -q '^constraint-dependencies = \[' pyproject.toml \
  || { echo "pyproject.toml has no 'constraint-dependencies = [' line under [tool.uv]" >&2; exit 1; }

# A fresh checkout has no uv.lock: make one from today's pins, so that they are the preferred versions.
[ -f uv.lock ] || uv lock --quiet
# Resolve again with no pins at all, preferring the locked versions unless --upgrade.
: > "$work/none"
write_pins "$work/none"
uv lock --quiet "${upgrade[@]}"
uv export --frozen --all-groups --no-hashes --no-emit-project --no-header --no-annotate \
  --format requirements-txt --output-file "$work/pins" --quiet
write_pins "$work/pins"
# The pins must resolve to exactly what was just exported.
uv lock --quiet
uv export --frozen --all-groups --no-hashes --no-emit-project --no-header --no-annotate \
  --format requirements-txt --output-file "$work/check" --quiet
cmp -s "$work/pins" "$work/check" || { echo "the pins resolve to other versions:" >&2; diff "$work/pins" "$work/check" >&2; exit 1; }
uv sync --quiet
echo "Pinned $(wc -l < "$work/pins") packages in pyproject.toml; run the tests before committing it."
