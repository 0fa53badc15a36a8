// The transport: one POST of a session's commits to the bridge, and what each answer means.
//
// Outcomes per commit: "done" (2xx: applied, duplicate or stale, all final because the bridge is
// idempotent), "retry" (network failure, 5xx, 408, 409 "still being applied", 429; 401 and 403
// too, a bounded number of times, see sender.js), "reject" (any other 4xx: the commit itself is
// bad, and sending it again cannot help; the bridge keeps it in its audit log).

const KEEPALIVE_LIMIT = 60 * 1024; // browsers refuse keepalive bodies over 64 KiB in flight

export const RETRIED_STATUSES = new Set([401, 403, 408, 409, 429]);

export function outcomeOf(status) {
  if (status >= 200 && status < 300) return "done";
  if (status >= 500 || RETRIED_STATUSES.has(status)) return "retry";
  return "reject";
}

/**
 * POST commits (one, or several as a batch) with the session's Bearer token.
 * Resolves to {status, results: [{commit, outcome, status, answer}], retryAfterMs, roundTripMs};
 * a network failure resolves with status 0 and every commit to retry.
 */
export async function postCommits(url, token, commits, { keepalive = false } = {}) {
  const body = JSON.stringify(commits.length === 1 ? commits[0] : commits);
  const started = performance.now();
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
      body,
      keepalive: keepalive && new TextEncoder().encode(body).length < KEEPALIVE_LIMIT,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (_error) {
    const results = commits.map((commit) => ({ commit, outcome: "retry", status: 0, answer: null }));
    return { status: 0, results, retryAfterMs: 0, roundTripMs: performance.now() - started };
  }
  const answer = await response.json().catch(() => null);
  const roundTripMs = performance.now() - started;
  const retryAfterMs = Number(response.headers.get("Retry-After")) * 1000 || 0;
  const perCommit = response.ok && commits.length > 1 && Array.isArray(answer);
  const results = commits.map((commit, i) => {
    const status = perCommit ? Number(answer[i] && answer[i].status) || response.status : response.status;
    return { commit, outcome: outcomeOf(status), status, answer: perCommit ? answer[i] : answer };
  });
  return { status: response.status, results, retryAfterMs, roundTripMs };
}
