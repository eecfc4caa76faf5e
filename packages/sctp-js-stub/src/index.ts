export * from './types';
export { createStubNetwork, isStubAssociation, type StubCounters, type StubFaults, type StubNetwork } from './stub';
export { sctpBackend, openWires, wiresSettled, type SctpBackend, type SctpBackendOptions } from './sctp';
export {
  backendFor,
  processStubNetwork,
  sctpConnect,
  sctpListen,
  type BackendSpec,
  type BackoffOptions,
  type CustomResourceOptions,
  type SctpConnectHandle,
  type SctpConnectOptions,
  type SctpListenHandle,
  type SctpListenOptions,
  type SctpResourceContext,
  type SctpResourceLog,
} from './resource';
export { Prng } from './prng';
export { MAX_MESSAGE, DEFAULT_STREAMS } from './base';
