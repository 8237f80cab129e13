// Registers the project's search attributes on a cluster namespace (the embedded dev server gets them as flags).
import type { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { customSearchAttributes } from '../domain/search-attributes.js';
import type { Logger } from '../logger.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const indexedValueTypes: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/** Adds whichever of our search attributes the namespace lacks; returns the names it added. */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = customSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    missing.map((key) => [
      key.name,
      indexedValueTypes[TypedSearchAttributes.toMetadataType(key.type)] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map((key) => key.name);
}

/**
 * Registers the missing attributes through the client's connection and logs what it did. Failing (a Temporal Cloud
 * key without the operator's rights) is only a warning: the attributes may be registered with the cluster's tooling.
 */
export async function registerSearchAttributes(client: Client, namespace: string, logger: Logger): Promise<void> {
  const added = await ensureSearchAttributes(client.connection as Connection, namespace).catch((err: unknown) => {
    logger.warn({ err }, 'could not register search attributes; register them with your cluster tooling');
    return [];
  });
  if (added.length) logger.info({ added }, 'registered search attributes');
}
