import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BscSim, type Ms } from '@snaptel/bsc-sim';
import { request } from '../packages/image/src/remote';
// @ts-expect-error plain JavaScript module with its own .d.mts next to it
import { haveOsmoMgw, startOsmoMgw, type OsmoMgw } from '../packages/mgcp/test/mgw-process.mjs';
import { deployRecipe, evalIn, freePorts, Running, sleep, tmpDir } from './helpers';

/**
 * The MSC end to end, as deployed: an image of hlr + msc, resumed by the
 * launcher, with the real osmo-mgw as its media gateway and the bsc-sim
 * (BSC and phones over SCCPlite/IPA on loopback) as its RAN. Two phones
 * register, one calls the other, the call is answered and released, and
 * osmo-mgw's own view (VTY `show mgcp`) shows the connections come and go.
 * Then a live snapshot, a kill -9, a resume: the BSC reconnects by itself,
 * the subscribers are still registered (no new LU), a call goes through,
 * and the VLR's expiry deadlines are the ones from before.
 * Fails (does not skip) when osmo-mgw is not installed.
 */

const ALICE = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' as const };
const BOB = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', opc: '00112233445566778899aabbccddeeff', algo: 'milenage' as const };

let mgw: OsmoMgw | undefined;
let msc: Running | undefined;
let bsc: BscSim | undefined;
afterAll(async () => {
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
  await mgw?.stop();
});

async function call(a: Ms, b: Ms, to: string): Promise<void> {
  const c = a.call(to);
  await c.connected;
  expect(c.state).toBe('U10'); // the phone's (user side) state: active
  // The callee's leg is created on the MGW as its CALL CONFIRMED comes; give the MGW a moment.
  let conns = [...(await mgw!.showMgcp()).values()].flat();
  for (let i = 0; i < 30 && conns.length < 2; i++) {
    await sleep(100);
    conns = [...(await mgw!.showMgcp()).values()].flat();
  }
  expect(conns).toHaveLength(2);
  expect(new Set(conns.map((x) => x.callId)).size).toBe(1);
  await c.hangup();
  await b.idle(5000);
  await a.idle(5000);
  const end = Date.now() + 5000;
  while ([...(await mgw!.showMgcp()).values()].flat().length && Date.now() < end) await sleep(100);
  expect([...(await mgw!.showMgcp()).values()].flat()).toEqual([]);
}

describe('the MSC image with bsc-sim and osmo-mgw', () => {
  it('registers phones, connects and releases a call with media on osmo-mgw; keeps them through a live snapshot, kill -9 and resume', async () => {
    expect(haveOsmoMgw(), 'osmo-mgw not found in PATH (apt-get install osmo-mgw)').toBe(true);
    mgw = await startOsmoMgw();
    const dir = tmpDir('msc-e2e');
    const [aPort] = await freePorts(1);
    const img = deployRecipe(dir, 'msc', {
        package: ['hlr', 'msc'],
        packages: {
          hlr: { subscribers: [ALICE, BOB] },
          msc: { a: { host: '127.0.0.1', port: aPort, bscs: [{ name: 'bsc-23', host: '127.0.0.1', lac: 23 }] }, mgw: { host: '127.0.0.1', port: mgw.mgcpPort } },
        },
      });
    const control = path.join(dir, 'control.sock');
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();

    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort }, lac: 23, reconnect: true, pingIntervalMs: 0, ...(process.env.TRACE ? { trace: (l: string) => console.log(l) } : {}) });
    await bsc.start({ timeoutMs: 10_000 });
    const alice = bsc.addMs({ ...ALICE, answerCalls: 'auto' });
    const bob = bsc.addMs({ ...BOB, answerCalls: 'auto' });
    for (const ms of [alice, bob]) {
      const r = await ms.locationUpdate();
      expect(r.accepted, JSON.stringify(r)).toBe(true);
      expect(r.tmsi).toBeDefined();
    }
    expect(await evalIn(control, 'msc.status().registered')).toBe(2);
    const expiry = await evalIn(control, `[msc.vlr.get('${ALICE.imsi}').luExpiry, msc.vlr.get('${BOB.imsi}').luExpiry]`);

    await call(alice, bob, '1002');
    await call(bob, alice, '1001');
    const counters = await evalIn(control, 'msc.status().counters');
    expect(counters['calls-answered']).toBe(2);
    expect(counters['calls-ended']).toBe(2);

    // Live snapshot with the registered subscribers, then a hard kill and a resume of the new image.
    const snap = await request(control, 'snapshot', {}, 60_000);
    expect(snap.ok, JSON.stringify(snap.error)).toBe(true);
    msc.proc.kill('SIGKILL');
    await sleep(200);
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();
    await bsc.waitLinkUp(15_000);
    expect(await evalIn(control, 'msc.status().registered')).toBe(2);
    expect(await evalIn(control, `[msc.vlr.get('${ALICE.imsi}').luExpiry, msc.vlr.get('${BOB.imsi}').luExpiry]`)).toEqual(expiry);
    // No new location update: the phones keep their TMSIs, and a call goes through.
    await call(alice, bob, '1002');
    await msc.stop();

    // The expiry deadlines are wall-clock: resumed as if 61 minutes later (past T3212 = 60 min),
    // the VLR purge (an overdue timer, fired once at resume) finds both subscribers expired.
    msc = new Running(['run', img, '--control', control, '--allow-eval'], { SNAPTEL_CLOCK_SHIFT_MS: String(61 * 60_000) });
    await msc.ready();
    const purged = await msc.line((l) => /purged \(no location update within T3212\)/.test(l.msg) && l.msg.includes(BOB.imsi), 'the purge of the expired subscribers');
    expect(purged.pid).toBe(msc.proc.pid);
    expect(await evalIn(control, 'msc.status().registered')).toBe(0);
    await msc.stop();
  }, 120_000);
});
