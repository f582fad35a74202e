#!/usr/bin/env bash
# Build the frozen app (PyInstaller, onedir) into DIST/aiplan: `bash packaging/build.sh [DIST [WORK]]`.
# Defaults: dist/ and build/ at the top of the checkout (both ignored by git).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dist="$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)"
work="$(mkdir -p "${2:-$repo/build}" && cd "${2:-$repo/build}" && pwd)"
cd "$repo"

export PATH="$HOME/.local/bin:$PATH"
start=$(date +%s)
uv run --group build pyinstaller packaging/aiplan.spec --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work"
seconds=$(( $(date +%s) - start ))

echo "Built $dist/aiplan in ${seconds} s: $(du -sh "$dist/aiplan" | cut -f1)," \
     "$(find "$dist/aiplan" -type f | wc -l) files"
"$dist/aiplan/aiplan" --version
