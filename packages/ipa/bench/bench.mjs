// IPA decode/encode/de-frame throughput against tshark dissecting the same
// frames (TCP 4222), as a ratio from the same run.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ipa = require('../dist/index.js');
const { fromHex, ipv4Tcp, LINKTYPE_RAW, opsPerSecond, tsharkPerSecond, benchReport, repeat } = require('@snaptel/codec');

const MIX = [
  '00 01 fe 00',
  '00 01 fe 01',
  '00 11 fe 04 01 08 01 07 01 02 01 03 01 04 01 05 01 01 01 00',
  '00 10 fe 05 00 0d 01 53 4e 41 50 54 45 4c 2d 4d 53 43 00',
  '00 0c ee 05 04 01 08 21 43 65 87 09 21 43 f5',
  '00 12 ee 05 08 01 08 21 43 65 87 09 21 43 f5 28 01 02 0a 01 01',
].map(fromHex);
const msgs = MIX.map((b) => ipa.decode(b));
const stream = Buffer.concat(Array.from({ length: 200 }, (_, i) => MIX[i % MIX.length]));
const decode = opsPerSecond((i) => ipa.decode(MIX[i % MIX.length]));
const encode = opsPerSecond((i) => ipa.encode(msgs[i % msgs.length]));
// De-framing: one call takes a 200-frame stream in 1460-byte chunks.
const deframe =
  opsPerSecond(() => {
    const d = new ipa.IpaDeframer();
    for (let o = 0; o < stream.length; o += 1460) d.push(stream.subarray(o, o + 1460));
  }, 800) * 200;
const tshark = tsharkPerSecond(ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, repeat(MIX)), LINKTYPE_RAW);
console.log(benchReport(`ipa mix of ${MIX.length} frames (CCM + GSUP)`, { decode, encode, deframe }, tshark, 'frames/s'));
