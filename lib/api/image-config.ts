/**
 * The parts of an image config blob (OCI image-spec config.md, Docker's image JSON) that
 * docket reads: `docket inspect` and the web page show them.
 */
export interface ImageConfigDocument {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
  };
}
