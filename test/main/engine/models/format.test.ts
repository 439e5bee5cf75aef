/**
 * The model file's header is checked against itself and the bytes present before anything is
 * allocated from it (docs/security.md: a file that is not what it claims). Every file here is a
 * few hundred bytes made in the test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModelFile, encodeModelFile, readModelHeader, type ModelFileData, type ModelHeader } from '../../../../src-main/engine/models/format';
import { instantiateModel } from '../../../../src-main/engine/models/runtime';
import { resourcePath } from '../../../../src-main/app/resources';

const small: ModelFileData = {
  header: {
    format: 'latticework-model',
    version: 1,
    name: 'small',
    config: {} as ModelHeader['config'],
    task: 'regression',
    targets: [{ name: 'y', unit: '' }],
    normalizer: null,
    atomInit: null,
    members: 2,
    provenance: { source: 'other', createdAt: '2026-01-01', software: 'test' },
    weights: [],
  },
  members: [{ a: new Float32Array([1, 2, 3]) }, { a: new Float32Array([4, 5, 6]) }],
};

/** `bytes` with its header changed by `edit` (the weights after it untouched). */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h))) as Record<string, unknown>;
  edit(header);
  return encodeRaw(header, bytes.subarray(12 + h + ((4 - ((12 + h) % 4)) % 4)));
}

function encodeRaw(header: unknown, weights: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = 12 + json.length + ((4 - ((12 + json.length) % 4)) % 4);
  const out = new Uint8Array(start + weights.length);
  out.set(new TextEncoder().encode('LWMODEL\0'));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(weights, start);
  return out;
}

describe('model file header', () => {
  const bytes = encodeModelFile(small);
  const weights = (h: Record<string, unknown>) => h.weights as { name: string; shape: unknown; member: unknown }[];

  it('reads back a well-formed file', () => {
    const back = decodeModelFile(bytes);
    expect(back.members.map((m) => Array.from(m.a))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('refuses a member count the weights do not bear out, before allocating it', () => {
    // decodeModelFile reads the header through readModelHeader first (asked here so that the code before this check fails the test instead of allocating 10⁸ members)
    expect(() => readModelHeader(withHeader(bytes, (h) => (h.members = 100_000_000)))).toThrow('model file: "members" is 100000000, but the weights belong to 2 members');
    expect(() => decodeModelFile(withHeader(bytes, (h) => (h.members = 3)))).toThrow(/"members" is 3, but the weights belong to 2 members/);
    for (const m of [0, -1, 1.5, '2', null]) expect(() => decodeModelFile(withHeader(bytes, (h) => (h.members = m)))).toThrow(/"members" is .*, not a positive integer/);
  });

  it('refuses a weight of a member the file does not have', () => {
    expect(() => decodeModelFile(withHeader(bytes, (h) => (weights(h)[1].member = 5)))).toThrow('model file: weight 1 (a) belongs to member 5, but the file has members 0..1');
  });

  it('refuses shapes that are not counts, or that need more bytes than the file holds', () => {
    for (const shape of [[-3], [1.5, 2], ['3'], 3, [1e300]]) {
      expect(() => decodeModelFile(withHeader(bytes, (h) => (weights(h)[0].shape = shape)))).toThrow(/model file: weight 0 \(a\) has shape .*not a list of non-negative integers|model file truncated/);
    }
    expect(() => decodeModelFile(withHeader(bytes, (h) => (weights(h)[0].shape = [100_000, 100_000])))).toThrow('model file truncated: the weights up to weight 0 (a) need 40000000000 bytes, but 24 follow the header');
    expect(() => decodeModelFile(withHeader(bytes, (h) => (weights(h)[0].shape = [1])))).toThrow('model file: its weights fill 16 bytes, but 24 follow the header');
    expect(() => decodeModelFile(withHeader(bytes, (h) => (h.weights = 'all')))).toThrow(/no weight index/);
  });

  it("refuses a config that describes more weights than the file holds, before building the model", () => {
    const bandGap = new Uint8Array(readFileSync(resourcePath('models', 'band-gap.lwm')));
    const wide = withHeader(bandGap, (h) => {
      const config = h.config as { model: { atomFeatures: number } };
      config.model.atomFeatures = 65;
    });
    expect(() => instantiateModel(decodeModelFile(wide))).toThrow(/its config describes \d+ weights per member, but the file holds 98177/);
  });
});
