"""The conversation engine without a transport: retrieve the facts, decide what to do, say it."""
