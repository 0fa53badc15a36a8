"""The xAPI resources: statement and document models, validation, queries and endpoints."""
