/** The part of madge's API the import-cycle check uses (madge ships no types). */
declare module 'madge' {
  interface MadgeResult {
    /** Each cycle as the files on it, relative to the base directory. */
    circular(): string[][];
    obj(): Record<string, string[]>;
  }
  interface MadgeOptions {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, Record<string, unknown>>;
  }
  export default function madge(path: string, options?: MadgeOptions): Promise<MadgeResult>;
}
