/** Prints the contents of a legacy .pth.tar (our reader): `npx tsx scripts/engine/inspect-pth.ts FILE`. */
import { readFileSync } from 'node:fs';
import { isTorchTensor, readLegacyTorch, toPlain } from '../../src-main/engine/import/torch-legacy';

const file = process.argv[2];
const ck = readLegacyTorch(new Uint8Array(readFileSync(file)));
const obj = toPlain(ck.object) as Record<string, unknown>;
const show = (v: unknown): unknown => (isTorchTensor(v) ? `tensor[${v.shape.join('x')}] ${v.dtype} first=${v.data[0]}` : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)])) : Array.isArray(v) ? v.map(show) : v);
console.log(JSON.stringify({ keys: Object.keys(obj), epoch: obj.epoch, best: obj.best_mae_error, normalizer: show(obj.normalizer), args: obj.args, state_dict: show(obj.state_dict), storages: ck.storageKeys.length }, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
