import { describe, expect, it } from 'vitest';
import { engineError, engineWords, isStatus } from '../../src/engine/engine-error.js';
import { ConflictError, EngineUnavailableError, NotFoundError, SvcError } from '../../src/errors.js';

/** What docker-modem rejects with when the engine answers `status` (a JSON body, or streamed). */
function answer(status: number, reason: string, message: string, streamed = false) {
  const err = new Error(`(HTTP code ${status}) ${reason} - ${message} `) as Error & Record<string, unknown>;
  err.statusCode = status;
  err.reason = reason;
  err.json = streamed ? null : { message };
  return err;
}

function connectionError(code: string) {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
}

const WHERE = 'unix:///x/docker.sock (context "colima")';

describe('engineError', () => {
  it('says an unreachable engine is unreachable, naming the endpoint and the context', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']) {
      const e = engineError(connectionError(code), 'list containers', WHERE);
      expect(e).toBeInstanceOf(EngineUnavailableError);
      expect(e.message).toBe(
        `cannot reach the Docker engine at ${WHERE} (${code}) while trying to list containers`,
      );
      expect(e.hint).toEqual({ kind: 'unreachable-engine' });
    }
  });

  it("maps the engine's statuses to typed errors in its own words", () => {
    const gone = engineError(answer(404, 'no such container', 'No such container: abc'), 'inspect x', WHERE);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.message).toBe('inspect x: No such container: abc');
    const taken = engineError(answer(409, 'conflict', 'name "/w" is already in use'), 'create w', WHERE);
    expect(taken).toBeInstanceOf(ConflictError);
    expect(taken.message).toBe('create w: name "/w" is already in use');
    for (const status of [403, 503]) {
      const refused = engineError(answer(status, 'unexpected', 'swarm says no'), 'do it', WHERE);
      expect(refused).toBeInstanceOf(EngineUnavailableError);
      expect(refused.message).toBe('the Docker engine refused to do it: swarm says no');
    }
    const other = engineError(answer(500, 'server error', 'boom'), 'start y', WHERE);
    expect(other.constructor).toBe(SvcError);
    expect(other.status).toBe(500);
    expect(other.message).toBe('Docker engine error while trying to start y: boom');
  });

  it("keeps the engine's words of a streamed answer (docker-modem keeps them in its message only)", () => {
    const err = answer(404, 'no such container', 'Could not find the file /x in container abc', true);
    expect(engineWords(err)).toBe('Could not find the file /x in container abc');
    expect(engineError(err, 'read /x', WHERE).message).toBe(
      'read /x: Could not find the file /x in container abc',
    );
  });

  it('takes a plain-text answer as it is, and an SvcError through unchanged', () => {
    const text = Object.assign(new Error('(HTTP code 500) server error - boom '), {
      statusCode: 500,
      json: Buffer.from('boom\n'),
    });
    expect(engineWords(text)).toBe('boom');
    const mine = new NotFoundError('already typed');
    expect(engineError(mine, 'x', WHERE)).toBe(mine);
  });

  it('says an ssh engine that cannot be reached is unreachable, with ssh’s reason', () => {
    const auth = Object.assign(new Error('All configured authentication methods failed'), {
      level: 'client-authentication',
    });
    const e = engineError(auth, 'list containers', 'DOCKER_HOST=ssh://me@box');
    expect(e).toBeInstanceOf(EngineUnavailableError);
    expect(e.message).toBe(
      'cannot reach the Docker engine at DOCKER_HOST=ssh://me@box (ssh: All configured authentication methods failed) while trying to list containers',
    );
  });

  it('tells statuses apart', () => {
    expect(isStatus(answer(404, 'x', 'y'), 404, 409)).toBe(true);
    expect(isStatus(answer(500, 'x', 'y'), 404)).toBe(false);
    expect(isStatus(connectionError('ENOENT'), 404)).toBe(false);
  });
});
