// Message keys whose messages take no placeholders: what a table of labels or hints may name.

import type { MessageKey, ParamArgs } from './translate';

export type PlainKey = { [K in MessageKey]: ParamArgs<K> extends [] ? K : never }[MessageKey];
