'use strict';
/**
 * Bench-only snaptel package (../../run.mjs, ../../../test/package.test.ts).
 *
 * config: { count, form, host?, port? }
 * - form 'frozen': the registrations went through exportState/importState,
 *   as in the builder of a live snapshot: the store is in its frozen form
 *   (no auth vectors, by the export's default);
 * - form 'live': the store as register() built it, auth vectors cleared,
 *   not frozen (an image whose package forgot to freeze);
 * - form 'map': the baseline, one plain object per registration in a Map.
 * With a port, one TCP listener: each line is an IMSI, the answer a line
 * with its TMSI in hex (or '-'); the first lookup after resume pays for
 * thawing a frozen store. With VLR_BENCH_PROBE=1 in the environment of a
 * resume, returnedFromSnapshot allocates a TMSI for registration 0 and logs
 * it (two resumes of one image must not agree: test/package.test.ts).
 */
const vlr = require('@snaptel/vlr');
const gen = require('../../gen.cjs');

let table;
let form;

function lookup(imsi) {
  if (form === 'map') {
    const r = table.get(imsi);
    return r ? r.tmsi.toString(16) : '-';
  }
  const slot = table.slotOf(imsi);
  return slot < 0 ? '-' : table.recordAt(slot).tmsi.toString(16);
}

module.exports = {
  name: 'vlr-bench',
  version: '0.1.0',
  start(ctx, config) {
    form = config.form;
    if (form === 'map') table = gen.buildMap(config.count);
    else {
      const built = gen.buildStore(vlr, config.count);
      if (form === 'frozen') {
        table = new vlr.VlrStore();
        table.importState(built.exportState());
      } else if (form === 'live') {
        built.clearAllTriplets();
        table = built;
      } else throw new Error(`vlr-bench: unknown form ${form}`);
    }
    if (config.port !== undefined)
      ctx.net.listen({
        name: 'lookup',
        host: config.host ?? '127.0.0.1',
        port: config.port,
        onConnection(sock) {
          let pending = '';
          sock.on('data', (d) => {
            pending += d.toString('latin1');
            let nl;
            while ((nl = pending.indexOf('\n')) >= 0) {
              const imsi = pending.slice(0, nl).trim();
              pending = pending.slice(nl + 1);
              sock.write(lookup(imsi) + '\n');
            }
          });
        },
      });
    ctx.log.info({ form, subscribers: table.size, bytes: form === 'map' ? undefined : table.allocatedBytes() }, 'vlr-bench built');
  },
  returnedFromSnapshot(ctx) {
    const fields = { form, subscribers: table.size };
    if (ctx.image.mode === 'image' && form !== 'map' && process.env.VLR_BENCH_PROBE === '1') {
      const slot = table.slotOf(gen.registration(0).imsi);
      fields.probeTmsi = table.allocateTmsi(slot);
      fields.probeImsi = table.imsiAt(slot);
      fields.frozenAfter = table.frozen;
    }
    ctx.log.info(fields, 'vlr-bench resumed');
  },
};
