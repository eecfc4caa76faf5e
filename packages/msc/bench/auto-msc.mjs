// The baseline of the MSC bench: bsc-sim's automatic fake MSC
// (packages/bsc-sim/test/auto-msc.mjs, built on the codec packages only: the
// smallest correct answer to every message, no VLR, no HLR, no state
// machines, no timers, no logging, no media gateway), in a process of its own
// as the MSC image is, provisioned with the same subscribers (subscriberAt).
//
//   node auto-msc.mjs N IMSI_BASE KI_BASE MSISDN_BASE
//
// Prints one JSON line { port, pid } once listening on 127.0.0.1, then serves
// until SIGTERM (or 10 minutes, whichever comes first).
import { createRequire } from 'node:module';
import { AutoMsc } from '../../bsc-sim/test/auto-msc.mjs';

const require = createRequire(import.meta.url);
const { subscriberAt } = require('@snaptel/bsc-sim');

const [n, imsiBase, kiBase, msisdnBase] = process.argv.slice(2);
const count = Number(n);
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: auto-msc.mjs N IMSI_BASE KI_BASE MSISDN_BASE');
  process.exit(2);
}
const subscribers = Array.from({ length: count }, (_, i) => subscriberAt({ imsiBase, kiBase, msisdnBase, algo: 'comp128v1' }, i));
const msc = await AutoMsc.start({ subscribers, auth: true });
const bound = setTimeout(() => process.exit(3), 600_000);
process.on('SIGTERM', () => {
  clearTimeout(bound);
  void msc.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
process.stdout.write(JSON.stringify({ port: msc.port, pid: process.pid }) + '\n');
