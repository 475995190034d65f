"""Reading a small business's website: safely, politely, within limits."""
