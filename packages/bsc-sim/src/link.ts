import * as net from 'node:net';
import { decode as ipaDecode, encode as ipaEncode, frame, IpaDeframer, PROTO, unframe, type CcmMessage, type IdRespEntry } from '@snaptel/ipa';
import { ReconnectingLink } from './link-base';
import { NamedTimers, type TimerValues } from './timers';

export type Direction = 'BSC -> MSC' | 'MSC -> BSC';
export const UP: Direction = 'BSC -> MSC';
export const DOWN: Direction = 'MSC -> BSC';

export interface LinkConfig {
  host: string;
  port: number;
  /** IPA UNITNAME sent in ID_RESP (a NUL is appended, as libosmocore sends C strings). */
  unitName: string;
  reconnect: boolean;
  timers: TimerValues;
}

/**
 * The BSC end of an IPA link over TCP, as osmo-bsc's SCCPlite client runs
 * it: connect, answer the MSC's CCM (ID_GET -> ID_RESP, ID_ACK -> ID_ACK,
 * PING -> PONG), optionally PING on a period, carry SCCP on stream 0xFD, and
 * reconnect with a doubling backoff when the link drops.
 *
 * Events: 'tcp-up' (), 'ready' (CCM done, or X_CCM expired: ccmComplete
 * says which), 'sccp' (payload), 'ccm' (direction, message), 'down' (reason),
 * 'error' is never emitted (protocol errors take the link down instead).
 */
export class Link extends ReconnectingLink {
  /** True once the MSC finished ID_GET/ID_ACK on the current connection. */
  ccmComplete = false;
  private sock: net.Socket | undefined;
  private deframer = new IpaDeframer();
  private readonly timers: NamedTimers;
  private corked = false;

  constructor(private readonly cfg: LinkConfig) {
    super(cfg);
    this.timers = new NamedTimers(cfg.timers);
  }

  get localPort(): number | undefined {
    return this.sock?.localPort;
  }

  connect(): void {
    if (this.state === 'stopped' || this.state === 'connecting' || this.connected) return;
    this.state = 'connecting';
    this.deframer = new IpaDeframer();
    this.ccmComplete = false;
    const sock = net.connect({ host: this.cfg.host, port: this.cfg.port });
    sock.setNoDelay(true);
    this.sock = sock;
    sock.on('connect', () => {
      if (this.sock !== sock) return;
      this.connections++;
      this.state = 'ccm';
      this.emit('tcp-up');
      this.timers.start('X_CCM', () => this.ready());
    });
    sock.on('data', (chunk: Buffer) => {
      if (this.sock !== sock) return;
      let frames: Uint8Array[];
      try {
        frames = this.deframer.push(chunk);
      } catch (e) {
        this.lost(`IPA framing: ${(e as Error).message}`);
        return;
      }
      for (const f of frames) {
        if (this.sock !== sock) return;
        this.onFrame(f);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (this.sock === sock) this.lost(e.code ?? e.message);
    });
    sock.on('close', () => {
      if (this.sock === sock) this.lost('closed by the MSC');
    });
  }

  /** Sends one SCCP message (IPA stream 0xFD). False when there is no connection. */
  sendSccp(payload: Uint8Array): boolean {
    return this.write(frame('SCCP', payload));
  }

  /** Drops the TCP connection as a cable pull would (reconnects when configured to). */
  drop(reason = 'dropped by the simulator'): void {
    this.lost(reason);
  }

  async stop(): Promise<void> {
    this.stopReconnecting();
    this.timers.stopAll();
    const sock = this.sock;
    this.sock = undefined;
    if (sock && !sock.destroyed) {
      await new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.end();
        setTimeout(() => sock.destroy(), 200).unref();
      });
    }
  }

  private write(bytes: Uint8Array): boolean {
    const sock = this.sock;
    if (!sock || !this.connected || sock.destroyed) return false;
    // Frames written in one event-loop turn leave in one TCP segment batch.
    if (!this.corked) {
      this.corked = true;
      sock.cork();
      process.nextTick(() => {
        this.corked = false;
        sock.uncork();
      });
    }
    sock.write(bytes);
    return true;
  }

  private sendCcm(ccm: CcmMessage): void {
    this.emit('ccm', UP, ccm);
    this.write(ipaEncode({ proto: 'CCM', ccm }));
  }

  private onFrame(f: Uint8Array): void {
    const proto = f[2];
    if (proto === PROTO.SCCP) {
      this.emit('sccp', unframe(f).payload);
      return;
    }
    if (proto !== PROTO.CCM) {
      this.emit('other', f);
      return;
    }
    let m;
    try {
      m = ipaDecode(f);
    } catch (e) {
      this.lost(`IPA CCM: ${(e as Error).message}`);
      return;
    }
    if (m.proto !== 'CCM') return;
    const ccm = m.ccm;
    this.emit('ccm', DOWN, ccm);
    switch (ccm.type) {
      case 'PING':
        this.sendCcm({ type: 'PONG' });
        break;
      case 'PONG':
        this.timers.stop('X_PONG');
        break;
      case 'ID_GET': {
        const entries: IdRespEntry[] = ccm.tags.map((t) => ({ tag: t.tag, value: t.tag === 'UNITNAME' ? `${this.cfg.unitName}\u0000` : '\u0000' }));
        if (!entries.length) entries.push({ tag: 'UNITNAME', value: `${this.cfg.unitName}\u0000` });
        this.sendCcm({ type: 'ID_RESP', entries });
        break;
      }
      case 'ID_ACK':
        this.sendCcm({ type: 'ID_ACK' });
        this.ccmComplete = true;
        this.ready();
        break;
    }
  }

  private ready(): void {
    this.timers.stop('X_CCM');
    if (this.state !== 'ccm') return;
    this.state = 'ready';
    this.linkReady();
    if (this.cfg.timers.X_PING > 0) this.schedulePing();
    this.emit('ready', this.ccmComplete);
  }

  private schedulePing(): void {
    this.timers.start('X_PING', () => {
      if (this.state !== 'ready') return;
      this.sendCcm({ type: 'PING' });
      // X_PONG runs from the first PING still unanswered.
      if (!this.timers.has('X_PONG')) this.timers.start('X_PONG', () => this.lost(`no PONG within ${this.cfg.timers.X_PONG} ms`));
      this.schedulePing();
    });
  }

  protected teardown(): void {
    const sock = this.sock;
    this.sock = undefined;
    sock?.destroy();
    this.timers.stopAll();
  }
}
