import { describe, expect, it } from 'vitest';
import { StepSeries } from '../../../src-shared/sim/step-series';

describe('StepSeries', () => {
  it('gives back every step of each key, null where a step had none, past its first growth', () => {
    const log = new StepSeries();
    const n = 3000;
    for (let i = 0; i < n; i++) log.push({ total: i / 7, pressure: i % 2 ? null : -i, ...(i >= 2500 ? { forceSpread: i } : {}) });
    expect(log.length).toBe(n);
    const total = log.values('total');
    expect(total).toHaveLength(n);
    total.forEach((x, i) => expect(x).toBe(i / 7));
    expect(log.values('pressure').slice(0, 4)).toEqual([-0, null, -2, null]);
    expect(log.values('pressure')[2999]).toBeNull();
    // a key first seen late is null before it
    expect(log.has('forceSpread')).toBe(true);
    expect(log.values('forceSpread').slice(2498, 2502)).toEqual([null, null, 2500, 2501]);
    expect(log.has('msd')).toBe(false);
    expect(log.values('msd')).toEqual(new Array(n).fill(null));
  });
});
