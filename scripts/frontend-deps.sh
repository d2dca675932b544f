#!/usr/bin/env bash
# Installs the front-end assets from npm at the versions pinned in package.json/package-lock.json
# (NL Design System: @utrecht/component-library-css and @utrecht/design-tokens; axe-core for the
# accessibility tests) and copies the built CSS into static/vendor/, where Flask serves it.
# static/vendor/ and node_modules/ are build output (gitignored); this script recreates them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is missing: install Node.js and npm first" >&2; exit 1
  fi
fi
stamp=node_modules/.installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
mkdir -p static/vendor
cp node_modules/@utrecht/component-library-css/dist/index.css static/vendor/utrecht-components.css
cp node_modules/@utrecht/component-library-css/dist/html.css static/vendor/utrecht-html.css
cp node_modules/@utrecht/design-tokens/dist/theme.css static/vendor/utrecht-theme.css
