import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '@snaptel/fsm';
import { decode as gsupDecode, encodeIpa, type GsupMessage } from '@snaptel/gsup';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { GsupError, GsupHlrClient, type GsupClientOptions } from '../src/gsup-client';

/**
 * GsupHlrClient against an HLR scripted here frame by frame, on a virtual
 * clock: the fake link hands the client's bytes to the IPA/GSUP codecs and
 * lets a test deliver any bytes, connect and disconnect at will.
 */

const A = '001010000000001';
const B = '001010000000002';
const TUPLE = (n: number) => ({ rand: `${n.toString(16).padStart(2, '0')}`.repeat(16), sres: '11223344', kc: '0102030405060708' });

type Got = { ccm?: IpaMessage & { proto: 'CCM' }; gsup?: GsupMessage; raw: string };

class ScriptedHlr {
  readonly clock = new VirtualClock();
  readonly got: Got[] = [];
  readonly logs: Array<{ level: 'info' | 'warn'; msg: string; f: object }> = [];
  up = false;
  /** What write() answers while the link is up (false simulates a socket that refuses). */
  writable = true;
  private cb!: Parameters<GsupClientOptions['connect']>[0];
  private deframer = new IpaDeframer();
  readonly client: GsupHlrClient;

  constructor(extra: Partial<GsupClientOptions> = {}) {
    this.client = new GsupHlrClient({
      host: '127.0.0.1',
      port: 4222,
      timers: this.clock,
      log: { info: (f, msg) => this.logs.push({ level: 'info', msg, f }), warn: (f, msg) => this.logs.push({ level: 'warn', msg, f }) },
      connect: (o) => {
        this.cb = o;
        const self = this;
        return {
          write(bytes) {
            if (!self.up || !self.writable) return false;
            for (const f of self.deframer.push(bytes)) {
              const m = ipaDecode(f);
              const raw = Buffer.from(f).toString('hex');
              if (m.proto === 'CCM') self.got.push({ ccm: m as Got['ccm'], raw });
              else if (m.proto === 'OSMO' && m.ext === 'GSUP') self.got.push({ gsup: gsupDecode(Buffer.from(m.payload, 'hex')), raw });
              else throw new Error(`client sent ${JSON.stringify(m)}`);
            }
            return true;
          },
          get connected() {
            return self.up;
          },
        };
      },
      ...extra,
    });
  }

  /** TCP up, without the CCM identity exchange. */
  connectTcp(): void {
    this.up = true;
    this.deframer = new IpaDeframer();
    this.cb.onConnect();
  }

  /** TCP up and osmo-hlr's ID_GET (the tags osmo-hlr 1.5 asks for, in its order) answered. */
  connect(): void {
    this.connectTcp();
    this.ccm({ type: 'ID_GET', tags: ['UNIT', 'MACADDR', 'LOCATION1', 'LOCATION2', 'EQUIPVERS', 'SWVERSION', 'UNITNAME', 'SERNR'].map((tag) => ({ tag: tag as 'UNIT' })) });
  }

  disconnect(): void {
    this.up = false;
    this.cb.onDisconnect();
  }

  bytes(b: Uint8Array | string): void {
    this.cb.onData(typeof b === 'string' ? Buffer.from(b, 'hex') : Buffer.from(b));
  }
  send(m: GsupMessage): void {
    this.bytes(encodeIpa(m));
  }
  ccm(c: (IpaMessage & { proto: 'CCM' })['ccm']): void {
    this.bytes(ipaEncode({ proto: 'CCM', ccm: c }));
  }

  /** GSUP messages the client sent, taken out of the list. */
  take(): GsupMessage[] {
    const out: GsupMessage[] = [];
    for (let i = 0; i < this.got.length; ) {
      const g = this.got[i]!;
      if (g.gsup) {
        out.push(g.gsup);
        this.got.splice(i, 1);
      } else i++;
    }
    return out;
  }

  warnings(): string[] {
    return this.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
  }
}

/** Settles promise callbacks (the client resolves synchronously on delivery; `then` runs on the microtask queue). */
const flush = () => new Promise((r) => setImmediate(r));

function track<T>(p: Promise<T>): { p: Promise<T>; state: () => 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
  const t: { p: Promise<T>; state: () => 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { p, state: () => s };
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    (v) => ((s = 'resolved'), (t.value = v)),
    (e) => ((s = 'rejected'), (t.error = e)),
  );
  return t;
}

