/**
 * The core's edge: validates every call against the contract's schemas (and its paths
 * against this system's rule, host-paths.ts), runs the
 * handler, and turns any failure into a {name, message, details} value. Both
 * transports (Electron IPC and the browser-mode WebSocket) go through here.
 */
import type { ZodError } from 'zod';
import type { CallContext, ContractHandlers, ContractSpec, WireError } from '../../src-shared/ipc/define';
import { MAX_ARGUMENT_DEPTH, nestsDeeperThan } from '../../src-shared/ipc/limits';
import { toWireError } from './errors';
import { foreignPathIssues } from './host-paths';

export type CallResult = { ok: true; value: unknown } | { ok: false; error: WireError };

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

export interface Dispatcher {
  dispatch(service: string, method: string, arg: unknown, ctx: CallContext): Promise<CallResult>;
}

export function createDispatcher<C extends ContractSpec>(contract: C, handlers: ContractHandlers<C>): Dispatcher {
  return {
    async dispatch(service, methodName, arg, ctx) {
      const spec = Object.hasOwn(contract, service) ? contract[service] : undefined;
      const methodSpec = spec && Object.hasOwn(spec.methods, methodName) ? spec.methods[methodName] : undefined;
      if (!spec || !methodSpec) {
        return { ok: false, error: { name: 'NotFoundError', message: `no method ${service}.${methodName}` } };
      }
      if (nestsDeeperThan(arg, MAX_ARGUMENT_DEPTH)) {
        return {
          ok: false,
          error: { name: 'ValidationError', message: `invalid argument to ${service}.${methodName}: nested deeper than ${MAX_ARGUMENT_DEPTH} levels` },
        };
      }
      const parsed = methodSpec.input.safeParse(arg ?? {});
      // the contract's check, then this system's rule for its paths (host-paths.ts)
      const issues = parsed.success ? foreignPathIssues(methodSpec.input, parsed.data) : (parsed.error as ZodError).issues.map((i) => ({ path: i.path.map(String), message: i.message }));
      if (issues.length) {
        const where = issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
        return {
          ok: false,
          error: toWireError(new ValidationError(`invalid argument to ${service}.${methodName}: ${where}`, issues)),
        };
      }
      const serviceHandlers = handlers[service as keyof C] as Record<
        string,
        (a: unknown, c: CallContext) => Promise<unknown> | unknown
      >;
      try {
        const value = await serviceHandlers[methodName](parsed.data, ctx);
        return { ok: true, value };
      } catch (err) {
        return { ok: false, error: toWireError(err) };
      }
    },
  };
}
