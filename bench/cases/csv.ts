/** Case `csv`: the in-process dataset through the plain chunked CSV writer (the speed floor). */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { COLUMN_NAMES, datasetBatches } from '../dataset.js';
import { runCase } from './child.js';
import { ChunkedCsvWriter } from './csv-writer.js';

runCase(async ({ rows, out }) => {
  const file = createWriteStream(out);
  const csv = new ChunkedCsvWriter(file);
  await csv.writeRow(COLUMN_NAMES);
  let written = 0;
  for (const batch of datasetBatches({ rows })) {
    for (const row of batch) await csv.writeRow(row);
    written += batch.length;
  }
  await csv.flush();
  file.end();
  await finished(file);
  return written;
});
