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
node_modules/.bin/snaptel deploy --config images/demo.json --out images/demo.img
node_modules/.bin/snaptel info images/demo.img >&2
mkdir -p .snaptel
cat >&2 <<'MSG'
snaptel: resuming images/demo.img; try, from another terminal:
    echo hello | nc -q1 127.0.0.1 47000                                   # TCP echo
    npx snaptel remote --control .snaptel/demo.sock status                # what runs, bound, due
    npx snaptel remote --control .snaptel/demo.sock eval 'hlr.list()'     # the embedded HLR
    npx snaptel remote --control .snaptel/demo.sock eval "hlr.add({imsi: '001010000000003', msisdn: '1003'})"
    npx snaptel remote --control .snaptel/demo.sock snapshot --out images/demo-live.img
  Ctrl-C (or SIGTERM) stops it.
MSG
exec node_modules/.bin/snaptel run images/demo.img --control .snaptel/demo.sock --allow-eval
