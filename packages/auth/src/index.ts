/**
 * @snaptel/auth: GSM/UMTS authentication algorithms for the embedded HLR
 * (AuC side) and the mobile-station simulator (SIM side), byte-exact against
 * 3GPP and Osmocom test data.
 */
export { AuthError, type AuthErrorCode } from './errors';
export { comp128v1 } from './comp128';
export { xor2g, xor3g, type Xor3gResult } from './xor';
export {
  milenage,
  milenageF2345,
  gsmMilenage,
  milenageAuts,
  milenageResync,
  opcFromOp,
  type MilenageResult,
} from './milenage';
export { c2, c3 } from './convert';
export { sqnBytes, sqnValue, SQN_MAX } from './bytes';
export {
  authVector,
  msAuthenticate,
  randomRand,
  ALGORITHMS,
  type Algo,
  type GsmTriplet,
  type UmtsQuintuplet,
  type Subscriber,
  type Sim,
  type MsAuthResult,
} from './vectors';
