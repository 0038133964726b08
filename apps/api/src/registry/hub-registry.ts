// The same registry on a Hugging Face Hub model repo: <version>/<file> plus <version>/published.json.
// Uploads go through @huggingface/hub (preupload, LFS for model files, commit); reads are the Hub's
// plain resolve URLs. Verification and the promotion gate are the shared step in registry.ts.
import { listFiles, uploadFiles } from '@huggingface/hub';
import type { PromotionPolicy, TrustedKey } from '@leafcheck/bundle';
import { type BundleRegistry, type GatedRegistryOptions, gatedRegistry, type PublishedBundle, RegistryError } from './registry.ts';

export interface HubRegistryOptions {
  /** "owner/name" of a model repo. */
  repo: string;
  accessToken: string;
  hubUrl?: string;
  trusted: readonly TrustedKey[];
  now?: () => Date;
  policy?: Partial<PromotionPolicy>;
  baseline?: GatedRegistryOptions['baseline'];
  fetch?: typeof globalThis.fetch;
}

export function hubRegistry(options: HubRegistryOptions): BundleRegistry {
  const hubUrl = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const repo = { type: 'model' as const, name: options.repo };
  const credentials = { accessToken: options.accessToken, hubUrl, fetch: doFetch };

  async function get(path: string): Promise<Uint8Array | null> {
    const res = await doFetch(`${hubUrl}/${options.repo}/resolve/main/${path.split('/').map(encodeURIComponent).join('/')}`, {
      headers: { authorization: `Bearer ${options.accessToken}` },
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new RegistryError(`Hub answered ${res.status} for ${path}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  return gatedRegistry(
    {
      async meta(version) {
        const bytes = await get(`${version}/published.json`);
        return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as PublishedBundle) : null;
      },
      file: (version, name) => get(`${version}/${name}`),
      async versions() {
        const versions: string[] = [];
        for await (const entry of listFiles({ repo, ...credentials })) if (entry.type === 'directory') versions.push(entry.path);
        return versions;
      },
      async store(version, files, published) {
        const uploads = [...files].map(([name, bytes]) => ({
          path: `${version}/${name}`,
          content: new Blob([bytes as Uint8Array<ArrayBuffer>]),
        }));
        // published.json goes last in the same commit: a version is listed only once all its files exist.
        uploads.push({ path: `${version}/published.json`, content: new Blob([`${JSON.stringify(published, null, 2)}\n`]) });
        await uploadFiles({ repo, files: uploads, commitTitle: `Publish bundle ${version}`, ...credentials });
      },
    },
    {
      trusted: options.trusted,
      ...(options.now ? { now: options.now } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
    },
  );
}