describe('GsupHlrClient: IPA CCM', () => {
  it('answers ID_GET with ID_RESP carrying the unit name as a C string in UNITNAME and SERNR, and queues requests until then', async () => {
    const h = new ScriptedHlr({ unitName: 'MSC-1' });
    h.connectTcp();
    expect(h.client.connected).toBe(false);
    const r = track(h.client.sendAuthInfo(A));
    expect(h.got).toEqual([]); // nothing before the identity exchange
    h.ccm({ type: 'ID_GET', tags: [{ tag: 'UNITNAME' }, { tag: 'SERNR' }, { tag: 'MACADDR' }] });
    // ID_RESP by hand (libosmocore ipa_ccm_make_id_resp layout: 16-bit length counting the tag, tag, value;
    // the frame length counts the CCM type byte: 1 + 9 + 9 + 4 = 0x17):
    // "MSC-1\0" = 4d 53 43 2d 31 00, so each name entry is 00 07 <tag> 4d53432d3100; MACADDR gets an empty C string 00 02 07 00.
    expect(h.got[0]!.raw).toBe('0017' + 'fe' + '05' + '0007014d53432d3100' + '0007004d53432d3100' + '00020700');
    expect(h.client.connected).toBe(true);
    const [req] = h.take();
    expect(req).toEqual({ type: 'SendAuthInfoRequest', imsi: A, cnDomain: 2 });
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(1)] });
    await flush();
    expect(r.state()).toBe('resolved');
  });

  it('answers PING with PONG (00 01 fe 01, libosmocore ipa.c) and ignores ID_ACK and PONG', () => {
    const h = new ScriptedHlr();
    h.connect();
    h.got.length = 0;
    h.bytes('0001fe00'); // PING
    h.bytes('0001fe06'); // ID_ACK
    h.bytes('0001fe01'); // PONG
    expect(h.got.map((g) => g.raw)).toEqual(['0001fe01']);
    expect(h.client.status()).toMatchObject({ counters: { pings: 1, malformed: 0, unexpected: 0 } });
  });

  it('sends requests anyway when the HLR never asks for an identity (identifyTimeoutMs)', () => {
    const h = new ScriptedHlr({ identifyTimeoutMs: 1000 });
    h.connectTcp();
    void h.client.updateLocation(A).catch(() => undefined);
    h.clock.advance(999);
    expect(h.take()).toEqual([]);
    h.clock.advance(1);
    expect(h.take()).toEqual([{ type: 'UpdateLocationRequest', imsi: A, cnDomain: 2 }]);
    expect(h.warnings().some((w) => w.includes('did not ask for our identity'))).toBe(true);
  });
});

