import { afterEach, describe, expect, it } from 'vitest';
import { STATUS, decodePdu, encodePdu, parseReceiptText, type SubmitRequest } from '../src';
import { bound, call, connect, harness, nextEvent, raw, sleep, smpp, type Harness } from './helpers';

let h: Harness | undefined;
const sessions: any[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await h?.close();
  h = undefined;
});
const track = <T>(s: T): T => (sessions.push(s), s);

describe('binds', () => {
  for (const mode of ['transmitter', 'receiver', 'transceiver'] as const) {
    it(`bind_${mode} with the configured credentials`, async () => {
      h = await harness({ systemId: 'MSC' });
      const events: any[] = [];
      h.server.on('bind', (e) => events.push(e));
      const s = track(await connect(h));
      const r = await call(s, `bind_${mode}`, { system_id: 'app', password: 'secret' });
      expect(r.command).toBe(`bind_${mode}_resp`);
      expect(r.command_status).toBe(0);
      expect(r.system_id).toBe('MSC');
      expect(r.sc_interface_version).toBe(0x34);
      expect(events).toEqual([expect.objectContaining({ systemId: 'app', mode })]);
      expect(h.server.bound('app')).toBe(mode !== 'transmitter');
      expect(h.server.bound('app', mode)).toBe(true);
      expect(h.server.status().links[0]).toMatchObject({ systemId: 'app', mode });
    });
  }

  it('wrong password, unknown system_id, wrong system_type, mode not allowed, bound twice: the right status, link stays up', async () => {
    h = await harness();
    const s = track(await connect(h));
    expect((await call(s, 'bind_transceiver', { system_id: 'app', password: 'nope' })).command_status).toBe(smpp.ESME_RINVPASWD);
    expect((await call(s, 'bind_transceiver', { system_id: 'who', password: 'secret' })).command_status).toBe(smpp.ESME_RINVSYSID);
    expect((await call(s, 'bind_transceiver', { system_id: 'typed', password: 'pw', system_type: 'X' })).command_status).toBe(smpp.ESME_RINVSYSTYP);
    expect((await call(s, 'bind_transmitter', { system_id: 'rxonly', password: 'pw' })).command_status).toBe(smpp.ESME_RBINDFAIL);
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
    expect((await call(s, 'bind_transceiver', { system_id: 'typed', password: 'pw', system_type: 'VMS' })).command_status).toBe(0);
    expect((await call(s, 'bind_receiver', { system_id: 'typed', password: 'pw', system_type: 'VMS' })).command_status).toBe(smpp.ESME_RALYBND);
    expect(h.server.counters.bindFailures).toBe(5);
    expect(h.logs.some((l) => l.msg === 'smpp: bind refused: wrong password')).toBe(true);
  });

  it('submit before bind: ESME_RINVBNDSTS; submit on a receiver: ESME_RINVBNDSTS', async () => {
    h = await harness();
    h.server.onSubmit(() => ({ messageId: 'x' }));
    const s = track(await connect(h));
    expect((await call(s, 'submit_sm', { destination_addr: '123', short_message: 'hi' })).command_status).toBe(smpp.ESME_RINVBNDSTS);
    expect((await call(s, 'bind_receiver', { system_id: 'app', password: 'secret' })).command_status).toBe(0);
    expect((await call(s, 'submit_sm', { destination_addr: '123', short_message: 'hi' })).command_status).toBe(smpp.ESME_RINVBNDSTS);
  });

  it('unbind: unbind_resp, the link closes, the unbind event fires', async () => {
    h = await harness();
    const s = track(await bound(h, 'transceiver'));
    const ev = new Promise<any>((r) => h!.server.once('unbind', r));
    const closed = nextEvent(s, 'close');
    const r = await call(s, 'unbind');
    expect(r.command).toBe('unbind_resp');
    expect(r.command_status).toBe(0);
    expect(await ev).toMatchObject({ systemId: 'app', mode: 'transceiver', reason: 'unbind' });
    await closed;
    expect(h.server.status().links).toHaveLength(0);
  });
});

