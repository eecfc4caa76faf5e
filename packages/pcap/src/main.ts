/**
 * `snaptel pcap ...` run straight by the launcher (image/bin/snaptel), so
 * that decoding a capture does not first load the image CLI's modules
 * (deploy, the runtime, pino): about 40 ms of a start. Same behaviour as
 * through `node image/dist/cli.js pcap ...`.
 */
import { pcapCommand } from './cli';

pcapCommand(process.argv.slice(2), { out: process.stdout, err: process.stderr, isTTY: Boolean(process.stderr.isTTY) }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`snaptel: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
