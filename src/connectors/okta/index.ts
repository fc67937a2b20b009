export { createOktaConnector, type OktaConnectorOptions } from './connector.js';
export { lifecycleForStatus, OKTA_GROUP_TYPES } from './map.js';
export type { RequestCounter } from './client.js';
