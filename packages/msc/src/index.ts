import * as crypto from 'node:crypto';
import { clock, definePackage, type Context } from '@snaptel/image';
import { TimerTable, type FsmLog, type TimerHost } from '@snaptel/fsm';
import { VlrStore, type VlrState } from '@snaptel/vlr';
import { CallAgent, CallMedia } from '@snaptel/mgcp';
import { AInterface, A_DEFAULTS, type AConfig, type BscConfig } from './a-interface';
import { MscCore } from './core';
import { MM_DEFAULTS, type MmConfig } from './mm';
import { embeddedHlr, gsupHlr, type EmbeddedHlr, type HlrAccess } from './hlr-access';
import { GsupHlrClient } from './gsup-client';
import { MSC_TIMERS } from './timers';
import { LocalSmsRouter } from './sms';
export { Smsc, REPORT_STATUS, deliverSm, deliverTpdu, tpUserData, type SmscConfig, type SmscCore, type SmscDeps, type SmscStatus, type SmsRoute, type EsmeGateway } from './smsc';
import { Smsc, type SmsRoute } from './smsc';
import { SMS_STORE_TIMERS, type SmsStoreState } from '@snaptel/sms-store';
import { SmppServer, type EsmeConfig } from '@snaptel/smpp-server';

export { AInterface, Aoip, BscLink, M3uaBsc, RanPeer, RanConn, M3UA_DEFAULTS, type M3uaAConfig, type RanTransport, A_DEFAULTS, type AConfig, type BscConfig, type RanHandler, type LinkState, type ConnState } from './a-interface';
export { MscCore, type CoreConn, type CoreDeps } from './core';
export { MM_FSM, MM_DEFAULTS, MM_CAUSE, CLEAR_CAUSE, type MmConfig } from './mm';
export { GsupHlrClient, GsupError, type GsupClientOptions, type GsupAuthTuple } from './gsup-client';
export { embeddedHlr, gsupHlr, type HlrAccess, type AuthInfo, type LocationResult, type EmbeddedHlr } from './hlr-access';
export { CC_FSM, CC_CAUSE, Call, type CallMediaLike } from './cc';
export { MSC_TIMERS } from './timers';
export {
  SMC_FSM,
  SMR_FSM,
  RP_CAUSE,
  CP_CAUSE,
  TP_STATUS,
  LocalSmsRouter,
  submitToDeliver,
  statusReport,
  timestampOf,
  type SmsRouter,
  type SmsParty,
  type SmsSubmission,
  type SubmitResult,
  type MtSms,
  type MtResult,
  type MtFailure,
} from './sms';

/** The recipe's `packages.msc`. */
export interface MscConfig {
  /** The A interface listener and the BSCs allowed to connect. */
  a?: Partial<Omit<AConfig, 'bscs'>> & { bscs?: BscConfig[] };
  network?: { mcc?: string; mnc?: string };
  authenticate?: boolean;
  cipher?: boolean;
  reallocateTmsi?: boolean;
  /** LU REJECT cause for an IMSI the HLR does not know. */
  unknownImsiCause?: number;
  /** Timer values by name: numbers in the timer's unit, or strings with a unit ('30s', '500ms', '2min'). */
  timers?: Record<string, number | string>;
  /** How often the VLR is scanned for subscribers whose T3212 ran out. */
  purgeEveryMs?: number;
  /** The media gateway (osmo-mgw): calls get two MGCP connections on one rtpbridge endpoint. Without it, calls have no media. */
  mgw?: { host?: string; port?: number; domain?: string; localHost?: string; localPort?: number };
  /**
   * An external HLR (osmo-hlr) over GSUP instead of the embedded one. The
   * `hlr` package stays in the image (it is required) but is not asked.
   */
  gsup?: { host?: string; port?: number; unitName?: string; timeoutMs?: number };
  /**
   * Short messages. `router: 'store'` (default): store and forward (the
   * SMSC function, see smsc.ts): every accepted SMS is kept until delivered
   * or expired, across snapshots and crashes. 'local' delivers an SMS to an
   * attached subscriber at once and refuses the rest (RP cause 27); 'none'
   * refuses MO SMS with RP cause 38 until a router is set
   * (`core.setSmsRouter`). `scAddress`: the service centre address put in
   * RP-OA of MT SMS. `routes`: numbers no subscriber has go to an ESME by
   * longest prefix ('' for every number). `esmeWindow`: deliver_sm
   * outstanding per ESME. `maxAttempts`: temporary failures before a
   * message fails for good (default: only its validity ends it).
   */
  sms?: { router?: 'store' | 'local' | 'none'; scAddress?: string; routes?: SmsRoute[]; esmeWindow?: number; maxAttempts?: number };
  /**
   * SMPP 3.4 towards applications (the MSC as SMSC): a listener on
   * host:port (default 127.0.0.1:2775) where the ESMEs of `esmes` bind with
   * their system_id and password. Needs the 'store' router.
   */
  smpp?: { host?: string; port?: number; systemId?: string; esmes: EsmeConfig[]; enquireLinkMs?: number; responseTimeoutMs?: number; defaultAlphabet?: 'gsm' | 'latin1' };
}

