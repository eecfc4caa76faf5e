import * as path from 'node:path';
import { describe, it } from 'vitest';
import { GoldenLog } from '@snaptel/fsm';
import { ESME, MS, msg, rig } from './helpers';

/**
 * A day in the life of two messages, as a readable log compared with a
 * checked-in `.ok` file (libosmocore style): a phone that stays away (retries
 * 30 s, 60 s, 120 s ... then expiry with a report) and an ESME that binds late.
 */
describe('golden scenario', () => {
  it('retry schedule, ready(), expiry and reports', () => {
    const log = new GoldenLog();
    const { store, clock } = rig({
      onDue: (ms) => log.note(`${stamp()} due: ${ms.map((m) => `#${m.id} (attempts ${m.attempts})`).join(', ')}`),
      onReport: (r) => log.note(`${stamp()} report #${r.id}: ${r.outcome}, cause ${r.cause}, attempts ${r.attempts}, to ${JSON.stringify(r.origin)}`),
    });
    const t0 = clock.now();
    const stamp = () => `+${String((clock.now() - t0) / 1000).padStart(5)}s`;
    const away = store.add(msg(MS('4915112345678'), 1, { statusReportRequested: true, validUntil: t0 + 20 * 60_000 }));
    const app = store.add(msg(ESME('app'), 2, { origin: { kind: 'esme', systemId: 'gw', messageId: 'X1' }, statusReportRequested: true }));
    log.note(`${stamp()} added #${away} for a phone (valid 20 min) and #${app} for an ESME`);
    clock.runDue();
    // the phone is paged each time its message falls due and never answers
    store.onDue = (ms) => {
      for (const m of ms) {
        log.note(`${stamp()} due: #${m.id} (attempts ${m.attempts})`);
        if (m.destination.kind !== 'ms') continue;
        store.take(m.id);
        const r = store.failed(m.id, { temporary: true, cause: 27 });
        const next = store.get(m.id);
        log.note(`${stamp()} #${m.id} absent subscriber (27): ${next ? `retry at +${(next.nextAttemptAt! - t0) / 1000}s` : `ended ${r?.outcome}`}`);
      }
    };
    store.ready(MS('4915112345678'));
    clock.advance(10 * 60_000);
    log.note(`${stamp()} ESME 'app' binds`);
    store.ready(ESME('app'));
    store.onDue = (ms) => {
      for (const m of ms) {
        log.note(`${stamp()} due: #${m.id} (attempts ${m.attempts})`);
        if (m.destination.kind === 'esme') {
          store.take(m.id);
          store.delivered(m.id);
        } else log.note(`${stamp()} #${m.id} left waiting (phone detached)`);
      }
    };
    clock.runDue();
    clock.advance(15 * 60_000);
    log.note(`${stamp()} stored ${store.size}, counters ${JSON.stringify(store.stats().counters)}`);
    log.expect(path.join(__dirname, 'fixtures', 'scenario.ok'));
  });
});
