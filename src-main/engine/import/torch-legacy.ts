/**
 * Reader for PyTorch's legacy `torch.save` format (before 1.6, or
 * `_use_new_zipfile_serialization=False`), as used by CGCNN's `.pth.tar` checkpoints:
 *
 *   pickle 1: magic number 0x1950a86a20f9469cfc6c
 *   pickle 2: protocol version (1001)
 *   pickle 3: sys_info {protocol_version, little_endian, type_sizes}
 *   pickle 4: the saved object; tensors appear as
 *             torch._utils._rebuild_tensor(_v2)(storage, offset, size, stride, ...)
 *             with storages as persistent ids ('storage', torch.FloatStorage, key, location, numel, view)
 *   pickle 5: list of storage keys in file order
 *   then per key: int64 LE element count, followed by the raw little-endian elements.
 *
 * Only an allow-list of globals is honoured (OrderedDict, the tensor rebuild functions,
 * storage classes, numpy scalars as written by numpy for a float64 metric, argparse
 * Namespace as a plain dict). No code from the file ever runs.
 */
import { PickleError, unpickle, type PyValue, type UnpickleOptions } from './pickle';

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

type StorageKind = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool' | 'int16' | 'int8';
const STORAGE_CLASSES: Record<string, { kind: StorageKind; bytes: number }> = {
  FloatStorage: { kind: 'float32', bytes: 4 },
  DoubleStorage: { kind: 'float64', bytes: 8 },
  LongStorage: { kind: 'int64', bytes: 8 },
  IntStorage: { kind: 'int32', bytes: 4 },
  ShortStorage: { kind: 'int16', bytes: 2 },
  CharStorage: { kind: 'int8', bytes: 1 },
  ByteStorage: { kind: 'uint8', bytes: 1 },
  BoolStorage: { kind: 'bool', bytes: 1 },
};

/** A tensor read from the file: values converted to numbers, contiguous row-major. */
export interface TorchTensor {
  readonly __torchTensor: true;
  dtype: StorageKind;
  shape: number[];
  /** float32 storages give Float32Array; every other kind gives Float64Array. */
  data: Float32Array | Float64Array;
  /** Storage key and location as recorded (e.g. 'cuda:0'). */
  storageKey: string;
  location: string;
}

export function isTorchTensor(v: unknown): v is TorchTensor {
  return !!v && typeof v === 'object' && (v as TorchTensor).__torchTensor === true;
}

interface StorageRef {
  readonly __storage: true;
  key: string;
  kind: StorageKind;
  bytes: number;
  location: string;
  numel: number;
}

interface PendingTensor {
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
  target: TorchTensor;
}

export interface LegacyCheckpoint {
  /** The saved object (dicts as Map). */
  object: PyValue;
  sysInfo: PyValue;
  protocolVersion: number;
  /** Storage keys in file order. */
  storageKeys: string[];
}

function asNumberArray(v: PyValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new PickleError(`${what}: expected a tuple of ints`);
  return v as number[];
}

/** The bytes are no torch.save file at all (not a damaged one): they do not begin with its magic number. */
export class NotTorchFileError extends PickleError {
  override name = 'NotTorchFileError';
}

