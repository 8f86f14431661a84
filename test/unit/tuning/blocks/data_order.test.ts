import { describe, expect, it } from 'vitest';
import { DataOrder } from '../../../../src/engine/tuning/data_order.js';

describe('DataOrder', () => {
  it('visits every example once per epoch, in a seeded order, with no batch spanning two epochs', () => {
    const order = DataOrder.fresh(10, 7);
    const epoch0 = [...order.next(4), ...order.next(4), ...order.next(4)];
    expect(epoch0).toHaveLength(10);
    expect([...epoch0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const first = order.next(4);
    expect(order.epoch).toBe(1);
    expect(first).toHaveLength(4);
    expect(DataOrder.fresh(10, 7).next(10)).toEqual(epoch0);
    expect(DataOrder.fresh(10, 8).next(10)).not.toEqual(epoch0);
  });

  it('restored from its saved position, continues exactly as the original', () => {
    const a = DataOrder.fresh(7, 3);
    for (let i = 0; i < 5; i++) a.next(3);
    const saved = { epoch: a.epoch, cursor: a.cursor, epochRng: [...a.epochRng] };
    const b = DataOrder.restore(7, saved);
    for (let i = 0; i < 12; i++) expect(b.next(3)).toEqual(a.next(3));
  });
});
