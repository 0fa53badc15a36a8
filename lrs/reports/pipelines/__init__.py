"""Pure builders: (filters) -> list of aggregation stages."""
