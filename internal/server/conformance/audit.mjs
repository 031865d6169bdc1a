#!/usr/bin/env node
// Runs graphql-http's GraphQL-over-HTTP server audits against one endpoint and
// prints the results as JSON on stdout, for conformance.go to read.
//
//   COOPDESK_TOKEN=... node audit.mjs http://127.0.0.1:8080/graphql
//
// Every audit request carries "Authorization: Bearer $COOPDESK_TOKEN" (when
// set), because coopdesk refuses anonymous GraphQL requests and the audits
// would otherwise only measure the 401 path.
//
// Output: {"url": ..., "counts": {"ok": n, ...}, "audits": [{"id", "name",
// "status", "reason"}]}. status is graphql-http's: "ok", "notice", "warn" (a
// SHOULD or MAY not met) or "error" (a MUST not met). Exit status: 0 when the
// audits ran, whatever their results; 1 on a fatal error; 2 on bad usage.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs URL   (token in env COOPDESK_TOKEN)');
  process.exit(2);
}
const token = process.env.COOPDESK_TOKEN || '';
// No audit should take long against a local server; a hung one must not
// hang the test run.
const timeoutMs = Number(process.env.COOPDESK_AUDIT_TIMEOUT_MS || 10000);

async function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
}

function describe(err) {
  if (!err || !err.message) return String(err);
  // Node's fetch hides the useful part (ECONNREFUSED, a timeout) in cause.
  const cause = err.cause ? ` (${err.cause.code || err.cause.message || err.cause})` : '';
  return err.message + cause;
}

const results = [];
// One at a time, unlike graphql-http's auditServer: gentler on a shared
// 2-core machine and on SQLite, and the order of the report is stable.
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // An audit throws only on a fatal problem (e.g. the server is down):
    // record it against that audit as an error rather than stopping.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `fatal: ${describe(err)}` };
  }
  results.push({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? '' : String(result.reason || ''),
  });
}

const counts = {};
for (const r of results) counts[r.status] = (counts[r.status] || 0) + 1;
process.stdout.write(JSON.stringify({ url, counts, audits: results }, null, 2) + '\n');
