/**
 * The desktop transport: what the Electron preload exposes to the sandboxed
 * renderer (`window.latticework`), and the client transport built on it.
 */
import { RemoteError } from './define';
import type { ClientTransport, Unsubscribe, WireError } from './define';

export type BridgeResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** The only API the preload exposes. */
export interface PreloadBridge {
  call(service: string, method: string, arg: unknown): Promise<BridgeResult>;
  subscribe(service: string, event: string, listener: (payload: unknown) => void): Unsubscribe;
}

/** IPC channel names shared by preload and main. */
export const IPC_CALL_CHANNEL = 'latticework:call';
export const IPC_EVENT_CHANNEL = 'latticework:event';

export function createBridgeTransport(bridge: PreloadBridge): ClientTransport {
  return {
    async call(service, method, arg) {
      const result = await bridge.call(service, method, arg);
      if (!result.ok) throw new RemoteError(result.error);
      return result.value;
    },
    subscribe: (service, event, listener) => bridge.subscribe(service, event, listener),
  };
}
