// Reader.u16 over a buffer vs Buffer#readUInt16BE on the same bytes, same run.
import { Reader } from '../dist/index.js';

const N = 1 << 20;
const buf = Buffer.alloc(N * 2, 0x5a);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
let sink = 0;
const ours = [];
const base = [];
for (let i = 0; i < 9; i++) {
  base.push(time(() => { for (let o = 0; o < buf.length; o += 2) sink ^= buf.readUInt16BE(o); }));
  ours.push(time(() => { const r = new Reader(buf, 'bench'); while (r.remaining) sink ^= r.u16(); }));
}
console.log(`codec: ${N} u16 reads, median of 9 (sink ${sink & 1})`);
console.log(`  Buffer#readUInt16BE : ${median(base).toFixed(1)} ms`);
console.log(`  Reader#u16          : ${median(ours).toFixed(1)} ms`);
console.log(`  ratio Reader / Buffer: ${(median(ours) / median(base)).toFixed(2)}x`);
