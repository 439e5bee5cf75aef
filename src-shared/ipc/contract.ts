/**
 * The one contract between the renderer (Electron IPC or browser-mode WebSocket)
 * and the core. Every argument is validated against these schemas at the core's
 * edge; clients, preload bridge and handlers are all derived from this object.
 */
import { z } from 'zod';
import { event, method } from './define';
import type { ContractClient, ContractHandlers } from './define';

/** How the compute layer runs tensors, and why better backends were not used. */
export interface BackendInfo {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  name: string;
  /** For each better backend not chosen: the reason. */
  unavailable: Record<string, string>;
}

export interface SystemInfo {
  name: 'Latticework';
  version: string;
  /** 'desktop' (Electron), 'browser' (local host process) */
  mode: 'desktop' | 'browser';
  backend: BackendInfo;
  databasePath: string;
  dataDirectory: string;
  platform: string;
  nodeVersion: string;
}

export interface JobProgress {
  jobId: string;
  /** What the job does, e.g. 'import-structures', 'train'. */
  kind: string;
  done: number;
  /** null when the total is unknown. */
  total: number | null;
  message: string;
  state: 'running' | 'finished' | 'failed' | 'cancelled';
}

const jobId = z.string().min(1).max(100);

export const contract = {
  system: {
    methods: {
      info: method<SystemInfo>()(z.object({}).strict()),
      ping: method<{ message: string; receivedAt: number }>()(
        z.object({ message: z.string().max(10_000) }).strict(),
      ),
    },
    events: {},
  },
  jobs: {
    methods: {
      cancel: method<{ cancelled: boolean }>()(z.object({ jobId }).strict()),
    },
    events: {
      onProgress: event<JobProgress>(),
    },
  },
} as const;

export type Contract = typeof contract;
export type LatticeworkApi = ContractClient<Contract>;
export type LatticeworkHandlers = ContractHandlers<Contract>;
