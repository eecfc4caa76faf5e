#!/bin/sh
# npm start: on a fresh clone, install what is missing, build, deploy the MSC
# image (images/msc.json: the MSC with its embedded HLR) and resume it in the
# foreground, with osmo-mgw as its media gateway when osmo-mgw is installed.
# Ctrl-C stops both cleanly.
set -eu
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/tsc ] || [ ! -e node_modules/.bin/snaptel ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "snaptel: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "snaptel: building (tsc -b)" >&2
node_modules/.bin/tsc -b
echo "snaptel: deploying images/msc.img from images/msc.json" >&2
node_modules/.bin/snaptel deploy --config images/msc.json --out images/msc.img
node_modules/.bin/snaptel info images/msc.img >&2
mkdir -p .snaptel

mgw=
if command -v osmo-mgw >/dev/null 2>&1; then
  if node -e "require('dgram').createSocket('udp4').on('error',()=>process.exit(1)).bind(2427,'127.0.0.1',function(){this.close()})"; then
    osmo-mgw -c scripts/osmo-mgw-demo.cfg >.snaptel/osmo-mgw.log 2>&1 &
    mgw=$!
    echo "snaptel: osmo-mgw started on 127.0.0.1:2427 (pid $mgw, log .snaptel/osmo-mgw.log)" >&2
  else
    echo "snaptel: something already listens on 127.0.0.1:2427; using it as the media gateway" >&2
  fi
else
  echo "snaptel: osmo-mgw is not installed (apt-get install osmo-mgw): calls will be cleared for want of media" >&2
fi
cleanup() { [ -n "$mgw" ] && kill "$mgw" 2>/dev/null; rm -f .snaptel/msc.sock; }
trap cleanup EXIT INT TERM

cat >&2 <<'MSG'
snaptel: resuming images/msc.img (A interface: SCCPlite on 127.0.0.1:5000 for LAC 1, AoIP/M3UA on 127.0.0.1:2905 for LAC 2, SMPP on 127.0.0.1:2775 for ESME demo/demo); from another terminal:
    node packages/bsc-sim/bin/bsc-sim --subscribers 4 --lu --calls 2 --hold 1000   # a BSC with 4 phones: attach, 2 calls
    node packages/bsc-sim/bin/bsc-sim --subscribers 4 --lu --sms 2                  # the phones send each other SMS
    node packages/bsc-sim/bin/bsc-sim --m3ua --msc 127.0.0.1:2905 --bsc-pc 188 --routing-context 2 --lac 2 --subscribers 2 --lu --calls 1   # AoIP (root)
    npx snaptel remote --control .snaptel/msc.sock status                           # what runs, bound, due
    npx snaptel remote --control .snaptel/msc.sock eval 'msc.status()'              # links, registered, calls, counters
    npx snaptel remote --control .snaptel/msc.sock eval 'msc.vlr.list()'            # the VLR
    npx snaptel remote --control .snaptel/msc.sock eval 'msc.status().sms'          # the SMS store: waiting, in flight, counters
    npx snaptel remote --control .snaptel/msc.sock snapshot --out images/msc-live.img
  Ctrl-C (or SIGTERM) stops it.
MSG
node_modules/.bin/snaptel run images/msc.img --control .snaptel/msc.sock --allow-eval
