"""From crawled pages to knowledge: what each page says, then which category it belongs to."""
