import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BscSim } from '@snaptel/bsc-sim';
import { request } from '../packages/image/src/remote';
import { call, connect, nextEvent, smpp } from '../packages/smpp-server/test/helpers';
import { deployRecipe, evalIn, freePorts, Running, sleep, tmpDir } from './helpers';

/**
 * SMS between ESMEs (the npm `smpp` client, an implementation that is not
 * ours) and bsc-sim's phones through the deployed MSC image, with the
 * store-and-forward SMSC and the SMPP server in it:
 *
 * - submit_sm to a phone, which receives it; the ESME gets the delivery
 *   receipt (deliver_sm, esm_class 0x04, receipted_message_id);
 * - a phone writes to a number routed to the ESME: deliver_sm;
 * - bad PDUs (an unknown command, a number nobody has, a data_coding we do
 *   not serve) and a bad TPDU from a phone get their SMPP status or RP
 *   cause, and the links go on working;
 * - no loss: 10,000 messages for a detached phone, a live snapshot, kill -9,
 *   resume, the phone attaches: each arrives exactly once.
 */

const ALICE = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' as const };
const BOB = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'comp128v1' as const };

let msc: Running | undefined;
let bsc: BscSim | undefined;
const sessions: any[] = [];
afterAll(async () => {
  for (const s of sessions) s.destroy?.();
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
});

async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function recipe(aPort: number, smppPort: number) {
  return {
    package: ['hlr', 'msc'],
    packages: {
      hlr: { subscribers: [ALICE, BOB] },
      msc: {
        a: { host: '127.0.0.1', port: aPort, bscs: [{ name: 'bsc-7', host: '127.0.0.1', lac: 7 }] },
        sms: { scAddress: '19990', routes: [{ prefix: '7', esme: 'app' }] },
        smpp: { host: '127.0.0.1', port: smppPort, esmes: [{ systemId: 'app', password: 'secret', mode: ['transceiver', 'transmitter', 'receiver'] }] },
      },
    },
  };
}

/** An npm smpp session bound as transceiver, answering every deliver_sm and keeping them. */
async function esme(port: number): Promise<{ s: any; delivered: any[] }> {
  const s = await connect({ host: '127.0.0.1', port } as never);
  sessions.push(s);
  const r = await call(s, 'bind_transceiver', { system_id: 'app', password: 'secret' });
  expect(r.command_status).toBe(0);
  const delivered: any[] = [];
  s.on('deliver_sm', (pdu: any) => {
    delivered.push(pdu);
    s.send(pdu.response());
  });
  return { s, delivered };
}

