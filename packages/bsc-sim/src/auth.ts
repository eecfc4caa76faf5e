import { msAuthenticate, type MsAuthResult, type Sim } from '@snaptel/auth';

/** What the SIM holds: @snaptel/auth's Sim (algorithm, Ki, OPc, and the USIM's SQN state). */
export type SimCredentials = Sim;

/** What the SIM answers: GSM SRES and Kc; with UMTS AKA also RES, CK, IK, the MAC and SQN checks and the AUTS. */
export type AuthResult = MsAuthResult;

/** How an MS computes its answer to an AUTHENTICATION REQUEST; tests may replace it. */
export type AuthenticateFn = (sim: SimCredentials, rand: Uint8Array, autn?: Uint8Array) => AuthResult | Promise<AuthResult>;

/** The default: the MS side of @snaptel/auth. */
export const defaultAuthenticate: AuthenticateFn = (sim, rand, autn) => msAuthenticate(sim, rand, autn);
