export { createEntraConnector, type EntraConnector, type EntraConnectorOptions } from './connector.js';
export { chooseEmail, isRoutableUpn, mapUser } from './map.js';
export type { EntraCursor } from './cursor.js';
