"""The domain of AI Product Planner: schema, migrations and pure calculations (no Qt)."""
