"""The knowledge base: the 18 categories, their JSON document, and the text the agent retrieves."""
