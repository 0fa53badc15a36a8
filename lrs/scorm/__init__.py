"""SCORM launcher commits: the commit endpoint and the ingest service (enrollments, attempts, commit log)."""
