import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BscSim } from '@snaptel/bsc-sim';
import { request } from '../packages/image/src/remote';
import { OsmoHlr } from './osmo-hlr-peer';
import { deployRecipe, freePorts, Running, tmpDir } from './helpers';

/**
 * The MSC image with an external HLR: osmo-hlr over GSUP (config `gsup`),
 * phones from bsc-sim. Subscribers provisioned in osmo-hlr register through
 * the MSC (authentication with the tuples osmo-hlr hands out, then UPDATE
 * LOCATION with its INSERT SUBSCRIBER DATA), the VLR gets the MSISDN from
 * osmo-hlr, and an IMSI osmo-hlr does not know is rejected with cause 2.
 * Fails (does not skip) when osmo-hlr is not installed.
 */

const installed = spawnSync('osmo-hlr', ['--version'], { encoding: 'utf8', timeout: 5000 }).status === 0;
const SUBS = [
  { imsi: '901700000020001', msisdn: '5001', ki: '000102030405060708090a0b0c0d0e0f' },
  { imsi: '901700000020002', msisdn: '5002', ki: '0f0e0d0c0b0a09080706050403020100' },
];

let hlr: OsmoHlr | undefined;
let msc: Running | undefined;
let bsc: BscSim | undefined;
afterAll(async () => {
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
  await hlr?.stop();
});

describe('the MSC with osmo-hlr over GSUP', () => {
  it('registers subscribers provisioned in osmo-hlr with its tuples and MSISDNs; rejects an IMSI it does not know', async () => {
    expect(installed, 'osmo-hlr not found in PATH (apt-get install osmo-hlr)').toBe(true);
    hlr = await OsmoHlr.create();
    await hlr.start();
    await hlr.vty(SUBS.flatMap((s) => [`subscriber imsi ${s.imsi} create`, `subscriber imsi ${s.imsi} update msisdn ${s.msisdn}`, `subscriber imsi ${s.imsi} update aud2g comp128v1 ki ${s.ki}`]));

    const dir = tmpDir('msc-gsup');
    const [aPort] = await freePorts(1);
    const img = deployRecipe(dir, 'msc', {
        package: ['hlr', 'msc'],
        packages: { msc: { a: { port: aPort, bscs: [{ name: 'bsc-1', host: '127.0.0.1', lac: 7 }] }, network: { mcc: '901', mnc: '70' }, gsup: { host: hlr.host, port: 4222, unitName: 'MSC-SNAPTEL-E2E' } } },
      });
    const control = path.join(dir, 'control.sock');
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();

    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort }, lac: 7, mcc: '901', mnc: '70', pingIntervalMs: 0 });
    await bsc.start({ timeoutMs: 10_000 });
    for (const s of SUBS) {
      const r = await bsc.addMs({ imsi: s.imsi, ki: s.ki, algo: 'comp128v1' }).locationUpdate();
      expect(r.accepted, JSON.stringify(r)).toBe(true);
    }
    const stranger = await bsc.addMs({ imsi: '901700000029999', ki: SUBS[0]!.ki, algo: 'comp128v1' }).locationUpdate();
    expect(stranger).toMatchObject({ accepted: false, cause: 2 });

    const ev = async (code: string) => {
      const r = await request(control, 'eval', { code }, 10_000);
      if (!r.ok) throw new Error(r.error?.message);
      return r.result.json;
    };
    expect(await ev(`[msc.vlr.get('${SUBS[0]!.imsi}').msisdn, msc.vlr.get('${SUBS[1]!.imsi}').msisdn, msc.status().registered]`)).toEqual(['5001', '5002', 2]);
    const st = await ev('msc.status().hlr');
    expect(st.kind).toBe('gsup');
    // osmo-hlr's own view: our MSC is the subscriber's VLR.
    const [show] = await hlr.vty([`subscriber imsi ${SUBS[0]!.imsi} show`]);
    expect(show).toMatch(/VLR number: MSC-SNAPTEL-E2E/);
    await msc.stop();
  }, 60_000);
});