describe('GsupHlrClient: procedures', () => {
  it('SEND_AUTH_INFO: asks for n vectors, returns the tuples (3G fields too), at most n', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.sendAuthInfo(A, 2);
    expect(h.take()).toEqual([{ type: 'SendAuthInfoRequest', imsi: A, cnDomain: 2, numVectorsReq: 2 }]);
    const q = { ...TUPLE(7), ik: 'aa'.repeat(16), ck: 'bb'.repeat(16), autn: 'cc'.repeat(16), res: 'dd'.repeat(8) };
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [q, TUPLE(8), TUPLE(9)] });
    expect(await r).toEqual([q, TUPLE(8)]);
  });

  it('SEND_AUTH_INFO with AUTS resync sends AUTS and RAND', () => {
    const h = new ScriptedHlr();
    h.connect();
    void h.client.sendAuthInfo(A, undefined, { rand: 'AB'.repeat(16), auts: 'cd'.repeat(14) });
    expect(h.take()).toEqual([{ type: 'SendAuthInfoRequest', imsi: A, cnDomain: 2, auts: 'cd'.repeat(14), rand: 'ab'.repeat(16) }]);
  });

  it('SEND_AUTH_INFO_ERROR rejects with GsupError error-result and its cause', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.sendAuthInfo(A).catch((e: unknown) => e);
    h.send({ type: 'SendAuthInfoError', imsi: A, cause: 2 });
    const e = await r;
    expect(e).toBeInstanceOf(GsupError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'GsupError', code: 'error-result', cause: 2 });
    expect((e as Error).message).toContain('IMSI unknown');
  });

  it('UPDATE_LOCATION: the INSERT_SUBSCRIBER_DATA in its middle is answered, its MSISDN is the result', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = track(h.client.updateLocation(A));
    expect(h.take()).toEqual([{ type: 'UpdateLocationRequest', imsi: A, cnDomain: 2 }]);
    h.send({ type: 'InsertDataRequest', imsi: A, msisdn: { toa: 0x91, digits: '4711' }, cnDomain: 2 });
    expect(h.take()).toEqual([{ type: 'InsertDataResult', imsi: A }]);
    await flush();
    expect(r.state()).toBe('pending');
    h.send({ type: 'UpdateLocationResult', imsi: A });
    await flush();
    expect(r.value).toEqual({ msisdn: '4711' });
  });

  it('UPDATE_LOCATION: an MSISDN IE without digits (osmo-hlr, subscriber without MSISDN) gives no msisdn', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.updateLocation(B);
    h.bytes('0012ee0510010800010100000000f2080100280102'); // InsertDataRequest as osmo-hlr 1.5 sent it
    h.send({ type: 'UpdateLocationResult', imsi: B });
    expect(await r).toEqual({});
    expect(h.take()).toEqual([{ type: 'UpdateLocationRequest', imsi: B, cnDomain: 2 }, { type: 'InsertDataResult', imsi: B }]);
  });

  it('UPDATE_LOCATION_ERROR rejects with its cause', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.updateLocation(A).catch((e: unknown) => e);
    h.send({ type: 'UpdateLocationError', imsi: A, cause: 0x0d });
    expect(await r).toMatchObject({ code: 'error-result', cause: 0x0d });
  });

  it('PURGE_MS resolves on its result', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.purgeMs(A);
    expect(h.take()).toEqual([{ type: 'PurgeMsRequest', imsi: A, cnDomain: 2 }]);
    h.send({ type: 'PurgeMsResult', imsi: A });
    await expect(r).resolves.toBeUndefined();
  });

  it('an INSERT_SUBSCRIBER_DATA outside UPDATE_LOCATION goes to onInsertData; false answers IMSI unknown', () => {
    const seen: Array<[string, object]> = [];
    const h = new ScriptedHlr({ onInsertData: (imsi, d) => (seen.push([imsi, d]), imsi === A) });
    h.connect();
    h.send({ type: 'InsertDataRequest', imsi: A, msisdn: { toa: 0x91, digits: '99' } });
    h.send({ type: 'InsertDataRequest', imsi: B, msisdn: { toa: 0x91, digits: '98' } });
    expect(seen).toEqual([
      [A, { msisdn: '99' }],
      [B, { msisdn: '98' }],
    ]);
    expect(h.take()).toEqual([
      { type: 'InsertDataResult', imsi: A },
      { type: 'InsertDataError', imsi: B, cause: 2 },
    ]);
  });

  it('LOCATION_CANCEL is answered and reported; a request the client does not serve is answered with cause 0x61', () => {
    const cancelled: Array<[string, number | undefined]> = [];
    const h = new ScriptedHlr({ onLocationCancel: (imsi, t) => cancelled.push([imsi, t]) });
    h.connect();
    h.send({ type: 'LocationCancelRequest', imsi: A, cancelType: 1 });
    h.send({ type: 'MtForwardSmRequest', imsi: B, smRpMr: 1 });
    expect(cancelled).toEqual([[A, 1]]);
    expect(h.take()).toEqual([
      { type: 'LocationCancelResult', imsi: A },
      { type: 'MtForwardSmError', imsi: B, cause: 0x61 },
    ]);
  });
});

describe('GsupHlrClient: concurrency', () => {
  it('two IMSIs in flight, answered in the other order, each get their own tuples', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const ra = h.client.sendAuthInfo(A);
    const rb = h.client.sendAuthInfo(B);
    const ul = h.client.updateLocation(A);
    expect(h.take().map((m) => [m.type, (m as { imsi: string }).imsi])).toEqual([
      ['SendAuthInfoRequest', A],
      ['SendAuthInfoRequest', B],
      ['UpdateLocationRequest', A],
    ]);
    h.send({ type: 'InsertDataRequest', imsi: A, msisdn: { toa: 0x91, digits: '1001' } });
    h.send({ type: 'SendAuthInfoResult', imsi: B, authTuples: [TUPLE(0xb)] });
    h.send({ type: 'UpdateLocationResult', imsi: A });
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(0xa)] });
    expect(await ra).toEqual([TUPLE(0xa)]);
    expect(await rb).toEqual([TUPLE(0xb)]);
    expect(await ul).toEqual({ msisdn: '1001' });
    expect(h.client.status()).toMatchObject({ inFlight: 0, counters: { requests: 3, results: 3 } });
  });

  it('two requests of one procedure for one IMSI are answered oldest first', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r1 = h.client.sendAuthInfo(A);
    const r2 = h.client.sendAuthInfo(A);
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(1)] });
    h.send({ type: 'SendAuthInfoError', imsi: A, cause: 0x11 });
    expect(await r1).toEqual([TUPLE(1)]);
    await expect(r2).rejects.toMatchObject({ code: 'error-result', cause: 0x11 });
  });
});

