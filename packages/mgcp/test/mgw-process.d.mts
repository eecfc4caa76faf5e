// Types of mgw-process.mjs (plain JavaScript so that bench/agent.mjs can use it too).
export interface MgwConn {
  callId: string;
  connId: string;
  ip: string;
  port: number;
}
export interface OsmoMgw {
  mgcpPort: number;
  vtyHost: string;
  rtpBase: number;
  rtpEnd: number;
  log(): string;
  vty(cmd: string): Promise<string>;
  showMgcp(): Promise<Map<string, MgwConn[]>>;
  stop(): Promise<void>;
}
export const VTY_PORT: number;
export function haveOsmoMgw(): boolean;
export function freeUdpPort(host?: string): Promise<number>;
export function startOsmoMgw(opts?: { endpoints?: number; logLevel?: string }): Promise<OsmoMgw>;
