#!/bin/sh
# Refreshes the vendored GraphiQL IDE assets in ./assets from the npm registry.
#
# The IDE must work with no internet access, so the browser never loads these
# files from a CDN: they are copied here, committed, and embedded in the binary
# with go:embed. Run this only to change versions (edit the pins below, run it,
# update assets/README.md, review the diff, run the tests, commit).
#
# Usage: internal/server/ide/fetch-assets.sh   (needs npm and tar)
set -eu

# Pinned versions. graphiql 3.x is the last line that ships a ready UMD build
# (5.x ships ES modules only); React 19 dropped UMD builds, so React stays 18.
GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/assets"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
for pkg in "graphiql-$GRAPHIQL_VERSION" "react-$REACT_VERSION" "react-dom-$REACT_VERSION"; do
	mkdir "$pkg"
	tar -xzf "$pkg.tgz" -C "$pkg"
done

rm -rf "$dest/graphiql" "$dest/react" "$dest/react-dom"
mkdir -p "$dest/graphiql" "$dest/react" "$dest/react-dom"

g="graphiql-$GRAPHIQL_VERSION/package"
cp "$g/graphiql.min.js" "$g/graphiql.min.css" "$g/LICENSE" "$dest/graphiql/"
r="react-$REACT_VERSION/package"
cp "$r/umd/react.production.min.js" "$r/LICENSE" "$dest/react/"
d="react-dom-$REACT_VERSION/package"
cp "$d/umd/react-dom.production.min.js" "$d/LICENSE" "$dest/react-dom/"

# Record the exact versions and checksums next to the files.
(
	cd "$dest"
	printf 'graphiql %s\nreact %s\nreact-dom %s\n' "$GRAPHIQL_VERSION" "$REACT_VERSION" "$REACT_VERSION" >VERSIONS
	sha256sum graphiql/* react/* react-dom/* >SHA256SUMS
)
echo "assets refreshed in $dest:"
du -ab "$dest/graphiql" "$dest/react" "$dest/react-dom" | sort -k2
