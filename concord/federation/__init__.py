"""Federated mode's shared parts: keys, the signed HTTP exchange, the wire codec."""