describe('GsupHlrClient: timeouts on a virtual clock', () => {
  it('a request without answer is rejected at requestTimeoutMs, not before; a late answer is dropped', async () => {
    const h = new ScriptedHlr({ requestTimeoutMs: 3000 });
    h.connect();
    const ra = track(h.client.sendAuthInfo(A));
    h.clock.advance(1000);
    const rb = track(h.client.sendAuthInfo(B));
    h.clock.advance(1999);
    await flush();
    expect([ra.state(), rb.state()]).toEqual(['pending', 'pending']);
    h.clock.advance(1);
    await flush();
    expect(ra.state()).toBe('rejected');
    expect(ra.error).toMatchObject({ code: 'timeout' });
    expect(rb.state()).toBe('pending');
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(1)] }); // too late
    h.send({ type: 'SendAuthInfoResult', imsi: B, authTuples: [TUPLE(2)] });
    await flush();
    expect(rb.value).toEqual([TUPLE(2)]);
    h.clock.advance(10_000); // B's timer was cancelled
    expect(h.client.status()).toMatchObject({ inFlight: 0, counters: { timeouts: 1, unexpected: 1, results: 1 } });
    expect(h.warnings().some((w) => w.includes('matches no request'))).toBe(true);
  });

  it('the default deadline is 5000 ms, and a queued request (no identity yet) times out too', async () => {
    const h = new ScriptedHlr({ identifyTimeoutMs: 60_000 });
    h.connectTcp();
    const r = track(h.client.updateLocation(A));
    h.clock.advance(4999);
    await flush();
    expect(r.state()).toBe('pending');
    h.clock.advance(1);
    await flush();
    expect(r.error).toMatchObject({ code: 'timeout' });
    h.connect(); // identity now: nothing left to send
    expect(h.take()).toEqual([]);
  });
});

describe('GsupHlrClient: bad input from the HLR is logged and dropped', () => {
  const BAD: Array<[string, string]> = [
    ['truncated GSUP IE', '0005ee0508010801'],
    ['GSUP without the mandatory IMSI', '0002ee050a'],
    ['unknown GSUP message type', '0004ee05ff0102'],
    ['IPA protocol that is not GSUP', '0002000102'],
    ['OSMO extension that is not GSUP', '0002ee0000'],
    ['CCM ID_GET entry of length 0', '0003fe040001'],
    ['unknown CCM message', '0001fe7f'],
    ['SendAuthInfoResult without its mandatory Auth Tuple', '000cee050a010800010100000000f2'],
    ['answer for an IMSI nobody asked about', encodeHex({ type: 'UpdateLocationResult', imsi: '999990000000001' })],
  ];

  it.each(BAD)('%s', async (_what, bytes) => {
    expect(new IpaDeframer().push(Buffer.from(bytes, 'hex')).length, 'the case is one whole IPA frame').toBe(1);
    const h = new ScriptedHlr();
    h.connect();
    expect(() => h.bytes(bytes)).not.toThrow();
    const st = h.client.status() as { counters: { malformed: number; unexpected: number } };
    expect(st.counters.malformed + st.counters.unexpected).toBe(1);
    expect(h.warnings().length).toBe(1);
    // The link still serves.
    const r = h.client.sendAuthInfo(A);
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(3)] });
    expect(await r).toEqual([TUPLE(3)]);
  });

  it('a SendAuthInfoResult whose tuples lack SRES/Kc rejects the request with bad-result', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.sendAuthInfo(A).catch((e: unknown) => e);
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [{ rand: '00'.repeat(16) }] });
    expect(await r).toMatchObject({ code: 'bad-result' });
  });

  it('an IPA length beyond any GSUP message drops the buffered bytes; frames in later chunks are read again', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const r = h.client.sendAuthInfo(A);
    h.bytes('ffffee05'); // length 65535
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(4)] });
    expect(await r).toEqual([TUPLE(4)]);
    expect(h.client.status()).toMatchObject({ counters: { malformed: 1 } });
  });

  it('frames cut anywhere across chunks are put back together', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const ra = h.client.sendAuthInfo(A);
    const rb = h.client.sendAuthInfo(B);
    const all = Buffer.concat([
      encodeIpa({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(5)] }),
      Buffer.from('0001fe00', 'hex'),
      encodeIpa({ type: 'SendAuthInfoResult', imsi: B, authTuples: [TUPLE(6)] }),
    ]);
    for (let i = 0; i < all.length; i += 3) h.bytes(all.subarray(i, i + 3));
    expect(await ra).toEqual([TUPLE(5)]);
    expect(await rb).toEqual([TUPLE(6)]);
  });

  it('fast-check: random bytes from the HLR never throw out of the client', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
        const h = new ScriptedHlr();
        h.connect();
        void h.client.sendAuthInfo(A).catch(() => undefined);
        for (const c of chunks) h.bytes(c);
        h.disconnect();
        expect(h.client.status()).toMatchObject({ inFlight: 0 });
      }),
      { numRuns: 500 },
    );
  });

  it('fast-check: random GSUP-framed payloads never throw out of the client', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (payload) => {
        const h = new ScriptedHlr();
        h.connect();
        void h.client.updateLocation(A).catch(() => undefined);
        const f = Buffer.concat([Buffer.from([0, payload.length + 1, 0xee, 0x05]), payload]);
        h.bytes(f);
      }),
      { numRuns: 500 },
    );
  });
});

