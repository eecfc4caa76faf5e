// A package whose image V8 refuses to load, every time: it changes a V8 flag
// while the image is built, so the snapshot's flag hash is not the one a
// resuming node has ("Expected tag ... read ..."). It also holds 40 MB of
// typed arrays, so that the refusal names them (above 32 MB deploy mentions
// the V8 crash they can cause, and stow()). Deploy must not write its image.
// (The crash itself, SIGSEGV deserializing tens of MB of ArrayBuffers, comes
// and goes with timing, so the tests use this deterministic failure.)
const v8 = require('node:v8');

let data;
module.exports = {
  name: 'unresumable',
  version: '1.0.0',
  start() {
    data = [];
    for (let i = 0; i < 5; i++) data.push(new Float64Array(1e6).fill(i));
    v8.setFlagsFromString('--no-incremental-marking');
  },
};
