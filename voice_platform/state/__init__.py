"""States shared by several pages. A page's own state lives in its page module."""
