/** Media types of the Docker image manifest v2 schema 2 and the OCI image-spec. */
export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.dockerManifest,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.ociIndex,
];

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaType.dockerManifestList || mediaType === MediaType.ociIndex;
}
