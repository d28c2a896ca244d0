/**
 * s3:// remotes through @aws-sdk/client-s3 with a custom endpoint, against s3rver (an
 * S3-compatible server from npm; it installs and runs on Node 20) listening on 127.0.0.1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, StreamingDataset, type S3Options } from '@tessera/data-streaming';
import { rejectionOf, sampleText, writeDataset } from './helpers.js';

// The SDK warns once that its 2027 releases will need Node 22; irrelevant to these tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = 120;
let root: string;
let server: S3rver;
let s3: S3Options;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-s3-'));
  await writeDataset(join(root, 'data', 'train'), N, { compression: 'zstd', sizeLimit: '4kb' });
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(root, 's3rver'), configureBuckets: [{ name: 'bucket', configs: [] }] });
  const { port } = await server.run();
  s3 = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  const client = new S3Client({ ...s3, forcePathStyle: true });
  for (const name of readdirSync(join(root, 'data', 'train'))) {
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: `datasets/mds/train/${name}`, Body: readFileSync(join(root, 'data', 'train', name)) }));
  }
  client.destroy();
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('s3:// remotes', () => {
  it('streams every sample from an S3-compatible endpoint, checking hashes', async () => {
    const ds = await StreamingDataset.create({ remote: 's3://bucket/datasets/mds', split: 'train', local: join(root, 'cache'), s3, validateHash: 'sha1', retryDelay: () => 5 });
    expect(ds.numSamples).toBe(N);
    let i = 0;
    for await (const sample of ds) {
      expect(sample).toEqual({ id: BigInt(i), text: sampleText(i) });
      i++;
    }
    expect(i).toBe(N);
  });

  it('reports a missing object as not found, without retrying', async () => {
    const error = await rejectionOf(
      StreamingDataset.create({ remote: 's3://bucket/nothing-here', local: join(root, 'cache-missing'), s3, downloadRetry: 3, retryDelay: () => 5 }),
    );
    expect(DownloadError.isInstance(error)).toBe(true);
    expect((error as DownloadError).notFound).toBe(true);
    expect((error as DownloadError).attempts).toBe(1);
    expect((error as DownloadError).url).toBe('s3://bucket/nothing-here/index.json');
  });

  it('reads the endpoint from S3_ENDPOINT_URL like upstream', async () => {
    const previous = process.env.S3_ENDPOINT_URL;
    process.env.S3_ENDPOINT_URL = s3.endpoint;
    try {
      const ds = await StreamingDataset.create({
        remote: 's3://bucket/datasets/mds/train', local: join(root, 'cache-env'),
        s3: { credentials: s3.credentials! },
      });
      expect((await ds.get(N - 1)).text).toBe(sampleText(N - 1));
    } finally {
      if (previous === undefined) delete process.env.S3_ENDPOINT_URL;
      else process.env.S3_ENDPOINT_URL = previous;
    }
  });
});
