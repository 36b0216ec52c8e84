#!/usr/bin/env bash
# Refresh the vendored browser assets (ECharts, htmx) from the npm registry at pinned versions.
#
# Only this script talks to the registry: install, tests and the running server use the files
# it copies into src/yiwang/web/static/vendor/, which are committed. To upgrade, change a
# version and its integrity below (`npm view <package>@<version> dist.integrity`), run the
# script, and look at the pages that use the library before committing.
set -euo pipefail

ECHARTS_VERSION="6.1.0"
ECHARTS_INTEGRITY="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
# htmx 2.x is the stable line; 4.x is a rewrite with different defaults (fetch, inheritance).
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/src/yiwang/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# npm pack checks the tarball against the registry's integrity; comparing with the pinned
# value as well means a changed upstream tarball stops the refresh instead of slipping in.
fetch() {
  local spec="$1" integrity="$2" name="$3"
  local got
  got="$(cd "$work" && npm pack --silent --json "$spec" | python3 -c \
    'import json,sys; d=json.load(sys.stdin)[0]; print(d["integrity"]); print(d["filename"])')"
  local actual="${got%%$'\n'*}" file="${got##*$'\n'}"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $spec: expected $integrity, got $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$file" -C "$work/$name"
}

fetch "echarts@$ECHARTS_VERSION" "$ECHARTS_INTEGRITY" echarts
fetch "htmx.org@$HTMX_VERSION" "$HTMX_INTEGRITY" htmx

mkdir -p "$dest"
# The minified builds end with a sourceMappingURL comment naming a .map we do not ship;
# Django's manifest storage would fail collectstatic on the missing file, so drop the comment.
strip_source_map() { sed -e '/^\/\/# sourceMappingURL=/d' "$1" >"$2"; }
strip_source_map "$work/echarts/package/dist/echarts.min.js" "$dest/echarts.min.js"
strip_source_map "$work/htmx/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/echarts/package/LICENSE" "$dest/LICENSE-echarts.txt"
cp "$work/echarts/package/NOTICE" "$dest/NOTICE-echarts.txt"
cp "$work/htmx/package/LICENSE" "$dest/LICENSE-htmx.txt"

{
  echo "Vendored browser assets, refreshed by scripts/vendor_assets.sh from the npm registry."
  echo "Do not edit these files by hand."
  echo
  echo "package   version  licence     file            sha256"
  printf 'echarts   %-8s Apache-2.0  echarts.min.js  %s\n' "$ECHARTS_VERSION" \
    "$(sha256sum "$dest/echarts.min.js" | cut -d' ' -f1)"
  printf 'htmx.org  %-8s 0BSD        htmx.min.js     %s\n' "$HTMX_VERSION" \
    "$(sha256sum "$dest/htmx.min.js" | cut -d' ' -f1)"
  echo
  echo "Licence texts: LICENSE-echarts.txt (with NOTICE-echarts.txt), LICENSE-htmx.txt."
  echo "Source maps are removed from the minified files (see the script)."
} >"$dest/VERSIONS.txt"

echo "vendored echarts $ECHARTS_VERSION and htmx.org $HTMX_VERSION into $dest"