describe('submit_sm and data_sm', () => {
  it('submit_sm reaches onSubmit mapped, and the resp carries the message id', async () => {
    h = await harness();
    const got: SubmitRequest[] = [];
    h.server.onSubmit((sm) => (got.push(sm), { messageId: `m${got.length}` }));
    const s = track(await bound(h, 'transmitter'));
    const r = await call(s, 'submit_sm', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '4915112345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '4917099999',
      registered_delivery: 1,
      data_coding: 0,
      validity_period: '000001000000000R',
      short_message: 'Hello {world} @ 10€',
    });
    expect(r.command_status).toBe(0);
    expect(r.message_id).toBe('m1');
    const sm = got[0]!;
    expect(sm.source).toEqual({ ton: 1, npi: 1, addr: '4915112345' });
    expect(sm.destination).toEqual({ ton: 1, npi: 1, addr: '4917099999' });
    expect(sm.receipt).toBe('final');
    expect(sm.userData).toMatchObject({ dcs: 0, alphabet: 'gsm7', udhi: false, fitsOne: true, ud: { text: 'Hello {world} @ 10€' } });
    // { } € are two septets each: 19 characters, 22 septets.
    expect(sm.userData.udl).toBe(22);
    expect(sm.validUntil! - sm.receivedAt).toBe(86_400_000);
  });

  it('UCS2, 8-bit with a concatenation UDH, sar_* TLVs and message_payload', async () => {
    h = await harness();
    const got: SubmitRequest[] = [];
    h.server.onSubmit((sm) => (got.push(sm), { messageId: String(got.length) }));
    const s = track(await bound(h, 'transceiver'));
    const ucs = await call(s, 'submit_sm', { destination_addr: '1234', data_coding: 8, short_message: 'Привет' });
    expect(ucs.command_status).toBe(0);
    expect(got[0]!.userData).toMatchObject({ dcs: 8, alphabet: 'ucs2', ud: { text: 'Привет' }, udl: 12 });
    const udh = Buffer.from('050003a50302', 'hex');
    const bin = await call(s, 'submit_sm', { destination_addr: '1234', data_coding: 4, esm_class: 0x40, short_message: Buffer.concat([udh, Buffer.from('cafe', 'hex')]) });
    expect(bin.command_status).toBe(0);
    expect(got[1]!.userData).toMatchObject({ dcs: 4, alphabet: '8bit', udhi: true, ud: { header: [{ type: 'concat8', ref: 0xa5, total: 3, seq: 2 }], body: 'cafe' }, concat: { ref: 0xa5, total: 3, seq: 2, from: 'udh' } });
    const sar = await call(s, 'submit_sm', { destination_addr: '1234', data_coding: 0, short_message: 'part', sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 1 });
    expect(sar.command_status).toBe(0);
    expect(got[2]!.userData.concat).toEqual({ ref: 7, total: 2, seq: 1, from: 'sar' });
    const long = 'x'.repeat(300);
    const mp = await call(s, 'submit_sm', { destination_addr: '1234', data_coding: 0, message_payload: long });
    expect(mp.command_status).toBe(0);
    expect(got[3]!.userData).toMatchObject({ udl: 300, fitsOne: false, ud: { text: long } });
  });

  it('data_sm goes the same way and gets data_sm_resp', async () => {
    h = await harness();
    const got: SubmitRequest[] = [];
    h.server.onSubmit((sm) => (got.push(sm), { messageId: 'd1' }));
    const s = track(await bound(h, 'transceiver'));
    const r = await call(s, 'data_sm', { source_addr: '555', destination_addr: '4917099999', data_coding: 0, message_payload: 'data sm text' });
    expect(r.command).toBe('data_sm_resp');
    expect(r.command_status).toBe(0);
    expect(r.message_id).toBe('d1');
    expect(got[0]).toMatchObject({ command: 'data_sm', source: { addr: '555' }, userData: { ud: { text: 'data sm text' } } });
  });

  it('errors from the checks and from the MSC: bad addresses, validity, DCS, handler status; the link stays up', async () => {
    h = await harness();
    h.server.onSubmit((sm) => (sm.destination.addr === '666' ? { status: smpp.ESME_RSUBMITFAIL } : { messageId: 'ok' }));
    const s = track(await bound(h, 'transmitter'));
    const st = async (o: Record<string, unknown>) => (await call(s, 'submit_sm', { data_coding: 0, short_message: 'x', ...o })).command_status;
    expect(await st({ destination_addr: '' })).toBe(smpp.ESME_RINVDSTADR);
    expect(await st({ destination_addr: 'abc' })).toBe(smpp.ESME_RINVDSTADR);
    expect(await st({ destination_addr: '1', dest_addr_ton: 9 })).toBe(smpp.ESME_RINVDSTTON);
    expect(await st({ destination_addr: '1', source_addr: 'x y' })).toBe(smpp.ESME_RINVSRCADR);
    expect(await st({ destination_addr: '1', source_addr_ton: 5, source_addr: 'MyShop' })).toBe(0);
    expect(await st({ destination_addr: '1', validity_period: '991399000000000+' })).toBe(smpp.ESME_RINVEXPIRY);
    expect(await st({ destination_addr: '1', validity_period: '100101000000000+' })).toBe(smpp.ESME_RINVEXPIRY);
    expect(await st({ destination_addr: '1', data_coding: 0x05, short_message: Buffer.from('x') })).toBe(0x104);
    expect(await st({ destination_addr: '1', priority_flag: 7 })).toBe(smpp.ESME_RINVPRTFLG);
    expect(await st({ destination_addr: '666' })).toBe(smpp.ESME_RSUBMITFAIL);
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
    expect(await st({ destination_addr: '1' })).toBe(0);
  });

  it('the window: submits beyond windowSize waiting for the MSC get ESME_RMSGQFUL; short_message and message_payload both: ESME_RINVTLVVAL', async () => {
    h = await harness();
    const release: (() => void)[] = [];
    h.server.onSubmit(() => new Promise((r) => release.push(() => r({ messageId: 'late' }))));
    const s = track(await bound(h, 'transceiver'));
    const all = Array.from({ length: 11 }, () => call(s, 'submit_sm', { destination_addr: '1', short_message: 'x' }));
    const eleventh = await all[10]!;
    expect(eleventh.command_status).toBe(smpp.ESME_RMSGQFUL);
    expect(release).toHaveLength(10);
    expect(h.server.status().links[0]!.inflightSubmits).toBe(10);
    release.forEach((f) => f());
    const first10 = await Promise.all(all.slice(0, 10));
    expect(first10.map((r) => r.message_id)).toEqual(Array(10).fill('late'));
    const both = call(s, 'submit_sm', { destination_addr: '1', data_coding: 4, short_message: Buffer.from('a'), message_payload: Buffer.from('b') });
    expect((await both).command_status).toBe(smpp.ESME_RINVTLVVAL);
  });

  it('a deliver_sm from an ESME: generic_nack ESME_RINVCMDID, link up', async () => {
    h = await harness();
    const s = track(await bound(h, 'transceiver'));
    const nack = nextEvent(s, 'generic_nack');
    s.deliver_sm({ destination_addr: '1', short_message: 'x' });
    expect((await nack).command_status).toBe(smpp.ESME_RINVCMDID);
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
  });

  it('throttling: a token bucket per ESME answers ESME_RTHROTTLED beyond the rate, then recovers', async () => {
    h = await harness();
    h.server.onSubmit(() => ({ messageId: 'ok' }));
    const s = track(await bound(h, 'transmitter', 'slow', 'pw'));
    const other = track(await bound(h, 'transmitter'));
    const statuses = await Promise.all(Array.from({ length: 6 }, () => call(s, 'submit_sm', { destination_addr: '1', short_message: 'x' }).then((r) => r.command_status)));
    expect(statuses.filter((x) => x === 0)).toHaveLength(2);
    expect(statuses.filter((x) => x === smpp.ESME_RTHROTTLED)).toHaveLength(4);
    // Another ESME is not affected.
    const others = await Promise.all(Array.from({ length: 6 }, () => call(other, 'submit_sm', { destination_addr: '1', short_message: 'x' }).then((r) => r.command_status)));
    expect(others.every((x) => x === 0)).toBe(true);
    await sleep(600);
    expect((await call(s, 'submit_sm', { destination_addr: '1', short_message: 'x' })).command_status).toBe(0);
    expect(h.server.counters.throttled).toBe(4);
  });
});

