import { TimerTable, VirtualClock, GoldenLog } from '@snaptel/fsm';
import { encode as dtapEncode, decode as dtapDecode, type Dtap, type DtapMessage } from '@snaptel/gsm48';
import { encode as bssapEncode, decode as bssapDecode, type BssmapMessage } from '@snaptel/bssap';
import { msAuthenticate, type Algo } from '@snaptel/auth';
import { SubscriberStore, hlrApi } from '@snaptel/hlr';
import { VlrStore } from '@snaptel/vlr';
import { CallAgent, CallMedia, FakeMgw } from '@snaptel/mgcp';
import { MscCore, type CoreConn } from '../src/core';
import { embeddedHlr, type HlrAccess } from '../src/hlr-access';
import { MSC_TIMERS } from '../src/timers';
import { MM_DEFAULTS, type MmConfig } from '../src/mm';

/**
 * Scenario harness for the MSC core: a virtual clock, a golden log holding
 * the machines' transitions and every message on the A interface (each one
 * encoded to bytes and decoded back with the codec packages, so an invalid
 * message fails the scenario), and simulated mobile stations that answer as
 * a test tells them to.
 */

export interface SimSub {
  imsi: string;
  msisdn?: string;
  ki?: string;
  opc?: string;
  algo: Algo;
}

/** Summary of IEs for a log line: short, stable, readable. */
function ies(m: { ies: Record<string, unknown> }): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m.ies)) {
    if (k === 'spareHalfOctet' || k === 'order') continue;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'imsi') parts.push(`${k}=IMSI-${o.digits}`);
      else if ('value' in o && 'location' in o) parts.push(`${k}=#${o.value}`);
      else if ('digits' in o && 'ton' in o) parts.push(`${k}=${o.digits}`);
      else if ('ip' in o && 'port' in o) parts.push(`${k}=${o.ip}:${o.port}`);
      else if (o.type === 'tmsi') parts.push(`${k}=TMSI-0x${Number(o.tmsi).toString(16).padStart(8, '0')}`);
      else if ('mcc' in o && 'lac' in o) parts.push(`${k}=${o.mcc}-${o.mnc}-${o.lac}`);
      else if ('permitted' in o) parts.push(`${k}=A5/${(o.permitted as number[]).join(',')} kc=${o.key}`);
      else parts.push(`${k}=${JSON.stringify(v)}`);
    } else parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}

/** Message type, and for call control its transaction (flag-id, as Wireshark shows TI). */
function mtype(m: DtapMessage): string {
  return m.pd === 'cc' ? `${m.type} (TI ${m.tiFlag ?? 0}-${m.ti ?? 0})` : m.type;
}

let nextId = 1;

export class FakeConn implements CoreConn {
  readonly id = nextId++;
  data: unknown;
  cleared: number | undefined;
  released = false;
  readonly out: Array<{ dtap?: DtapMessage; bssmap?: BssmapMessage }> = [];

  constructor(
    readonly sc: Scenario,
    readonly label: string,
  ) {}

  get name(): string {
    return `conn-${this.label}`;
  }

  sendDtap(d: Dtap): void {
    // Through the wire format and back: what a BSC would get.
    const back = dtapDecode(dtapEncode(d), 'mt') as DtapMessage;
    this.sc.log.note(`  MSC -> ${this.label}: DTAP ${mtype(back)}${Object.keys(back.ies).length ? ' ' + ies(back) : ''}`);
    this.out.push({ dtap: back });
  }

  sendBssmap(type: BssmapMessage['type'], i: BssmapMessage['ies'] = {}): void {
    const back = bssapDecode(bssapEncode({ discriminator: 'bssmap', type, ies: i }), 'mt') as BssmapMessage;
    this.sc.log.note(`  MSC -> ${this.label}: BSSMAP ${back.type}${Object.keys(back.ies).length ? ' ' + ies(back) : ''}`);
    this.out.push({ bssmap: back });
  }

  clear(cause: number): void {
    if (this.cleared !== undefined) return;
    this.cleared = cause;
    this.sc.log.note(`  MSC -> ${this.label}: BSSMAP CLEAR COMMAND cause=${cause}`);
  }

