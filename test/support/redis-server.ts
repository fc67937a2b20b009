export { RedisServer, findFreePort } from '../../src/sandbox/redis-server.js';
