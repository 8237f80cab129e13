// `npm start` after a restore of its data folder: a backup put back under the dev server a killed start left running
// is served (that server served the replaced file, and a journal it left would have been read with the restored
// one); a folder whose server once served from temporal.sqlite and lost it stops the start.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { journeyQuery } from '../../src/domain/journey.js';
import { startJourney } from '../../src/journeys/index.js';
import { isAlive } from '../../src/temporal/dev-server-pid.js';
import { journeyInput } from '../support/journeys.js';
import { clientOf, mainEnv, spawnMain, startMain, stoppedAfterEach, type MainEnv } from '../support/processes.js';

const { started, track } = stoppedAfterEach();

async function startAwaitingCode(env: MainEnv, first: { wabaId: string; portfolioId: string }) {
  const client = await clientOf(env);
  try {
    const input = journeyInput({ wabaId: first.wabaId, portfolioId: first.portfolioId });
    const { workflowId } = await startJourney(client, 'numberflow', input);
    await stageOf(client, workflowId, 'AWAITING_OTP');
    return workflowId;
  } finally {
    await client.connection.close();
  }
}

async function stageOf(client: Client, workflowId: string, awaited?: string): Promise<string | undefined> {
  for (let i = 0; i < 300; i++) {
    const view = await client.workflow
      .getHandle(workflowId)
      .query(journeyQuery)
      .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? null : undefined));
    if (view === null) return undefined;
    if (view && (!awaited || view.stage === awaited)) return view.stage;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId} never reached ${awaited ?? 'a stage'}`);
}

describe('npm start after a restore', () => {
  it('serves a backup put back under the dev server a killed start left running, and stops when the file is gone', async () => {
    const env = track(await mainEnv());
    const db = join(env.dataDir, 'temporal.sqlite');
    const first = await startMain(env);
    started.push(first.main.child);
    const backedUp = await startAwaitingCode(env, first);
    first.main.child.kill('SIGINT');
    expect(await first.main.exit()).toBe(0);
    expect(readFileSync(join(env.dataDir, 'made-keys'), 'utf8')).toContain('temporal.sqlite\n');
    const backup = join(env.dataDir, '..', `${env.dataDir.split('/').at(-1)}-backup.sqlite`);
    copyFileSync(db, backup); // cold: npm start stopped, its server with it

    const second = await startMain(env);
    started.push(second.main.child);
    const server = Number((await second.main.waitForLog(/Temporal dev server on/)).pid);
    const after = await startAwaitingCode(env, first);
    second.main.child.kill('SIGKILL'); // its server left running, serving temporal.sqlite and its write-ahead files
    await second.main.exit();
    expect(isAlive(server)).toBe(true);

    copyFileSync(backup, `${db}.restoring`);
    renameSync(`${db}.restoring`, db); // as rsync puts a file back: a new file under the name

    const third = await startMain(env);
    started.push(third.main.child);
    const notice = await third.main.waitForLog(/no longer in the folder/);
    expect(notice.msg).toMatch(
      new RegExp(
        `^the Temporal dev server left running \\(pid ${server}\\) served a ${db} that is no longer in the folder \\(replaced or removed since it opened it: a restore\\?\\): stopped, to start anew on the file in the folder(; the files it left beside, which belong to the file it served, moved to .*)?$`,
      ),
    );
    // The dev server keeps a rollback journal only while a transaction is open: one cut short by the kill is set aside.
    const movedAside = readdirSync(env.dataDir).filter((name) => name.includes('.replaced-'));
    expect(movedAside.every((name) => name.startsWith('temporal.sqlite-journal.replaced-'))).toBe(true);
    expect(String(notice.msg).includes('moved to')).toBe(movedAside.length > 0);
    expect((await third.main.waitForLog(/Temporal dev server on/)).msg).not.toContain('reused');
    expect(isAlive(server)).toBe(false);
    const client = await clientOf(env);
    try {
      expect(await stageOf(client, backedUp)).toBe('AWAITING_OTP'); // as backed up
      expect(await stageOf(client, after)).toBeUndefined(); // started after the backup: not in it
    } finally {
      await client.connection.close();
    }
    third.main.child.kill('SIGINT');
    expect(await third.main.exit()).toBe(0);

    renameSync(db, `${db}.elsewhere`); // a restore that left it out
    const fourth = spawnMain(env);
    started.push(fourth.child);
    expect(await fourth.exit(60_000)).toBe(1);
    expect(fourth.stderr()).toContain(
      `${db} is missing, but this data folder's Temporal dev server served every journey from it`,
    );
    expect(existsSync(db)).toBe(false); // no empty one made in its place
  }, 180_000);

  it('stops when its payload keys open none of its running journeys (as codec-keys from another backup)', async () => {
    const env = track(await mainEnv());
    const first = await startMain(env);
    started.push(first.main.child);
    const journey = await startAwaitingCode(env, first);
    first.main.child.kill('SIGINT');
    expect(await first.main.exit()).toBe(0);
    // As a restored folder's codec-keys from another backup would: keys of another id.
    const keyId = String(env.env.NUMBERFLOW_CODEC_KEYS).split(':')[0];
    env.env.NUMBERFLOW_CODEC_KEYS = `local-0badc0de:${randomBytes(32).toString('base64')}`;

    const second = spawnMain(env);
    started.push(second.child);
    expect(await second.exit(60_000)).toBe(1);
    // Its journey, the newest, and its portfolio's run.
    const said = second.stderr();
    expect(said).toContain('no payload key here opens the running runs: ');
    expect(said).toContain(
      `running runs looked at (${journey} the first) were written with key "${keyId}" (this process holds 'local-0badc0de'`,
    );
  }, 120_000);
});
