// The TypeScript client made from the spec (generated/typescript: openapi-typescript types, used
// by openapi-fetch) against `flowscale serve` on loopback: every operation, as a front-end
// developer would call it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';

import createClient, { type Client } from 'openapi-fetch';

import {
  type ErrorEnvelope,
  type HttpValidationError,
  type paths,
  type WorkflowInputsMultipart,
} from '../../generated/typescript/flowscale';
import { API_KEY, type LocalServer, startLocalServer } from './localServer';
import { collectRunEvents } from './runEvents';

const TEXT_TO_IMAGE = 'Text to Image';
const IMAGE_TO_IMAGE = 'Image to Image';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let server: LocalServer;
let client: Client<paths>;
const workflowIds = new Map<string, string>();

/** A real 2x2 RGB PNG, encoded here (no fixture file): signature, IHDR, IDAT, IEND. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0); // width
  header.writeUInt32BE(2, 4); // height
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([PNG_MAGIC, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** openapi-fetch sends JSON unless told otherwise: multipart is a FormData of the typed fields. */
function formData(fields: WorkflowInputsMultipart): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

function workflowId(name: string): string {
  const id = workflowIds.get(name);
  assert.ok(id !== undefined, `workflow ${name} is deployed`);
  return id;
}

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.baseUrl}/_admin/faults`, {
    method: 'POST',
    headers: { 'X-API-KEY': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify(fault),
  });
  assert.equal(response.status, 200, await response.text());
}

async function startTextToImage(prompt: string): Promise<string> {
  const { data, error } = await client.POST('/api/v1/runs', {
    params: { query: { workflow_id: workflowId(TEXT_TO_IMAGE) } },
    body: { text_51536: prompt },
    bodySerializer: formData,
  });
  assert.equal(error, undefined);
  assert.ok(data);
  return data.data.run_id;
}

before(async () => {
  server = await startLocalServer();
  client = createClient({ baseUrl: server.baseUrl, headers: { 'X-API-KEY': API_KEY } });
  const { data } = await client.GET('/api/v1/comfy/workflows');
  for (const workflow of data?.data ?? []) workflowIds.set(workflow.name, workflow.id);
});

after(async () => {
  await server.stop();
});

describe('the cluster', () => {
  test('check_health: one typed entry per container', async () => {
    const { data, response } = await client.GET('/api/v1/comfy/health');
    assert.equal(response.status, 200);
    assert.ok(data);
    assert.equal(data.status, 'success');
    assert.ok(data.data.length >= 1);
    for (const container of data.data) assert.equal(typeof container.status, 'string');
  });

  test('get_queue: ComfyUI queue payload per container', async () => {
    const { data } = await client.GET('/api/v1/comfy/queue');
    assert.ok(data);
    assert.ok(data.data.length >= 1);
    for (const entry of data.data) assert.ok(Array.isArray(entry.queue.queue_pending ?? []));
  });

  test('get_workflows: the deployed workflows with their inputs', async () => {
    const { data } = await client.GET('/api/v1/comfy/workflows');
    assert.ok(data);
    const textToImage = data.data.find((w) => w.name === TEXT_TO_IMAGE);
    assert.ok(textToImage);
    assert.deepEqual(JSON.parse(textToImage.inputs ?? '{}'), { text_51536: 'string' });
  });

  test('a missing API key is a typed 401 error envelope', async () => {
    const anonymous = createClient<paths>({ baseUrl: server.baseUrl });
    const { error, response } = await anonymous.GET('/api/v1/comfy/health');
    assert.equal(response.status, 401);
    assert.ok(error);
    assert.equal(error.status, 'error');
  });
});

describe('runs', () => {
  test('execute_workflow, multipart: a real PNG (File) and a text field, no casts', async () => {
    const png = new File([new Uint8Array(tinyPng())], 'input.png', { type: 'image/png' });
    let sentType: string | null = null;
    const { data, error } = await client.POST('/api/v1/runs', {
      params: { query: { workflow_id: workflowId(IMAGE_TO_IMAGE), group_id: 'ts-tests' } },
      body: { image_input: png, prompt: 'a red square' },
      bodySerializer: formData,
      fetch: async (request) => {
        sentType = request.headers.get('content-type');
        return fetch(request);
      },
    });
    assert.equal(error, undefined);
    assert.ok(data);
    assert.match(String(sentType), /^multipart\/form-data; boundary=/);
    const runId = data.data.run_id;
    const { events } = await collectRunEvents(client, runId);
    const end = events.at(-1);
    assert.ok(end?.type === 'end');
    assert.equal(end.status, 'completed');
    const run = await client.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
    assert.ok(run.data);
    const inputs = new Map((run.data.data.inputs ?? []).map((i) => [i.path, i]));
    assert.equal(inputs.get('prompt')?.value, 'a red square');
    assert.ok(inputs.has('image_input'));
  });

  test('execute_workflow, urlencoded: the same operation, text fields only', async () => {
    const { data, error } = await client.POST('/api/v1/runs', {
      params: { query: { workflow_id: workflowId(TEXT_TO_IMAGE) } },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, // openapi-fetch encodes
      body: { text_51536: 'a lighthouse at dusk' },
    });
    assert.equal(error, undefined);
    assert.ok(data);
    const run = await client.GET('/api/v1/runs/{run_id}', {
      params: { path: { run_id: data.data.run_id } },
    });
    assert.equal(run.data?.data.inputs?.[0]?.value, 'a lighthouse at dusk');
  });

  test('execute and wait, then download the output: a PNG', async () => {
    const runId = await startTextToImage('a cat on a bicycle');
    const { events } = await collectRunEvents(client, runId);
    assert.equal(events.at(-1)?.type, 'end');
    const run = await client.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
    assert.ok(run.data);
    assert.equal(run.data.data.status, 'completed');
    const name = run.data.data.output_names?.[0];
    assert.ok(name !== undefined);
    const output = await client.GET('/api/v1/runs/output', { params: { query: { filename: name } } });
    assert.equal(output.response.status, 200);
    const url = output.data?.data.download_url;
    assert.ok(typeof url === 'string');
    const file = Buffer.from(await (await fetch(url)).arrayBuffer()); // no API key to the file host
    assert.deepEqual(file.subarray(0, 8), PNG_MAGIC);
  });

  test('get_output: 204 while the output is not ready', async () => {
    await addFault({ kind: 'status', code: 204, route: 'get_output', count: 1 });
    const { data, error, response } = await client.GET('/api/v1/runs/output', {
      params: { query: { filename: 'anything' } },
    });
    assert.equal(response.status, 204);
    assert.equal(error, undefined);
    assert.equal(data, undefined);
  });

  test('get_runs: a page of runs with its meta', async () => {
    await startTextToImage('paged');
    const { data } = await client.GET('/api/v1/runs', {
      params: { query: { page: 1, page_size: 2, sort_order: 'desc' } },
    });
    assert.ok(data);
    assert.ok(data.data.runs.length >= 1 && data.data.runs.length <= 2);
    assert.equal(data.meta?.page_size, 2);
  });

  // A run takes 8 sampler steps of 50 ms (see localServer.ts): the cancel lands well inside.
  test('cancel_run: a queued or running run is cancelled', async () => {
    const runId = await startTextToImage('cancel me');
    const { data, error } = await client.POST('/api/v1/runs/{run_id}/cancel', {
      params: { path: { run_id: runId } },
    });
    assert.equal(error, undefined);
    assert.equal(typeof data?.data, 'string');
    const run = await client.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: runId } } });
    assert.equal(run.data?.data.status, 'cancelled');
  });

  test('stream_run_events: the full stream, typed, with a dropped connection resumed', async () => {
    const runId = await startTextToImage('a stream that drops');
    await addFault({ kind: 'drop_stream', after_events: 2, count: 1 });
    const { events, drops } = await collectRunEvents(client, runId);
    assert.equal(drops, 1, 'the connection dropped once and was resumed');
    const seqs = events.map((e) => e.seq);
    assert.ok(seqs.length > 2);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'no gap, no repeat');
    const types = new Set<string>(events.map((e) => e.type));
    for (const type of ['status', 'progress', 'output', 'end']) assert.ok(types.has(type), type);
    for (const event of events) {
      assert.equal(event.run_id, runId);
      switch (event.type) {
        case 'progress':
          assert.ok(event.value <= event.max);
          break;
        case 'output':
          assert.equal(typeof event.filename, 'string');
          break;
        case 'status':
        case 'end':
          assert.equal(typeof event.status, 'string');
          break;
        case 'log':
          assert.equal(typeof event.message, 'string');
          break;
      }
    }
  });
});

describe('typed errors', () => {
  const isValidationError = (e: ErrorEnvelope | HttpValidationError): e is HttpValidationError =>
    'detail' in e;

  test('404: an unknown run narrows to the error envelope', async () => {
    const { data, error, response } = await client.GET('/api/v1/runs/{run_id}', {
      params: { path: { run_id: 'no-such-run' } },
    });
    assert.equal(response.status, 404);
    assert.equal(data, undefined);
    assert.ok(error);
    assert.ok(!isValidationError(error));
    assert.equal(error.status, 'error');
    assert.match(String(error.errors), /not found/i);
  });

  test('422: a bad parameter narrows to HTTPValidationError with its items', async () => {
    const { error, response } = await client.GET('/api/v1/runs', {
      params: { query: { page_size: 1000 } },
    });
    assert.equal(response.status, 422);
    assert.ok(error);
    assert.ok(isValidationError(error));
    const [item] = error.detail;
    assert.ok(item);
    assert.deepEqual(item.loc, ['query', 'page_size']);
    assert.equal(item.input, '1000');
  });

  test('422: a missing workflow input, from execute_workflow', async () => {
    const { error, response } = await client.POST('/api/v1/runs', {
      params: { query: { workflow_id: workflowId(TEXT_TO_IMAGE) } },
      body: {},
      bodySerializer: formData,
    });
    assert.equal(response.status, 422);
    assert.ok(error && isValidationError(error));
    assert.deepEqual(error.detail[0]?.loc, ['body', 'text_51536']);
  });
});
