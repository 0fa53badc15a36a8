// The sender: drains commit queues to the bridge in sequence order, one request at a time per page,
// retrying with exponential backoff until every commit is acknowledged or refused for good.

import { postCommits } from "./transport.js";

export class Sender {
  /**
   * @param {object} options retryBaseMs, retryMaxMs, authRetries, batchSize
   * @param {function} notify called with a status object after every change
   */
  constructor(options, notify) {
    this.options = options;
    this.notify = notify;
    this.queues = [];
    this.busy = false;
    this.failures = 0;
    this.authFailures = 0;
    this.timer = null;
    // figures for the launcher page and the benchmarks: request round trips and time to queue a commit
    this.stats = {
      requests: 0,
      acknowledged: 0,
      rejected: 0,
      retries: 0,
      roundTripsMs: [],
      enqueueMs: [],
      lastStatus: null,
    };
    window.addEventListener("online", () => this.flushSoon(0));
  }

  /** Add a queue to drain (leftovers of earlier pages first, then this page's session). */
  add(queue) {
    this.queues.push(queue);
  }

  get pending() {
    return this.queues.reduce((sum, queue) => sum + queue.size, 0);
  }

  flushSoon(delayMs = 0) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), delayMs);
  }

  /** Send what is queued, oldest session first, until empty or a failure schedules a retry. */
  async flush({ keepalive = false } = {}) {
    if (this.busy) return;
    this.busy = true;
    clearTimeout(this.timer);
    try {
      for (const queue of this.queues) {
        while (queue.size) {
          const sent = await this.sendBatch(queue, keepalive);
          if (!sent) return;
        }
        queue.discardIfEmpty();
      }
    } finally {
      this.busy = false;
      this.report();
    }
  }

  /** Everything still queued, now, in keepalive requests (the page is going away). */
  flushOnUnload() {
    for (const queue of this.queues) {
      if (queue.size) void this.sendBatch(queue, true, false);
    }
  }

  async sendBatch(queue, keepalive, retryOnFailure = true) {
    const commits = queue.pending(this.options.batchSize);
    this.stats.requests += 1;
    const { status, results, retryAfterMs, roundTripMs } = await postCommits(
      queue.record.commit_url,
      queue.record.token,
      commits,
      { keepalive },
    );
    this.stats.lastStatus = status;
    const done = results.filter((r) => r.outcome === "done").map((r) => r.commit.sequence);
    if (done.length) {
      this.stats.roundTripsMs.push(roundTripMs);
      this.stats.acknowledged += done.length;
      queue.remove(done);
    }
    // 401/403 clear only with another token (setToken): after `authRetries` tries they are set aside.
    const refused = status === 401 || status === 403;
    this.authFailures = refused ? this.authFailures + 1 : 0;
    const giveUp = refused && this.authFailures > this.options.authRetries;
    let retry = false;
    for (const r of results) {
      if (r.outcome === "reject" || (r.outcome === "retry" && giveUp)) {
        this.stats.rejected += 1;
        queue.setAside(r.commit, r.status, r.answer);
        console.error("lrs-bridge: commit refused", r.commit.session_id, r.commit.sequence, r.status, r.answer);
      } else if (r.outcome === "retry") {
        retry = true;
      }
    }
    if (retry) {
      if (retryOnFailure) this.scheduleRetry(retryAfterMs);
      return false;
    }
    if (giveUp) this.authFailures = 0;
    this.failures = 0;
    this.report();
    return true;
  }

  scheduleRetry(retryAfterMs) {
    const { retryBaseMs, retryMaxMs } = this.options;
    const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** this.failures);
    const jittered = backoff * (0.8 + Math.random() * 0.4);
    this.failures += 1;
    this.stats.retries += 1;
    this.flushSoon(Math.max(jittered, retryAfterMs));
    this.report();
  }

  report() {
    this.notify({ pending: this.pending, failures: this.failures, ...this.stats });
  }
}
