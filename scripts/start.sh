#!/bin/sh
# npm start: on a fresh clone, install what is missing, build, deploy the demo
# image and resume it in the foreground (Ctrl-C stops it cleanly).
set -eu
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/tsc ] || [ ! -e node_modules/.bin/snaptel ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "snaptel: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "snaptel: building (tsc -b)" >&2
node_modules/.bin/tsc -b
echo "snaptel: deploying images/demo.img from images/demo.json" >&2
node_modules/.bin/snaptel deploy demo --config images/demo.json --out images/demo.img
node_modules/.bin/snaptel info images/demo.img >&2
cat >&2 <<'MSG'
snaptel: resuming images/demo.img; try, from another terminal:
    echo hello | nc -q1 127.0.0.1 47000          # TCP echo
    node_modules/.bin/snaptel verify images/demo.img   (after stopping this one: it needs the ports)
  Ctrl-C (or SIGTERM) stops it.
MSG
exec node_modules/.bin/snaptel run images/demo.img
