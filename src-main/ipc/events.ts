/**
 * The core's event hub: services emit typed events; transports forward them to
 * their clients (Electron webContents, WebSocket connections, in-process tests).
 */
import type { Contract } from '../../src-shared/ipc/contract';
import type { EventPayload } from '../../src-shared/ipc/define';

export type EventSink = (service: string, event: string, payload: unknown) => void;

export class EventHub {
  private readonly sinks = new Set<EventSink>();

  emit<S extends keyof Contract, E extends keyof Contract[S]['events'] & string>(
    service: S,
    event: E,
    payload: EventPayload<Contract, S, E>,
  ): void {
    for (const sink of this.sinks) sink(service, event, payload);
  }

  /** Adds a sink; returns the function that removes it. */
  connect(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}
