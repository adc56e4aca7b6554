/**
 * `larr report` end to end: realistic metric rows in a fresh schema → the CLI → one HTML file, opened in
 * headless Chromium (Debian's, through playwright-core): no console error, no request but the file itself,
 * rendered SVG marks in every plot, and a screenshot to look at (/tmp/h5/report.png, or LARR_REPORT_PNG).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createTestSchema, TEST_DATABASE_URL } from '../../helpers/database.ts';
import { runCli } from '../../app/cli/capture.ts';
import { launchHeadlessChromium } from './headless-chromium.ts';
import { BASELINE_MODEL, HOSTILE_MESSAGE, LARR_VERSIONS, seedReportMetrics } from './seed-metrics.ts';

const SCREENSHOT = process.env['LARR_REPORT_PNG'] ?? '/tmp/h5/report.png';

const weightedMean = (windows: readonly { auc: number; labelled: number }[]) =>
  windows.reduce((sum, window) => sum + window.auc * window.labelled, 0) /
  windows.reduce((sum, window) => sum + window.labelled, 0);

test('larr report renders seeded metrics into a page Chromium shows without errors or requests', async () => {
  const db = await createTestSchema({ migrated: true });
  const dir = await mkdtemp(join(tmpdir(), 'larr-report-'));
  try {
    const seeded = await seedReportMetrics(db.pool, { end: Date.now() - 60_000, minutes: 20 });
    const out = join(dir, 'nested', 'report.html');
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: 'larr' };
    const run = await runCli(['report', '--out', out, '--since', '1h', '--schema', db.schema], { env });
    assert.equal(run.code, 0, run.text);
    assert.match(
      run.out.at(-1)!,
      new RegExp(
        `^report written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(13 plots, \\d+ bytes\\)$`,
      ),
    );

    // The summary the CLI prints is the seeded truth: labelled-weighted window AUCs per family.
    const larrAuc = weightedMean(seeded.aucWindows.larr).toFixed(4);
    const baselineAuc = weightedMean(seeded.aucWindows.baseline).toFixed(4);
    assert.ok(
      run.out.some((line) => new RegExp(`^AUC larr-ctr \\(LARR\\)\\s+${larrAuc} `).test(line)),
      run.text,
    );
    assert.ok(
      run.out.some((line) =>
        new RegExp(`^AUC ids-scene-lr-baseline \\(baseline\\)\\s+${baselineAuc} `).test(line),
      ),
      run.text,
    );
    const lift = Number(larrAuc) - Number(baselineAuc);
    assert.ok(lift > 0.02, `the seeded LARR beats the baseline (${lift})`);
    const eventsLine = run.out.find((line) => line.startsWith('events/s (embedder)'));
    const eventsPerSecond = Number(/\s([\d.]+)\s{2}/.exec(eventsLine ?? '')?.[1]);
    const expected = seeded.embedderRecordsIn / (20 * 60);
    assert.ok(Math.abs(eventsPerSecond - expected) / expected < 0.01, `${eventsLine} vs ${expected}`);

    const html = await readFile(out, 'utf8');
    for (const model of [BASELINE_MODEL, ...LARR_VERSIONS])
      assert.ok(html.includes(`<td>${model}</td>`), model);
    assert.ok(!html.includes('<img'), 'the hostile dead-letter message is escaped');

    const browser = await launchHeadlessChromium();
    try {
      const page = await browser.context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      const url = pathToFileURL(out).href;
      const response = await page.goto(url, { waitUntil: 'load' });
      assert.ok(response?.ok(), 'the file loads');

      const figures = page.locator('figure');
      assert.equal(await figures.count(), 13);
      for (let index = 0; index < 13; index++) {
        const figure = figures.nth(index);
        const title = await figure.locator('figcaption').innerText();
        assert.equal(await figure.locator('svg.chart').count(), 1, title);
        const marks = await figure.locator('svg .mark').count();
        assert.ok(marks > 0, `${title}: ${marks} marks`);
        const box = await figure.locator('svg.chart').boundingBox();
        assert.ok(
          box !== null && box.width > 300 && box.height > 100,
          `${title} is laid out: ${JSON.stringify(box)}`,
        );
      }
      // Every rendered mark has a size (a NaN coordinate would make it vanish).
      const firstBar = await page.locator('#slices svg .mark.bar').first().boundingBox();
      assert.ok(firstBar !== null && firstBar.width > 0 && firstBar.height > 0);
      assert.ok((await page.getByText(HOSTILE_MESSAGE).count()) === 1, 'the message shows as text');
      assert.equal(await page.locator('img').count(), 0);

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url], 'no request but the file itself');
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('larr report on an empty schema writes a page saying what is missing, and Chromium shows it', async () => {
  const db = await createTestSchema({ migrated: true });
  const dir = await mkdtemp(join(tmpdir(), 'larr-report-'));
  try {
    const out = join(dir, 'empty.html');
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
    const run = await runCli(['report', '--out', out], { env });
    assert.equal(run.code, 0, run.text);
    assert.match(
      run.err.join('\n'),
      new RegExp(`report: no metrics in schema ${db.schema}; the page says what is missing`),
    );
    const browser = await launchHeadlessChromium();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (err) => problems.push(err.message));
      await page.goto(pathToFileURL(out).href);
      assert.equal(await page.locator('h2', { hasText: 'No metrics to report' }).count(), 1);
      assert.equal(await page.locator('svg').count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('larr report on a schema without the migrations says to run larr db migrate', async () => {
  const db = await createTestSchema();
  const dir = await mkdtemp(join(tmpdir(), 'larr-report-'));
  try {
    await db.pool.query(`CREATE SCHEMA "${db.schema}"`);
    const env = { DATABASE_URL: TEST_DATABASE_URL, LARR_DB_SCHEMA: db.schema };
    const run = await runCli(['report', '--out', join(dir, 'r.html')], { env });
    assert.equal(run.code, 1, run.text);
    assert.match(run.err.join('\n'), /lacks the tables or views larr report reads .*run `larr db migrate`/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('larr report refuses a bad --since or --schema with exit code 2', async () => {
  const bad = await runCli(['report', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.err.join('\n'), /--since.*expected an ISO 8601 time .* got "yesterday"/);
  const schema = await runCli(['report', '--schema', 'Robert"); DROP TABLE']);
  assert.equal(schema.code, 2);
  assert.match(schema.err.join('\n'), /expected a lower-case SQL identifier/);
});
