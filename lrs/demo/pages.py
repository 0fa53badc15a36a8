"""The demo's HTML pages, rendered on the server (pure functions: data in, HTML out)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import urlencode

from lrs.demo.launching import DemoCourse

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
.banner{background:#7a2e00;color:#fff;padding:.4rem 1rem;font-size:.9rem}
header,main,footer{padding:0 1rem}
h1{font-size:1.3rem}
a{color:#0b57a4}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #d5d9e0;padding:.3rem .6rem;text-align:left;font-size:.9rem}
.launcher{display:flex;gap:1rem;align-items:flex-start}
iframe{border:1px solid #c5cad3;background:#fff;width:100%;height:70vh}
.content{flex:3}
aside{flex:1;background:#fff;border:1px solid #d5d9e0;padding:.6rem;font-size:.9rem}
code{font-size:.85rem}
"""
BANNER = (
    '<div class="banner">lrs-bridge <strong>demo</strong> (LRS_DEMO=true): demo learners only; '
    "turn it off on a server real learners use.</div>"
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n{head}</head>\n"
        f"<body>\n{BANNER}\n{body}\n</body>\n</html>\n"
    )


def _json_script(element_id: str, value: Any) -> str:
    """JSON inside a <script> element: "<" escaped so no value can close the element."""
    text = json.dumps(value).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>\n'


def _sco_links(course: DemoCourse, learner: str, separator: str) -> str:
    return separator.join(
        f'<a href="/demo/launch?{escape(urlencode({"package": course.name, "sco": sco, "learner": learner}))}">'
        f"{escape(title or sco)}</a>"
        for sco, title in course.scos
    )


def index_page(courses: Iterable[DemoCourse], learner: str) -> str:
    """The demo's start page: every test package with a launch link per SCO."""
    rows = [
        f"<tr><td>{escape(c.title)}</td><td>SCORM {escape(c.version)}</td><td>{len(c.scos)}</td>"
        f"<td>{_sco_links(c, learner, ' ')}</td></tr>"
        for c in courses
    ]
    table = "\n".join(rows) or '<tr><td colspan="4">No test packages found.</td></tr>'
    body = f"""<header><h1>SCORM courses tracked by lrs-bridge</h1>
<p>Launch one of the project's test packages as <code>{escape(learner)}</code>: the page loads the browser
runtime, the course talks to it through the SCORM API, and every commit reaches this bridge.
Then see the <a href="/demo/results?{escape(urlencode({"learner": learner}))}">results</a>.</p>
<form method="get" action="/demo"><label>Demo learner id <input name="learner" value="{escape(learner)}"
pattern="demo-.*"></label> <button>Use</button></form></header>
<main><table><tr><th>Course</th><th>Version</th><th>SCOs</th><th>Launch</th></tr>
{table}
</table></main>"""
    return _page("lrs-bridge demo", body)


def launcher_page(
    answer: dict[str, Any],
    options: dict[str, Any],
    content_url: str,
    course: DemoCourse,
) -> str:
    """The launcher page: the runtime started from the launch answer, the SCO in an iframe."""
    learner = answer["learner"]["id"]
    nav = _sco_links(course, learner, " | ")
    # The runtime must be installed before the content frame loads: it is started in <head>.
    head = (
        f'<script src="{escape(answer["runtime_url"])}"></script>\n'
        + _json_script("launch-answer", answer)
        + _json_script("runtime-options", options)
        + "<script>\n"
        'LrsBridge.start(JSON.parse(document.getElementById("launch-answer").textContent),\n'
        '                JSON.parse(document.getElementById("runtime-options").textContent));\n'
        'window.addEventListener("lrsbridge:status", (event) => {\n'
        '  const s = event.detail, el = document.getElementById("commit-status");\n'
        "  el.textContent = s.pending ? `${s.pending} waiting to be sent` : `all ${s.acknowledged} saved`;\n"
        "  if (s.rejected) el.textContent += `, ${s.rejected} refused`;\n"
        "});\n"
        "</script>\n"
    )
    results = "/demo/results?" + urlencode({"learner": learner})
    body = f"""<header><h1>{escape(answer["course"]["title"])}: {escape(answer["sco"]["title"])}</h1>
<p>SCOs: {nav}</p></header>
<main class="launcher">
<div class="content"><iframe id="content" name="content" title="SCORM content" src="{escape(content_url)}"></iframe></div>
<aside><p><strong>Learner</strong> {escape(answer["learner"]["name"])} (<code>{escape(learner)}</code>)</p>
<p><strong>SCORM</strong> {escape(answer["version"])}, attempt {answer["attempt"]}, entry
<code>{escape(answer["entry"] or '""')}</code></p>
<p><strong>Session</strong> <code id="session-id">{escape(answer["session_id"])}</code></p>
<p><strong>Commits</strong> <span id="commit-status">starting</span></p>
<p><a href="{escape(results)}">Results</a> | <a href="/demo?{escape(urlencode({"learner": learner}))}">All courses</a></p>
</aside></main>"""
    return _page(f"{answer['sco']['title']} (lrs-bridge demo)", body, head)


def results_page(learner: str, courses: list[dict[str, Any]], attempts: list[dict[str, Any]]) -> str:
    """What the bridge recorded for a demo learner (the report rows an LMS would read)."""

    def cell(value: Any) -> str:
        return escape("" if value is None else str(value))

    course_rows = "\n".join(
        f"<tr><td>{cell(c.get('course_title') or c.get('course'))}</td><td>{cell(c.get('status'))}</td>"
        f"<td>{cell(c.get('best_score_raw'))}</td><td>{cell(c.get('attempts'))}</td>"
        f"<td>{cell(c.get('time_spent_s'))}</td><td>{cell(c.get('completed_at'))}</td></tr>"
        for c in courses
    )
    attempt_rows = "\n".join(
        f"<tr><td>{cell(a.get('course_title') or a.get('course'))}</td><td>{cell(a.get('sco_id'))}</td>"
        f"<td>{cell(a.get('number'))}</td><td>{cell(a.get('completion_status'))}</td>"
        f"<td>{cell(a.get('success_status'))}</td><td>{cell(a.get('score_raw'))}</td>"
        f"<td>{cell(a.get('time_s'))}</td><td>{cell(a.get('commit_count'))}</td></tr>"
        for a in attempts
    )
    body = f"""<header><h1>What lrs-bridge recorded for <code>{escape(learner)}</code></h1>
<p><a href="/demo?{escape(urlencode({"learner": learner}))}">Back to the courses</a>. The same figures come
as JSON or CSV from <code>/reports/learners/{escape(learner)}/courses</code> and
<code>/reports/attempts?learner={escape(learner)}</code>.</p></header>
<main><h2>Courses</h2>
<table><tr><th>Course</th><th>Status</th><th>Best score</th><th>Attempts</th><th>Time (s)</th><th>Completed</th></tr>
{course_rows or '<tr><td colspan="6">Nothing yet: launch a course.</td></tr>'}
</table>
<h2>Attempts</h2>
<table><tr><th>Course</th><th>SCO</th><th>#</th><th>Completion</th><th>Success</th><th>Score</th><th>Time (s)</th><th>Commits</th></tr>
{attempt_rows or '<tr><td colspan="8">No attempt yet.</td></tr>'}
</table></main>"""
    return _page(f"Results for {learner} (lrs-bridge demo)", body)
