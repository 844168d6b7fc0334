/** How apply classifies each changed field, and how it refuses one that cannot change in place. */
import { describe, expect, it } from 'vitest';
import {
  describeChanges,
  diffSpecs,
  FIELD_EFFECTS,
  refuseInPlace,
} from '../../../src/core/plan/spec-diff.js';
import { UsageError } from '../../../src/errors.js';
import { REPLICA_FIELDS } from '../../../src/model/spec-hash.js';
import { specNamed } from '../../support/containers.js';

const web = specNamed('web', { ServicePort: 8080, Labels: { a: '1', b: '2' } });

describe('the fields apply changes, and how', () => {
  it('every field a replica is made from is replaced; Replicas scales; the rest is the load balancer or refused', () => {
    for (const f of REPLICA_FIELDS) expect(FIELD_EFFECTS[f]).toBe('replaced');
    expect(FIELD_EFFECTS.StopTimeout).toBe('replaced');
    expect(FIELD_EFFECTS.Replicas).toBe('replicas');
    expect(FIELD_EFFECTS.HealthCheckPath).toBe('load balancer');
    expect(FIELD_EFFECTS.FIP).toBe('load balancer');
    expect(FIELD_EFFECTS.ServicePort).toBe('refused');
    expect(FIELD_EFFECTS.Protocol).toBe('refused');
  });

  it('an equal spec differs in nothing, whatever the order of its labels', () => {
    expect(diffSpecs(web, { ...web, Labels: { b: '2', a: '1' } })).toEqual([]);
  });

  it('lists each differing field with its effect, in the spec order, as text', () => {
    const changes = diffSpecs(web, { ...web, Env: ['A=1'], Replicas: 3, Algorithm: 'leastconn' });
    expect(changes.map((c) => `${c.field} ${c.effect}`)).toEqual([
      'Env replaced',
      'Replicas replicas',
      'Algorithm load balancer',
    ]);
    expect(describeChanges(changes)).toBe(
      [
        '  Env: null → ["A=1"] (replaced)',
        '  Replicas: 2 → 3 (replicas)',
        '  Algorithm: "roundrobin" → "leastconn" (load balancer)',
      ].join('\n'),
    );
  });

  it('refuses ServicePort and Protocol with exit 2, naming the field and what to do', () => {
    const changes = diffSpecs(web, { ...web, ServicePort: 9090, Protocol: 'tcp' });
    expect(() => refuseInPlace('web', changes)).toThrow(UsageError);
    expect(() => refuseInPlace('web', changes)).toThrow(
      /ServicePort \(8080 → 9090\), Protocol \("http" → "tcp"\) cannot change in place; nothing was changed\. ServicePort: .*another name/,
    );
    expect(() => refuseInPlace('web', diffSpecs(web, { ...web, Replicas: 9 }))).not.toThrow();
  });
});