export class MscConfigError extends Error {
  readonly code = 'bad-config';
}

const KEYS = new Set(['a', 'network', 'authenticate', 'cipher', 'reallocateTmsi', 'unknownImsiCause', 'timers', 'purgeEveryMs', 'mgw', 'gsup', 'sms', 'smpp']);

function check(c: MscConfig): void {
  for (const k of Object.keys(c)) if (!KEYS.has(k)) throw new MscConfigError(`msc config: unknown key '${k}' (known: ${[...KEYS].join(', ')})`);
  const bscs = c.a?.bscs ?? [];
  if (!Array.isArray(bscs)) throw new MscConfigError('msc config: a.bscs is a list of { name, host, lac }');
  bscs.forEach((b, i) => {
    const m3ua = b?.transport === 'm3ua';
    if (b?.transport !== undefined && b.transport !== 'm3ua' && b.transport !== 'sccplite')
      throw new MscConfigError(`msc config: a.bscs[${i}].transport is 'sccplite' (IPA over TCP) or 'm3ua' (AoIP over SCTP), not '${String(b.transport)}'`);
    if (typeof b?.name !== 'string' || (!m3ua && typeof b.host !== 'string') || !Number.isInteger(b.lac) || b.lac < 1 || b.lac > 0xfffe)
      throw new MscConfigError(`msc config: a.bscs[${i}] needs name, ${m3ua ? '' : 'host, '}and lac (1..65534)`);
  });
  const router = c.sms?.router ?? 'store';
  if (router !== 'store' && router !== 'local' && router !== 'none') throw new MscConfigError(`msc config: sms.router is 'store', 'local' or 'none', not '${String(router)}'`);
  (c.sms?.routes ?? []).forEach((r, i) => {
    if (typeof r?.prefix !== 'string' || !/^[0-9]*$/.test(r.prefix) || typeof r.esme !== 'string' || !r.esme)
      throw new MscConfigError(`msc config: sms.routes[${i}] needs prefix (digits, '' for every number) and esme (a system id)`);
  });
  if (c.smpp) {
    if (router !== 'store') throw new MscConfigError(`msc config: smpp needs sms.router 'store' (it is '${router}')`);
    if (!Array.isArray(c.smpp.esmes) || c.smpp.esmes.length === 0) throw new MscConfigError('msc config: smpp.esmes is a list of { systemId, password, mode? }');
    const ids = new Set((c.smpp.esmes ?? []).map((e) => e.systemId));
    (c.sms?.routes ?? []).forEach((r, i) => {
      if (!ids.has(r.esme)) throw new MscConfigError(`msc config: sms.routes[${i}] names ESME '${r.esme}', which smpp.esmes does not have`);
    });
  } else if (c.sms?.routes?.length) throw new MscConfigError('msc config: sms.routes lead to ESMEs: configure smpp too');
  const mcc = c.network?.mcc ?? MM_DEFAULTS.mcc;
  const mnc = c.network?.mnc ?? MM_DEFAULTS.mnc;
  if (!/^\d{3}$/.test(mcc) || !/^\d{2,3}$/.test(mnc)) throw new MscConfigError(`msc config: network mcc '${mcc}' / mnc '${mnc}' must be 3 and 2-3 digits`);
}

/** What `snaptel remote eval` sees as `msc`. */
export interface MscApi {
  status(): Record<string, unknown>;
  /** The timer table: names, values, defaults, what each is for. */
  timers(): ReturnType<TimerTable['list']>;
  setTimer(name: string, value: number | string): void;
  readonly vlr: VlrStore;
  readonly core: MscCore;
  readonly a: AInterface;
  /** Store and forward (router 'store'). */
  readonly smsc?: Smsc;
  readonly smpp?: SmppServer;
}

interface Instance {
  core: MscCore;
  vlr: VlrStore;
  agent?: CallAgent;
  smsc?: Smsc;
}
const instances = new WeakMap<Context, Instance>();

