import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../packages/image/src/remote';
import { deployImage, freePorts, Running, sleep, tmpDir } from './helpers';

/** The image's clock under SNAPTEL_VIRTUAL_CLOCK, as `snaptel pcap replay` drives it. */
describe('a virtual clock', () => {
  it('holds timers until the control socket moves the clock, then fires each at its own deadline, in order', async () => {
    const dir = tmpDir('virtual-clock');
    const [port] = await freePorts(1);
    const img = deployImage(dir, 'demo', { packages: { demo: { tcpPort: port, udpPort: port, heartbeatMs: 1000, reportAfterMs: 2500 } } });
    const control = path.join(dir, 'control.sock');
    const p = new Running(['run', img, '--control', control], { SNAPTEL_VIRTUAL_CLOCK: 'now', SNAPTEL_LOG_LEVEL: 'debug' });
    try {
      await p.ready();
      await p.line((l) => l.msg === 'SNAPTEL_VIRTUAL_CLOCK is set: time stands still until the control socket advances it', 'virtual clock warning');
      const first = await request(control, 'clock');
      expect(first.ok).toBe(true);
      const t0 = first.result.now as number;
      // The deploy-time heartbeat deadline passed while the image was on disk: it fires once at resume.
      await sleep(1500);
      const firedBefore = p.lines.filter((l) => l.msg === 'timer fired').length;
      // Real time passes; the virtual clock does not, and nothing more fires.
      await sleep(1200);
      expect(p.lines.filter((l) => l.msg === 'timer fired').length).toBe(firedBefore);
      expect((await request(control, 'clock')).result.now).toBe(t0);
      const r = await request(control, 'clock', { by: 3000 });
      expect(r.ok).toBe(true);
      expect(r.result.now).toBe(t0 + 3000);
      // The heartbeat every 1000 ms fired three times in those 3 virtual seconds.
      expect(r.result.fired).toBeGreaterThanOrEqual(3);
      const beats = () => p.lines.filter((l) => l.msg === 'timer fired' && l.timer === 'demo.heartbeat');
      for (let i = 0; i < 100 && beats().length - firedBefore < 3; i++) await sleep(20);
      expect(beats().length - firedBefore).toBeGreaterThanOrEqual(3);
      // ... each on time in virtual terms: not late by real time.
      for (const b of beats().slice(-3)) expect(b.lateMs).toBe(0);
      // Backwards is refused with a reason.
      const back = await request(control, 'clock', { to: t0 });
      expect(back.ok).toBe(false);
      expect(back.error!.message).toMatch(/only goes forward/);
    } finally {
      p.kill();
    }
  });

  it('is refused when the image runs on the real clock', async () => {
    const dir = tmpDir('real-clock');
    const [port] = await freePorts(1);
    const img = deployImage(dir, 'demo', { packages: { demo: { tcpPort: port, udpPort: port, heartbeatMs: 60_000 } } });
    const control = path.join(dir, 'control.sock');
    const p = new Running(['run', img, '--control', control]);
    try {
      await p.ready();
      const r = await request(control, 'clock', { by: 1000 });
      expect(r.ok).toBe(false);
      expect(r.error!.message).toMatch(/not virtual/);
    } finally {
      p.kill();
    }
  });
});
