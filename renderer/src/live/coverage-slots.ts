import type { Coverage, Snapshot } from '../../../preload/contract';

/** Above this, slots are summarised rather than drawn one cell each. */
export const MAX_SLOT_CELLS = 2_000;

export type SlotState = 'present' | 'missing';

/**
 * Expected snapshot slots and whether each was taken. Slots are numbered by the engine; the
 * numbering starts at 0 when a slot 0 exists and at 1 otherwise. A long run's snapshots come as
 * the latest window (the first one's seq is past 1): slots are then judged from the window's first
 * slot on, and the earlier ones are left to the coverage figure, never drawn as missing.
 */
export function coverageSlots(
  coverage: Coverage | null,
  snapshots: readonly Snapshot[],
): { slot: number; state: SlotState }[] {
  const present = new Set(snapshots.map((s) => s.slot));
  const windowed = (snapshots[0]?.seq ?? 1) > 1;
  const first = snapshots.reduce((m, s) => Math.min(m, s.slot), Infinity);
  const base = windowed ? first : snapshots.length === 0 || present.has(0) ? 0 : Math.min(1, ...present);
  const maxSlot = snapshots.reduce((m, s) => Math.max(m, s.slot), base - 1);
  const count = Math.max((coverage?.expected ?? 0) - (windowed ? base : 0), maxSlot - base + 1);
  const out: { slot: number; state: SlotState }[] = [];
  for (let slot = base; slot < base + count; slot++)
    out.push({ slot, state: present.has(slot) ? 'present' : 'missing' });
  return out;
}
