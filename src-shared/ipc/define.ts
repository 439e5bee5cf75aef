/**
 * The machinery of the typed contract between the renderer (or any client) and
 * the core. A service is a set of methods, each taking one serialisable
 * argument validated by a zod schema at the core's edge, and a set of events.
 * Clients and handlers are derived from the same definitions by mapped types,
 * never written twice.
 */
import type { z } from 'zod';

export interface MethodSpec<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  /** Phantom: the result type. Never read at run time. */
  readonly __output?: O;
}

export interface EventSpec<P = unknown> {
  /** Phantom: the payload type. Never read at run time. */
  readonly __payload?: P;
}

export interface ServiceSpec {
  readonly methods: Record<string, MethodSpec>;
  readonly events: Record<string, EventSpec>;
}

export type ContractSpec = Record<string, ServiceSpec>;

/** Declares a method: its argument schema and (as a type parameter) its result. */
export function method<O>() {
  return <I extends z.ZodType>(input: I): MethodSpec<I, O> => ({ input });
}

/** Declares an event and its payload type. */
export function event<P>(): EventSpec<P> {
  return {};
}

export type Unsubscribe = () => void;

type MethodOf<M> = M extends MethodSpec<infer I, infer O> ? (arg: z.input<I>) => Promise<O> : never;
type HandlerOf<M> =
  M extends MethodSpec<infer I, infer O> ? (arg: z.output<I>, ctx: CallContext) => Promise<O> | O : never;
type PayloadOf<E> = E extends EventSpec<infer P> ? P : never;

/** What a client sees of one service: methods returning promises, events taking listeners. */
export type ServiceClient<S extends ServiceSpec> = {
  [K in keyof S['methods']]: MethodOf<S['methods'][K]>;
} & {
  [K in keyof S['events']]: (listener: (payload: PayloadOf<S['events'][K]>) => void) => Unsubscribe;
};

export type ContractClient<C extends ContractSpec> = { [K in keyof C]: ServiceClient<C[K]> };

/** What the core implements for one service. */
export type ServiceHandlers<S extends ServiceSpec> = {
  [K in keyof S['methods']]: HandlerOf<S['methods'][K]>;
};

export type ContractHandlers<C extends ContractSpec> = { [K in keyof C]: ServiceHandlers<C[K]> };

export type EventPayload<C extends ContractSpec, S extends keyof C, E extends keyof C[S]['events']> = PayloadOf<
  C[S]['events'][E]
>;

/** Per-call information a handler may use (for cancellation of long work tied to a client). */
export interface CallContext {
  /** An identifier of the connection that made the call. */
  clientId: string;
}

/** An error as it crosses the boundary: plain data. */
export interface WireError {
  name: string;
  message: string;
  details?: unknown;
}

/** Messages on any transport (WebSocket frames, test channels). Electron IPC carries the same shapes. */
export type WireMessage =
  | { kind: 'call'; id: number; service: string; method: string; arg: unknown }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: WireError }
  | { kind: 'event'; service: string; event: string; payload: unknown }
  | { kind: 'hello'; token?: string }
  /** The host could not read a message (not JSON, not a call); tied to no call. */
  | { kind: 'error'; error: WireError };

/** The minimal thing a client needs from a transport. */
export interface ClientTransport {
  call(service: string, method: string, arg: unknown): Promise<unknown>;
  subscribe(service: string, event: string, listener: (payload: unknown) => void): Unsubscribe;
}

/** An error thrown on the client side when the core answered with an error. */
export class RemoteError extends Error {
  readonly details: unknown;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.details = wire.details;
  }
}

/** Builds the typed client of a contract over any transport. */
export function createClient<C extends ContractSpec>(contract: C, transport: ClientTransport): ContractClient<C> {
  const client: Record<string, Record<string, unknown>> = {};
  for (const [serviceName, service] of Object.entries(contract)) {
    const s: Record<string, unknown> = {};
    for (const methodName of Object.keys(service.methods)) {
      s[methodName] = (arg: unknown) => transport.call(serviceName, methodName, arg);
    }
    for (const eventName of Object.keys(service.events)) {
      s[eventName] = (listener: (payload: unknown) => void) => transport.subscribe(serviceName, eventName, listener);
    }
    client[serviceName] = s;
  }
  return client as ContractClient<C>;
}
