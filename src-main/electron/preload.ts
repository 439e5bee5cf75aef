/**
 * The preload bridge: the only thing the sandboxed renderer sees of Electron.
 * It forwards contract calls and events; it knows nothing of any service.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src-shared/ipc/bridge';
import type { BridgeResult, PreloadBridge } from '../../src-shared/ipc/bridge';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, service: string, name: string, payload: unknown) => {
  for (const l of listeners.get(`${service}.${name}`) ?? []) l(payload);
});

const bridge: PreloadBridge = {
  call: (service, method, arg) => ipcRenderer.invoke(IPC_CALL_CHANNEL, service, method, arg) as Promise<BridgeResult>,
  subscribe(service, event, listener) {
    const key = `${service}.${event}`;
    let set = listeners.get(key);
    if (!set) listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('latticework', bridge);
