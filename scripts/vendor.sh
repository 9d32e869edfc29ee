#!/usr/bin/env bash
# Refresh the front-end files vendored from npm (no CDN is ever used at run time).
# Pinned versions; run it after changing a pin and commit what it writes, with the NOTICE below.
#   chart.js  -> src/empathic/serve/static/vendor/chart.umd.min.js   (MIT, served to the dashboard)
#   axe-core  -> tests/vendor/axe.min.js                               (MPL-2.0, browser tests only)
# Uses npm's own client and whatever registry it is configured for.
set -euo pipefail
cd "$(dirname "$0")/.."
CHARTJS=4.6.2
AXE=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$CHARTJS" "axe-core@$AXE" >/dev/null)
mkdir -p "$work/chart" "$work/axe" src/empathic/serve/static/vendor tests/vendor
tar -xzf "$work/chart.js-$CHARTJS.tgz" -C "$work/chart"
tar -xzf "$work/axe-core-$AXE.tgz" -C "$work/axe"
cp "$work/chart/package/dist/chart.umd.min.js" src/empathic/serve/static/vendor/chart.umd.min.js
cp "$work/chart/package/LICENSE.md" src/empathic/serve/static/vendor/chart.js.LICENSE.md
cp "$work/axe/package/axe.min.js" tests/vendor/axe.min.js
cp "$work/axe/package/LICENSE" tests/vendor/axe-core.LICENSE
cat > src/empathic/serve/static/vendor/NOTICE.md <<NOTE
# Vendored front-end files

Written by \`scripts/vendor.sh\` from the npm packages below; do not edit by hand.

| file | package | version | licence |
|---|---|---|---|
| chart.umd.min.js | chart.js | $CHARTJS | MIT (chart.js.LICENSE.md) |

The browser tests also use axe-core $AXE (MPL-2.0), vendored under tests/vendor/ and not shipped.
NOTE
sha256sum src/empathic/serve/static/vendor/chart.umd.min.js tests/vendor/axe.min.js
