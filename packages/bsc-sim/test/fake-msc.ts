import * as net from 'node:net';
import { decode as bssapDecode, encode as bssapEncode, type Bssap } from '@snaptel/bssap';
import { toHex } from '@snaptel/codec';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { decode as sccpDecode, encode as sccpEncode, type SccpMessage } from '@snaptel/sccp';

/**
 * A scripted MSC for the tests: a TCP listener on 127.0.0.1 that decodes
 * every IPA frame the simulator sends (IPA -> SCCP -> BSSAP with our codec
 * packages), queues them in arrival order, records both directions for
 * tshark, and sends what the test tells it to. It has no protocol logic of
 * its own beyond what each helper says.
 */

export const MSC_PC = 185;
export const BSC_PC = 187;

export type Dir = 'BSC->MSC' | 'MSC->BSC';

export interface Frame {
  dir: Dir;
  bytes: Uint8Array;
}

/** One frame from the simulator, decoded layer by layer. */
export interface Rx {
  bytes: Uint8Array;
  ipa: IpaMessage;
  sccp?: SccpMessage;
  bssap?: Bssap;
  /** 'CCM ID_RESP', 'SCCP CR', and for frames with BSSAP the BSSAP name: 'RESET', 'LOCATION UPDATING REQUEST', ... */
  name: string;
}

/** The BSSAP name, written here independently of the simulator: BSSMAP type, or the DTAP type in upper case. */
function nameOf(b: Bssap): string {
  if (b.discriminator === 'bssmap') return b.type === 'unknown' ? 'BSSMAP?' : b.type;
  return b.dtap.type === 'unknown' ? 'DTAP?' : b.dtap.type.toUpperCase();
}

export function decodeFrame(bytes: Uint8Array, dir: Dir): Rx {
  const ipa = ipaDecode(bytes);
  if (ipa.proto === 'CCM') return { bytes, ipa, name: `CCM ${String(ipa.ccm.type)}` };
  if (ipa.proto !== 'SCCP') return { bytes, ipa, name: `IPA ${String(ipa.proto)}` };
  const sccp = sccpDecode(Buffer.from(ipa.payload, 'hex'));
  const rx: Rx = { bytes, ipa, sccp, name: `SCCP ${sccp.type}` };
  const data = (sccp as { data?: string }).data;
  if (data) {
    rx.bssap = bssapDecode(Buffer.from(data, 'hex'), dir === 'BSC->MSC' ? 'mo' : 'mt');
    const n = nameOf(rx.bssap);
    // A CR's name is that of the L3 message inside COMPLETE LAYER 3 INFORMATION.
    if (rx.bssap.discriminator === 'bssmap' && rx.bssap.type === 'COMPLETE LAYER 3 INFORMATION') {
      const l3 = rx.bssap.ies.layer3Information as { type: string };
      rx.name = l3.type.toUpperCase();
    } else rx.name = n;
  }
  return rx;
}

/** IEs of the BSSMAP message or of the DTAP message (in a DT1, or inside COMPLETE LAYER 3 INFORMATION). */
export function iesOf(rx: Rx): Record<string, any> {
  const b = rx.bssap;
  if (!b) return {};
  if (b.discriminator === 'dtap') return (b.dtap as { ies: Record<string, any> }).ies;
  if (b.type === 'unknown') return {};
  if (b.type === 'COMPLETE LAYER 3 INFORMATION') return (b.ies.layer3Information as { ies: Record<string, any> }).ies;
  return b.ies;
}

/** The DTAP message of a DT1 or of COMPLETE LAYER 3 INFORMATION. */
export function dtapOf(rx: Rx): Record<string, any> {
  const b = rx.bssap!;
  if (b.discriminator === 'dtap') return b.dtap as unknown as Record<string, any>;
  return (b as { ies: Record<string, any> }).ies.layer3Information;
}

const ssn = (pc: number) => ({ routing: 'ssn' as const, pc, ssn: 254 });

export class FakeMsc {
  /** Every frame of every connection, both directions, in order. */
  readonly capture: Frame[] = [];
  connections = 0;
  sock: net.Socket | undefined;
  private queue: Rx[] = [];
  private wake: (() => void) | undefined;
  private nextRef = 0x10000;

  private constructor(private readonly server: net.Server) {
    server.on('connection', (s) => {
      this.connections++;
      this.sock?.destroy();
      this.sock = s;
      s.setNoDelay(true);
      const d = new IpaDeframer();
      s.on('data', (chunk) => {
        for (const f of d.push(chunk)) {
          this.capture.push({ dir: 'BSC->MSC', bytes: f });
          this.queue.push(decodeFrame(f, 'BSC->MSC'));
        }
        this.wake?.();
      });
      s.on('error', () => {});
      this.wake?.();
    });
  }

  static async start(port = 0): Promise<FakeMsc> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    return new FakeMsc(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get pending(): number {
    return this.queue.length;
  }

  async waitConnection(count: number, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (this.connections < count) {
      if (Date.now() > until) throw new Error(`no connection #${count} from the simulator within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 20);
        this.wake = () => (clearTimeout(t), r());
      });
    }
  }

  /** The next frame from the simulator. */
  async next(ms = 3000, what = 'a frame'): Promise<Rx> {
    const until = Date.now() + ms;
    while (!this.queue.length) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`fake MSC: nothing from the simulator within ${ms} ms (waiting for ${what})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => (clearTimeout(t), r());
      });
      this.wake = undefined;
    }
    return this.queue.shift()!;
  }