describe('SMPP and store-and-forward through the MSC image', () => {
  it('ESME -> phone with a delivery receipt, phone -> ESME; bad PDUs and a bad TPDU get their status or cause, links stay up', async () => {
    const dir = tmpDir('msc-smpp');
    const [aPort, smppPort] = await freePorts(2);
    const img = deployRecipe(dir, 'msc', recipe(aPort!, smppPort!));
    msc = new Running(['run', img]);
    await msc.ready();
    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort! }, lac: 7, pingIntervalMs: 0 });
    await bsc.start({ timeoutMs: 10_000 });
    const alice = bsc.addMs({ ...ALICE });
    const bob = bsc.addMs({ ...BOB });
    for (const ms of [alice, bob]) expect((await ms.locationUpdate()).accepted).toBe(true);
    const { s, delivered } = await esme(smppPort!);

    // ESME -> phone, receipt asked.
    const got = new Promise<any>((r) => bob.once('sms', r));
    const resp = await call(s, 'submit_sm', { source_addr_ton: 5, source_addr: 'LabApp', destination_addr: '1002', short_message: 'hello bob, from the app', registered_delivery: 1 });
    expect(resp.command_status).toBe(0);
    expect(resp.message_id).toMatch(/^\d+$/);
    const sms = await got;
    expect(sms.text).toBe('hello bob, from the app');
    expect(sms.sender).toBe('LabApp');
    await until(() => delivered.length >= 1, 15_000, 'the delivery receipt');
    const receipt = delivered[0];
    expect(receipt.esm_class & 0x3c).toBe(0x04);
    expect(receipt.receipted_message_id).toBe(resp.message_id);
    expect(String(receipt.short_message?.message ?? receipt.short_message)).toMatch(new RegExp(`^id:${resp.message_id} .*stat:DELIVRD`));
    expect(receipt.message_state).toBe(2); // DELIVERED
    expect(receipt.source_addr).toBe('1002');
    expect(receipt.destination_addr).toBe('LabApp');

    // Phone -> ESME by route.
    const mo = await alice.sendSms('7001', 'vote: yes');
    expect(mo.accepted, JSON.stringify(mo)).toBe(true);
    await until(() => delivered.length >= 2, 15_000, 'deliver_sm of the MO message');
    const dsm = delivered[1];
    expect(dsm.esm_class & 0x3c).toBe(0);
    expect(dsm.source_addr).toBe('1001');
    expect(dsm.destination_addr).toBe('7001');
    expect(String(dsm.short_message?.message ?? dsm.short_message)).toBe('vote: yes');

    // Bad PDUs: each gets its status; the same link then carries a good submit.
    const nack = nextEvent(s, 'generic_nack');
    s.socket.write(Buffer.from('000000100000abcd000000000000002a', 'hex'));
    expect(await nack).toMatchObject({ command_status: smpp.ESME_RINVCMDID, sequence_number: 0x2a });
    expect((await call(s, 'submit_sm', { destination_addr: '5555', short_message: 'nobody' })).command_status).toBe(smpp.ESME_RINVDSTADR);
    expect((await call(s, 'submit_sm', { destination_addr: '1002', short_message: Buffer.from('ab', 'hex'), data_coding: 0x05 })).command_status).toBe(smpp.ESME_RINVDCS);
    expect((await call(s, 'submit_sm', { destination_addr: '1002', short_message: 'x', validity_period: '000101000000000+' })).command_status).toBe(smpp.ESME_RINVEXPIRY);
    const got2 = new Promise<any>((r) => bob.once('sms', r));
    expect((await call(s, 'submit_sm', { destination_addr: '1002', short_message: 'still here' })).command_status).toBe(0);
    expect((await got2).text).toBe('still here');

    // A bad TPDU from a phone: an SMS-SUBMIT cut short after TP-MR. RP-ERROR 96 (invalid
    // mandatory information); the next SMS from the same phone goes through.
    const bad = await alice.sendSms('1002', '', { rawTpdu: '0105' });
    expect(bad.accepted).toBe(false);
    expect(bad.rpCause).toBe(96);
    const got3 = new Promise<any>((r) => bob.once('sms', r));
    expect((await alice.sendSms('1002', 'after the bad one')).accepted).toBe(true);
    expect((await got3).text).toBe('after the bad one');

    await call(s, 'unbind');
    await bsc.stop();
    bsc = undefined;
    await msc.stop();
    msc = undefined;
  }, 90_000);

  it('no loss: 10,000 messages for a detached phone survive a live snapshot and kill -9; after attach each arrives once', async () => {
    const N = 10_000;
    const dir = tmpDir('msc-smpp-10k');
    const [aPort, smppPort] = await freePorts(2);
    const img = deployRecipe(dir, 'msc', recipe(aPort!, smppPort!));
    const control = path.join(dir, 'control.sock');
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();
    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort! }, lac: 7, pingIntervalMs: 0 });
    await bsc.start({ timeoutMs: 10_000 });
    const bob = bsc.addMs({ ...BOB, inboxMax: 2 * N });
    expect((await bob.locationUpdate()).accepted).toBe(true);
    expect((await bob.imsiDetach()).refused).toBeFalsy();
    await until(async () => (await evalIn(control, "msc.vlr.get('" + BOB.imsi + "')?.state")) === 'detached', 10_000, 'the IMSI detach');

    const { s } = await esme(smppPort!);
    let next = 0;
    const ids = new Set<string>();
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const r = await call(s, 'submit_sm', { destination_addr: '1002', short_message: `msg ${String(i).padStart(5, '0')}` });
        expect(r.command_status, `submit ${i}`).toBe(0);
        ids.add(r.message_id);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(ids.size).toBe(N);
    expect(await evalIn(control, 'msc.status().sms.waiting')).toBe(N);

    const snap = await request(control, 'snapshot', {}, 120_000);
    expect(snap.ok, JSON.stringify(snap.error)).toBe(true);
    msc.proc.kill('SIGKILL');
    await sleep(200);
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();
    expect(await evalIn(control, 'msc.status().sms.waiting')).toBe(N);
    await bsc.waitLinkUp(15_000);

    // The phone attaches (a new LU: the image's VLR says it is detached); the store drains to it.
    const seen = new Map<string, number>();
    bob.on('sms', (m: { text: string }) => seen.set(m.text, (seen.get(m.text) ?? 0) + 1));
    expect((await bob.locationUpdate()).accepted).toBe(true);
    const t0 = Date.now();
    await until(async () => seen.size >= N || (await evalIn(control, 'msc.status().sms.stored')) === 0, 240_000, `${N} messages at the phone (have ${seen.size})`);
    await until(() => seen.size >= N, 10_000, 'the last messages');
    const secs = (Date.now() - t0) / 1000;
    expect(seen.size).toBe(N);
    expect([...seen.values()].filter((v) => v > 1)).toEqual([]);
    for (let i = 0; i < N; i++) expect(seen.has(`msg ${String(i).padStart(5, '0')}`)).toBe(true);
    expect(await evalIn(control, 'msc.status().sms.stored')).toBe(0);
    console.log(`10,000 stored messages drained to one phone in ${secs.toFixed(1)} s (${(N / secs).toFixed(0)} SMS/s)`);
    await bsc.stop();
    bsc = undefined;
    await msc.stop();
    msc = undefined;
  }, 400_000);
});
