/** Case `generate`: only generates the dataset, writing nothing: the floor under every engine case. */
import { datasetBatches } from '../dataset.js';
import { runCase } from './child.js';

runCase(async ({ rows }) => {
  let generated = 0;
  for (const batch of datasetBatches({ rows })) generated += batch.length;
  return generated;
});
