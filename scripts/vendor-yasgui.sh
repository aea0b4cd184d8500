#!/bin/sh
# Vendors the YASGUI query editor (npm @zazuko/yasgui, MIT) into kg/web/static/yasgui/, so that
# `kg serve` serves it from the package itself (no CDN). Run from the repository root:
#     sh scripts/vendor-yasgui.sh [VERSION]
# It installs the package with npm into a temporary folder (no install scripts run), copies the
# built bundle and stylesheet (without their source maps), and writes LICENSES.txt: the licence
# of every package the bundle includes, with each licence file the packages ship.
set -eu
VERSION="${1:-4.6.2}"
DEST="$(pwd)/kg/web/static/yasgui"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "@zazuko/yasgui@$VERSION" >/dev/null
BUILD=node_modules/@zazuko/yasgui/build
mkdir -p "$DEST"
# The bundle ends with a sourceMappingURL comment; the map is not vendored, so the comment goes.
sed '$ s|//# sourceMappingURL=yasgui.min.js.map$||' "$BUILD/yasgui.min.js" > "$DEST/yasgui.min.js"
cp "$BUILD/yasgui.min.css" "$DEST/yasgui.min.css"
node -e '
const fs = require("fs"), path = require("path");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
let out = "YASGUI " + process.argv[1] + " (npm @zazuko/yasgui) and the packages its bundle includes.\n" +
  "Fetched with: npm install @zazuko/yasgui@" + process.argv[1] + " (see scripts/vendor-yasgui.sh).\n\n";
for (const [where, meta] of Object.entries(lock.packages)) {
  if (!where) continue;
  const dir = where, name = where.replace(/^.*node_modules\//, "");
  out += "=".repeat(72) + "\n" + name + " " + (meta.version || "") + ": " + (meta.license || "(no licence field)") + "\n";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => /^(licen[cs]e|copying)/i.test(f)) : [];
  for (const f of files) out += "\n" + fs.readFileSync(path.join(dir, f), "utf8").trim() + "\n";
  out += "\n";
}
fs.writeFileSync(process.argv[2], out);
' "$VERSION" "$DEST/LICENSES.txt"
# The npm package names its licence (MIT) in package.json but ships no licence file: the MIT text
# with the authors package.json names.
cat > "$DEST/LICENSE" <<'LICENCE'
YASGUI (@zazuko/yasgui, https://github.com/rdfjs/Yasgui): MIT licence, as its package.json states.
Authors per package.json: Triply <info@triply.cc>; contributors: Zazuko GmbH.

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE
echo "vendored @zazuko/yasgui@$VERSION into $DEST"
