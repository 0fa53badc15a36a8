"""lrs-bridge: an xAPI Learning Record Store for LMSs that run SCORM packages."""

__version__ = "0.1.0"
