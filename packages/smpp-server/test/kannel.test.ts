import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KannelPeer, kannelAvailable, type KannelOptions } from '../../../test/kannel-peer';
import { tmpDir } from '../../../test/helpers';
import { STATUS, receiptText, type BindEvent, type SmppServerConfig, type SubmitRequest, type UnbindEvent } from '../src';
import { harness, sleep, type Harness } from './helpers';

/**
 * Kannel 1.4.5 (bearerbox + smsbox, Debian package) as a real ESME against
 * a standalone SmppServer: sendsms -> submit_sm -> our id -> receipt ->
 * Kannel's dlr-url; deliver_sm (MO) -> Kannel's sms-service get-url.
 * On CI the tests run (and fail) even when Kannel is missing.
 */

const ESME = { systemId: 'kannel', password: 'kpw', systemType: 'SNAPTEL' };

let h: Harness | undefined;
let k: KannelPeer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await k?.stop();
  await h?.close();
  k = undefined;
  h = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Setup {
  h: Harness;
  k: KannelPeer;
  binds: BindEvent[];
  unbinds: UnbindEvent[];
  submits: SubmitRequest[];
  dir: string;
}

/** Our server (answering submits with m1, m2...) and Kannel bound to it. */
async function setup(server: Partial<SmppServerConfig> = {}, kannel: Partial<KannelOptions> = {}): Promise<Setup> {
  h = await harness({ systemId: 'snaptel', esmes: [ESME], ...server });
  const binds: BindEvent[] = [];
  const unbinds: UnbindEvent[] = [];
  const submits: SubmitRequest[] = [];
  h.server.on('bind', (e: BindEvent) => binds.push(e));
  h.server.on('unbind', (e: UnbindEvent) => unbinds.push(e));
  h.server.onSubmit((sm) => (submits.push(sm), { messageId: `m${submits.length}` }));
  const dir = tmpDir('kannel');
  dirs.push(dir);
  k = await KannelPeer.start({ dir, smscHost: h.host, smscPort: h.port, systemId: ESME.systemId, password: ESME.password, systemType: ESME.systemType, ...kannel });
  return { h, k, binds, unbinds, submits, dir };
}

const now = () => Date.now();

