/* A test SCO's script, written the way real content is: it finds the LMS's SCORM API by walking
   window.parent (then window.opener), initialises, and sets what its URL parameters or buttons say.

   URL parameters (all optional):
     score=90            score (raw 0-100; scaled = raw/100 in SCORM 2004)
     status=passed       passed | failed | completed | incomplete
     location=page-3     lesson location / location
     suspend=abc         suspend data
     interactions=2      answer that many questions (choice, one correct)
     objectives=2        set that many objectives (id obj-N, status and score)
     session=75          session time in seconds
     comment=text        a learner comment
     commit=1            call Commit once everything is set
     exit=suspend        exit value: suspend | normal | logout | "" (default none set)
     finish=1            call Terminate / LMSFinish at the end
   Every call is logged in the page (#log) and kept in window.sco.log; what the LMS handed over on
   start (entry, location, suspend data, learner) is shown in #start and window.sco.start. */
(function () {
  "use strict";

  function findAPI(win, name) {
    for (let hops = 0; win && hops < 10; hops += 1) {
      if (win[name]) return win[name];
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }

  function locate() {
    for (const name of ["API_1484_11", "API"]) {
      const api = findAPI(window, name) || (window.opener && findAPI(window.opener, name));
      if (api) return { api, is2004: name === "API_1484_11" };
    }
    return null;
  }

  const found = locate();
  const log = [];
  const sco = { found: !!found, log, start: {}, version: found ? (found.is2004 ? "2004" : "1.2") : null };
  window.sco = sco;

  function call(method, ...args) {
    const result = found.api[method](...args);
    const error = found.api[found.is2004 ? "GetLastError" : "LMSGetLastError"]();
    log.push({ method, args, result, error });
    const line = document.createElement("li");
    line.textContent = `${method}(${args.join(", ")}) -> ${result}` + (error !== "0" ? ` [error ${error}]` : "");
    document.getElementById("log").appendChild(line);
    return result;
  }

  const E = found && found.is2004
    ? { location: "cmi.location", suspend: "cmi.suspend_data", entry: "cmi.entry", learner: "cmi.learner_name",
        learnerId: "cmi.learner_id", mode: "cmi.mode", exit: "cmi.exit", session: "cmi.session_time",
        launchData: "cmi.launch_data" }
    : { location: "cmi.core.lesson_location", suspend: "cmi.suspend_data", entry: "cmi.core.entry",
        learner: "cmi.core.student_name", learnerId: "cmi.core.student_id", mode: "cmi.core.lesson_mode",
        exit: "cmi.core.exit", session: "cmi.core.session_time", launchData: "cmi.launch_data" };

  const get = (element) => call(found.is2004 ? "GetValue" : "LMSGetValue", element);
  const set = (element, value) => call(found.is2004 ? "SetValue" : "LMSSetValue", element, String(value));

  function timespan(seconds) {
    if (found.is2004) return `PT${Math.floor(seconds / 3600)}H${Math.floor((seconds % 3600) / 60)}M${seconds % 60}S`;
    const pad = (n, w) => String(n).padStart(w, "0");
    return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor((seconds % 3600) / 60), 2)}:${pad(seconds % 60, 2)}`;
  }

  Object.assign(sco, {
    get,
    set,
    initialize() {
      call(found.is2004 ? "Initialize" : "LMSInitialize", "");
      for (const key of ["entry", "location", "suspend", "learner", "learnerId", "mode", "launchData"]) {
        sco.start[key] = get(E[key]);
      }
      document.getElementById("start").textContent = JSON.stringify(sco.start);
    },
    score(raw) {
      const prefix = found.is2004 ? "cmi.score" : "cmi.core.score";
      set(prefix + ".min", 0);
      set(prefix + ".max", 100);
      set(prefix + ".raw", raw);
      if (found.is2004) set("cmi.score.scaled", raw / 100);
    },
    status(status) {
      if (!found.is2004) return set("cmi.core.lesson_status", status);
      if (status === "passed" || status === "failed") {
        set("cmi.success_status", status);
        return set("cmi.completion_status", "completed");
      }
      return set("cmi.completion_status", status);
    },
    location: (value) => set(E.location, value),
    suspend: (value) => set(E.suspend, value),
    exit: (value) => set(E.exit, value),
    sessionTime: (seconds) => set(E.session, timespan(seconds)),
    comment(text) {
      if (found.is2004) set("cmi.comments_from_learner.0.comment", text);
      else set("cmi.comments", text);
    },
    answer(count) {
      for (let i = 0; i < count; i += 1) {
        const p = `cmi.interactions.${i}.`;
        set(p + "id", `question-${i + 1}`);
        set(p + "type", "choice");
        set(p + "correct_responses.0.pattern", "a");
        set(p + (found.is2004 ? "learner_response" : "student_response"), i % 2 ? "b" : "a");
        set(p + "result", i % 2 ? (found.is2004 ? "incorrect" : "wrong") : "correct");
        set(p + "weighting", 1);
        set(p + "latency", found.is2004 ? "PT5S" : "00:00:05");
      }
    },
    objectives(count, passed = true) {
      for (let i = 0; i < count; i += 1) {
        const p = `cmi.objectives.${i}.`;
        // SCORM 2004 packages declare their objectives: their ids come preloaded from the manifest
        if (!found.is2004 || get(p + "id") === "") set(p + "id", `obj-${i + 1}`);
        set(p + "score.raw", passed ? 90 : 40);
        if (found.is2004) {
          set(p + "success_status", passed ? "passed" : "failed");
          set(p + "completion_status", "completed");
        } else {
          set(p + "status", passed ? "passed" : "failed");
        }
      }
    },
    commit: () => call(found.is2004 ? "Commit" : "LMSCommit", ""),
    finish: () => call(found.is2004 ? "Terminate" : "LMSFinish", ""),
  });

  function runFromParameters() {
    const q = new URLSearchParams(window.location.search);
    if (q.has("interactions")) sco.answer(Number(q.get("interactions")));
    if (q.has("objectives")) sco.objectives(Number(q.get("objectives")), q.get("status") !== "failed");
    if (q.has("score")) sco.score(Number(q.get("score")));
    if (q.has("status")) sco.status(q.get("status"));
    if (q.has("location")) sco.location(q.get("location"));
    if (q.has("suspend")) sco.suspend(q.get("suspend"));
    if (q.has("comment")) sco.comment(q.get("comment"));
    if (q.has("session")) sco.sessionTime(Number(q.get("session")));
    if (q.has("exit")) sco.exit(q.get("exit"));
    if (q.get("commit") === "1") sco.commit();
    if (q.get("finish") === "1") sco.finish();
  }

  function wireButtons() {
    const on = (id, action) => document.getElementById(id).addEventListener("click", action);
    on("btn-answer", () => sco.answer(3));
    on("btn-pass", () => { sco.score(90); sco.status("passed"); });
    on("btn-fail", () => { sco.score(40); sco.status("failed"); });
    on("btn-commit", () => sco.commit());
    on("btn-suspend", () => {
      sco.location("page-2");
      sco.suspend("bookmark=page-2");
      sco.exit("suspend");
      sco.finish();
    });
    on("btn-finish", () => { sco.sessionTime(60); sco.finish(); });
  }

  window.addEventListener("DOMContentLoaded", () => {
    document.getElementById("api").textContent = found ? `SCORM ${sco.version} API found` : "no SCORM API found";
    if (!found) return;
    wireButtons();
    sco.initialize();
    runFromParameters();
    sco.ready = true;
  });
})();
