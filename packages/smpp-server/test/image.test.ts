/**
 * The server as a package of the image runtime, in this process: the listener
 * and the link timer are the runtime's resources; suspend (as before a
 * snapshot) drops the ESME links, resume binds the listener again and the
 * ESME binds again.
 */
import { definePackage } from '@snaptel/image';
import { Runtime } from '@snaptel/image/tooling';
import { afterEach, describe, expect, it } from 'vitest';
import { SmppServer } from '../src';
import { call, connect, nextEvent, sleep } from './helpers';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;
const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
let rt: Runtime | undefined;
afterEach(async () => {
  if (rt && rt.phase !== 'suspended' && rt.phase !== 'idle') await rt.suspend();
  rt = undefined;
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.off(s, l as (...a: unknown[]) => void);
});

describe('in the image runtime', () => {
  it('ESME links are dropped on suspend and come back after resume', async () => {
    const host = `127.0.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const port = 20000 + Math.floor(Math.random() * 40000);
    let server: SmppServer | undefined;
    const def = definePackage({
      name: 'smsc',
      version: '1.0.0',
      start(ctx) {
        server = new SmppServer(ctx, { host, port, esmes: [{ systemId: 'app', password: 'secret' }], enquireLinkMs: 5000 });
        return server;
      },
    });
    rt = new Runtime([def], { packages: {}, log: { level: 'silent' } }, 'cold');
    await rt.start();
    const names = rt.inspect().map((r) => `${r.kind}:${r.name}`);
    expect(names).toEqual(expect.arrayContaining(['tcp-server:smpp', 'timer:smpp-links']));
    const h = { host, port } as any;
    const s1 = await connect(h);
    expect((await call(s1, 'bind_receiver', { system_id: 'app', password: 'secret' })).command_status).toBe(0);
    expect(server!.bound('app')).toBe(true);
    const unbound = new Promise<any>((r) => server!.once('unbind', r));
    const closed = nextEvent(s1, 'close');
    await rt.suspend();
    await closed;
    expect(await unbound).toMatchObject({ systemId: 'app', mode: 'receiver' });
    expect(server!.bound('app')).toBe(false);
    await rt.resume(undefined);
    const s2 = await connect(h);
    expect((await call(s2, 'bind_transceiver', { system_id: 'app', password: 'secret' })).command_status).toBe(0);
    s2.on('deliver_sm', (p: any) => s2.send(p.response()));
    expect(await server!.deliver('app', { source: { ton: 1, npi: 1, addr: '4915112345' }, destination: { ton: 0, npi: 0, addr: '1' }, text: 'after resume' })).toBe('ok');
    s2.destroy();
    await sleep(20);
  });
});
