"""External capabilities behind small interfaces: a real adapter and an offline twin each.
Nothing outside this package imports a vendor SDK."""
