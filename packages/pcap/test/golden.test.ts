import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCapture } from '../src/decode';
import { encodeStack } from '../src/stack';
import { formatSummary } from '../src/summary';
import type { FrameRef, Message } from '../src/types';

/**
 * Every capture in fixtures/ decodes to its golden summary (fixtures/<name>.decode.ok,
 * regenerate with SNAPTEL_UPDATE_FIXTURES=1) with no problem, and every message
 * re-encodes from its tree to the bytes on the wire.
 */
const FIXTURES = path.resolve(__dirname, '../../../fixtures');
const captures = fs.readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f));

describe('fixture captures', () => {
  it('are there', () => expect(captures.length).toBeGreaterThanOrEqual(7));
  for (const f of captures) {
    it(`${f}: decodes as its golden file says, and every message re-encodes to the same bytes`, () => {
      const msgs: Message[] = [];
      const problems: string[] = [];
      let t0: FrameRef | undefined;
      decodeCapture(path.join(FIXTURES, f), {
        onMessage: (m) => msgs.push(m),
        onProblem: (p) => problems.push(`${p.frame} ${p.layer} ${p.message}`),
        onFirstFrame: (t) => (t0 = t),
      });
      expect(problems).toEqual([]);
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) {
        expect(m.error, `frame ${m.frame.n}: ${m.info}`).toBeUndefined();
        expect(Buffer.from(encodeStack(m.proto, m.tree)).toString('hex'), `frame ${m.frame.n}: ${m.info}`).toBe(Buffer.from(m.bytes).toString('hex'));
      }
      const text = msgs.map((m) => formatSummary(m, t0!)).join('\n') + '\n';
      const golden = path.join(FIXTURES, f.replace(/\.pcap(ng)?$/, '.decode.ok'));
      if (process.env.SNAPTEL_UPDATE_FIXTURES) fs.writeFileSync(golden, text);
      expect(fs.existsSync(golden), `${golden} missing: SNAPTEL_UPDATE_FIXTURES=1 writes it`).toBe(true);
      expect(text).toBe(fs.readFileSync(golden, 'utf8'));
    });
  }
});
