// The direct-mode commands that call Graph from this machine (signup, token set and list, send): the stores (the
// WABAs' tokens) and a Graph client using them, opened for one command and closed after it. The stores' drivers and
// Graph load only then, not for every start of the command line.
import type { Config } from '../config.js';
import type { GraphClient } from '../graph/client.js';
import type { Stores } from '../stores/open.js';
import { requireLocalKeys } from './data-folder.js';

export interface DirectGraph {
  stores: Stores;
  graph: GraphClient;
}

export async function withDirectGraph<T>(config: Config, work: (direct: DirectGraph) => Promise<T>): Promise<T> {
  const [{ openStores }, { graphClientFromConfig }, { PerWabaTokenProvider }] = await Promise.all([
    import('../stores/open.js'),
    import('../graph/from-config.js'),
    import('../graph/tokens.js'),
  ]);
  requireLocalKeys(config, { storesOnly: true }); // a store opened in a folder npm start never used would be made empty there
  const stores = await openStores(config);
  const graph = graphClientFromConfig(config, new PerWabaTokenProvider(stores.tokens, config.META_ACCESS_TOKEN));
  try {
    return await work({ stores, graph });
  } finally {
    await graph.close();
    await stores.close();
  }
}
