"""A fixed-window rate limit per client IP, counted in Django's cache (Redis in production).

`cache.add` creates the window's counter only if it is missing and `cache.incr` increments it
atomically (Redis INCR; LocMemCache under its lock), so concurrent requests never lose a count.
The client IP is REMOTE_ADDR: a reverse proxy in front must set it (gunicorn's forwarded-allow-ips),
X-Forwarded-For is not read here because any client can send it.
"""

import hashlib

from django.core.cache import cache


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


class RateLimit:
    def __init__(self, name: str, *, limit: int, window: int):
        self.name, self.limit, self.window = name, limit, window

    def key(self, ip: str) -> str:
        # Hashed: no raw address in cache keys (and no characters a backend could reject).
        return f"ratelimit:{self.name}:{hashlib.sha256(ip.encode()).hexdigest()[:32]}"

    def hit(self, ip: str) -> bool:
        """Count one request of `ip`; True while it is within the limit of the current window."""
        key = self.key(ip)
        cache.add(key, 0, timeout=self.window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add and incr: this request opens a new one
            cache.add(key, 1, timeout=self.window)
            count = 1
        return count <= self.limit
