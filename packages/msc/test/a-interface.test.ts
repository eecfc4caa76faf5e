import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@snaptel/codec';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { decode as sccpDecode, encode as sccpEncode, type SccpMessage } from '@snaptel/sccp';
import { decode as bssapDecode, encode as bssapEncode, type Bssap } from '@snaptel/bssap';
import type { DtapMessage } from '@snaptel/gsm48';
import { AInterface, A_DEFAULTS, type RanConn, type RanHandler } from '../src/a-interface';
import { stubCtx, type StubCtx } from './stub-ctx';

/**
 * The A interface against a BSC scripted here frame by frame (an independent
 * peer built from the codec packages), over real TCP on loopback.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The BSC end: IPA frames in, decoded as far as they go. */
class ScriptedBsc {
  readonly got: Array<{ ipa: IpaMessage; sccp?: SccpMessage; bssap?: Bssap }> = [];
  private deframer = new IpaDeframer();
  closed = false;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      for (const f of this.deframer.push(d)) {
        const ipa = ipaDecode(f);
        const e: (typeof this.got)[number] = { ipa };
        if (ipa.proto === 'SCCP') {
          e.sccp = sccpDecode(Buffer.from(ipa.payload, 'hex'));
          const data = (e.sccp as { data?: string }).data;
          if (data) e.bssap = bssapDecode(Buffer.from(data, 'hex'), 'mt');
        }
        this.got.push(e);
      }
    });
    sock.on('close', () => (this.closed = true));
  }
  static connect(port: number, localAddress = '127.0.0.1'): Promise<ScriptedBsc> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress });
      s.once('connect', () => resolve(new ScriptedBsc(s)));
      s.once('error', reject);
    });
  }
  send(m: IpaMessage): void {
    this.sock.write(ipaEncode(m));
  }
  sccp(s: SccpMessage): void {
    this.send({ proto: 'SCCP', payload: toHex(sccpEncode(s)) });
  }
  udt(b: Bssap): void {
    this.sccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: { routing: 'ssn', pc: 185, ssn: 254 }, calling: { routing: 'ssn', pc: 187, ssn: 254 }, data: toHex(bssapEncode(b)) } as SccpMessage);
  }
  async next(pred: (e: ScriptedBsc['got'][number]) => boolean, what: string, ms = 3000): Promise<ScriptedBsc['got'][number]> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.got.findIndex(pred);
      if (i >= 0) return this.got.splice(i, 1)[0]!;
      if (Date.now() > end) throw new Error(`BSC did not get ${what}; got: ${this.got.map((g) => g.sccp?.type ?? (g.ipa as { ccm?: { type: unknown } }).ccm?.type).join(', ')}`);
      await sleep(10);
    }
  }
  count(pred: (e: ScriptedBsc['got'][number]) => boolean): number {
    return this.got.filter(pred).length;
  }
  /** CCM as osmo-bsc does it: answer ID_GET, ID_ACK both ways. */
  async identify(): Promise<void> {
    await this.next((e) => (e.ipa as { ccm?: { type: string } }).ccm?.type === 'ID_GET', 'ID_GET');
    this.send({ proto: 'CCM', ccm: { type: 'ID_RESP', entries: [{ tag: 'UNITNAME', value: 'test-bsc-0\0' }] } });
    await this.next((e) => (e.ipa as { ccm?: { type: string } }).ccm?.type === 'ID_ACK', 'ID_ACK');
    this.send({ proto: 'CCM', ccm: { type: 'ID_ACK' } });
  }
}

const isBssmap = (type: string) => (e: ScriptedBsc['got'][number]) => e.bssap?.discriminator === 'bssmap' && e.bssap.type === type;

interface Events {
  l3: Array<{ conn: RanConn; l3: DtapMessage }>;
  dtap: Array<{ conn: RanConn; dtap: DtapMessage }>;
  released: Array<{ conn: RanConn; why: string }>;
  up: number;
  down: string[];
  resets: number;
}

let stub: StubCtx | undefined;
let bscs: ScriptedBsc[] = [];
afterEach(async () => {
  for (const b of bscs) b.sock.destroy();
  bscs = [];
  await stub?.close();
  stub = undefined;
});

