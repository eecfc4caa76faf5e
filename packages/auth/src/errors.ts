/**
 * What an authentication function throws on bad input: which function, which
 * parameter, and why. It never returns a vector computed from a key of the
 * wrong length, a missing OPc or an SQN that does not fit in 48 bits.
 *
 * Codes:
 * - `bad-length`   a byte parameter has the wrong length (`param` names it)
 * - `bad-type`     a byte parameter is not a Uint8Array
 * - `missing`      a parameter the algorithm needs is absent (Ki, OPc, SQN)
 * - `bad-sqn`      SQN is not an integer in 0 .. 2^48-1
 * - `bad-algo`     unknown algorithm name
 * - `no-auth`      the subscriber's algorithm is 'none': there is nothing to compute
 */
export type AuthErrorCode = 'bad-length' | 'bad-type' | 'missing' | 'bad-sqn' | 'bad-algo' | 'no-auth';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    /** The function that refused, e.g. 'milenage' or 'authVector'. */
    readonly fn: string,
    /** The parameter at fault, e.g. 'opc' or 'sub.sqn' (undefined when it is the call as a whole). */
    readonly param: string | undefined,
    readonly reason: string,
  ) {
    super(`auth ${fn}${param ? `, ${param}` : ''}: ${reason}`);
    this.name = 'AuthError';
  }
}