export default definePackage<MscConfig, MscApi>({
  name: 'msc',
  version: '0.1.0',
  requires: ['hlr'],

  start(ctx, config) {
    const c = config ?? {};
    check(c);
    const timers = new TimerTable([...MSC_TIMERS, ...SMS_STORE_TIMERS]);
    if (c.timers) timers.configure(c.timers);
    const vlr = new VlrStore();
    const host: TimerHost = { now: () => clock.now(), at: (name, deadline, fn) => ctx.timers.at(name, deadline, fn) };
    const mm: MmConfig = {
      ...MM_DEFAULTS,
      ...(c.network?.mcc ? { mcc: c.network.mcc } : {}),
      ...(c.network?.mnc ? { mnc: c.network.mnc } : {}),
      ...(c.authenticate !== undefined ? { authenticate: c.authenticate } : {}),
      ...(c.cipher !== undefined ? { cipher: c.cipher } : {}),
      ...(c.reallocateTmsi !== undefined ? { reallocateTmsi: c.reallocateTmsi } : {}),
      ...(c.unknownImsiCause !== undefined ? { unknownImsiCause: c.unknownImsiCause } : {}),
    };
    let agent: CallAgent | undefined;
    if (c.mgw) {
      const mgwHost = c.mgw.host ?? '127.0.0.1';
      const mgwPort = c.mgw.port ?? 2427;
      const sock = ctx.net.udp({ name: 'mgcp', host: c.mgw.localHost ?? '127.0.0.1', port: c.mgw.localPort ?? 0, onMessage: (b) => agent!.receive(b) });
      agent = new CallAgent({
        transport: { send: (b) => void sock.send(b, mgwPort, mgwHost) },
        timers: host,
        log: ctx.log,
        ...(c.mgw.domain ? { domain: c.mgw.domain } : {}),
      });
    }
    const transitions: FsmLog = {
      info: (f, m) => ctx.log.debug(f, m),
      warn: (f, m) => ctx.log.warn(f, m),
      error: (f, m) => ctx.log.error(f, m),
    };
    let hlr: HlrAccess;
    let gsup: GsupHlrClient | undefined;
    if (c.gsup) {
      gsup = new GsupHlrClient({
        host: c.gsup.host ?? '127.0.0.1',
        port: c.gsup.port ?? 4222,
        ...(c.gsup.unitName ? { unitName: c.gsup.unitName } : {}),
        ...(c.gsup.timeoutMs ? { requestTimeoutMs: c.gsup.timeoutMs } : {}),
        timers: host,
        log: ctx.log,
        connect: (o) => ctx.net.connect({ name: 'gsup', host: o.host, port: o.port, onConnect: () => o.onConnect(), onData: (b) => o.onData(b), onDisconnect: () => o.onDisconnect() }),
      });
      hlr = gsupHlr(gsup);
      // X3 (MM's wait for the HLR) must outlast the client's own timeout, so the client's answer decides.
      if (!c.timers?.X3) timers.set('X3', Math.ceil(((c.gsup.timeoutMs ?? 5000) + 1000) / 1000), 's');
    } else hlr = embeddedHlr(ctx.use<EmbeddedHlr>('hlr'), (n) => crypto.randomBytes(n));
    let a: AInterface | undefined;
    const core = new MscCore({
      host,
      timers,
      log: ctx.log as unknown as FsmLog,
      hlr,
      vlr,
      mm,
      page: (lac, imsi, tmsi) => a?.page(lac, imsi, tmsi) ?? 0,
      // Transitions are debug lines: built only when debug is on (`remote log-level debug`).
      trace: () => (ctx.log.isLevelEnabled('debug') ? transitions : undefined),
      ...(agent ? { media: (id: string) => new CallMedia(agent!, id) } : {}),
    });
    const router = c.sms?.router ?? 'store';
    let smsc: Smsc | undefined;
    let smpp: SmppServer | undefined;
    if (router === 'local') core.setSmsRouter(new LocalSmsRouter(core, c.sms?.scAddress ? { scAddress: c.sms.scAddress } : {}));
    else if (router === 'store') {
      smsc = new Smsc(
        { core, host, timers, log: ctx.log as unknown as FsmLog, msisdnOf: (imsi) => { const slot = vlr.slotOf(imsi); return slot >= 0 ? vlr.recordAt(slot).msisdn : undefined; } },
        { ...(c.sms?.scAddress ? { scAddress: c.sms.scAddress } : {}), ...(c.sms?.routes ? { routes: c.sms.routes } : {}), ...(c.sms?.esmeWindow ? { esmeWindow: c.sms.esmeWindow } : {}), ...(c.sms?.maxAttempts ? { maxAttempts: c.sms.maxAttempts } : {}) },
      );
      core.setSmsRouter(smsc);
      if (c.smpp) {
        const s = c.smpp;
        smpp = new SmppServer(ctx, {
          host: s.host ?? '127.0.0.1',
          port: s.port ?? 2775,
          esmes: s.esmes,
          ...(s.systemId ? { systemId: s.systemId } : {}),
          ...(s.enquireLinkMs !== undefined ? { enquireLinkMs: s.enquireLinkMs } : {}),
          ...(s.responseTimeoutMs !== undefined ? { responseTimeoutMs: s.responseTimeoutMs } : {}),
          ...(s.defaultAlphabet ? { defaultAlphabet: s.defaultAlphabet } : {}),
        });
        const sc = smsc;
        smpp.onSubmit((sm) => sc.submitSmpp(sm));
        smpp.on('bind', (e: { systemId: string; mode: string }) => {
          if (e.mode !== 'transmitter') sc.onBind(e.systemId);
        });
        smsc.setEsmeGateway(smpp);
      }
    }
    const aCfg: AConfig = { ...A_DEFAULTS, ...c.a, bscs: c.a?.bscs ?? [] };
    a = new AInterface(ctx, aCfg, core);
    ctx.timers.every('vlr-purge', c.purgeEveryMs ?? 60_000, () => core.purgeExpired());
    instances.set(ctx, { core, vlr, ...(agent ? { agent } : {}), ...(smsc ? { smsc } : {}) });
    ctx.log.info({ a: `${aCfg.host}:${aCfg.port}`, bscs: aCfg.bscs.map((b) => `${b.name}@${b.transport === 'm3ua' ? `PC ${b.pc ?? 187} (M3UA)` : b.host} LAC ${b.lac}`), ...(a.aoip ? { m3ua: `${a.aoip.cfg.host}:${a.aoip.cfg.port}`, sctp: a.aoip.cfg.backend === 'sctp' ? a.aoip.cfg.transport : 'stub' } : {}), mcc: mm.mcc, mnc: mm.mnc, sms: router, ...(c.smpp ? { smpp: `${c.smpp.host ?? '127.0.0.1'}:${c.smpp.port ?? 2775}`, esmes: c.smpp.esmes.map((e) => e.systemId) } : {}) }, 'msc started');
    const aa = a;
    return {
      status: () => ({
        links: aa.status(),
        ...(aa.aoip ? { aoip: aa.aoip.status() } : {}),
        hlr: gsup ? { kind: 'gsup', ...gsup.status() } : { kind: 'embedded' },
        registered: vlr.size,
        connections: core.conns.size,
        calls: core.calls.size,
        counters: { ...core.counters },
        ...(smsc ? { sms: smsc.status() } : {}),
        ...(smpp ? { smpp: smpp.status() } : {}),
      }),
      timers: () => timers.list(),
      setTimer: (name, value) => timers.configure({ [name]: value }),
      vlr,
      core,
      a: aa,
      ...(smsc ? { smsc } : {}),
      ...(smpp ? { smpp } : {}),
    };
  },

  aboutToSnapshot(ctx) {
    // The VLR crosses the snapshot packed into one string (few bytes, no ArrayBuffers: see @snaptel/vlr).
    const i = instances.get(ctx);
    i?.vlr.freeze();
    // The store likewise: one string, no typed arrays across the V8 snapshot.
    i?.smsc?.store.freeze();
  },

  returnedFromSnapshot(ctx) {
    const i = instances.get(ctx);
    // Unpacked at once rather than on the first LU's lookup.
    i?.vlr.thaw();
    if (i?.smsc) {
      i.smsc.store.thaw();
      i.smsc.restart();
    }
    // A new process: transaction ids start afresh, and whatever an earlier life left on the MGW goes.
    const agent = i?.agent;
    if (!agent) return;
    agent.resetTransactionIds();
    agent.resetEndpoints().catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not reset the MGW endpoints (is osmo-mgw up?)'));
  },

  exportState(ctx) {
    const i = instances.get(ctx);
    return { vlr: i?.vlr.exportState(), ...(i?.smsc ? { sms: i.smsc.store.exportState() } : {}) };
  },

  importState(ctx, state) {
    const i = instances.get(ctx);
    const s = state as { vlr?: VlrState; sms?: SmsStoreState };
    if (i && s.vlr) i.vlr.importState(s.vlr);
    if (i?.smsc && s.sms) i.smsc.store.importState(s.sms);
    ctx.log.info({ registered: i?.vlr.size ?? 0, ...(i?.smsc ? { sms: i.smsc.store.size } : {}) }, 'msc state imported');
  },
});
