import { afterAll, describe, expect, it } from 'vitest';
import { BscSim } from '@snaptel/bsc-sim';
import { deployRecipe, freePorts, Running, tmpDir } from './helpers';

/**
 * SMS through the deployed MSC image: bsc-sim's phones (their own TS 24.011
 * implementation) against the MSC's (SMC/SMR machines, local router). One
 * phone sends a plain 7-bit message with a status report requested, and a
 * long UCS2 one that goes in concatenated parts; the other phone is paged
 * and receives both, and the sender gets its status report. A message to a
 * number nobody has is refused with RP cause 1 (unassigned number).
 */

const ALICE = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' as const };
const BOB = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'comp128v1' as const };

let msc: Running | undefined;
let bsc: BscSim | undefined;
afterAll(async () => {
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
});

describe('SMS through the MSC image with bsc-sim phones', () => {
  it('delivers MO to MT with paging, a status report and a concatenated UCS2 message; refuses an unknown number', async () => {
    const dir = tmpDir('msc-sms');
    const [aPort] = await freePorts(1);
    const img = deployRecipe(dir, 'msc', {
        package: ['hlr', 'msc'],
        packages: { hlr: { subscribers: [ALICE, BOB] }, msc: { a: { host: '127.0.0.1', port: aPort, bscs: [{ name: 'bsc-5', host: '127.0.0.1', lac: 5 }] } } },
      });
    msc = new Running(['run', img]);
    await msc.ready();
    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort }, lac: 5, pingIntervalMs: 0, ...(process.env.TRACE ? { trace: (l: string) => console.log(l) } : {}) });
    await bsc.start({ timeoutMs: 10_000 });
    const alice = bsc.addMs({ ...ALICE });
    const bob = bsc.addMs({ ...BOB });
    for (const ms of [alice, bob]) expect((await ms.locationUpdate()).accepted).toBe(true);

    const got = new Promise<unknown>((r) => bob.once('sms', r));
    const report = new Promise<unknown>((r) => alice.once('status-report', r));
    const sent = await alice.sendSms('1002', 'hello from alice', { statusReport: true });
    expect(sent.accepted, JSON.stringify(sent)).toBe(true);
    const sms = (await got) as { text: string; sender: string };
    expect(sms.text).toBe('hello from alice');
    expect(sms.sender).toContain('1001');
    const sr = (await report) as { status: number; messageRef: number };
    expect(sr.status).toBe(0); // TP-ST: received by the SME
    expect(sr.messageRef).toBe(sent.messageRef);

    const long = 'Ωμέγα '.repeat(20); // 120 UCS2 characters: two parts
    const got2 = new Promise<unknown>((r) => bob.once('sms', r));
    // No waiting: the report came on a connection the MSC opened by paging, and the next
    // SMS's CM SERVICE REQUEST goes on it while the MSC holds it (X4) after the transaction.
    const sent2 = await alice.sendSms('1002', long);
    expect(sent2.accepted).toBe(true);
    expect(sent2.alphabet).toBe('ucs2');
    expect(sent2.parts.length).toBe(2);
    expect(((await got2) as { text: string }).text).toBe(long);
    expect(bob.inbox).toHaveLength(2);
    expect(bob.duplicateParts()).toEqual([]);

    const nobody = await alice.sendSms('9999', 'anyone?');
    expect(nobody.accepted).toBe(false);
    expect(nobody.rpCause).toBe(1); // unassigned (unallocated) number
    await bsc.stop();
    bsc = undefined;
    await msc.stop();
    msc = undefined;
  }, 60_000);
});
