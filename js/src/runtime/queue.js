// The commit queue: every commit of a session, in sequence order, kept in localStorage until the bridge
// has acknowledged it, so that a reload or a crashed tab loses nothing; the next page load flushes it.

const PREFIX = "lrs-bridge:v1:session:";

function storageOrNull() {
  try {
    const storage = window.localStorage;
    const probe = PREFIX + "probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch (_error) {
    return null; // disabled, sandboxed or full: the queue lives in memory for this page only
  }
}

/** One session's queue: where its commits go, the token that authorises them, the next sequence. */
export class CommitQueue {
  constructor(record, storage) {
    this.record = record;
    this.storage = storage;
  }

  /** The queue of this session, resumed from localStorage when the page was loaded before. */
  static open(sessionId, commitUrl, token, storage = storageOrNull()) {
    const stored = storage ? readRecord(storage, PREFIX + sessionId) : null;
    const record = stored || { session_id: sessionId, next: 0, commits: [], created: Date.now() };
    record.commit_url = commitUrl;
    record.token = token;
    const queue = new CommitQueue(record, storage);
    queue.promoteDraft();
    queue.save();
    return queue;
  }

  /** The queues other pages left behind (other sessions, oldest first), to be flushed on this load. */
  static leftovers(exceptSessionId, storage = storageOrNull()) {
    if (!storage) return [];
    const queues = [];
    for (let i = 0; i < storage.length; i += 1) {
      const key = storage.key(i);
      if (!key || !key.startsWith(PREFIX) || key === PREFIX + exceptSessionId) continue;
      const record = readRecord(storage, key);
      if (!record) continue;
      const queue = new CommitQueue(record, storage);
      queue.leftover = true;
      queue.promoteDraft();
      if (queue.size) queues.push(queue);
      else storage.removeItem(key); // sent (or set aside and reported) by an earlier page
    }
    return queues.sort((a, b) => a.record.created - b.record.created);
  }

  get sessionId() {
    return this.record.session_id;
  }

  /** Append a commit, stamping it with the session's next sequence; returns it. */
  push(body) {
    const commit = { ...body, session_id: this.record.session_id, sequence: this.record.next };
    this.record.next += 1;
    this.record.commits.push(commit);
    if (body.event === "terminate") this.record.closed = true;
    delete this.record.draft; // the commit carries everything the draft held
    this.save();
    return commit;
  }

  /** Keep what the content set since its last commit, so that a crashed tab loses none of it. */
  saveDraft(body) {
    this.record.draft = body;
    this.save();
  }

  /** A draft left by a page that went away without committing becomes the session's next commit. */
  promoteDraft() {
    if (this.record.draft) this.push(this.record.draft);
  }

  /** The commits not yet acknowledged, oldest first (at most `limit`). */
  pending(limit = Infinity) {
    return this.record.commits.slice(0, limit);
  }

  get size() {
    return this.record.commits.length;
  }

  /** Forget the commits with these sequences (acknowledged, or set aside). */
  remove(sequences) {
    const gone = new Set(sequences);
    this.record.commits = this.record.commits.filter((commit) => !gone.has(commit.sequence));
    this.save();
  }

  /** Keep a commit the bridge refused for good, so that it can still be read from the browser. */
  setAside(commit, status, answer) {
    const rejected = this.record.rejected || (this.record.rejected = []);
    rejected.push({ sequence: commit.sequence, status, answer, at: new Date().toISOString() });
    if (rejected.length > 20) rejected.shift();
    this.remove([commit.sequence]);
  }

  save() {
    if (!this.storage) return;
    try {
      this.storage.setItem(PREFIX + this.record.session_id, JSON.stringify(this.record));
    } catch (_error) {
      // quota exceeded: the commit still goes out from memory; only crash-safety is lost
    }
  }

  /**
   * Drop the stored record once the session is over and nothing is left to send. An open session keeps
   * it (its next sequence must survive a reload); refused commits stay readable until the next load.
   */
  discardIfEmpty() {
    const over = this.record.closed || this.leftover;
    if (this.storage && over && !this.record.commits.length && !this.record.rejected) {
      this.storage.removeItem(PREFIX + this.record.session_id);
    }
  }
}

function readRecord(storage, key) {
  try {
    const record = JSON.parse(storage.getItem(key));
    return record && Array.isArray(record.commits) ? record : null;
  } catch (_error) {
    return null;
  }
}
