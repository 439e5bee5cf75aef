import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LONG_BYTES, unpickle } from '../../../../src-main/engine/import/pickle';
import { importCgcnnCheckpoint, NotAModelFileError } from '../../../../src-main/engine/import/cgcnn';
import { isTorchTensor, NotTorchFileError, readLegacyTorch, toPlain } from '../../../../src-main/engine/import/torch-legacy';
import { SHARED_DATA } from '../../../helpers/shared-data';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
const PRETRAINED = `${SHARED_DATA}/cgcnn-pretrained`;

describe('restricted pickle VM', () => {
  it('decodes protocol-2 dicts, lists, tuples, ints (incl. big), floats, unicode and OrderedDict', () => {
    // pickle.dumps({'a': [1, 2.5, (None, True), -7, 2**70], 'b': 'é', 'c': OrderedDict(x=300, y=70000), 'd': ()}, protocol=2)
    const bytes = hex(
      '80027d71002858010000006171015d7102284b014740040000000000004e888671034af9ffffff8a090000000000000000406558010000006271045802000000c3a97105580100000063710663636f6c6c656374696f6e730a4f726465726564446963740a7107295271082858010000007871094d2c01580100000079710a4a7011010075580100000064710b29752e',
    );
    const { value, end } = unpickle(bytes, 0, { globals: { 'collections OrderedDict': { call: () => new Map() } } });
    expect(end).toBe(bytes.length);
    const o = toPlain(value) as Record<string, unknown>;
    expect(o.a).toEqual([1, 2.5, [null, true], -7, 2n ** 70n]);
    expect(o.b).toBe('é');
    expect(o.c).toEqual({ x: 300, y: 70000 });
    expect(o.d).toEqual([]);
  });

  it('refuses globals outside the allow-list (no code execution)', () => {
    const evil = hex('800263706f7369780a73797374656d0a710058070000006563686f20686971018571025271032e'); // os.system('echo hi')
    expect(() => unpickle(evil, 0, { globals: {} })).toThrow(/posix\.system.*not allowed/);
  });

  it('decodes LONG1/LONG4 of either sign, and refuses one longer than torch files need before reading it', () => {
    // pickle.dumps(-2**255, protocol=2): LONG1 of 32 bytes
    const min256 = Uint8Array.from([0x80, 0x02, 0x8a, 32, ...new Array<number>(31).fill(0), 0x80, 0x2e]);
    expect(unpickle(min256, 0, { globals: {} }).value).toBe(-(2n ** 255n));
    expect(unpickle(hex('80028a0200ff2e'), 0, { globals: {} }).value).toBe(-256);
    expect(unpickle(hex('80028b03000000ffff002e'), 0, { globals: {} }).value).toBe(65535);
    // LONG4 of 64 KiB: read byte by byte into a BigInt it took seconds (quadratic: 1 MiB took hours); now refused at once
    const long4 = new Uint8Array(2 + 5 + 2 ** 16 + 1);
    long4.set([0x80, 0x02, 0x8b]);
    new DataView(long4.buffer).setInt32(3, 2 ** 16, true);
    long4.fill(0x7f, 7, 7 + 2 ** 16);
    long4[long4.length - 1] = 0x2e;
    const t = performance.now();
    expect(() => unpickle(long4, 0, { globals: {} })).toThrow(`integer of 65536 bytes at byte 2: integers in torch files need at most ${MAX_LONG_BYTES} bytes`);
    expect(() => unpickle(hex('80028b00000080'), 0, { globals: {} })).toThrow(/integer of -2147483648 bytes at byte 2/);
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('rejects truncated input', () => {
    expect(() => unpickle(hex('80027d7100285801000000'), 0, { globals: {} })).toThrow(/truncated/);
  });
});

describe('legacy torch.save reader on CGCNN checkpoints', () => {
  const golden = JSON.parse(readFileSync(path.join(__dirname, '../../../fixtures/engine/pth-checksums.json'), 'utf8')) as Record<
    string,
    { epoch: number; best_mae_error: number; normalizer: { mean: number; std: number }; task: string; tensors: Record<string, { shape: number[]; sum: number; abs: number }> }
  >;
  for (const [file, want] of Object.entries(golden)) {
    it(`${file}: every state_dict tensor matches PyTorch's own reading`, () => {
      const ck = readLegacyTorch(new Uint8Array(readFileSync(path.join(PRETRAINED, file))));
      const o = toPlain(ck.object) as Record<string, unknown>;
      expect(o.epoch).toBe(want.epoch);
      expect(o.best_mae_error as number).toBeCloseTo(want.best_mae_error, 12);
      expect(o.normalizer).toEqual({ mean: expect.closeTo(want.normalizer.mean, 12), std: expect.closeTo(want.normalizer.std, 12) });
      expect((o.args as Record<string, unknown>).task).toBe(want.task);
      expect(ck.storageKeys.length).toBe(76);
      const sd = o.state_dict as Record<string, unknown>;
      expect(Object.keys(sd)).toEqual(Object.keys(want.tensors));
      for (const [k, t] of Object.entries(want.tensors)) {
        const v = sd[k];
        if (!isTorchTensor(v)) throw new Error(`${k} is not a tensor`);
        expect(v.shape).toEqual(t.shape);
        let s = 0;
        let a = 0;
        for (const x of v.data) {
          s += x;
          a += Math.abs(x);
        }
        expect(Math.abs(s - t.sum)).toBeLessThan(1e-9 * Math.max(1, t.abs) + 1e-12);
        expect(Math.abs(a - t.abs)).toBeLessThan(1e-9 * Math.max(1, t.abs) + 1e-12);
      }
    });
  }

  it('reads strided views of a storage, and refuses views the storage cannot hold before allocating them', () => {
    const values = [1, 2, 3, 4];
    const sd = (file: Uint8Array) => toPlain(readLegacyTorch(file).object) as Record<string, { shape: number[]; data: Float32Array }>;
    const read = sd(checkpoint(values, [{ size: [2, 2], stride: [1, 2] }, { size: [0], stride: [1] }]));
    expect([read.t0.shape, Array.from(read.t0.data)]).toEqual([[2, 2], [1, 3, 2, 4]]);
    expect(read.t1.shape).toEqual([0]);
    expect(Array.from(sd(checkpoint(values, [{ size: [2], stride: [1], offset: 2 }])).t0.data)).toEqual([3, 4]);
    // a view past the storage's end
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [10], stride: [1] }]))).toThrow('tensor of size (10) reaches element 9 of storage 0, which holds 4');
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [2], stride: [1], offset: 3 }]))).toThrow('reaches element 4 of storage 0, which holds 4');
    // 1,000 elements declared over 4 by stride 0 (five (2·10⁷,) such tensors in 719 bytes took 464 MB)
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [1000], stride: [0] }]))).toThrow('the tensors declare 1000 elements, but their storages hold 4');
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [4], stride: [1] }, { size: [2], stride: [1] }]))).toThrow('the tensors declare 6 elements, but their storages hold 4');
    // sizes and strides that are not counts of one rank
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [-5], stride: [1] }]))).toThrow('size (-5), stride (1) are not counts of one rank');
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [2, 2], stride: [1] }]))).toThrow(/are not counts of one rank/);
    expect(() => readLegacyTorch(checkpoint(values, [{ size: [2], stride: [-1], offset: 3 }]))).toThrow(/are not counts of one rank/);
  });

  it('rejects files that are not legacy torch files', () => {
    expect(() => readLegacyTorch(hex('504b0304000000'))).toThrow(/zip-format/);
    expect(() => readLegacyTorch(hex('80024b012e'))).toThrow(NotTorchFileError);
    expect(() => readLegacyTorch(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'))).toThrow(NotTorchFileError);
  });

  it("as a model to import: no torch file is 'not a model file'; a torch file cut short or of the zip format says what stops it", () => {
    const choose = "Choose model_best.pth.tar from a CGCNN run, one of CGCNN's pre-trained models, or a .lwm file exported from Latticework.";
    const imported = (bytes: Uint8Array) => () => importCgcnnCheckpoint(bytes, { fileName: '/x/m.pth.tar' });
    expect(imported(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'))).toThrow(
      `m.pth.tar is not a model file: it is neither a Latticework model (.lwm) nor a CGCNN checkpoint (.pth.tar written by CGCNN's main.py). ${choose}`,
    );
    const real = new Uint8Array(readFileSync(path.join(PRETRAINED, 'band-gap.pth.tar')));
    expect(imported(real.subarray(0, real.length - 1000))).toThrow(/^m\.pth\.tar is a PyTorch file that cannot be read as a CGCNN checkpoint: truncated file in storage \w+\. Choose/);
    expect(imported(hex('504b0304000000'))).toThrow(/^m\.pth\.tar is a PyTorch file that cannot be read as a CGCNN checkpoint: this is a zip-format torch file \(PyTorch ≥ 1\.6\); only the legacy format is supported\. Choose/);
    expect(imported(real.subarray(0, real.length - 1000))).toThrow(NotAModelFileError);
  });
});

/**
 * A legacy torch.save file (as make_models.py of the security test writes them): a dict of tensors
 * `t0`, `t1`, … viewing one FloatStorage holding `values`, each by its size, stride and offset.
 */
function checkpoint(values: number[], views: { size: number[]; stride: number[]; offset?: number }[]): Uint8Array {
  const bytes: number[] = [];
  const text = (s: string) => [...new TextEncoder().encode(s)];
  const int = (v: number) => [0x4a, ...new Uint8Array(Int32Array.of(v).buffer)]; // BININT
  const str = (s: string) => [0x58, ...new Uint8Array(Uint32Array.of(s.length).buffer), ...text(s)]; // BINUNICODE
  const pickle = (body: number[]) => bytes.push(0x80, 0x02, ...body, 0x2e);
  pickle([0x8a, 10, ...hex('6cfc9c46f9206aa85019')]); // the magic number, LONG1
  pickle([0x4d, 0xe9, 0x03]); // protocol 1001
  pickle([0x7d]); // sys_info {}
  const storage = [0x28, ...str('storage'), ...text('ctorch\nFloatStorage\n'), ...str('0'), ...str('cpu'), ...int(values.length), 0x4e, 0x74];
  const tensors = views.flatMap((v, i) => [
    ...str(`t${i}`),
    ...text('ctorch._utils\n_rebuild_tensor_v2\n'),
    0x28,
    ...(i === 0 ? [...storage, 0x71, 0x00] : [0x68, 0x00]), // the storage's id, memoised
    0x51,
    ...int(v.offset ?? 0),
    0x28, ...v.size.flatMap(int), 0x74,
    0x28, ...v.stride.flatMap(int), 0x74,
    0x89,
    ...text('ccollections\nOrderedDict\n'), 0x29, 0x52,
    0x74, 0x52,
  ]);
  pickle([0x7d, 0x28, ...tensors, 0x75]);
  pickle([0x5d, ...str('0'), 0x61]); // storage keys ['0']
  bytes.push(...new Uint8Array(BigInt64Array.of(BigInt(values.length)).buffer), ...new Uint8Array(Float32Array.from(values).buffer));
  return Uint8Array.from(bytes);
}
