"""Creating an agent from its business's website: the steps, their order, and progress."""
