"""The admin API (/admin, scope `admin`): credentials and learner erasure."""
