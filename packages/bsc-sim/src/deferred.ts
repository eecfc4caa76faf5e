/**
 * A promise with its resolve/reject at hand. Its rejection is marked handled
 * at creation, so a procedure nobody awaits (a call's `alerting` when the
 * test only awaits `connected`) never becomes an unhandled rejection; who
 * awaits it still gets the error.
 */
export class Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  value: T | undefined;
  error: Error | undefined;
  private res!: (v: T) => void;
  private rej!: (e: Error) => void;

  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.res = res;
      this.rej = rej;
    });
    this.promise.catch(() => {});
  }

  resolve(v: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.value = v;
    this.res(v);
    return true;
  }

  reject(e: Error): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.error = e;
    this.rej(e);
    return true;
  }
}

/** Rejects with `onTimeout()` when `p` has not settled within `ms` (0 or less: no limit). */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!(ms > 0)) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
