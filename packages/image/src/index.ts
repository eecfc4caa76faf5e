/**
 * The API a package uses. Kept free of tooling (deploy, verify) so that it
 * bundles small into every image; tools are in `@snaptel/image/tooling`.
 */
export { definePackage, resolveOrder, type PackageDefinition } from './package';
export type { Context, Timers, Net, ImageFacts, Phase } from './context';
export type { Log, LogConfig } from './logger';
export type { Timer, TimerCallback } from './resources/timer';
export type { TcpServer, TcpClient, TcpServerOptions, TcpClientOptions } from './resources/tcp';
export type { UdpSocket, UdpOptions } from './resources/udp';
export type { CustomResourceOptions, CustomResourceHandle } from './resources/custom';
export { Backoff, type BackoffOptions, type ResourceInfo, type ResourceKind, type ResourceState } from './resources/resource';
export { lazyRequire, UNSNAPSHOTTABLE } from './guard';
export { clock } from './clock';
export { stow, unstow, type Stowed } from './stow';
export * from './errors';
