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

const typeOf = (key: (typeof customSearchAttributes)[number]) => TypedSearchAttributes.toMetadataType(key.type);
const nameOfType = (type: proto.temporal.api.enums.v1.IndexedValueType | null | undefined) =>
  Object.entries(indexedValueTypes).find(([, value]) => value === type)?.[0] ?? String(type);

/** What the namespace had: the attributes added, and those registered with another type (by hand, mistyped). */
export interface SearchAttributesFound {
  added: string[];
  mistyped: { name: string; has: string; wants: string }[];
}

/** Adds whichever of our search attributes the namespace lacks, and names those it holds with another type. */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<SearchAttributesFound> {
  const existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const mistyped = customSearchAttributes
    .filter((key) => Object.hasOwn(existing, key.name) && nameOfType(existing[key.name]) !== typeOf(key))
    .map((key) => ({ name: key.name, has: nameOfType(existing[key.name]), wants: typeOf(key) }));
  const missing = customSearchAttributes.filter((key) => !Object.hasOwn(existing, key.name));
  if (missing.length === 0) return { added: [], mistyped };
  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, indexedValueTypes[typeOf(key)] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return { added: missing.map((key) => key.name), mistyped };
}

/**
 * Registers the missing attributes through the client's connection and logs what it did. Failing (a Temporal Cloud
 * key without the operator's rights) is only a warning: the attributes may be registered with the cluster's tooling.
 */
export async function registerSearchAttributes(client: Client, namespace: string, logger: Logger): Promise<void> {
  const none: SearchAttributesFound = { added: [], mistyped: [] };
  const { added, mistyped } = await ensureSearchAttributes(client.connection as Connection, namespace).catch(
    (err: unknown) => {
      logger.warn({ err }, 'could not register search attributes; register them with your cluster tooling');
      return none;
    },
  );
  if (added.length) logger.info({ added }, 'registered search attributes');
  // Temporal cannot change an attribute's type: queries on it compare otherwise (a Text is split into words).
  for (const { name, has, wants } of mistyped)
    logger.warn(
      `search attribute ${name} is registered on namespace "${namespace}" as ${has}, where numberflow writes a ${wants}: lists and counts by it may be wrong; remove it and add it as ${wants} (temporal operator search-attribute remove/create), or use another namespace`,
    );
}
