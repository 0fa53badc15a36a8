"""xAPI HTTP endpoints: one module per resource."""
