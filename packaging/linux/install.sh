#!/usr/bin/env bash
# Install the frozen app for the current user, with its menu entry, icon and file type:
#   bash packaging/linux/install.sh [BUNDLE]      BUNDLE: the built dist/aiplan folder
#   bash packaging/linux/install.sh --uninstall
# PREFIX (default ~/.local) chooses where: PREFIX/share/... and PREFIX/bin/aiplan.
set -euo pipefail
APP_ID="io.github.aiplanner.AIProductPlanner"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
prefix="${PREFIX:-$HOME/.local}"
share="$prefix/share"
app_dir="$share/aiplan"                 # the whole bundle lives here
bin="$prefix/bin/aiplan"
desktop="$share/applications/$APP_ID.desktop"
metainfo="$share/metainfo/$APP_ID.metainfo.xml"
mime="$share/mime/packages/$APP_ID.xml"
icon="$share/icons/hicolor/scalable/apps/$APP_ID.svg"

refresh() {
  # The desktop reads caches: rebuild them where the tools exist (they are optional).
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$share/applications" || true
  fi
  if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database "$share/mime" >/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$app_dir"
  rm -f "$bin" "$desktop" "$metainfo" "$mime" "$icon"
  mkdir -p "$share/applications" "$share/mime/packages"
  refresh
  echo "Removed AI Product Planner from $prefix"
  exit 0
fi

bundle="$(cd "${1:-$repo/dist/aiplan}" 2>/dev/null && pwd)" || {
  echo "install.sh: no built app at ${1:-$repo/dist/aiplan}; build it first: bash packaging/build.sh" >&2
  exit 2
}
if [ ! -x "$bundle/aiplan" ]; then
  echo "install.sh: $bundle has no aiplan program; build it first: bash packaging/build.sh" >&2
  exit 2
fi

mkdir -p "$share/applications" "$share/metainfo" "$share/mime/packages" \
         "$(dirname "$icon")" "$(dirname "$bin")"
# Copy to a new folder, then swap: an interrupted install leaves the old app working.
rm -rf "$app_dir.new"
cp -a "$bundle" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"
ln -sfn "$app_dir/aiplan" "$bin"

# The menu entry names the program by its full path: ~/.local/bin is often not on the
# desktop session's PATH.
sed -e "s|^Exec=aiplan |Exec=$app_dir/aiplan |" "$here/$APP_ID.desktop" > "$desktop"
cp "$here/$APP_ID.metainfo.xml" "$metainfo"
cp "$here/aiplan-mime.xml" "$mime"
cp "$repo/resources/icons/aiplan.svg" "$icon"
refresh
echo "Installed AI Product Planner in $app_dir (command: $bin)"
