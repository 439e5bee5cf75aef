/**
 * A restricted Python pickle virtual machine (protocols 0–3 opcodes that PyTorch's legacy
 * `torch.save` emits with protocol 2). It never executes code: GLOBAL names resolve only
 * through the caller's allow-list (`globals`), anything else is an error.
 *
 * Python values map to JS as: None → null, bool → boolean, int → number (BigInt when
 * beyond 2⁵³), float → number, str → string, bytes → Uint8Array, list → array,
 * tuple → array (frozen), dict → Map (insertion order, any key type).
 */

export type PyValue = unknown;

/** A callable or class named by a GLOBAL opcode. */
export interface PyGlobal {
  /** `module name`, e.g. `collections OrderedDict`. */
  readonly qualname: string;
  /** REDUCE / NEWOBJ: call with positional arguments. */
  call(args: PyValue[]): PyValue;
  /** BUILD on an object made by this global (optional). */
  build?(obj: PyValue, state: PyValue): PyValue;
}

export interface UnpickleOptions {
  /** Allowed globals by `module name`. */
  globals: Record<string, Omit<PyGlobal, 'qualname'>>;
  /** BINPERSID / PERSID resolution (PyTorch storages). */
  persistentLoad?(pid: PyValue): PyValue;
}

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/**
 * The longest LONG1/LONG4 integer read, in bytes. Torch files hold small ints (epochs, sizes,
 * strides, storage sizes) and the 10-byte magic number; a longer one is a crafted file (decoding
 * it would only cost time).
 */
export const MAX_LONG_BYTES = 32;

/** Objects created by a global remember it so BUILD can dispatch. */
const madeBy = new WeakMap<object, Omit<PyGlobal, 'qualname'>>();

/** Reads one pickle stream from `bytes` starting at `offset`; returns the value and the offset after STOP. */
export function unpickle(bytes: Uint8Array, offset: number, options: UnpickleOptions): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let p = offset;
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number) => {
    if (p + n > bytes.length) throw new PickleError(`truncated pickle at byte ${p}`);
  };
  const u8 = () => {
    need(1);
    return bytes[p++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(p, true);
    p += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(p, true);
    p += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(p, true);
    p += 4;
    return v;
  };
  const take = (n: number) => {
    need(n);
    const s = bytes.subarray(p, p + n);
    p += n;
    return s;
  };
  const line = () => {
    const start = p;
    while (p < bytes.length && bytes[p] !== 0x0a) p++;
    if (p >= bytes.length) throw new PickleError('unterminated text line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(start, p));
    p++;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError('stack underflow');
    return stack.pop();
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError('MARK expected');
    return stack.splice(m);
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError('stack underflow');
    return stack[stack.length - 1];
  };
  const tuple = (xs: PyValue[]) => Object.freeze(xs);
  /** LONG1/LONG4 at opcode offset `at`: `n` bytes of little-endian two's complement, refused past MAX_LONG_BYTES before they are read. */
  const long = (n: number, at: number): number | bigint => {
    if (n < 0 || n > MAX_LONG_BYTES) throw new PickleError(`integer of ${n} bytes at byte ${at}: integers in torch files need at most ${MAX_LONG_BYTES} bytes (the largest, the magic number, has 10)`);
    const b = take(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const q = `${module} ${name}`;
    const g = options.globals[q];
    if (!g) throw new PickleError(`pickle refers to global ${module}.${name}, which is not allowed`);
    return { qualname: q, ...g };
  };
  const callGlobal = (f: PyValue, args: PyValue[]) => {
    if (!f || typeof f !== 'object' || !('call' in f)) throw new PickleError('REDUCE on a non-callable');
    const g = f as PyGlobal;
    const obj = g.call(args);
    if (obj && typeof obj === 'object') madeBy.set(obj, g);
    return obj;
  };
  const setItems = (d: PyValue, kv: PyValue[]) => {
    if (!(d instanceof Map)) throw new PickleError('SETITEM(S) on a non-dict');
    for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  };
  const appends = (l: PyValue, xs: PyValue[]) => {
    if (!Array.isArray(l)) throw new PickleError('APPEND(S) on a non-list');
    l.push(...xs);
  };

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 3) throw new PickleError('pickle protocols above 3 are not supported');
        break;
      case 0x2e: // STOP '.'
        if (stack.length !== 1) throw new PickleError(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: p };
      case 0x28: // MARK '('
        marks.push(stack.length); // marks are kept by stack position
        break;
      case 0x4e: // NONE 'N'
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1 'K'
        stack.push(u8());
        break;
      case 0x4d: // BININT2 'M'
        stack.push(u16());
        break;
      case 0x4a: // BININT 'J'
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8(), at));
        break;
      case 0x8b: // LONG4
        stack.push(long(i32(), at));
        break;
      case 0x47: {
        // BINFLOAT 'G' (big-endian double)
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      }
      case 0x58: // BINUNICODE 'X'
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING 'U' (py2 str → latin1 text)
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break;
      case 0x54: // BINSTRING 'T'
        stack.push(new TextDecoder('latin1').decode(take(i32())));
        break;
      case 0x43: // SHORT_BINBYTES 'C'
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES 'B'
        stack.push(take(u32()).slice());
        break;
      case 0x7d: // EMPTY_DICT '}'
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST ']'
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE ')'
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE 't'
        stack.push(tuple(popMark()));
        break;
      case 0x6c: // LIST 'l'
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT 'd'
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x71: // BINPUT 'q'
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT 'r'
        memo.set(u32(), top());
        break;
      case 0x68: // BINGET 'h'
      case 0x6a: {
        // LONG_BINGET 'j'
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw new PickleError(`memo key ${k} missing`);
        stack.push(memo.get(k));
        break;
      }
      case 0x73: {
        // SETITEM 's'
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS 'u'
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND 'a'
        const v = pop();
        appends(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS 'e'
        const xs = popMark();
        appends(top(), xs);
        break;
      }
      case 0x63: {
        // GLOBAL 'c'
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop();
        const f = pop();
        if (!Array.isArray(args)) throw new PickleError('REDUCE arguments are not a tuple');
        stack.push(callGlobal(f, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) throw new PickleError('NEWOBJ arguments are not a tuple');
        stack.push(callGlobal(cls, args));
        break;
      }
      case 0x62: {
        // BUILD 'b'
        const state = pop();
        const obj = top();
        const g = obj && typeof obj === 'object' ? madeBy.get(obj) : undefined;
        if (g?.build) {
          stack[stack.length - 1] = g.build(obj, state);
        } else if (obj instanceof Map && state instanceof Map) {
          for (const [k, v] of state) obj.set(k, v);
        } else {
          throw new PickleError('BUILD on an object that does not support it');
        }
        break;
      }
      case 0x51: {
        // BINPERSID 'Q'
        const pid = pop();
        if (!options.persistentLoad) throw new PickleError('persistent id without a loader');
        stack.push(options.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${at}`);
    }
  }
}
