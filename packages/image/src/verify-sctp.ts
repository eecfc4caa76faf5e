/**
 * SCTP in `snaptel verify`: associations declared through sctp-js-stub
 * (resource kinds 'sctp-server' and 'sctp-client'). verify plays the other
 * end with the same backend the image uses, loaded only when an image
 * declares SCTP, so the runtime does not depend on it.
 */
import type { ResourceInfo } from './resources/resource';

interface Assoc {
  once(ev: 'up', fn: () => void): unknown;
  once(ev: 'down', fn: (why: string) => void): unknown;
  state: string;
  abort(reason?: string): void;
}
interface Srv {
  on(ev: 'association', fn: (a: Assoc) => void): unknown;
  close(): Promise<void>;
}
interface Backend {
  listen(o: { host: string; port: number }): Promise<Srv>;
  connect(o: { host: string; port: number; localHost?: string }): Promise<Assoc>;
}
interface SctpLib {
  backendFor(spec: { backend: string; transport?: string; udpPort?: number; udpPeerPort?: number }): Backend;
}

export const isSctp = (r: ResourceInfo) => r.kind === 'sctp-server' || r.kind === 'sctp-client';

let lib: SctpLib | null | undefined;
function sctpLib(): SctpLib | null {
  if (lib !== undefined) return lib;
  try {
    lib = require('@snaptel/sctp-js-stub') as SctpLib;
  } catch {
    lib = null;
  }
  return lib;
}

/** What a declared association is carried by, in words. */
export function carriedBy(r: ResourceInfo): string {
  return r.backend === 'sctp' ? `SCTP over ${r.transport === 'udp' ? 'UDP (RFC 6951)' : 'raw IP'}` : `the ${String(r.backend)} backend`;
}

/** Plays the peer of a declared SCTP client: listens where it connects to. */
export class SctpPeerStub {
  hosting = false;
  associations = 0;
  why = '';
  private server: Srv | undefined;

  constructor(readonly r: ResourceInfo) {}

  async open(): Promise<void> {
    const l = sctpLib();
    if (!l || this.r.backend !== 'sctp') {
      this.why = l ? 'in-process backend' : '@snaptel/sctp-js-stub is not installed here';
      return;
    }
    try {
      // Over UDP (RFC 6951) verify listens on the port the client sends to.
      const udp = this.r.transport === 'udp' ? { udpPort: Number(this.r.udpPeerPort ?? 9899), udpPeerPort: Number(this.r.udpPort ?? 9899) } : {};
      const backend = l.backendFor({ backend: 'sctp', transport: String(this.r.transport ?? 'raw'), ...udp });
      this.server = await backend.listen({ host: String(this.r.host), port: Number(this.r.port) });
      this.server.on('association', () => this.associations++);
      this.hosting = true;
    } catch (err) {
      this.why = (err as Error).message;
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await s.close();
  }
}

/** Makes an association to a declared SCTP listener and lets it go: null when it came up, else why not. */
export async function probeSctpServer(r: ResourceInfo, timeoutMs: number): Promise<string | null> {
  const l = sctpLib();
  if (!l) return '@snaptel/sctp-js-stub is not installed here';
  // Over UDP (RFC 6951) verify sends to the listener's UDP port from one of its own.
  const udp = r.transport === 'udp' ? { udpPort: 0, udpPeerPort: Number(r.udpPort ?? 9899) } : {};
  const backend = l.backendFor({ backend: String(r.backend), transport: String(r.transport ?? 'raw'), ...udp });
  let timer: NodeJS.Timeout | undefined;
  try {
    const a = await Promise.race([
      backend.connect({ host: String(r.host), port: Number(r.port), localHost: String(r.host) }),
      new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no INIT ACK within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    a.abort('snaptel verify probe');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
