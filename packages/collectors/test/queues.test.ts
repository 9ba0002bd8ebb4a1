import { freeQueueOccupancy, freeQueueSlot, nextCounter, readyQueueFull, readyQueuePending } from '../src';

test('free queue occupancy survives u32 wrap', () => {
  expect(freeQueueOccupancy(0, 0)).toBe(0);
  expect(freeQueueOccupancy(5, 9)).toBe(4);
  expect(freeQueueOccupancy(0xffff_fffe, 2)).toBe(4); // tail wrapped, head not yet
  expect(freeQueueOccupancy(0xffff_ffff, 0xffff_ffff)).toBe(0);
  expect(nextCounter(0xffff_ffff)).toBe(0);
  expect(freeQueueSlot(0xffff_ffff, 4)).toBe(3);
  expect(freeQueueSlot(nextCounter(0xffff_ffff), 4)).toBe(0);
});

test('ready queue keeps one slot empty and rejects bad indices', () => {
  expect(readyQueuePending(0, 0, 8)).toBe(0);
  expect(readyQueuePending(6, 2, 8)).toBe(4);
  expect(readyQueueFull(3, 2, 8)).toBe(true);
  expect(readyQueueFull(0, 7, 8)).toBe(true);
  expect(readyQueueFull(0, 6, 8)).toBe(false);
  expect(readyQueuePending(8, 0, 8)).toBeUndefined();
  expect(readyQueuePending(0, 9, 8)).toBeUndefined();
  expect(readyQueuePending(-1, 0, 8)).toBeUndefined();
});
