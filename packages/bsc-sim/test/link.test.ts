import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@snaptel/codec';
import { BscSim, LinkDownError, resolveTimers, TIMERS } from '../src';
import { FakeMsc } from './fake-msc';

/**
 * The link: IPA CCM as osmo-bsc answers it, BSSMAP RESET / RESET
 * ACKNOWLEDGE, repeats, PING/PONG, the MSC's RESET, and reconnection after
 * the TCP link drops. Expected bytes are written out by hand from the IPA
 * framing (libosmocore ipa.c) and TS 48.008, or taken from the osmo-bsc
 * capture in fixtures/.
 */

const ROOT = path.resolve(__dirname, '../../..');
let msc: FakeMsc | undefined;
let bsc: BscSim | undefined;

afterEach(async () => {
  await bsc?.stop();
  await msc?.close();
  bsc = msc = undefined;
});

async function setup(opts: ConstructorParameters<typeof BscSim>[0] = {}): Promise<{ msc: FakeMsc; bsc: BscSim }> {
  msc = await FakeMsc.start();
  bsc = new BscSim({ msc: `127.0.0.1:${msc.port}`, ...opts });
  return { msc, bsc };
}

/** The frame osmo-bsc 1.9 sent as its BSSMAP RESET (fixtures/osmo-bsc-sccplite-reset.ok, frame 7). */
function osmoBscReset(): string {
  const ok = fs.readFileSync(path.join(ROOT, 'fixtures/osmo-bsc-sccplite-reset.ok'), 'utf8');
  const line = ok.split('\n').find((l) => l.startsWith('7 BSC->MSC '));
  return line!.split(' ')[2]!;
}

