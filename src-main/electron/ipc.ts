/**
 * The main-process end of the desktop transport: the handler behind the
 * contract's IPC channel. Kept free of Electron imports so it is tested in Node.
 */
import type { BridgeResult } from '../../src-shared/ipc/bridge';
import type { Dispatcher } from '../ipc/dispatch';

/** The parts of Electron's IpcMainInvokeEvent the handler reads. */
export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

export function createIpcCallHandler(dispatcher: Dispatcher, rendererUrl: string) {
  return async (event: InvokeEventLike, service: unknown, method: unknown, arg: unknown): Promise<BridgeResult> => {
    // Only our own renderer page may call the core.
    if (event.senderFrame?.url.split('#')[0] !== rendererUrl) {
      return {
        ok: false,
        error: { name: 'ForbiddenError', message: 'calls are accepted from the Latticework window only' },
      };
    }
    if (typeof service !== 'string' || typeof method !== 'string') {
      return { ok: false, error: { name: 'ProtocolError', message: 'a call names its service and method as strings' } };
    }
    return dispatcher.dispatch(service, method, arg, { clientId: `window-${event.sender.id}` });
  };
}
