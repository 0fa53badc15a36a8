"""Report views for the LMS; pipelines/ holds the pure pipeline builders."""