describe('IPA CCM and BSSMAP RESET', () => {
  it('answers ID_GET with its unit name, ID_ACK with ID_ACK, then sends a RESET byte-identical to osmo-bsc\'s, and is up on RESET ACKNOWLEDGE', async () => {
    const { msc, bsc } = await setup({ unitName: 'bsc-sim-0' });
    const ups: number[] = [];
    bsc.on('link-up', () => ups.push(1));
    const started = bsc.start();
    await msc.waitConnection(1);
    msc.send({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } });
    const resp = await msc.expect('CCM ID_RESP');
    // length 0x000e, proto 0xfe, ID_RESP 0x05, entry length 0x000b (tag + 10), tag 0x01 UNITNAME, "bsc-sim-0\0"
    expect(toHex(resp.bytes)).toBe('000efe05000b01' + Buffer.from('bsc-sim-0\0').toString('hex'));
    expect(bsc.isUp).toBe(false);
    msc.send({ proto: 'CCM', ccm: { type: 'ID_ACK' } });
    expect(toHex((await msc.expect('CCM ID_ACK')).bytes)).toBe('0001fe06');
    const reset = await msc.expect('RESET');
    // UDT class 0 from BSC PC 187 / SSN 254 to MSC PC 185 / SSN 254, BSSMAP RESET cause 0x20: what osmo-bsc sends.
    expect(toHex(reset.bytes)).toBe(osmoBscReset());
    expect(toHex(reset.bytes)).toBe('0016fd090003070b0443b900fe0443bb00fe06000430040120');
    expect(bsc.isUp).toBe(false);
    msc.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
    await started;
    expect(bsc.isUp).toBe(true);
    expect(ups).toEqual([1]);
    expect(bsc.stats().resetsAcknowledged).toBe(1);
  });

  it('repeats RESET every T4 until acknowledged, then stops repeating', async () => {
    const { msc, bsc } = await setup({ timers: { T4: 150 } });
    const started = bsc.start();
    await msc.waitConnection(1);
    msc.send({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } });
    await msc.expect('CCM ID_RESP');
    msc.send({ proto: 'CCM', ccm: { type: 'ID_ACK' } });
    await msc.expect('CCM ID_ACK');
    const t0 = Date.now();
    await msc.expect('RESET');
    await msc.expect('RESET', 1000);
    await msc.expect('RESET', 1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    msc.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
    await started;
    await msc.quiet(400);
  });

  it('sends RESET after X_CCM when the MSC never asks for its identity', async () => {
    const notes: string[] = [];
    const { msc, bsc } = await setup({ timers: { X_CCM: 100 }, trace: (l) => notes.push(l) });
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.expect('RESET', 1000);
    msc.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
    await started;
    expect(notes.some((n) => n.startsWith('# X_CCM expired'))).toBe(true);
  });

  it('answers PING with PONG, and PINGs the MSC every X_PING when asked to', async () => {
    const { msc, bsc } = await setup({ pingIntervalMs: 100 });
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    msc.send({ proto: 'CCM', ccm: { type: 'PING' } });
    // the BSC's own PING may come first: collect the next two frames
    const two = [await msc.next(1000), await msc.next(1000)].map((r) => toHex(r.bytes)).sort();
    expect(two).toEqual(['0001fe00', '0001fe01']); // PING and PONG as libosmocore spells them
    msc.send({ proto: 'CCM', ccm: { type: 'PONG' } });
  });

  it('drops the link when no PONG comes within X_PONG, and comes back', async () => {
    const { msc, bsc } = await setup({ pingIntervalMs: 50, timers: { X_PONG: 100, X_RECONNECT_MIN: 50 } });
    const downs: string[] = [];
    bsc.on('link-down', (r: string) => downs.push(r));
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    await msc.expect('CCM PING', 1000);
    await msc.waitConnection(2, 2000);
    expect(downs).toEqual(['no PONG within 100 ms']);
  });

  it('answers the MSC\'s RESET with RESET ACKNOWLEDGE (UDT to MSC PC 185 from BSC PC 187)', async () => {
    const { msc, bsc } = await setup();
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    const resets: number[] = [];
    bsc.on('reset', () => resets.push(1));
    msc.sendUdt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x07 } });
    const ack = await msc.expect('RESET ACKNOWLEDGE');
    // IPA len 0x13, SCCP UDT called 43 b900 fe, calling 43 bb00 fe, data 00 01 31
    expect(toHex(ack.bytes)).toBe('0013fd090003070b0443b900fe0443bb00fe03000131');
    expect(resets).toEqual([1]);
  });

  it('reconnects with backoff when the TCP link drops, redoes CCM and RESET, and emits link-down / link-up', async () => {
    const { msc, bsc } = await setup({ timers: { X_RECONNECT_MIN: 50, X_RECONNECT_MAX: 200 } });
    const events: string[] = [];
    bsc.on('link-down', () => events.push('down'));
    bsc.on('link-up', () => events.push('up'));
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    msc.dropConnection();
    await msc.waitConnection(2, 3000);
    expect(bsc.isUp).toBe(false);
    const back = bsc.waitLinkUp(3000);
    await msc.handshake();
    await back;
    expect(events).toEqual(['up', 'down', 'up']);
    expect(bsc.stats().tcpConnections).toBe(2);
    expect(bsc.stats().resetsAcknowledged).toBe(2);
  });

  it('start() rejects with LinkDownError when nothing acknowledges the RESET in time, and leaves nothing running', async () => {
    const { msc, bsc } = await setup({ timers: { X_CCM: 50 } });
    const err = await bsc.start({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkDownError);
    expect(String(err)).toMatch(/no RESET ACKNOWLEDGE .* within 300 ms/);
    expect(msc.connections).toBe(1);
  });

  it('start() keeps retrying while the MSC is not listening yet (connection refused), then comes up', async () => {
    msc = await FakeMsc.start();
    const port = msc.port;
    await msc.close();
    bsc = new BscSim({ msc: { port }, timers: { X_RECONNECT_MIN: 50, X_RECONNECT_MAX: 100 } });
    const started = bsc.start({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    msc = await FakeMsc.start(port);
    await msc.waitConnection(1, 3000);
    await msc.handshake();
    await started;
    expect(bsc.isUp).toBe(true);
  });
});

describe('bad input from the MSC', () => {
  it('an SCCP message that does not decode is a protocol-error event, the link stays up', async () => {
    const { msc, bsc } = await setup();
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    const errors: Error[] = [];
    bsc.on('protocol-error', (e: Error) => errors.push(e));
    msc.send({ proto: 'SCCP', payload: '0900' }); // UDT cut after the protocol class
    msc.send({ proto: 'SCCP', payload: '090003070b0443bb00fe0443b900fe03000231' }); // UDT whose BSSMAP says length 2, 1 octet follows
    await new Promise((r) => setTimeout(r, 100));
    expect(errors.map((e) => e.name)).toEqual(['DecodeError', 'DecodeError']);
    expect(errors[0]!.message).toMatch(/^sccp UDT/);
    expect(errors[1]!.message).toMatch(/^bssap/);
    expect(bsc.isUp).toBe(true);
  });

  it('an IPA length beyond 8192 takes the link down (the stream cannot be trusted) and it reconnects', async () => {
    const { msc, bsc } = await setup({ timers: { X_RECONNECT_MIN: 50 } });
    const downs: string[] = [];
    bsc.on('link-down', (r: string) => downs.push(r));
    const started = bsc.start();
    await msc.waitConnection(1);
    await msc.handshake();
    await started;
    msc.sock!.write(Buffer.from('ffff fd 00'.replace(/ /g, ''), 'hex'));
    await msc.waitConnection(2, 2000);
    expect(downs).toHaveLength(1);
    expect(downs[0]).toMatch(/^IPA framing: .*frame length 65535 exceeds limit 8192/);
  });
});

describe('timers', () => {
  it('every timer has a default and a meaning; overrides are checked', () => {
    const t = resolveTimers({ T3210: 500 });
    expect(t.T3210).toBe(500);
    expect(t.T3240).toBe(10_000); // TS 24.008 table 11.1
    expect(t.T303).toBe(30_000); // TS 24.008 table 11.3
    for (const def of Object.values(TIMERS)) expect(def.what.length).toBeGreaterThan(10);
    expect(() => resolveTimers({ T9999: 1 })).toThrow(/unknown timer T9999/);
    expect(() => resolveTimers({ T3210: -1 })).toThrow(/not a duration/);
  });
});
