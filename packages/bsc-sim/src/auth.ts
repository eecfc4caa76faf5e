import { BscSimError } from './errors';

/** What the SIM holds (the argument of @snaptel/auth's msAuthenticate). */
export interface SimCredentials {
  algo: 'comp128v1' | 'xor' | 'milenage' | 'none';
  ki: Uint8Array;
  opc?: Uint8Array;
  /** MILENAGE: the highest SQN the USIM accepted; when set, the SQN in AUTN is range-checked (and kept up to date). */
  sqnMs?: number;
}

/** What the SIM answers: GSM SRES and Kc; with UMTS AKA also RES, CK, IK and whether AUTN's MAC was right. */
export interface AuthResult {
  sres: Uint8Array;
  kc: Uint8Array;
  res?: Uint8Array;
  ck?: Uint8Array;
  ik?: Uint8Array;
  macOk?: boolean;
  /** The SQN read from AUTN (6 bytes), whether it was in range, and the AUTS for a synch failure. */
  sqn?: Uint8Array;
  sqnOk?: boolean;
  auts?: Uint8Array;
}

export type AuthenticateFn = (sim: SimCredentials, rand: Uint8Array, autn?: Uint8Array) => AuthResult | Promise<AuthResult>;

type AuthModule = { msAuthenticate?: (sim: SimCredentials, rand: Uint8Array, autn?: Uint8Array) => AuthResult };
let loaded: AuthModule | undefined;

/**
 * The default: `msAuthenticate` of @snaptel/auth, loaded on first use (so
 * that a BscSim whose MSs never meet an AUTHENTICATION REQUEST does not need
 * the package built).
 */
export const defaultAuthenticate: AuthenticateFn = (sim, rand, autn) => {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('@snaptel/auth') as AuthModule;
    } catch (e) {
      throw new BscSimError('auth-unavailable', `@snaptel/auth cannot be loaded (${(e as Error).message}); pass an authenticate function`);
    }
  }
  if (typeof loaded.msAuthenticate !== 'function') throw new BscSimError('auth-unavailable', '@snaptel/auth has no msAuthenticate; pass an authenticate function');
  return loaded.msAuthenticate(sim, rand, autn);
};