  /** The next frame, which must be `name`. */
  async expect(name: string, ms = 3000): Promise<Rx> {
    const rx = await this.next(ms, name);
    if (rx.name !== name) throw new Error(`fake MSC: expected ${name}, got ${rx.name} (${toHex(rx.bytes)})`);
    return rx;
  }

  /** Nothing arrives within `ms`. */
  async quiet(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.queue.length) throw new Error(`fake MSC: expected silence, got ${this.queue.map((q) => q.name).join(', ')}`);
  }

  send(m: IpaMessage): void {
    const bytes = ipaEncode(m);
    this.capture.push({ dir: 'MSC->BSC', bytes });
    this.sock!.write(bytes);
  }

  sendSccp(m: SccpMessage): void {
    this.send({ proto: 'SCCP', payload: toHex(sccpEncode(m)) });
  }

  sendUdt(b: Bssap): void {
    this.sendSccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: ssn(BSC_PC), calling: ssn(MSC_PC), data: toHex(bssapEncode(b)) });
  }

  /** IPA CCM as osmo-msc's side runs it (ID_GET, ID_ACK), then the BSC's RESET is acknowledged. Returns the RESET frame. */
  async handshake(): Promise<Rx> {
    this.send({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } });
    await this.expect('CCM ID_RESP');
    this.send({ proto: 'CCM', ccm: { type: 'ID_ACK' } });
    await this.expect('CCM ID_ACK');
    const reset = await this.expect('RESET');
    this.sendUdt({ discriminator: 'bssmap', type: 'RESET ACKNOWLEDGE', ies: {} });
    return reset;
  }

  /** Accepts a CR: CC with a fresh MSC reference. Returns the connection's two references. */
  accept(cr: Rx): MscConn {
    const bscRef = (cr.sccp as { srcRef: number }).srcRef;
    const mscRef = this.nextRef++;
    this.sendSccp({ type: 'CC', dstRef: bscRef, srcRef: mscRef, protocolClass: { class: 2, handling: 0 } });
    return new MscConn(this, bscRef, mscRef);
  }

  refuse(cr: Rx, cause: number): void {
    this.sendSccp({ type: 'CREF', dstRef: (cr.sccp as { srcRef: number }).srcRef, refusalCause: cause });
  }

  dropConnection(): void {
    this.sock?.destroy();
  }

  async close(): Promise<void> {
    this.sock?.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** One SCCP connection as the MSC sees it. */
export class MscConn {
  constructor(
    readonly msc: FakeMsc,
    readonly bscRef: number,
    readonly mscRef: number,
  ) {}

  send(b: Bssap): void {
    this.msc.sendSccp({ type: 'DT1', dstRef: this.bscRef, segmentingReassembling: 0, data: toHex(bssapEncode(b)) });
  }

  dtap(pd: string, type: string, ies: Record<string, unknown> = {}, ti?: { ti: number; flag: number }): void {
    const m: Record<string, unknown> = { pd, type, direction: 'mt', ies };
    if (pd === 'mm' || pd === 'rr') m.skip = 0;
    if (pd === 'mm' || pd === 'cc' || pd === 'ss') m.seq = 0;
    if (ti) {
      m.ti = ti.ti;
      m.tiFlag = ti.flag;
    }
    this.send({ discriminator: 'dtap', dlci: 0, dtap: m as never });
  }

  /** An SMS CP message (TS 24.011) on SAPI 3 (DLCI 0x03): CP-DATA carries `rpdu`. */
  sms(type: 'CP-DATA' | 'CP-ACK' | 'CP-ERROR', ies: Record<string, unknown>, ti: number, flag: number): void {
    this.send({ discriminator: 'dtap', dlci: 0x03, dtap: { pd: 'sms', type, direction: 'mt', ti, tiFlag: flag, ies } as never });
  }

  /** Raw DTAP octets (hex) in a DT1, DLCI as given: for vectors from other projects. */
  rawDtap(hex: string, dlci = 0x03): void {
    const dtap = Buffer.from(hex.replace(/\s/g, ''), 'hex');
    const data = Buffer.concat([Buffer.from([0x01, dlci, dtap.length]), dtap]);
    this.msc.sendSccp({ type: 'DT1', dstRef: this.bscRef, segmentingReassembling: 0, data: data.toString('hex') });
  }

  bssmap(type: string, ies: Record<string, unknown> = {}): void {
    this.send({ discriminator: 'bssmap', type, ies } as Bssap);
  }

  /** CLEAR COMMAND -> CLEAR COMPLETE, RLSD -> RLC, as osmo-msc releases. */
  async clear(cause = 0x09): Promise<void> {
    this.bssmap('CLEAR COMMAND', { cause });
    await this.msc.expect('CLEAR COMPLETE');
    this.msc.sendSccp({ type: 'RLSD', dstRef: this.bscRef, srcRef: this.mscRef, releaseCause: 0 });
    const rlc = await this.msc.expect('SCCP RLC');
    const m = rlc.sccp as { dstRef: number; srcRef: number };
    if (m.dstRef !== this.mscRef || m.srcRef !== this.bscRef) throw new Error(`RLC with references ${m.dstRef}/${m.srcRef}, expected ${this.mscRef}/${this.bscRef}`);
  }
}