describe('deliver_sm', () => {
  it('an MO message to a bound receiver; no receiver: no-link', async () => {
    h = await harness();
    expect(await h.server.deliver('app', { source: { ton: 1, npi: 1, addr: '4915112345' }, destination: { ton: 0, npi: 0, addr: '1234' }, text: 'x' })).toBe('no-link');
    const s = track(await bound(h, 'receiver'));
    s.on('deliver_sm', (pdu: any) => s.send(pdu.response()));
    const got = nextEvent(s, 'deliver_sm');
    const res = h.server.deliver('app', { source: { ton: 1, npi: 1, addr: '4915112345' }, destination: { ton: 0, npi: 0, addr: '1234' }, text: 'Grüße from a phone' });
    const pdu = await got;
    expect(await res).toBe('ok');
    expect(pdu.source_addr).toBe('4915112345');
    expect(pdu.source_addr_ton).toBe(1);
    expect(pdu.destination_addr).toBe('1234');
    expect(pdu.esm_class).toBe(0);
    expect(pdu.data_coding).toBe(0);
    expect(pdu.short_message.message).toBe('Grüße from a phone');
    // Not in the GSM alphabet: UCS2.
    const got2 = nextEvent(s, 'deliver_sm');
    expect(await h.server.deliver('app', { source: { ton: 1, npi: 1, addr: '1' }, destination: { ton: 0, npi: 0, addr: '2' }, text: 'Привет' })).toBe('ok');
    const p2 = await got2;
    expect(p2.data_coding).toBe(8);
    expect(p2.short_message.message).toBe('Привет');
  });

  it('a delivery receipt (Appendix B text, esm_class 0x04, TLVs) parsed back by the client', async () => {
    h = await harness();
    const s = track(await bound(h, 'transceiver'));
    s.on('deliver_sm', (pdu: any) => s.send(pdu.response()));
    const got = nextEvent(s, 'deliver_sm');
    const submitted = Date.UTC(2026, 10, 25, 1, 2, 0);
    const done = Date.UTC(2026, 10, 25, 1, 3, 0);
    const r = await h.server.deliver('app', {
      source: { ton: 1, npi: 1, addr: '4917099999' },
      destination: { ton: 1, npi: 1, addr: '4915112345' },
      receipt: { messageId: 'abc123', state: 'DELIVERED', submitted, done, text: 'Hello world, this is long' },
    });
    expect(r).toBe('ok');
    const pdu = await got;
    expect(pdu.esm_class & 0x3c).toBe(smpp.ESM_CLASS.MC_DELIVERY_RECEIPT);
    expect(pdu.receipted_message_id).toBe('abc123');
    expect(pdu.message_state).toBe(smpp.MESSAGE_STATE.DELIVERED);
    const text: string = pdu.short_message.message;
    expect(text).toBe('id:abc123 sub:001 dlvrd:001 submit date:2611250102 done date:2611250103 stat:DELIVRD err:000 Text:Hello world, this is');
    expect(parseReceiptText(text)).toMatchObject({ id: 'abc123', stat: 'DELIVRD', submitDate: '2611250102' });
  });

  it('an ESME error status comes back as the number; no answer: timeout', async () => {
    h = await harness({ responseTimeoutMs: 200 });
    const s = track(await bound(h, 'receiver'));
    s.once('deliver_sm', (pdu: any) => s.send(pdu.response({ command_status: smpp.ESME_RX_T_APPN })));
    const m = { source: { ton: 0, npi: 0, addr: '1' }, destination: { ton: 0, npi: 0, addr: '2' }, text: 'x' };
    expect(await h.server.deliver('app', m)).toBe(smpp.ESME_RX_T_APPN);
    expect(await h.server.deliver('app', m)).toBe('timeout');
  });

  it('the window: at most windowSize deliver_sm outstanding, the rest queued', async () => {
    h = await harness();
    const s = track(await bound(h, 'receiver'));
    const held: any[] = [];
    s.on('deliver_sm', (pdu: any) => held.push(pdu));
    const m = { source: { ton: 0, npi: 0, addr: '1' }, destination: { ton: 0, npi: 0, addr: '2' }, text: 'x' };
    const all = Array.from({ length: 14 }, () => h!.server.deliver('app', m));
    await sleep(100);
    expect(held).toHaveLength(10);
    expect(h.server.status().links[0]).toMatchObject({ pending: 10, queued: 4 });
    for (const p of held.splice(0)) s.send(p.response());
    await sleep(100);
    expect(held).toHaveLength(4);
    for (const p of held.splice(0)) s.send(p.response());
    expect(await Promise.all(all)).toEqual(Array(14).fill('ok'));
  });
});

