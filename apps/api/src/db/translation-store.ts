// Agronomists' flags on advice translations (issue 13): "this Kiswahili advice for Tomato late blight is wrong".
// The flags are read back by whoever maintains packages/bundle/content/advice/<lang>.json.
import type { Kysely } from 'kysely';
import type { Database, TranslationFlagTable } from './schema.ts';

export interface TranslationFlag {
  id: string;
  label: string;
  language: string;
  note: string | null;
  flaggedAt: string;
}

function view(row: TranslationFlagTable): TranslationFlag {
  return { id: row.id, label: row.label, language: row.language, note: row.note, flaggedAt: row.flagged_at };
}

export function createTranslationStore(db: Kysely<Database>) {
  return {
    async flag(row: TranslationFlagTable): Promise<TranslationFlag> {
      await db.insertInto('translation_flag').values(row).execute();
      return view(row);
    },
    async list(limit: number): Promise<TranslationFlag[]> {
      const rows = await db.selectFrom('translation_flag').selectAll().orderBy('flagged_at', 'desc').orderBy('id').limit(limit).execute();
      return rows.map(view);
    },
  };
}

export type TranslationStore = ReturnType<typeof createTranslationStore>;
