// The launch: turns the bridge's launch answer into a SCORM API for the content frame. scorm-again owns
// the data model, validation and error codes; this module only decides when a commit is taken and
// hands it to the queue (sequence, timestamp, the CMI the content set) and the sender.

import { Scorm12API, Scorm2004API } from "scorm-again";
import { CommitQueue } from "./queue.js";
import { Sender } from "./sender.js";

export const DEFAULTS = {
  // commit this many seconds after a change the content did not commit itself (0 = only on Commit/Terminate)
  autocommitSeconds: 30,
  // retries: exponential backoff from retryBaseMs, doubling up to retryMaxMs (with +-20% jitter)
  retryBaseMs: 1000,
  retryMaxMs: 60000,
  // a 401/403 (expired or refused token) is retried this many times before its commits are set aside
  authRetries: 3,
  // at most this many queued commits go out in one request (the bridge applies a batch in order)
  batchSize: 50,
  // scorm-again's log level ("DEBUG", "INFO", "WARN", "ERROR", "NONE")
  logLevel: "ERROR",
  // called with {pending, acknowledged, rejected, retries, ...} after every change
  onStatus: null,
};

const DRAFT_MS = 250;
const REQUIRED = ["session_id", "token", "commit_url", "version", "learner", "course", "sco", "cmi"];

/** Start a launch: install window.API (1.2) or window.API_1484_11 (2004) and return its controller. */
export function start(answer, options = {}) {
  const missing = REQUIRED.filter((key) => !answer || answer[key] === undefined);
  if (missing.length) throw new Error("lrs-bridge: the launch answer lacks " + missing.join(", "));
  const settings = { ...DEFAULTS, ...(answer.runtime || {}), ...options };
  const is2004 = answer.version === "2004";
  const touched = new Set(); // elements the content set: sent even when set to their loaded value
  let dirty = false;
  let terminated = false;
  let draftTimer = null;

  const emit = (status) => {
    if (typeof settings.onStatus === "function") settings.onStatus(status);
    window.dispatchEvent(new CustomEvent("lrsbridge:status", { detail: status }));
  };
  const queue = CommitQueue.open(answer.session_id, answer.commit_url, answer.token);
  const sender = new Sender(settings, emit);
  for (const leftover of CommitQueue.leftovers(answer.session_id)) sender.add(leftover);
  sender.add(queue);

  const body = (event, flattened) => ({
    learner: answer.learner,
    course: answer.course,
    sco: { id: answer.sco.id, title: answer.sco.title },
    version: answer.version,
    event,
    cmi: sessionCmi(flattened, baseline, touched, entryElement),
    timestamp: new Date().toISOString(),
  });
  const enqueue = (event, flattened) => {
    const started = performance.now();
    clearTimeout(draftTimer);
    draftTimer = null;
    const commit = queue.push(body(event, flattened));
    sender.stats.enqueueMs.push(performance.now() - started);
    dirty = false;
    // a terminate is usually the page's last word: it goes out as a keepalive request
    if (event === "terminate") void sender.flush({ keepalive: true });
    else sender.flushSoon(0);
    return commit;
  };

  const Api = is2004 ? Scorm2004API : Scorm12API;
  const api = new Api({
    lmsCommitUrl: answer.commit_url,
    dataCommitFormat: "flattened",
    renderCommonCommitFields: false,
    sendFullCommit: true,
    autocommit: settings.autocommitSeconds > 0,
    autocommitSeconds: settings.autocommitSeconds,
    logLevel: settings.logLevel,
    httpService: {
      // scorm-again's commits (Commit/LMSCommit, its autocommit timer, Terminate/LMSFinish) land here:
      // queued in localStorage first, so the content is told "true" only once nothing can be lost.
      processHttpRequest(_url, params, _immediate, _log, _listeners, metadata) {
        enqueue(metadata && metadata.isTerminateCommit ? "terminate" : "commit", params);
        return { result: "true", errorCode: 0 };
      },
      updateSettings() {},
    },
  });
  api.loadFromFlattenedJSON(answer.cmi, "");
  // What the launch handed over: a commit leaves out what is still as loaded, so that a resumed value
  // never overwrites what another session of the attempt set later.
  const baseline = api.renderCommitCMI(false);
  const entryElement = is2004 ? "cmi.entry" : "cmi.core.entry";

  const initialized = () => {
    enqueue("initialize", api.renderCommitCMI(false));
  };
  // Values set and not yet committed are kept as a draft (at most every DRAFT_MS): a tab that crashes
  // loses none of them, the next load sends the draft as a commit.
  const saveDraft = () => {
    draftTimer = null;
    if (dirty && !terminated) queue.saveDraft(body("commit", api.renderCommitCMI(false)));
  };
  const setValue = (element) => {
    if (String(api.lastErrorCode) === "0") {
      touched.add(element);
      dirty = true;
      if (draftTimer === null) draftTimer = setTimeout(saveDraft, DRAFT_MS);
    }
  };
  api.on(is2004 ? "Initialize" : "LMSInitialize", initialized);
  api.on(is2004 ? "SetValue" : "LMSSetValue", setValue);
  api.on(is2004 ? "Terminate" : "LMSFinish", () => {
    terminated = true;
  });

  // The page goes away (closed, reloaded, navigated) without Terminate: what the content set since its
  // last commit goes out in a keepalive request; whatever does not arrive is flushed on the next load.
  const leaving = () => {
    if (api.isInitialized() && !terminated && dirty) enqueue("commit", api.renderCommitCMI(false));
    sender.flushOnUnload();
  };
  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leaving();
  });

  if (is2004) window.API_1484_11 = api;
  else window.API = api;
  sender.flushSoon(0); // what earlier pages left behind
  return {
    api,
    sessionId: answer.session_id,
    sender,
    get stats() {
      return sender.stats;
    },
    get pending() {
      return sender.pending;
    },
    flush: () => sender.flush(),
    // a fresh token for this session (e.g. after a 401 when the LMS re-issued one)
    setToken(token) {
      queue.record.token = token;
      queue.save();
      sender.flushSoon(0);
    },
  };
}

/**
 * The CMI a commit carries: what this session changed (set by the content, or by scorm-again on its
 * behalf, such as a 1.2 status decided on LMSFinish) and the session's entry; string values only.
 */
export function sessionCmi(flattened, baseline, touched, entryElement) {
  const cmi = {};
  for (const [element, value] of Object.entries(flattened || {})) {
    if (typeof value !== "string") continue; // empty collections render as {}
    const changed = baseline[element] !== value && value !== ""; // "" here is a default never set
    if (touched.has(element) || element === entryElement || changed) cmi[element] = value;
  }
  // an objective or interaction is named by its id: it goes with any of its elements that is sent
  for (const element of Object.keys(cmi)) {
    const entry = /^cmi\.(objectives|interactions)\.\d+\./.exec(element);
    const id = entry && entry[0] + "id";
    if (id && typeof flattened[id] === "string" && flattened[id] !== "") cmi[id] = flattened[id];
  }
  return cmi;
}