describe('link supervision and bad PDUs', () => {
  it('enquire_link is answered in every state', async () => {
    h = await harness();
    const s = track(await connect(h));
    const r = await call(s, 'enquire_link');
    expect(r.command).toBe('enquire_link_resp');
    expect(r.command_status).toBe(0);
  });

  it('an idle link gets enquire_link; one that does not answer is closed', async () => {
    h = await harness({ enquireLinkMs: 150 });
    const s = track(await bound(h, 'transceiver'));
    const enq = await nextEvent(s, 'enquire_link');
    expect(enq.command).toBe('enquire_link');
    s.send(enq.response());
    // Answering keeps it up; then stop answering.
    await nextEvent(s, 'enquire_link');
    const t0 = Date.now();
    await nextEvent(s, 'close');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(h.logs.some((l) => /idle/.test(l.msg ?? ''))).toBe(true);
  });

  it('unknown command_id from raw bytes: generic_nack ESME_RINVCMDID with its sequence, then enquire_link still answered', async () => {
    h = await harness();
    const s = track(await bound(h, 'transceiver'));
    const nack = nextEvent(s, 'generic_nack');
    s.socket.write(Buffer.from('000000100000ABCD000000000000002A', 'hex'));
    const n = await nack;
    expect(n.command_status).toBe(smpp.ESME_RINVCMDID);
    expect(n.sequence_number).toBe(42);
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
  });

  it('command_length below 16: generic_nack ESME_RINVCMDLEN, the link stays up', async () => {
    h = await harness();
    const c = await raw(h);
    c.sock.write(Buffer.from('0000000800000015', 'hex'));
    const got = await c.waitFor(16);
    const p = decodePdu(got.subarray(0, 16));
    expect(p).toMatchObject({ command: 'generic_nack', status: STATUS.ESME_RINVCMDLEN });
    c.sock.write(encodePdu({ command: 'enquire_link', seq: 9 }));
    const more = await c.waitFor(32);
    expect(decodePdu(more.subarray(16, 32))).toMatchObject({ command: 'enquire_link_resp', seq: 9, status: 0 });
    c.sock.destroy();
  });

  it('a truncated submit_sm body: submit_sm_resp with an error status, the link stays up', async () => {
    h = await harness();
    h.server.onSubmit(() => ({ messageId: 'x' }));
    const c = await raw(h);
    c.sock.write(encodePdu({ command: 'bind_transmitter', seq: 1, body: { system_id: 'app', password: 'secret', interface_version: 0x34 } }));
    await c.waitFor(1);
    const good = encodePdu({ command: 'submit_sm', seq: 2, body: { destination_addr: '123', short_message: Buffer.from('hello') } });
    const cut = Buffer.from(good.subarray(0, good.length - 3));
    cut.writeUInt32BE(cut.length, 0);
    const before = c.received().length;
    c.sock.write(cut);
    const got = await c.waitFor(before + 16);
    const resp = decodePdu(got.subarray(before, before + 16));
    expect(resp).toMatchObject({ command: 'submit_sm_resp', seq: 2, status: STATUS.ESME_RINVMSGLEN });
    c.sock.write(good);
    const ok = await c.waitFor(before + 16 + 18);
    expect(decodePdu(ok.subarray(before + 16))).toMatchObject({ command: 'submit_sm_resp', seq: 2, status: 0, body: { message_id: 'x' } });
    c.sock.destroy();
  });
});