async function setup(onL3?: (conn: RanConn, l3: DtapMessage) => void, over: Partial<typeof A_DEFAULTS> = {}) {
  stub = stubCtx();
  const ev: Events = { l3: [], dtap: [], released: [], up: 0, down: [], resets: 0 };
  const handler: RanHandler = {
    onCompleteL3: (conn, l3) => {
      ev.l3.push({ conn, l3 });
      onL3?.(conn, l3);
    },
    onDtap: (conn, dtap) => void ev.dtap.push({ conn, dtap }),
    onBssmap: () => undefined,
    onReleased: (conn, why) => void ev.released.push({ conn, why }),
    onLinkUp: () => void ev.up++,
    onLinkDown: (_l, why) => void ev.down.push(why),
    onLinkReset: () => void ev.resets++,
  };
  const a = new AInterface(stub.ctx, { ...A_DEFAULTS, port: 0, pingIntervalMs: 0, resetRepeatMs: 200, ...over, bscs: [{ name: 'bsc-23', host: '127.0.0.1', lac: 23 }] }, handler);
  const port = await stub.port('a-interface');
  return { a, ev, port, handler };
}

async function readyBsc(port: number): Promise<ScriptedBsc> {
  const b = await ScriptedBsc.connect(port);
  bscs.push(b);
  await b.identify();
  await b.next(isBssmap('RESET'), 'RESET from the MSC');
  b.udt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
  return b;
}

