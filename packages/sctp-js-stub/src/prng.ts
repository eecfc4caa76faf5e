/**
 * A small seeded pseudo-random generator for the stub network: Marsaglia's
 * xorshift32 (shifts 13, 17, 5; "Xorshift RNGs", J. Stat. Software 8(14),
 * 2003). Not for anything but reproducible fault injection.
 */
export class Prng {
  private s: number;

  /** Any integer seed; it is scrambled so that nearby seeds give unrelated streams (0 is allowed). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Prng: seed must be a finite number (got ${seed})`);
    // splitmix-style scramble of the seed into a non-zero 32-bit state.
    let z = (Math.trunc(seed) + 0x9e3779b9) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    this.s = z === 0 ? 0x6d2b79f5 : z;
  }

  /** A generator whose raw state is `state` (non-zero): for checking against published xorshift32 sequences. */
  static fromState(state: number): Prng {
    const p = new Prng(0);
    if ((state >>> 0) === 0) throw new RangeError('Prng.fromState: xorshift32 state must not be 0');
    p.s = state >>> 0;
    return p;
  }

  /** Next 32-bit unsigned value. */
  nextU32(): number {
    let y = this.s;
    y ^= y << 13;
    y >>>= 0;
    y ^= y >>> 17;
    y ^= y << 5;
    y >>>= 0;
    this.s = y;
    return y;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
}
