/** cli: the public face of this folder (re-exports only). */
export { main } from './main.js';