describe('A interface (SCCPlite over IPA)', () => {
  it('identifies the BSC, resets in both directions (repeating its own RESET until acknowledged), and answers PING', async () => {
    const { a, ev, port } = await setup();
    const b = await ScriptedBsc.connect(port);
    bscs.push(b);
    await b.identify();
    const first = await b.next(isBssmap('RESET'), 'RESET');
    expect(first.sccp).toMatchObject({ type: 'UDT', called: { routing: 'ssn', pc: 187, ssn: 254 }, calling: { routing: 'ssn', pc: 185, ssn: 254 } });
    // Not acknowledged: it comes again.
    await b.next(isBssmap('RESET'), 'a repeated RESET', 2000);
    expect(ev.up).toBe(0);
    // The BSC's own RESET is acknowledged at once (and makes the link ready).
    b.udt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x20 } });
    await b.next(isBssmap('RESET ACKNOWLEDGE'), 'RESET ACKNOWLEDGE');
    expect(ev.resets).toBe(1);
    expect(ev.up).toBe(1);
    b.udt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
    await sleep(500);
    expect(b.count(isBssmap('RESET'))).toBe(0); // no more repeats once acknowledged
    const st = a.status()[0]!;
    expect(st).toMatchObject({ bsc: 'bsc-23', lac: 23, unit: 'test-bsc-0', state: 'ready', resetAcknowledged: true });
    b.send({ proto: 'CCM', ccm: { type: 'PING' } });
    await b.next((e) => (e.ipa as { ccm?: { type: string } }).ccm?.type === 'PONG', 'PONG');
  });

  it('carries a dialogue: CR with COMPLETE LAYER 3 -> CC, DTAP both ways, CLEAR COMMAND/COMPLETE, RLSD/RLC', async () => {
    const { ev, port } = await setup((conn) => conn.sendDtap({ pd: 'mm', type: 'Identity Request', direction: 'mt', ies: { identityType: 1, spareHalfOctet: 0 } }));
    const b = await readyBsc(port);
    const lu: DtapMessage = {
      pd: 'mm',
      type: 'Location Updating Request',
      direction: 'mo',
      ies: {
        locationUpdatingType: { type: 'imsi-attach', follow: false },
        cksn: 7,
        lai: { mcc: '001', mnc: '01', lac: 23 },
        classmark1: { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3 },
        mobileIdentity: { type: 'tmsi', tmsi: 0xdeadbeef },
      },
    } as unknown as DtapMessage;
    const complete: Bssap = { discriminator: 'bssmap', type: 'COMPLETE LAYER 3 INFORMATION', ies: { cellIdentifier: { discriminator: 'lac_ci', lac: 23, ci: 1 }, layer3Information: lu } };
    b.sccp({ type: 'CR', srcRef: 0x010203, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, data: toHex(bssapEncode(complete)) } as SccpMessage);
    const cc = await b.next((e) => e.sccp?.type === 'CC', 'CC');
    const mscRef = (cc.sccp as { srcRef: number }).srcRef;
    expect((cc.sccp as { dstRef: number }).dstRef).toBe(0x010203);
    expect(ev.l3).toHaveLength(1);
    expect(ev.l3[0]!.l3.type).toBe('Location Updating Request');
    const idReq = await b.next((e) => e.sccp?.type === 'DT1', 'DT1 with IDENTITY REQUEST');
    expect((idReq.sccp as { dstRef: number }).dstRef).toBe(0x010203);
    expect(idReq.bssap).toMatchObject({ discriminator: 'dtap', dtap: { type: 'Identity Request', ies: { identityType: 1 } } });

    const idResp: Bssap = { discriminator: 'dtap', dlci: 0, dtap: { pd: 'mm', type: 'Identity Response', direction: 'mo', ies: { mobileIdentity: { type: 'imsi', digits: '001010000000001' } } } as DtapMessage };
    b.sccp({ type: 'DT1', dstRef: mscRef, segmentingReassembling: 0, data: toHex(bssapEncode(idResp)) } as SccpMessage);
    await expect.poll(() => ev.dtap.length).toBe(1);
    expect(ev.dtap[0]!.dtap.ies.mobileIdentity).toEqual({ type: 'imsi', digits: '001010000000001' });

    ev.l3[0]!.conn.clear(0x09);
    const clear = await b.next(isBssmap('CLEAR COMMAND'), 'CLEAR COMMAND');
    expect((clear.bssap as { ies: { cause: number } }).ies.cause).toBe(0x09);
    b.sccp({ type: 'DT1', dstRef: mscRef, segmentingReassembling: 0, data: toHex(bssapEncode({ discriminator: 'bssmap', type: 'CLEAR COMPLETE', ies: {} })) } as SccpMessage);
    const rlsd = await b.next((e) => e.sccp?.type === 'RLSD', 'RLSD');
    expect(rlsd.sccp).toMatchObject({ dstRef: 0x010203, srcRef: mscRef });
    expect(ev.released).toHaveLength(0);
    b.sccp({ type: 'RLC', dstRef: mscRef, srcRef: 0x010203 } as SccpMessage);
    await expect.poll(() => ev.released.length).toBe(1);
  });

  it('sends SMS on SAPI 3, and hands DTAP that does not decode to the handler (an SMS with a bad RP layer) instead of dropping it', async () => {
    const { ev, port, handler } = await setup((conn) => {
      conn.sendDtap({ pd: 'sms', type: 'CP-ACK', direction: 'mt', tiFlag: 1, ti: 2, ies: {} } as unknown as DtapMessage);
      conn.sendDtap({ pd: 'mm', type: 'Identity Request', direction: 'mt', ies: { identityType: 1, spareHalfOctet: 0 } } as unknown as DtapMessage);
    });
    const bad: Uint8Array[] = [];
    handler.onMalformedDtap = (_conn, l3) => {
      bad.push(Uint8Array.from(l3));
      return true;
    };
    const b = await readyBsc(port);
    const cm: DtapMessage = {
      pd: 'mm',
      type: 'CM Service Request',
      direction: 'mo',
      ies: {
        cmServiceType: 4,
        cksn: 7,
        classmark2: { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3, psCapability: false, ssScreeningIndicator: 1, smCapability: true, vbs: false, vgcs: false, frequencyCapability: false, classmark3: false, lcsvaCapability: false, ucs2: false, solsa: false, cmsp: false, a53: false, a52: false },
        mobileIdentity: { type: 'tmsi', tmsi: 0xdeadbeef } },
    } as unknown as DtapMessage;
    const complete: Bssap = { discriminator: 'bssmap', type: 'COMPLETE LAYER 3 INFORMATION', ies: { cellIdentifier: { discriminator: 'lac_ci', lac: 23, ci: 1 }, layer3Information: cm } };
    b.sccp({ type: 'CR', srcRef: 0x0a0b0c, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, data: toHex(bssapEncode(complete)) } as SccpMessage);
    const cc = await b.next((e) => e.sccp?.type === 'CC', 'CC');
    const mscRef = (cc.sccp as { srcRef: number }).srcRef;
    // TS 48.006 §9.3.2: the DLCI's SAPI bits say 3 for SMS, 0 for MM.
    const dt = [await b.next((e) => e.sccp?.type === 'DT1', 'the CP-ACK'), await b.next((e) => e.sccp?.type === 'DT1', 'the IDENTITY REQUEST')];
    const raw = dt.map((e) => Buffer.from((e.sccp as { data: string }).data, 'hex'));
    expect(dt.map((e) => (e.bssap as { dtap: { type: string } }).dtap.type)).toEqual(['CP-ACK', 'Identity Request']);
    expect(raw.map((r) => [r[0], r[1]])).toEqual([[0x01, 0x03], [0x01, 0x00]]);
    // CP-DATA (SMS, TI 2 from the phone) whose RP length runs past the message: not decodable.
    const l3 = Buffer.from('29010a0001', 'hex');
    const dtap = Buffer.concat([Buffer.from([0x01, 0x03, l3.length]), l3]);
    b.sccp({ type: 'DT1', dstRef: mscRef, segmentingReassembling: 0, data: toHex(dtap) } as SccpMessage);
    await expect.poll(() => bad.length).toBe(1);
    expect(Buffer.from(bad[0]!).toString('hex')).toBe(l3.toString('hex'));
    expect(stub!.lines.filter((l) => l.msg === 'malformed message from BSC; ignored')).toEqual([]);
    expect(ev.dtap).toHaveLength(0);
  });

  it('refuses a CR without COMPLETE LAYER 3, survives malformed frames, and drops connections when the BSC resets', async () => {
    const { ev, port } = await setup((conn) => conn.confirm());
    const b = await readyBsc(port);
    b.sccp({ type: 'CR', srcRef: 7, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', ssn: 254 } } as SccpMessage);
    expect((await b.next((e) => e.sccp?.type === 'CREF', 'CREF')).sccp).toMatchObject({ dstRef: 7 });
    // Garbage in an SCCP frame, then a truncated BSSAP: logged, link stays.
    b.send({ proto: 'SCCP', payload: '0102' });
    b.sccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, calling: { routing: 'ssn', ssn: 254 }, data: '0005300401' } as SccpMessage);
    await expect.poll(() => stub!.lines.filter((l) => l.msg === 'malformed message from BSC; ignored').length).toBe(2);
    const bad = stub!.lines.find((l) => l.msg === 'malformed message from BSC; ignored')!;
    expect(String(bad.err)).toMatch(/sccp/i);
    // A dialogue, then a RESET from the BSC: it is gone.
    const lu = { pd: 'mm', type: 'IMSI Detach Indication', direction: 'mo', ies: { classmark1: { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3 }, mobileIdentity: { type: 'imsi', digits: '001010000000002' } } } as unknown as DtapMessage;
    b.sccp({ type: 'CR', srcRef: 9, protocolClass: { class: 2, handling: 0 }, called: { routing: 'ssn', ssn: 254 }, data: toHex(bssapEncode({ discriminator: 'bssmap', type: 'COMPLETE LAYER 3 INFORMATION', ies: { cellIdentifier: { discriminator: 'lac_ci', lac: 23, ci: 1 }, layer3Information: lu } })) } as SccpMessage);
    await b.next((e) => e.sccp?.type === 'CC', 'CC');
    b.udt({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x20 } });
    await b.next(isBssmap('RESET ACKNOWLEDGE'), 'RESET ACKNOWLEDGE');
    expect(ev.released.map((r) => r.why)).toEqual(['BSC reset']);
  });

  it('accepts only configured BSCs, pages by LAC, and drops a link that stops answering PING', async () => {
    const { a, ev, port } = await setup(undefined, { pingIntervalMs: 100, pongTimeoutMs: 200 });
    const stranger = await ScriptedBsc.connect(port, '127.0.0.5');
    bscs.push(stranger);
    await expect.poll(() => stranger.closed).toBe(true);
    expect(stub!.lines.some((l) => l.msg.startsWith('connection from an address that is no configured BSC') && l.peer === '127.0.0.5')).toBe(true);

    const b = await readyBsc(port);
    await expect.poll(() => a.linkFor(23)?.state).toBe('ready');
    expect(a.page(23, '001010000000003', 0x12345678)).toBe(1);
    expect(a.page(99, '001010000000003')).toBe(0);
    const paging = await b.next(isBssmap('PAGING'), 'PAGING');
    expect(paging.bssap).toMatchObject({ ies: { imsi: { type: 'imsi', digits: '001010000000003' }, tmsi: 0x12345678, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 23 }] } } });
    // This BSC never answers PING: the link goes down after the PONG timeout.
    await b.next((e) => (e.ipa as { ccm?: { type: string } }).ccm?.type === 'PING', 'PING');
    await expect.poll(() => ev.down.length, { timeout: 3000 }).toBe(1);
    expect(b.closed || ev.down[0]).toBeTruthy();
    expect(a.links.size).toBe(0);
  });
});
