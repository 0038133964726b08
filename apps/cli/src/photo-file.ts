// Reading a photo named on the command line: a regular file within the photo size limit, checked before a byte is
// read, so a FIFO, a device (/dev/zero) or a 10 GB file is refused at once instead of hanging or filling memory.
import { readFile, stat } from 'node:fs/promises';
import { checkPhotoBytes, DiagnosisError } from '@leafcheck/diagnosis';

export async function readPhotoFile(path: string): Promise<Uint8Array> {
  const info = await stat(path);
  if (!info.isFile()) {
    throw new DiagnosisError('IMAGE_NOT_A_PHOTO', `${path} is not a file`, 'Name a photo file (JPEG, PNG or WebP).');
  }
  checkPhotoBytes(info.size);
  return new Uint8Array(await readFile(path));
}
