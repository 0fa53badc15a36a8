"""The dashboard: server-rendered pages over the report service, for instructors and operators."""
