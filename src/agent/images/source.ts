// What an image source (tarball directory, registry) hands the store: the image config JSON
// and the layer files it wrote into the pull's staging directory, base layer first, each with
// the digest it must have where the source names one (registry and OCI blobs).

export interface FetchedLayer {
  readonly path: string;
  readonly digest: string | undefined;
}

export interface FetchedImage {
  readonly config: unknown;
  readonly layers: readonly FetchedLayer[];
}

export type SourceResult =
  | { readonly ok: true; readonly value: FetchedImage }
  | { readonly ok: false; readonly message: string };