/** Parses a legacy torch.save byte stream. */
export function readLegacyTorch(bytes: Uint8Array): LegacyCheckpoint {
  const storages = new Map<string, StorageRef>();
  const pending: PendingTensor[] = [];

  const storageClassGlobals: UnpickleOptions['globals'] = {};
  for (const [name, info] of Object.entries(STORAGE_CLASSES)) {
    storageClassGlobals[`torch ${name}`] = {
      call: () => {
        throw new PickleError(`torch.${name} cannot be called`);
      },
      ...{ storageInfo: info },
    } as never;
  }
  const rebuild = (args: PyValue[]) => {
    const [storage, offset, size, stride] = args;
    if (!storage || typeof storage !== 'object' || !(storage as StorageRef).__storage) throw new PickleError('_rebuild_tensor: not a storage');
    const t: TorchTensor = { __torchTensor: true, dtype: (storage as StorageRef).kind, shape: [], data: new Float32Array(0), storageKey: (storage as StorageRef).key, location: (storage as StorageRef).location };
    pending.push({ storage: storage as StorageRef, offset: offset as number, size: asNumberArray(size, 'tensor size'), stride: asNumberArray(stride, 'tensor stride'), target: t });
    return t;
  };
  const numpyScalarGlobals: UnpickleOptions['globals'] = {
    'numpy dtype': {
      call: (args) => ({ __dtype: String(args[0]), byteorder: '<' }),
      build: (obj, state) => {
        const o = obj as { __dtype: string; byteorder: string };
        if (Array.isArray(state) && typeof state[1] === 'string') o.byteorder = state[1];
        return o;
      },
    },
    'numpy.core.multiarray scalar': {
      call: (args) => {
        const [dtype, raw] = args as [{ __dtype: string; byteorder: string }, Uint8Array];
        if (!(raw instanceof Uint8Array)) throw new PickleError('numpy scalar: bytes expected');
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const le = dtype.byteorder !== '>';
        switch (dtype.__dtype) {
          case 'f8':
            return dv.getFloat64(0, le);
          case 'f4':
            return dv.getFloat32(0, le);
          case 'i8':
            return Number(dv.getBigInt64(0, le));
          case 'i4':
            return dv.getInt32(0, le);
          default:
            throw new PickleError(`numpy scalar of dtype ${dtype.__dtype} not supported`);
        }
      },
    },
    '_codecs encode': {
      call: (args) => {
        const [text, enc] = args as [string, string];
        if (enc !== 'latin1' && enc !== 'latin-1') throw new PickleError(`_codecs.encode with ${enc} not supported`);
        return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
      },
    },
  };
  const globals: UnpickleOptions['globals'] = {
    'collections OrderedDict': { call: () => new Map() },
    'torch._utils _rebuild_tensor_v2': { call: rebuild },
    'torch._utils _rebuild_tensor': { call: rebuild },
    'argparse Namespace': { call: () => new Map(), build: (obj, state) => { for (const [k, v] of state as Map<unknown, unknown>) (obj as Map<unknown, unknown>).set(k, v); return obj; } },
    ...storageClassGlobals,
    ...numpyScalarGlobals,
  };
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!Array.isArray(pid) || pid[0] !== 'storage') throw new PickleError('unknown persistent id');
    const [, cls, key, location, numel] = pid as [string, { storageInfo?: { kind: StorageKind; bytes: number }; qualname?: string }, string, string, number];
    const info = cls?.storageInfo;
    if (!info) throw new PickleError(`unsupported storage class ${cls?.qualname ?? '?'}`);
    let s = storages.get(key);
    if (!s) {
      s = { __storage: true, key, kind: info.kind, bytes: info.bytes, location, numel };
      storages.set(key, s);
    }
    return s;
  };

  const opts: UnpickleOptions = { globals, persistentLoad };
  let p = 0;
  const next = () => {
    const r = unpickle(bytes, p, opts);
    p = r.end;
    return r.value;
  };
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) throw new PickleError('this is a zip-format torch file (PyTorch ≥ 1.6); only the legacy format is supported');
  let magic: unknown;
  try {
    magic = next();
  } catch {
    magic = undefined;
  }
  if (typeof magic !== 'bigint' || magic !== LEGACY_MAGIC) throw new NotTorchFileError('not a torch.save file (it does not begin with their magic number)');
  const protocolVersion = next();
  if (protocolVersion !== 1001) throw new PickleError(`unsupported torch protocol version ${String(protocolVersion)}`);
  const sysInfo = next();
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw new PickleError('big-endian torch files are not supported');
  const object = next();
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new PickleError('storage key list expected');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Map<string, { start: number; numel: number }>();
  for (const key of keys as string[]) {
    if (p + 8 > bytes.length) throw new PickleError(`truncated file: storage ${key} missing`);
    const declared = view.getBigInt64(p, true);
    p += 8;
    const s = storages.get(key);
    if (!s) throw new PickleError(`storage ${key} is listed but never referenced`);
    if (declared < 0n || declared * BigInt(s.bytes) > BigInt(bytes.length - p)) throw new PickleError(`truncated file in storage ${key}`);
    const numel = Number(declared);
    data.set(key, { start: p, numel });
    p += numel * s.bytes;
  }
  checkViews(pending, data);
  for (const t of pending) {
    const s = t.storage;
    const d = data.get(s.key)!;
    const n = t.size.reduce((a, b) => a * b, 1);
    const out = s.kind === 'float32' ? new Float32Array(n) : new Float64Array(n);
    // inside the storage: checkViews
    const read = (i: number): number => {
      const at = d.start + i * s.bytes;
      switch (s.kind) {
        case 'float32':
          return view.getFloat32(at, true);
        case 'float64':
          return view.getFloat64(at, true);
        case 'int64':
          return Number(view.getBigInt64(at, true));
        case 'int32':
          return view.getInt32(at, true);
        case 'int16':
          return view.getInt16(at, true);
        case 'int8':
          return view.getInt8(at);
        default:
          return view.getUint8(at);
      }
    };
    // Walk the index space in row-major order, following the strides.
    const rank = t.size.length;
    const idx = new Array(rank).fill(0);
    for (let k = 0; k < n; k++) {
      let off = t.offset;
      for (let r = 0; r < rank; r++) off += idx[r] * t.stride[r];
      out[k] = read(off);
      for (let r = rank - 1; r >= 0; r--) {
        if (++idx[r] < t.size[r]) break;
        idx[r] = 0;
      }
    }
    t.target.shape = t.size.slice();
    t.target.data = out;
  }
  return { object, sysInfo, protocolVersion: protocolVersion as number, storageKeys: keys as string[] };
}

