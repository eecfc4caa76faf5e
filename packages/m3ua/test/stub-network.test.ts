import { describe, expect, it } from 'vitest';
import { setTimeoutHost } from '@snaptel/fsm';
import * as stub from '@snaptel/sctp-js-stub';
import { M3uaEndpoint, type M3uaAssociation, type TransferInfo } from '../src';

/**
 * The endpoint over @snaptel/sctp-js-stub's own stub backend (the one the
 * MSC and the BSC simulator use in tests): real timers, streams that may
 * overtake each other, an ABORT in the middle, and a user reconnect loop.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('over the sctp-js-stub backend', () => {
  it('ASP and SG come up, carry DATA with streams overtaking each other, and recover from an ABORT', async () => {
    const net = stub.createStubNetwork({ seed: 7 });
    const host = setTimeoutHost();
    const sg = new M3uaEndpoint({ role: 'sg', name: 'stp', localPc: 100, applicationServers: [{ routingContext: 1, dpc: 200 }], heartbeat: false }, host);
    const asp = new M3uaEndpoint({ role: 'asp', name: 'msc', localPc: 200, routingContexts: [1], heartbeat: false }, host);
    const atSg: TransferInfo[] = [];
    const atAsp: TransferInfo[] = [];
    sg.on('transfer', (t) => atSg.push(t));
    asp.on('transfer', (t) => atAsp.push(t));
    const server = await net.backend.listen({ host: '127.0.0.1', port: 2905 });
    server.on('association', (a) => sg.attach(a as M3uaAssociation));
    let downs = 0;
    asp.on('down', () => downs++);
    try {
      const connect = async () => asp.attach((await net.backend.connect({ host: '127.0.0.1', port: 2905 })) as M3uaAssociation);
      await connect();
      await until('ASP-ACTIVE', () => asp.aspState === 'ASP-ACTIVE' && sg.asState(1) === 'AS-ACTIVE');

      net.setFaults({ reorder: true, jitterMs: 3 });
      const data = Uint8Array.from([1, 2, 3, 4]);
      for (let sls = 0; sls < 32; sls++) {
        asp.transfer({ opc: 200, dpc: 100, si: 3, ni: 2, mp: 0, sls, data });
        sg.transfer({ opc: 100, dpc: 200, si: 3, ni: 2, mp: 0, sls, data });
      }
      await until('64 DATA', () => atSg.length === 32 && atAsp.length === 32);
      expect(atSg.map((t) => t.sls).sort((a, b) => a - b)).toEqual([...Array(32).keys()]);
      expect(atAsp.every((t) => t.routingContext === 1 && t.data.length === 4)).toBe(true);

      net.setFaults({ reorder: false, jitterMs: 0 });
      net.abort();
      await until('ASP-DOWN', () => asp.aspState === 'ASP-DOWN' && downs === 1);
      expect(sg.asState(1)).toBe('AS-PENDING');
      // the user's reconnect loop hands the endpoint a new association; M3UA does the rest
      await connect();
      await until('ASP-ACTIVE again', () => asp.aspState === 'ASP-ACTIVE' && sg.asState(1) === 'AS-ACTIVE');
      asp.transfer({ opc: 200, dpc: 100, si: 3, ni: 2, mp: 0, sls: 1, data });
      await until('DATA after recovery', () => atSg.length === 33);
    } finally {
      asp.close();
      sg.close();
      net.destroy();
    }
  });
});
