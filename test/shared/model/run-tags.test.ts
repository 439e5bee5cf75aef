import { describe, expect, it } from 'vitest';
import { ensembleMembers, fineTunedFrom, trainingTags } from '../../../src-shared/model/run-tags';

describe('run tags', () => {
  it('reads back what a run was created with', () => {
    const tags = ['cli', ...trainingTags({ members: 3, fineTunedFrom: { model: 'painn on emt (run 4)', freeze: 2, head: 'auto' } })];
    expect(tags).toEqual(['cli', 'ensemble:3', 'from:painn on emt (run 4)', 'freeze:2']);
    expect(ensembleMembers({ tags })).toBe(3);
    expect(fineTunedFrom({ tags })).toEqual({ model: 'painn on emt (run 4)', freeze: 2, head: 'auto' });
  });

  it("records a fine-tuning run's chosen head, so that resuming it before its first checkpoint plans it again with that choice", () => {
    for (const head of ['keep', 'new'] as const) {
      const tags = trainingTags({ fineTunedFrom: { model: 'CGCNN band gap', freeze: 1, head } });
      expect(tags).toEqual(['from:CGCNN band gap', 'freeze:1', `head:${head}`]);
      expect(fineTunedFrom({ tags })).toEqual({ model: 'CGCNN band gap', freeze: 1, head });
    }
  });

  it('tags nothing for a single model trained from scratch', () => {
    expect(trainingTags({ members: 1, fineTunedFrom: null })).toEqual([]);
    expect(ensembleMembers({ tags: ['potential'] })).toBe(1);
    expect(fineTunedFrom({ tags: ['potential'] })).toBeNull();
  });

  it('counts a malformed ensemble tag as one member', () => {
    expect(ensembleMembers({ tags: ['ensemble:x'] })).toBe(1);
    expect(ensembleMembers({ tags: ['ensemble:1'] })).toBe(1);
  });
});
