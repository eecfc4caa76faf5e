import { authVector, type Algo } from '@snaptel/auth';
import { GsupError, type GsupHlrClient } from './gsup-client';

/**
 * How MM reaches an HLR: the embedded one (answers at once) or a GSUP client
 * towards osmo-hlr (answers later). Either may return a value or a promise;
 * MM waits in a state of its own only when it gets a promise, so the embedded
 * HLR costs no extra turn and no extra transition.
 */
export type AuthInfo =
  | { kind: 'unknown' }
  | HlrFailure
  | { kind: 'forbidden'; why: string }
  | { kind: 'none' }
  | { kind: 'vector'; rand: string; sres: string; kc: string; autn?: string; xres?: string };

export type LocationResult = { kind: 'unknown' } | { kind: 'forbidden'; why: string } | { kind: 'ok'; msisdn?: string };

/** The HLR could not answer (it threw, its link is down, it timed out): a network failure, not a refusal. */
export interface HlrFailure {
  kind: 'failed';
  why: string;
}

export interface HlrAccess {
  /** One authentication vector for the subscriber (SEND AUTH INFO). */
  authInfo(imsi: string): AuthInfo | Promise<AuthInfo>;
  /** UPDATE LOCATION for the CS domain: the subscriber's data (MSISDN). */
  updateLocation(imsi: string): LocationResult | Promise<LocationResult>;
  /** The subscriber with this MSISDN, for call routing, when the HLR can tell. */
  byMsisdn?(msisdn: string): { imsi: string; msisdn?: string } | undefined;
  /** Which HLR this is, for logs and status. */
  readonly kind: 'embedded' | 'gsup';
}

/** The embedded HLR's face (@snaptel/hlr's start() result) as far as the MSC uses it. */
export interface EmbeddedHlr {
  get(imsi: string): { imsi: string; msisdn?: string; ki?: string; opc?: string; algo: Algo; sqn: number; cs: boolean } | undefined;
  nextSqn(imsi: string): number;
  byMsisdn(msisdn: string): { imsi: string; msisdn?: string } | undefined;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The embedded HLR: vectors computed here (@snaptel/auth), answers at once. */
export function embeddedHlr(hlr: EmbeddedHlr, random: (n: number) => Uint8Array): HlrAccess {
  return {
    kind: 'embedded',
    authInfo(imsi) {
      const sub = hlr.get(imsi);
      if (!sub) return { kind: 'unknown' };
      if (!sub.cs) return { kind: 'forbidden', why: 'CS service not allowed for this subscriber' };
      if (sub.algo === 'none') return { kind: 'none' };
      const rand = random(16);
      const opts: { algo: Algo; ki?: Uint8Array; opc?: Uint8Array; sqn?: number } = { algo: sub.algo };
      if (sub.ki) opts.ki = Buffer.from(sub.ki, 'hex');
      if (sub.opc) opts.opc = Buffer.from(sub.opc, 'hex');
      if (sub.algo === 'milenage') opts.sqn = hlr.nextSqn(imsi);
      const v = authVector(opts, rand);
      return {
        kind: 'vector',
        rand: hex(rand),
        sres: hex(v.sres),
        kc: hex(v.kc),
        ...('autn' in v ? { autn: hex(v.autn), xres: hex(v.xres) } : {}),
      };
    },
    updateLocation(imsi) {
      const sub = hlr.get(imsi);
      if (!sub) return { kind: 'unknown' };
      if (!sub.cs) return { kind: 'forbidden', why: 'CS service not allowed for this subscriber' };
      return { kind: 'ok', ...(sub.msisdn ? { msisdn: sub.msisdn } : {}) };
    },
    byMsisdn: (m) => hlr.byMsisdn(m),
  };
}

/**
 * An external HLR (osmo-hlr) over GSUP: one vector per authentication (SEND
 * AUTH INFO), UPDATE LOCATION for the MSISDN. Cause 2 (IMSI unknown) is an
 * unknown subscriber; other error causes refuse it; a timeout or a lost link
 * rejects, which MM answers with LU REJECT #17 (network failure).
 */
export function gsupHlr(client: GsupHlrClient): HlrAccess {
  const refused = (err: unknown): AuthInfo & LocationResult => {
    if (err instanceof GsupError && err.code === 'error-result')
      return err.cause === 2 ? { kind: 'unknown' } : { kind: 'forbidden', why: `refused by the HLR (GSUP cause ${err.cause})` };
    throw err;
  };
  return {
    kind: 'gsup',
    async authInfo(imsi) {
      try {
        const [t] = await client.sendAuthInfo(imsi, 1);
        if (!t) return { kind: 'failed', why: 'HLR: no authentication vector' };
        return { kind: 'vector', rand: t.rand, sres: t.sres, kc: t.kc, ...(t.autn ? { autn: t.autn } : {}), ...(t.autn && t.res ? { xres: t.res } : {}) };
      } catch (err) {
        return refused(err);
      }
    },
    async updateLocation(imsi) {
      try {
        const r = await client.updateLocation(imsi);
        return { kind: 'ok', ...(r.msisdn ? { msisdn: r.msisdn } : {}) };
      } catch (err) {
        return refused(err);
      }
    },
  };
}
