/** What svc asks of a load balancer image, said in every error that comes from an image lacking it. */
export const LB_IMAGE_CONTRACT =
  'a load balancer image must provide the haproxy binary (2.6 or newer) on its PATH and the ' +
  'directory /usr/local/etc/haproxy, as the official haproxy images do';

/** Said when the image's HAProxy has no Lua (svc stats and the Swarm probe need it). */
export const NEEDS_LUA = 'this needs an HAProxy built with Lua (every official image is)';
