"""The demo (LRS_DEMO=true): launches the project's own SCORM test packages in the browser."""
