// Diagnosis history on the phone: newest first; reopen, delete one, delete all.
import { db, type HistoryEntry } from '../../../lib/db.ts';

export async function saveEntry(entry: HistoryEntry): Promise<void> {
  await (await db()).put('history', entry);
}

export async function getEntry(id: string): Promise<HistoryEntry | undefined> {
  return (await db()).get('history', id);
}

export async function listEntries(): Promise<HistoryEntry[]> {
  const all = await (await db()).getAllFromIndex('history', 'by-date');
  return all.reverse();
}

export async function deleteEntry(id: string): Promise<void> {
  await (await db()).delete('history', id);
}

export async function deleteAllEntries(): Promise<void> {
  await (await db()).clear('history');
}