/**
 * Every tensor's view against the storage bytes present, before a value is allocated for it: the
 * offset, sizes and strides are counts of one rank each, the last element a view reaches,
 * offset + Σ(size_i − 1)·stride_i, lies inside its storage, and the tensors together declare no
 * more elements than their storages hold. A checkpoint's tensors are disjoint views (torch.save
 * writes each parameter's own storage), so a file declaring more, such as a (2·10⁷,) tensor of
 * stride 0 over 4 floats, is crafted: it is refused instead of growing to what it declares.
 */
function checkViews(pending: readonly PendingTensor[], data: ReadonlyMap<string, { numel: number }>): void {
  const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;
  let declared = 0;
  for (const t of pending) {
    const d = data.get(t.storage.key);
    if (!d) throw new PickleError(`storage ${t.storage.key} has no data`);
    if (!isCount(t.offset) || t.size.length !== t.stride.length || !t.size.every(isCount) || !t.stride.every(isCount)) {
      throw new PickleError(`tensor on storage ${t.storage.key}: offset ${String(t.offset)}, size (${t.size.join(', ')}), stride (${t.stride.join(', ')}) are not counts of one rank`);
    }
    const n = t.size.reduce((a, b) => a * b, 1);
    if (n === 0) continue;
    const last = t.size.reduce((at, size, r) => at + (size - 1) * t.stride[r], t.offset);
    if (last >= d.numel) throw new PickleError(`tensor of size (${t.size.join(', ')}) reaches element ${last} of storage ${t.storage.key}, which holds ${d.numel}`);
    declared += n;
  }
  const held = [...data.values()].reduce((a, d) => a + d.numel, 0);
  if (declared > held) throw new PickleError(`the tensors declare ${declared} elements, but their storages hold ${held}: a checkpoint's tensors do not overlap`);
}

/** Converts Maps with string keys to plain objects, recursively (tensors and bytes untouched). */
export function toPlain(v: PyValue): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = toPlain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}