describe.skipIf(!kannelAvailable && !process.env.CI)('Kannel as ESME', () => {
  it('binds as transceiver with system_id, password, system_type and interface_version 0x34; status page says online', async () => {
    const { h, k, binds } = await setup();
    expect(binds).toEqual([expect.objectContaining({ systemId: 'kannel', mode: 'transceiver' })]);
    expect(h.server.bound('kannel', 'transceiver')).toBe(true);
    expect(await k.smscOnline()).toBe(true);
    const bind = k.pdus().find((p) => p.dir === 'sent' && p.type === 'bind_transceiver');
    expect(bind?.fields).toMatchObject({ system_id: 'kannel', password: 'kpw', system_type: 'SNAPTEL', interface_version: '52' });
    const resp = k.pdus().find((p) => p.dir === 'got' && p.type === 'bind_transceiver_resp');
    expect(resp?.fields).toMatchObject({ command_status: '0', system_id: 'snaptel' });
  });

  it('sendsms (GSM 7-bit) -> submit_sm with the addresses and text -> our id -> DELIVERED receipt -> dlr-url type 1', async () => {
    const { h, k, submits } = await setup();
    const text = 'Hello @ world: €[]{}^~\\|';
    const r = await k.sendSms({ from: '4915111', to: '4915222', text, dlrMask: 31 });
    expect(r.httpStatus).toBe(202);
    expect(r.body).toMatch(/^0: Accepted/);
    await k.waitFor(() => submits.length === 1, 10_000, 'submit_sm at onSubmit');
    const sm = submits[0]!;
    expect(sm).toMatchObject({
      systemId: 'kannel',
      command: 'submit_sm',
      source: { ton: 2, npi: 1, addr: '4915111' },
      destination: { ton: 2, npi: 1, addr: '4915222' },
      esmClass: 3, // store and forward
      dataCoding: 0,
      registeredDelivery: 0x11, // final receipt + intermediate notification (dlr-mask 4)
      receipt: 'final',
    });
    expect(sm.userData.ud).toEqual({ text });
    expect(sm.userData.alphabet).toBe('gsm7');
    // Kannel sends unpacked septets; each extension character is ESC + its code (3GPP TS 23.038 6.2.1.1).
    expect(sm.payload.toString('hex')).toBe('48656c6c6f20002077' + '6f726c643a201b651b3c1b3e1b281b291b141b3d1b2f1b40');
    // Kannel's own dump of what it sent agrees.
    expect(k.pdus().find((p) => p.dir === 'sent' && p.type === 'submit_sm')?.fields.short_message).toBe(sm.payload.toString('hex'));

    // submit_sm_resp with our id: Kannel's "delivered to SMSC" DLR (8) names it.
    await k.waitFor(() => k.dlrs.some((d) => d.type === 8), 10_000, 'DLR 8 (SMSC ack)');
    expect(k.dlrs[0]).toMatchObject({ id: r.id, type: 8, smscId: 'snaptel', foreignId: 'm1', answer: 'ACK/' });

    const submitted = now() - 5000;
    const done = now();
    expect(await h.server.deliver('kannel', { source: sm.destination, destination: sm.source, receipt: { messageId: 'm1', state: 'DELIVERED', submitted, done, text: 'Hello' } })).toBe('ok');
    await k.waitFor(() => k.dlrs.some((d) => d.type === 1), 10_000, 'DLR 1 (delivered)');
    const dlr = k.dlrs.find((d) => d.type === 1)!;
    expect(dlr).toMatchObject({ id: r.id, type: 1, foreignId: 'm1', from: '4915222', to: '4915111' });
    expect(dlr.answer).toBe(receiptText({ messageId: 'm1', state: 'DELIVERED', submitted, done, text: 'Hello' }));
    expect(dlr.answer).toMatch(/^id:m1 sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 Text:Hello$/);
    // What Kannel read: esm_class 4, the receipted_message_id and message_state TLVs.
    const got = k.pdus().find((p) => p.dir === 'got' && p.type === 'deliver_sm')!;
    expect(got.fields).toMatchObject({ esm_class: '4', receipted_message_id: 'm1', message_state: '2' });
    expect(k.pdus().find((p) => p.dir === 'sent' && p.type === 'deliver_sm_resp')?.fields.command_status).toBe('0');
  });

  it('sendsms coding=2 -> submit_sm data_coding 8 with the UCS2 text; UNDELIVERABLE receipt -> dlr-url type 2', async () => {
    const { h, k, submits } = await setup();
    const text = 'Привет, мир ✓ 你好';
    const r = await k.sendSms({ from: '4915111', to: '4915333', text, coding: 2, dlrMask: 3 });
    expect(r.httpStatus).toBe(202);
    await k.waitFor(() => submits.length === 1, 10_000, 'submit_sm at onSubmit');
    const sm = submits[0]!;
    expect(sm.dataCoding).toBe(8);
    expect(sm.registeredDelivery).toBe(1);
    expect(sm.destination.addr).toBe('4915333');
    expect(sm.userData.alphabet).toBe('ucs2');
    expect(sm.userData.ud).toEqual({ text });
    expect(sm.payload).toEqual(Buffer.from(text, 'utf16le').swap16());

    expect(await h.server.deliver('kannel', { source: sm.destination, destination: sm.source, receipt: { messageId: 'm1', state: 'UNDELIVERABLE', submitted: now() - 1000, done: now(), err: 1 } })).toBe('ok');
    await k.waitFor(() => k.dlrs.length === 1, 10_000, 'DLR 2 (failed)');
    expect(k.dlrs[0]).toMatchObject({ id: r.id, type: 2, foreignId: 'm1' });
    expect(k.dlrs[0]!.answer).toMatch(/stat:UNDELIV err:001/);
  });

  it('Kannel reads a receipt from the TLVs alone, and from the Appendix B text alone', async () => {
    const { h, k, submits } = await setup();
    const a = await k.sendSms({ from: '111', to: '4915001', text: 'a', dlrMask: 3 });
    const b = await k.sendSms({ from: '111', to: '4915002', text: 'b', dlrMask: 3 });
    await k.waitFor(() => submits.length === 2, 10_000, 'two submit_sm');
    const byTo = (to: string) => submits.find((s) => s.destination.addr === to)!;
    const ida = `m${submits.indexOf(byTo('4915001')) + 1}`;
    const idb = `m${submits.indexOf(byTo('4915002')) + 1}`;
    // TLVs only: esm_class 4, empty short_message.
    expect(await h.server.deliver('kannel', { source: byTo('4915001').destination, destination: byTo('4915001').source, esmClass: 0x04, shortMessage: Buffer.alloc(0), tlvs: { receipted_message_id: ida, message_state: 2 } })).toBe('ok');
    // Text only: no TLVs.
    const text = receiptText({ messageId: idb, state: 'DELIVERED', submitted: now(), done: now() });
    expect(await h.server.deliver('kannel', { source: byTo('4915002').destination, destination: byTo('4915002').source, esmClass: 0x04, shortMessage: Buffer.from(text, 'latin1') })).toBe('ok');
    await k.waitFor(() => k.dlrs.length === 2, 10_000, 'two DLRs');
    expect(k.dlrs.find((d) => d.id === a.id)).toMatchObject({ type: 1, foreignId: ida });
    expect(k.dlrs.find((d) => d.id === b.id)).toMatchObject({ type: 1, foreignId: idb, answer: text });
  });

  // msg-id-type: bit 0 = submit_sm_resp id in hex, bit 1 = deliver_sm id in hex. Our ids are decimal strings ("10")
  // and the receipt repeats the submit_sm_resp string: the DLR matches when both bits agree (unset, 0 or 3).
  for (const [msgIdType, matches] of [[0, true], [1, false], [2, false], [3, true]] as const) {
    it(`msg-id-type ${msgIdType}: the receipt for id "10" ${matches ? 'matches' : 'is not found'}`, async () => {
      const { h, k, submits } = await setup({}, { msgIdType });
      h.server.onSubmit((sm) => (submits.push(sm), { messageId: '10' }));
      await k.sendSms({ from: '111', to: '4915222', text: 'x', dlrMask: 31 });
      await k.waitFor(() => k.dlrs.length === 1, 10_000, 'DLR 8');
      // Kannel stores the id converted to decimal: "10" read as hex is 16.
      expect(k.dlrs[0]).toMatchObject({ type: 8, foreignId: msgIdType & 1 ? '16' : '10' });
      expect(await h.server.deliver('kannel', { source: submits[0]!.destination, destination: submits[0]!.source, receipt: { messageId: '10', state: 'DELIVERED', submitted: now(), done: now() } })).toBe('ok');
      if (matches) await k.waitFor(() => k.dlrs.length === 2, 10_000, 'DLR 1');
      else {
        await k.waitFor(() => /got DLR but could not find message/.test(k.bearerboxLog()), 10_000, 'Kannel not finding the DLR');
        await sleep(300);
      }
      expect(k.dlrs.map((d) => d.type)).toEqual(matches ? [8, 1] : [8]);
    });
  }

  it('our refusal (ESME_RSUBMITFAIL) reaches Kannel: dlr-url type 16 with NACK and the status', async () => {
    const { h, k } = await setup();
    h.server.onSubmit(() => ({ status: STATUS.ESME_RSUBMITFAIL }));
    const r = await k.sendSms({ from: '111', to: '4915222', text: 'no', dlrMask: 31 });
    await k.waitFor(() => k.dlrs.length === 1, 10_000, 'DLR 16');
    expect(k.dlrs[0]).toMatchObject({ id: r.id, type: 16 });
    expect(k.dlrs[0]!.answer).toBe('NACK/0x00000045/Submit failed'); // the status in hex, then Kannel's name for it
    expect(h.server.counters.submitErrors).toBe(1);
  });

  it('a 200-character text arrives as two submit_sm with a concatenation UDH', async () => {
    const { k, submits } = await setup();
    const text = 'x'.repeat(150) + 'y'.repeat(50);
    await k.sendSms({ from: '111', to: '4915222', text, dlrMask: 0 });
    await k.waitFor(() => submits.length === 2, 10_000, 'two submit_sm');
    const [p1, p2] = submits.map((s) => s.userData);
    expect(submits.map((s) => s.esmClass & 0x40)).toEqual([0x40, 0x40]);
    expect(p1!.concat).toMatchObject({ total: 2, seq: 1, from: 'udh' });
    expect(p2!.concat).toMatchObject({ total: 2, seq: 2, ref: p1!.concat!.ref, from: 'udh' });
    const body = (u: typeof p1) => (u!.ud as { text: string }).text;
    expect(body(p1) + body(p2)).toBe(text);
  });

  it('deliver_sm (MO, GSM and UCS2) reaches the sms-service get-url with sender, receiver and text', async () => {
    const { h, k } = await setup();
    expect(await h.server.deliver('kannel', { source: { ton: 1, npi: 1, addr: '4915444' }, destination: { ton: 0, npi: 1, addr: '1234' }, text: 'Hi from the MS @£$ [ok]' })).toBe('ok');
    expect(await h.server.deliver('kannel', { source: { ton: 2, npi: 1, addr: '015155' }, destination: { ton: 0, npi: 1, addr: '1234' }, text: 'Ответ ✓' })).toBe('ok');
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(7); // 315 septets: message_payload
    expect(await h.server.deliver('kannel', { source: { ton: 1, npi: 1, addr: '4915444' }, destination: { ton: 0, npi: 1, addr: '1234' }, text: long })).toBe('ok');
    await k.waitFor(() => k.mo.length === 3, 10_000, 'three MO at get-url');
    expect(k.mo.find((m) => m.text === long)).toMatchObject({ from: '+4915444', coding: 0 });
    expect(k.pdus().filter((p) => p.type === 'deliver_sm').at(-1)!.fields.message_payload).toBe(Buffer.from(long).toString('hex'));
    const gsm = k.mo.find((m) => m.coding === 0 && m.text.startsWith('Hi'))!;
    // Kannel writes an international number (ton 1) with a leading '+'.
    expect(gsm).toMatchObject({ from: '+4915444', to: '1234', text: 'Hi from the MS @£$ [ok]', smscId: 'snaptel' });
    const ucs2 = k.mo.find((m) => m.coding === 2)!;
    expect(ucs2).toMatchObject({ from: '015155', to: '1234', text: 'Ответ ✓', charset: 'UTF-16BE' });
    // The sms-service answers nothing (max-messages 0): no submit_sm came back.
    await sleep(300);
    expect(h.server.counters.submits).toBe(0);
  });

  it("enquire_link from Kannel (every second) is answered and keeps the link up", async () => {
    const { h, k, binds, unbinds } = await setup({ enquireLinkMs: 60_000 }, { enquireLinkInterval: 1 });
    const peer = h.server.status().links[0]!.peer;
    await sleep(3500);
    expect(unbinds).toEqual([]);
    expect(binds).toHaveLength(1);
    expect(h.server.status().links).toEqual([expect.objectContaining({ peer, systemId: 'kannel', mode: 'transceiver' })]);
    expect(await k.smscOnline()).toBe(true);
    const pdus = k.pdus();
    const sent = pdus.filter((p) => p.dir === 'sent' && p.type === 'enquire_link');
    const answered = pdus.filter((p) => p.dir === 'got' && p.type === 'enquire_link_resp' && p.fields.command_status === '0');
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(answered.map((p) => p.fields.sequence_number)).toEqual(sent.map((p) => p.fields.sequence_number));
  });

  it('enquire_link from our server on the idle link is answered by Kannel: the link is not closed as idle', async () => {
    const { h, k, unbinds } = await setup({ enquireLinkMs: 500 }, { enquireLinkInterval: 60 });
    await sleep(3000); // six idle periods: without answers the server would have closed the link after two
    expect(unbinds).toEqual([]);
    expect(h.server.status().links).toHaveLength(1);
    expect(await k.smscOnline()).toBe(true);
    const pdus = k.pdus();
    const got = pdus.filter((p) => p.dir === 'got' && p.type === 'enquire_link');
    const answers = pdus.filter((p) => p.dir === 'sent' && p.type === 'enquire_link_resp');
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(answers.map((p) => p.fields.sequence_number)).toEqual(got.map((p) => p.fields.sequence_number));
    expect(h.logs.some((l) => /idle/.test(l.msg ?? ''))).toBe(false);
  });

  it('sendsms options as Kannel maps them: validity, deferred, mclass, rpi, pid, mwi, 8-bit with a UDH', async () => {
    const { k, submits } = await setup();
    const send = async (extra: Record<string, string | number | Buffer>, coding: 0 | 1 = 0, text = 'hi') => {
      const n = submits.length;
      const r = await k.sendSms({ from: '111', to: '4915222', text, coding, dlrMask: 0, extra });
      expect(r.httpStatus, r.body).toBe(202);
      await k.waitFor(() => submits.length > n, 10_000, `submit_sm for ${JSON.stringify(extra)}`);
      return submits[n]!;
    };
    const t = now();
    // validity/deferred in minutes: Kannel sends absolute times "YYMMDDhhmmss000+" (UTC), whole seconds.
    const v = await send({ validity: 10 });
    expect(Math.abs(v.validUntil! - (t + 600_000))).toBeLessThan(5000);
    expect(k.pdus().filter((p) => p.type === 'submit_sm').at(-1)!.fields.validity_period).toMatch(/^\d{12}000\+$/);
    const d = await send({ deferred: 5 });
    expect(Math.abs(d.scheduledAt! - (t + 300_000))).toBeLessThan(5000);
    // mclass: the F0 coding group (class in bits 1-0); alt-dcs=1 the same here.
    expect((await send({ mclass: 0 })).dataCoding).toBe(0xf0);
    expect((await send({ mclass: 1, 'alt-dcs': 1 })).userData).toMatchObject({ dcs: 0xf1, alphabet: 'gsm7', ud: { text: 'hi' } });
    // mwi=0 (voicemail indication active): the D0 group, GSM 7-bit.
    expect((await send({ mwi: 0 })).userData).toMatchObject({ dcs: 0xd8, alphabet: 'gsm7', ud: { text: 'hi' } });
    const rpi = await send({ rpi: 1 });
    expect(rpi.replyPath).toBe(true);
    expect(rpi.esmClass).toBe(0x83);
    expect((await send({ pid: 65 })).protocolId).toBe(65);
    // 8-bit with a port-addressing UDH: data_coding 4, esm_class UDHI, the header parsed.
    const udh = Buffer.from('06050415810000', 'hex');
    const bin = await send({ udh }, 1, 'bin');
    expect(bin.dataCoding).toBe(4);
    expect(bin.esmClass).toBe(0x43);
    expect(bin.userData.udhi).toBe(true);
    expect(bin.userData.udh).toEqual(udh);
    expect(bin.payload).toEqual(Buffer.concat([udh, Buffer.from('bin')]));
  });

  it('throttling: ESME_RTHROTTLED to a burst, Kannel re-sends and every message arrives once', async () => {
    const { h, k, submits } = await setup({ esmes: [{ ...ESME, throughputPerSecond: 2 }] });
    for (let i = 0; i < 5; i++) expect((await k.sendSms({ from: '111', to: '4915222', text: `t${i}`, dlrMask: 0 })).httpStatus).toBe(202);
    await k.waitFor(() => submits.length === 5, 15_000, 'five submits after the throttling');
    expect(submits.map((s) => (s.userData.ud as { text: string }).text).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(h.server.counters.throttled).toBeGreaterThanOrEqual(1);
    const nacked = k.pdus().filter((p) => p.type === 'submit_sm_resp' && p.fields.command_status === String(STATUS.ESME_RTHROTTLED));
    expect(nacked).toHaveLength(h.server.counters.throttled);
    expect(k.dlrs).toEqual([]);
  });

  it("our server closing: unbind to Kannel, answered; Kannel's reconnects are refused", async () => {
    const { h, k, binds, unbinds } = await setup();
    h.server.close();
    await k.waitFor(() => unbinds.length === 1, 5000, 'unbind event');
    expect(unbinds[0]).toMatchObject({ systemId: 'kannel', reason: 'server closing' });
    await sleep(2500); // reconnect-delay is 1 s
    expect(binds).toHaveLength(1);
    expect(await k.smscOnline()).toBe(false);
    const pdus = k.pdus();
    expect(pdus.find((p) => p.dir === 'got' && p.type === 'unbind')).toBeDefined();
    expect(pdus.find((p) => p.dir === 'sent' && p.type === 'unbind_resp')?.fields.command_status).toBe('0');
    expect(h.logs.filter((l) => l.msg === 'smpp: connection refused: server closed').length).toBeGreaterThanOrEqual(1);
  });

  it('transceiver: false binds a transmitter and a receiver; submit over one, receipt over the other', async () => {
    const { h, k, binds, submits } = await setup({}, { transceiver: false });
    await k.waitFor(() => binds.length === 2, 10_000, 'two binds');
    expect(binds.map((b) => b.mode).sort()).toEqual(['receiver', 'transmitter']);
    const r = await k.sendSms({ from: '111', to: '4915222', text: 'split', dlrMask: 1 });
    await k.waitFor(() => submits.length === 1, 10_000, 'submit_sm');
    const tx = h.server.status().links.find((l) => l.mode === 'transmitter')!;
    expect(tx.counters.submits).toBe(1);
    // Kannel files the message id for DLR matching when it reads our submit_sm_resp, on its
    // transmitter connection; a receipt on the receiver that overtakes that is not matched.
    await sleep(500);
    expect(await h.server.deliver('kannel', { source: submits[0]!.destination, destination: submits[0]!.source, receipt: { messageId: 'm1', state: 'DELIVERED', submitted: now(), done: now() } })).toBe('ok');
    await k.waitFor(() => k.dlrs.length === 1, 10_000, 'DLR 1');
    expect(k.dlrs[0]).toMatchObject({ id: r.id, type: 1 });
    expect(h.server.status().links.find((l) => l.mode === 'receiver')!.counters.delivers).toBe(1);
  });

  it('a wrong password: our server refuses the bind, start() throws with the log tail and leaves no process', async () => {
    h = await harness({ esmes: [ESME] });
    const dir = tmpDir('kannel');
    dirs.push(dir);
    const err = await KannelPeer.start({ dir, smscHost: h.host, smscPort: h.port, systemId: 'kannel', password: 'wrong', systemType: 'SNAPTEL', startTimeoutMs: 3000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/did not come up/);
    expect(err?.message).toMatch(/bearerbox\.log/);
    expect(h.server.counters.bindFailures).toBeGreaterThanOrEqual(1);
    expect(h.logs.some((l) => l.msg === 'smpp: bind refused: wrong password')).toBe(true);
    expect(h.server.bound('kannel')).toBe(false);
    expect(processesUsing(dir)).toEqual([]);
  });

  it('stop(): Kannel unbinds, and bearerbox and smsbox are gone', async () => {
    const { k, unbinds, dir } = await setup();
    const { bearerbox, smsbox } = k.pids;
    expect(bearerbox).toBeGreaterThan(0);
    expect(smsbox).toBeGreaterThan(0);
    expect(processesUsing(dir)).toHaveLength(2);
    await k.stop();
    expect(unbinds).toEqual([expect.objectContaining({ systemId: 'kannel', reason: 'unbind' })]);
    for (const pid of [bearerbox!, smsbox!]) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(processesUsing(dir)).toEqual([]);
  });
});

/** Pids whose command line names `dir` (Linux /proc). */
function processesUsing(dir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(dir)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}
