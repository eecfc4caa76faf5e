import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bound, call, harness, raw, sleep, type Harness } from './helpers';
import { encodePdu } from '../src';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.server.onSubmit(() => ({ messageId: 'f' }));
});
afterAll(async () => {
  await h.close();
});

describe('fast-check on live connections', () => {
  it('random and truncated bytes never crash the server; another ESME keeps working', async () => {
    const good = bound(h, 'transceiver');
    const witness = await good;
    const valid = [
      encodePdu({ command: 'bind_transmitter', seq: 1, body: { system_id: 'app', password: 'secret' } }),
      encodePdu({ command: 'submit_sm', seq: 2, body: { destination_addr: '123', short_message: Buffer.from('hi') } }),
      encodePdu({ command: 'enquire_link', seq: 3 }),
    ];
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([v, n]) => v.subarray(0, n % (v.length + 1))),
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(255)).map(([v, i, x]) => {
        const c = Buffer.from(v);
        c[i % c.length] = x;
        return c;
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 8 }), async (chunks) => {
        const c = await raw(h);
        for (const b of chunks) c.sock.write(b);
        await sleep(2);
        c.sock.destroy();
        const r = await call(witness, 'enquire_link');
        expect(r.command_status).toBe(0);
      }),
      { numRuns: 150 },
    );
    const s = await call(witness, 'submit_sm', { destination_addr: '4917099999', short_message: 'still here' });
    expect(s.command_status).toBe(0);
    expect(s.message_id).toBe('f');
    await sleep(50);
    expect(h.server.status().links.map((l) => l.systemId)).toEqual(['app']);
    witness.destroy();
  });
});
