import { setTimeoutHost, type FsmLog } from '@snaptel/fsm';
import { M3uaEndpoint } from '@snaptel/m3ua';
import { backendFor, type Association, type Backend, type BackendSpec } from '@snaptel/sctp-js-stub';
import { ReconnectingLink } from './link-base';
import type { TimerValues } from './timers';

export interface M3uaLinkConfig {
  host: string;
  /** The MSC's M3UA port (default 2905). */
  port: number;
  /** Our address (default: the MSC's host). */
  localHost?: string;
  /** sctp-js-stub backend: default the real one over raw IP. */
  backend: Backend | BackendSpec;
  bscPc: number;
  mscPc: number;
  /** The routing context of our application server (default 1). */
  routingContext: number;
  /** MTP3 network indicator (default 2, national). */
  ni: number;
  /** M3UA timers ('T(ack)', 'T(beat)'). */
  m3uaTimers?: Record<string, number | string>;
  reconnect: boolean;
  timers: TimerValues;
  /** The ASP's transitions and messages (debug). */
  log?: FsmLog;
}

/**
 * The BSC end of AoIP below SCCP: an M3UA ASP over one SCTP association to
 * the MSC (as osmo-bsc runs its cs7 instance as an ASP towards osmo-msc's
 * SG). The same events as the IPA Link, so the BSC above does not care:
 * 'tcp-up' (the association is up), 'ready' (ASP active), 'sccp' (payload of
 * a DATA with SI 3 for our point code), 'down' (reason). Reconnects with a
 * doubling backoff when the association drops.
 */
export class M3uaLink extends ReconnectingLink {
  readonly ccmComplete = true;
  readonly endpoint: M3uaEndpoint;
  private assoc: Association | undefined;
  private readonly backend: Backend;

  constructor(private readonly cfg: M3uaLinkConfig) {
    super(cfg);
    this.backend = backendFor(cfg.backend);
    this.endpoint = new M3uaEndpoint(
      { role: 'asp', name: 'bsc', localPc: cfg.bscPc, remotePcs: [cfg.mscPc], routingContexts: [cfg.routingContext], ...(cfg.m3uaTimers ? { timers: cfg.m3uaTimers } : {}) },
      setTimeoutHost(),
      cfg.log,
    );
    this.endpoint.on('active', () => {
      if (this.state !== 'ccm') return;
      this.state = 'ready';
      this.linkReady();
      this.emit('ready', true);
    });
    this.endpoint.on('inactive', (e) => this.lost(`M3UA: ASP inactive (${e.reason})`));
    this.endpoint.on('down', (e) => this.lost(`M3UA: ASP down (${e.reason})`));
    this.endpoint.on('transfer', (pd) => {
      if (pd.si === 3 && pd.dpc === this.cfg.bscPc) this.emit('sccp', pd.data);
    });
  }

  get localPort(): number | undefined {
    return this.assoc?.info().localPort;
  }

  connect(): void {
    if (this.state === 'stopped' || this.state === 'connecting' || this.connected) return;
    this.state = 'connecting';
    this.backend
      .connect({ host: this.cfg.host, port: this.cfg.port, localHost: this.cfg.localHost ?? this.cfg.host })
      .then((a) => {
        if (this.state !== 'connecting') return a.abort('not wanted any more');
        this.assoc = a;
        this.connections++;
        this.state = 'ccm';
        a.on('down', (why) => {
          if (this.assoc === a) this.lost(`SCTP association down: ${why}`);
        });
        this.emit('tcp-up');
        this.endpoint.attach(a);
      })
      .catch((err: Error) => {
        if (this.state === 'connecting') this.lost(`SCTP: ${err.message}`);
      });
  }

  /** Sends one SCCP message as M3UA DATA (SI 3) to the MSC's point code. False while the ASP is not active. */
  sendSccp(payload: Uint8Array, sls = 0): boolean {
    if (this.state !== 'ready') return false;
    try {
      this.endpoint.transfer({ opc: this.cfg.bscPc, dpc: this.cfg.mscPc, si: 3, ni: this.cfg.ni, mp: 0, sls, data: payload });
      return true;
    } catch {
      return false;
    }
  }

  /** Aborts the association as a failure would (reconnects when configured to). */
  drop(reason = 'dropped by the simulator'): void {
    this.lost(reason);
  }

  async stop(): Promise<void> {
    const wasUp = this.state === 'ready';
    this.stopReconnecting();
    const a = this.assoc;
    this.assoc = undefined;
    if (wasUp) {
      // ASP Down first, as an orderly BSC would; then the association goes.
      try {
        this.endpoint.aspDown();
      } catch {
        /* not up after all */
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    this.endpoint.close();
    if (a && a.state === 'up') await Promise.race([a.close(), new Promise((r) => setTimeout(r, 500))]);
    if (a && a.state !== 'down') a.abort('stopped');
  }

  protected teardown(reason: string): void {
    const a = this.assoc;
    this.assoc = undefined;
    if (a && a.state !== 'down') a.abort(reason);
  }
}
