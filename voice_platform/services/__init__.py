"""Business rules. Services import neither Reflex nor FastAPI."""