  /** The last message the MSC sent on this connection. */
  last(): { dtap?: DtapMessage; bssmap?: BssmapMessage } | undefined {
    return this.out[this.out.length - 1];
  }

  /** The last DTAP the MSC sent on this connection. */
  lastDtap(): DtapMessage | undefined {
    for (let i = this.out.length - 1; i >= 0; i--) if (this.out[i]!.dtap) return this.out[i]!.dtap;
    return undefined;
  }

  /** The last BSSMAP the MSC sent on this connection. */
  lastBssmap(): BssmapMessage | undefined {
    for (let i = this.out.length - 1; i >= 0; i--) if (this.out[i]!.bssmap) return this.out[i]!.bssmap;
    return undefined;
  }

  /** MS -> MSC CC message on transaction `ti` (flag 0: the MS allocated it; 1: the network did). */
  cc(type: string, ti: number, tiFlag: 0 | 1, i: Record<string, unknown> = {}): void {
    this.dtap({ pd: 'cc', type, ti, tiFlag, ies: i } as Omit<DtapMessage, 'direction'>);
  }

  /** MS -> MSC DTAP, encoded and decoded as the A interface would. */
  dtap(msg: Omit<DtapMessage, 'direction'>): void {
    const m = dtapDecode(dtapEncode({ ...msg, direction: 'mo' } as DtapMessage), 'mo') as DtapMessage;
    this.sc.log.note(`  ${this.label} -> MSC: DTAP ${mtype(m)}${Object.keys(m.ies).length ? ' ' + ies(m) : ''}`);
    this.sc.core.onDtap(this, m);
  }

  bssmap(type: BssmapMessage['type'], i: BssmapMessage['ies'] = {}): void {
    const m = bssapDecode(bssapEncode({ discriminator: 'bssmap', type, ies: i }), 'mo') as BssmapMessage;
    this.sc.log.note(`  ${this.label} -> MSC: BSSMAP ${m.type}${Object.keys(m.ies).length ? ' ' + ies(m) : ''}`);
    this.sc.core.onBssmap(this, m);
  }

  /** CLEAR COMPLETE and the SCCP release, as the A interface reports them. */
  completeClear(): void {
    if (this.cleared === undefined) throw new Error(`${this.name}: no CLEAR COMMAND to complete`);
    this.sc.log.note(`  ${this.label} -> MSC: BSSMAP CLEAR COMPLETE; SCCP released`);
    this.released = true;
    this.sc.core.onReleased(this, 'released');
  }
}

export class Scenario {
  readonly clock = new VirtualClock();
  readonly log = new GoldenLog({ levels: true });
  readonly timers = new TimerTable(MSC_TIMERS);
  readonly hlrStore = new SubscriberStore();
  readonly hlr = hlrApi(this.hlrStore);
  readonly vlr: VlrStore;
  readonly core: MscCore;
  readonly mgw = new FakeMgw();
  readonly agent: CallAgent;
  private randCounter = 0;

  constructor(subs: SimSub[], mm: Partial<MmConfig> = {}, wrapHlr: (h: HlrAccess) => HlrAccess = (h) => h) {
    const quiet = { info: () => undefined, warn: () => undefined };
    this.agent = new CallAgent({
      transport: {
        // The fake MGW answers on a later microtask, as a socket would on a later turn.
        send: (b) =>
          queueMicrotask(() => {
            const r = this.mgw.handle(b);
            if (r) this.agent.receive(r);
          }),
      },
      timers: this.clock,
      log: quiet,
      firstTid: 1000,
    });
    for (const s of subs) this.hlr.add(s);
    // Deterministic "random": TMSIs and RANDs are the same in every run, so the golden log is stable.
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    this.vlr = new VlrStore({ random });
    this.core = new MscCore({
      host: this.clock,
      timers: this.timers,
      log: this.log,
      hlr: wrapHlr(
        embeddedHlr(this.hlr, (n) => {
          const b = Buffer.alloc(n);
          for (let i = 0; i < n; i++) b[i] = (this.randCounter * 37 + i * 11 + 5) & 0xff;
          this.randCounter++;
          return b;
        }),
      ),
      vlr: this.vlr,
      mm: { ...MM_DEFAULTS, ...mm },
      page: (lac, imsi, tmsi) => {
        this.log.note(`  MSC -> BSC(LAC ${lac}): BSSMAP PAGING IMSI-${imsi}${tmsi !== undefined ? ` TMSI-0x${tmsi.toString(16).padStart(8, '0')}` : ''}`);
        this.paged.push(imsi);
        return 1;
      },
      media: (id) => new CallMedia(this.agent, id),
    });
  }