describe('GsupHlrClient: link down', () => {
  it('link down rejects every request in flight (sent or queued) with link-down', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const ra = h.client.sendAuthInfo(A).catch((e: unknown) => e);
    const rb = h.client.updateLocation(B).catch((e: unknown) => e);
    h.disconnect();
    expect(await ra).toMatchObject({ code: 'link-down' });
    expect(await rb).toMatchObject({ code: 'link-down' });
    expect(h.client.status()).toMatchObject({ connected: false, inFlight: 0, counters: { linkDown: 2, disconnects: 1 } });
    h.clock.advance(60_000); // their timers were cancelled
    expect(h.client.status()).toMatchObject({ counters: { timeouts: 0 } });
  });

  it('a request while the link is down fails at once; after reconnect and identity it works', async () => {
    const h = new ScriptedHlr();
    await expect(h.client.sendAuthInfo(A)).rejects.toMatchObject({ code: 'link-down' });
    h.connect();
    const r = h.client.sendAuthInfo(A);
    h.send({ type: 'SendAuthInfoResult', imsi: A, authTuples: [TUPLE(1)] });
    expect(await r).toEqual([TUPLE(1)]);
  });

  it('a link re-made without a disconnect (as across a snapshot) fails what was sent on the old one, sends what was queued', async () => {
    const h = new ScriptedHlr();
    h.connect();
    const sent = h.client.sendAuthInfo(A).catch((e: unknown) => e);
    h.take();
    h.connectTcp(); // new TCP link, no onDisconnect
    expect(await sent).toMatchObject({ code: 'link-down' });
    const queued = h.client.updateLocation(B);
    h.connect();
    expect(h.take()).toEqual([{ type: 'UpdateLocationRequest', imsi: B, cnDomain: 2 }]);
    h.send({ type: 'UpdateLocationResult', imsi: B });
    expect(await queued).toEqual({});
  });

  it('write refused by the link rejects with link-down', async () => {
    const h = new ScriptedHlr();
    h.connect();
    h.writable = false;
    await expect(h.client.purgeMs(A)).rejects.toMatchObject({ code: 'link-down' });
  });
});

describe('GsupHlrClient: bad requests', () => {
  it('an IMSI that is not 5..15 digits, n out of 1..5, or a malformed resync is refused without sending', async () => {
    const h = new ScriptedHlr();
    h.connect();
    for (const p of [
      h.client.sendAuthInfo('12ab5678'),
      h.client.updateLocation('1234'),
      h.client.purgeMs('1234567890123456'),
      h.client.sendAuthInfo(A, 0),
      h.client.sendAuthInfo(A, 6),
      h.client.sendAuthInfo(A, 1, { rand: '00', auts: '11'.repeat(14) }),
    ])
      await expect(p).rejects.toMatchObject({ code: 'bad-request' });
    expect(h.take()).toEqual([]);
  });

  it('options are checked', () => {
    const base = { host: '127.0.0.1', port: 4222, timers: new VirtualClock(), connect: () => ({ write: () => false, connected: false }) };
    expect(() => new GsupHlrClient({ ...base, requestTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => new GsupHlrClient({ ...base, unitName: '' })).toThrow(RangeError);
    expect(new GsupHlrClient(base).unitName).toBe('MSC-00-00-00-00-00-00');
  });
});

function encodeHex(m: GsupMessage): string {
  return Buffer.from(encodeIpa(m)).toString('hex');
}
