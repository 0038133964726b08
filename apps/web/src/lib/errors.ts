// Any error, said in the farmer's words with what to do next.
import { t } from '../i18n/index.ts';
import { isQuotaError } from './db.ts';
import { PhotoError } from './image.ts';
import { inferenceErrorCode } from './inference.ts';

export function errorMessage(error: unknown): string {
  if (error instanceof PhotoError) {
    return t(error.code === 'unsupported' ? 'error.unsupported' : 'error.unreadable');
  }
  if (isQuotaError(error)) return t('error.storageFull');
  const code = inferenceErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'IMAGE_UNREADABLE') return t('error.unreadable');
  if (code === 'IMAGE_UNSUPPORTED') return t('error.unsupported');
  if (code === 'IMAGE_TOO_LARGE') return t('error.tooLarge');
  if (code === 'IMAGE_TOO_SMALL') return t('error.tooSmall');
  if (code === 'IMAGE_NOT_A_PHOTO') return t('error.notAPhoto');
  if (code === 'CROP_UNKNOWN') return t('error.cropUnknown');
  if (code === 'BUNDLE_UNAVAILABLE') return t('diagnose.bundleUnavailable');
  if (code === 'BUNDLE_INVALID') return t('diagnose.bundleInvalid');
  if (code === 'MODEL_FAILED') return t('diagnose.modelFailed', { detail });
  return t('error.generic', { detail });
}
