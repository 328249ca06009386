// pg-cursor ships no types; this declares the part sheetpipe uses (pg-cursor 2.x).
declare module 'pg-cursor' {
  import type { Connection, CustomTypesConfig, FieldDef, Submittable } from 'pg';

  namespace Cursor {
    interface Config {
      readonly rowMode?: 'array';
      readonly types?: CustomTypesConfig;
    }
    interface Result {
      readonly fields: FieldDef[];
    }
  }

  class Cursor implements Submittable {
    constructor(text: string, values?: readonly unknown[], config?: Cursor.Config);
    readonly state: 'initialized' | 'submitted' | 'idle' | 'busy' | 'done' | 'error';
    submit(connection: Connection): void;
    read(rows: number, callback: (error: Error | undefined, rows: unknown[][], result: Cursor.Result) => void): void;
    close(): Promise<void>;
  }

  export = Cursor;
}
