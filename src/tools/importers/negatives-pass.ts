/**
 * Pass 1 of an import with negative sampling: a NegativeSampler from the items of the log and the items
 * each user used, so a user's negatives are never items they used.
 */
import type { DatasetMapping } from './dataset-mapping.ts';
import { NegativeSampler } from './negatives.ts';
import { convertRow } from './row-conversion.ts';
import { readTable } from './table-reader.ts';

/**
 * Pass 1 over the events: the items of the log and the items each user used, from the rows pass 2 will
 * accept (the same conversion, without negatives), so a bad row never makes an item "used".
 */
export async function buildSampler(
  mapping: DatasetMapping,
  dataDir: string,
  limit: number | undefined,
  users: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
): Promise<NegativeSampler> {
  const items = new Set<string>();
  const usedByUser = new Map<string, Set<string>>();
  let read = 0;
  for await (const entry of readTable(dataDir, mapping.events)) {
    if (entry.kind === 'header') continue;
    if (limit !== undefined && read >= limit) break;
    read++;
    if (entry.kind !== 'row') continue;
    const converted = convertRow(mapping, entry.row, 0, users, undefined);
    if ('bad' in converted) continue;
    const { userId, itemId } = converted.line.impressions[0]!;
    items.add(itemId);
    let used = usedByUser.get(userId);
    if (used === undefined) usedByUser.set(userId, (used = new Set()));
    used.add(itemId);
  }
  return new NegativeSampler(items, usedByUser, mapping.negatives!);
}
