"""Voice agent platform: an AI receptionist for small businesses, self-hosted."""

__version__ = "0.1.0"
