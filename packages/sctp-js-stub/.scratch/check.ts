import type { Context } from '@snaptel/image';
import { sctpListen, type SctpResourceContext } from '../src';
declare const ctx: Context;
const c: SctpResourceContext = ctx;
sctpListen(ctx, { name: 'x', backend: { backend: 'stub' }, host: '127.0.0.1', port: 1, onAssociation() {} });
export { c };
