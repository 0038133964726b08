// The same registry on a Hugging Face Hub model repo: <version>/<file> plus <version>/published.json.
// Uploads go through @huggingface/hub (preupload, LFS for model files, commit); reads are the Hub's
// plain resolve URLs. Bundles are verified before upload, as in the local registry.
import { listFiles, uploadFiles } from '@huggingface/hub';
import { type BundleSource, type TrustedKey, verifyBundle } from '@leafcheck/bundle';
import { type BundleRegistry, describePublished, type PublishedBundle, RegistryError, republished } from './registry.ts';
import { compareVersions } from './semver.ts';

export interface HubRegistryOptions {
  /** "owner/name" of a model repo. */
  repo: string;
  accessToken: string;
  hubUrl?: string;
  trusted: readonly TrustedKey[];
  now?: () => Date;
  fetch?: typeof globalThis.fetch;
}

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function hubRegistry(options: HubRegistryOptions): BundleRegistry {
  const hubUrl = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => new Date());
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
  const meta = async (version: string) => {
    const bytes = await get(`${version}/published.json`);
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as PublishedBundle) : null;
  };

  return {
    async publish(source: BundleSource) {
      const verified = await verifyBundle(source, options.trusted);
      const version = verified.manifest.bundleVersion;
      const existing = await meta(version);
      if (existing) return republished(existing, await get(`${version}/manifest.json`), verified);
      const published = describePublished(verified, now());
      const files = [...verified.files].map(([name, bytes]) => ({
        path: `${version}/${name}`,
        content: new Blob([bytes as Uint8Array<ArrayBuffer>]),
      }));
      // published.json goes last in the same commit: a version is listed only once all its files exist.
      files.push({ path: `${version}/published.json`, content: new Blob([`${JSON.stringify(published, null, 2)}\n`]) });
      await uploadFiles({ repo, files, commitTitle: `Publish bundle ${version}`, ...credentials });
      return published;
    },
    async list() {
      const versions: string[] = [];
      for await (const entry of listFiles({ repo, ...credentials })) {
        if (entry.type === 'directory' && VERSION.test(entry.path)) versions.push(entry.path);
      }
      const metas = await Promise.all(versions.map(meta));
      return metas.filter((m): m is PublishedBundle => m !== null).sort((a, b) => compareVersions(b.version, a.version));
    },
    async read(version, file) {
      if (!VERSION.test(version) || !FILE.test(file) || file === 'published.json') return null;
      return get(`${version}/${file}`);
    },
  };
}
