"""Qt widgets of AI Product Planner."""
