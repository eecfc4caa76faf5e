import * as asyncHooks from 'node:async_hooks';

/** Handle types that keep the event loop alive, by async_hooks type name. */
const HANDLE_TYPES = new Set([
  'Timeout',
  'TCPSERVERWRAP',
  'TCPWRAP',
  'TCPCONNECTWRAP',
  'UDPWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PROCESSWRAP',
  'SIGNALWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'TTYWRAP',
  'FILEHANDLE',
  'Immediate',
  'WORKER',
  'MESSAGEPORT',
  'HTTPINCOMINGMESSAGE',
]);

const IGNORED = new Set(['FSReqCallback', 'TTYWrap', 'PipeWrap']);

export interface StrayHandle {
  /** async_hooks type, e.g. TCPSERVERWRAP or Timeout. */
  type: string;
  /** What it most likely is, in words: "setInterval every 1000 ms". */
  what: string;
  /** Stack frames where it was created (bundle coordinates). */
  stack: string[];
}

interface Tracked {
  type: string;
  resource: any;
  stack: string[];
}

/**
 * Watches handle creation while packages start, so that a handle still alive
 * at snapshot time can be named with the place that created it.
 */
export class HandleTracker {
  private readonly live = new Map<number, Tracked>();
  /** Where each async resource with user code on its stack was made, for handles created later (listen after a DNS tick). */
  private readonly origins = new Map<number, { stack: string[]; trigger: number }>();
  private readonly hook: asyncHooks.AsyncHook;

  constructor() {
    const live = this.live;
    const origins = this.origins;
    this.hook = asyncHooks.createHook({
      init(id, type, trigger, resource) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 60;
        let stack = userFrames((new Error().stack ?? '').split('\n').slice(1).map((l) => l.trim()));
        Error.stackTraceLimit = limit;
        // No user frame (created on a later tick): take the stack of what triggered it.
        for (let t = trigger, hops = 0; stack.length === 0 && hops < 8; hops++) {
          const o = origins.get(t);
          if (!o) break;
          stack = o.stack;
          t = o.trigger;
        }
        if (type !== 'PROMISE') origins.set(id, { stack, trigger });
        if (HANDLE_TYPES.has(type)) live.set(id, { type, resource, stack });
      },
      destroy(id) {
        live.delete(id);
      },
    });
  }

  enable(): this {
    this.hook.enable();
    return this;
  }

  disable(): void {
    this.hook.disable();
    this.live.clear();
    this.origins.clear();
  }

  /**
   * Handles that still keep the loop alive. `process.getActiveResourcesInfo()`
   * is the authority on whether anything does; the tracker adds who made it.
   */
  stray(): StrayHandle[] {
    // stdio handles (TTYWrap, PipeWrap of process.stdout/err) do not stop the snapshot.
    const active = process.getActiveResourcesInfo().filter((t) => !IGNORED.has(t));
    if (active.length === 0) return [];
    const found: StrayHandle[] = [];
    for (const t of this.live.values()) {
      if (!stillActive(t)) continue;
      found.push({ type: t.type, what: describe(t), stack: t.stack });
    }
    if (found.length === 0) return active.map((type) => ({ type, what: type, stack: [] }));
    return found;
  }
}

function stillActive(t: Tracked): boolean {
  const r = t.resource;
  if (t.type === 'Timeout') return !r._destroyed && (typeof r.hasRef !== 'function' || r.hasRef());
  if (t.type === 'Immediate') return false; // drains by itself
  if (typeof r?.hasRef === 'function') {
    try {
      return r.hasRef();
    } catch {
      return true;
    }
  }
  return true;
}

function describe(t: Tracked): string {
  const r = t.resource;
  switch (t.type) {
    case 'Timeout':
      return r._repeat ? `setInterval every ${r._repeat} ms` : `setTimeout of ${r._idleTimeout} ms`;
    case 'TCPSERVERWRAP':
      return 'TCP server (net.createServer().listen) not opened through ctx.net.listen';
    case 'TCPWRAP':
    case 'TCPCONNECTWRAP':
      return 'TCP socket (net.connect) not opened through ctx.net.connect';
    case 'UDPWRAP':
      return 'UDP socket (dgram.createSocket) not opened through ctx.net.udp';
    case 'PROCESSWRAP':
      return 'child process still running';
    case 'FSEVENTWRAP':
    case 'STATWATCHER':
      return 'file watcher (fs.watch/watchFile)';
    case 'SIGNALWRAP':
      return 'signal handler (process.on(signal))';
    default:
      return t.type;
  }
}

function userFrames(stack: string[]): string[] {
  return stack
    .filter((l) => l.startsWith('at ') && !l.includes('node:') && !l.includes('(internal/'))
    .filter((l) => !/HandleTracker|AsyncHook|emitInit/.test(l))
    .slice(0, 4);
}