  readonly paged: string[] = [];

  /** Lets promises (the MGW's answers) run: the media steps complete. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  }

  note(s: string): void {
    this.log.note(s);
  }

  /** A mobile station opens a connection with a Complete Layer 3 message. */
  completeL3(label: string, l3: Omit<DtapMessage, 'direction'>, lac = 23): FakeConn {
    const conn = new FakeConn(this, label);
    const m = dtapDecode(dtapEncode({ ...l3, direction: 'mo' } as DtapMessage), 'mo') as DtapMessage;
    this.log.note(`  ${label} -> MSC: COMPLETE LAYER 3 (LAC ${lac}) DTAP ${m.type}${Object.keys(m.ies).length ? ' ' + ies(m) : ''}`);
    this.core.onCompleteL3(conn, m, { discriminator: 'bssmap', type: 'COMPLETE LAYER 3 INFORMATION', ies: { cellIdentifier: { discriminator: 'lac_ci', lac, ci: 1 } } });
    return conn;
  }

  advance(ms: number): void {
    this.log.note(`  (${ms / 1000} s pass)`);
    this.clock.advance(ms);
  }
}

export const CM1 = { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3 };

export function luRequest(identity: { imsi: string } | { tmsi: number }, type: 'imsi-attach' | 'normal' | 'periodic' = 'imsi-attach', lac = 23) {
  return {
    pd: 'mm' as const,
    type: 'Location Updating Request',
    ies: {
      locationUpdatingType: { type, followOnRequest: false },
      cksn: 7,
      lai: { mcc: '001', mnc: '01', lac },
      classmark1: CM1,
      mobileIdentity: 'imsi' in identity ? { type: 'imsi', digits: identity.imsi } : { type: 'tmsi', tmsi: identity.tmsi },
    },
  };
}

/** What the SIM answers to an AUTHENTICATION REQUEST (computed by the MS side of @snaptel/auth). */
export function authResponse(sub: SimSub, req: DtapMessage, wrong = false) {
  const r = msAuthenticate(
    { algo: sub.algo, ki: Buffer.from(sub.ki!, 'hex'), ...(sub.opc ? { opc: Buffer.from(sub.opc, 'hex') } : {}) },
    Buffer.from(String(req.ies.rand), 'hex'),
    req.ies.autn ? Buffer.from(String(req.ies.autn), 'hex') : undefined,
  );
  // With AUTN (UMTS): RES, 4 octets in SRES and the rest in the extended RES; else SRES.
  const res = Buffer.from(req.ies.autn && r.res ? r.res : r.sres);
  if (wrong) res[0]! ^= 0xff;
  const ies: Record<string, unknown> = { sres: res.subarray(0, 4).toString('hex') };
  if (res.length > 4) ies.extendedRes = res.subarray(4).toString('hex');
  return { pd: 'mm' as const, type: 'Authentication Response', ies };
}

/** Location-updates each subscriber on a connection of its own (auth, cipher, TMSI); returns their TMSIs. */
export function attach(sc: Scenario, ...subs: SimSub[]): number[] {
  sc.log.note('--- attach');
  return subs.map((sub) => {
    const c = sc.completeL3(sub.msisdn!, luRequest({ imsi: sub.imsi }));
    c.dtap(authResponse(sub, c.last()!.dtap!));
    c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
    const tmsi = (c.lastDtap()!.ies.mobileIdentity as { tmsi: number }).tmsi;
    c.dtap({ pd: 'mm', type: 'TMSI Reallocation Complete', ies: {} });
    c.completeClear();
    return tmsi;
  });
}

/** Authenticates and ciphers a connection that waits for it. */
export function secure(c: FakeConn, sub: SimSub): void {
  c.dtap(authResponse(sub, c.lastDtap()!));
  c.bssmap('CIPHER MODE COMPLETE', { chosenEncryptionAlgorithm: { a5: 1 } });
}
