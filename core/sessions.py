"""Sessions read from the shared cache (Redis), kept in the database behind it
(SESSION_ENGINE when REDIS_URL is set; without a shared cache sessions stay in the database).

Every request of a signed-in page or session-API client reads its session: from Redis that is
one round trip instead of a query. It stays safe with several web processes because every
process reads the same Redis and an ended session can never come back from it:

- ending a session (sign-out, a new key at sign-in or on a password change) first writes an
  "ended" mark for its key in Redis, then deletes the row and the cached data. A read sees the
  mark before anything else (the data and the mark come in one MGET), so a request that read
  the row just before the sign-out cannot put the session back into the cache, and no later
  save can either. Without Redis the session cannot be marked, so it is not ended:
  ServiceUnavailable (503, Retry-After) and the person is still signed in, everywhere;
- while Redis is down, sessions are read from the database and nothing is cached;
- a save that cannot reach Redis leaves the cache with the session's previous data under the
  same key, never more: whatever grants access (signing in, a second factor's device, the
  password's hash) either takes a new key or is checked against the database on every request.

The person's row is still read on every request: Django compares the session's password hash
with it, so a password change or a deactivation ends every other session at once.
"""

from contextlib import suppress

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import cache
from django.utils.translation import gettext

from core.cache import CacheUnavailable, cache_call
from core.errors import ServiceUnavailable

DATA_KEY = "session:{key}"
ENDED_KEY = "session-ended:{key}"


class SessionStore(DatabaseSessionStore):
    def load(self):
        data_key, ended_key = DATA_KEY.format(key=self.session_key), ENDED_KEY.format(key=self.session_key)
        try:
            cached = cache_call(cache.get_many, [data_key, ended_key])
        except CacheUnavailable:
            return super().load()  # the database alone answers; nothing is cached meanwhile
        if ended_key in cached:
            self._session_key = None
            return {}
        if data_key in cached:
            return self.decode(cached[data_key])
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        with suppress(CacheUnavailable):
            cache_call(cache.set, data_key, stored.session_data, self.get_expiry_age(expiry=stored.expire_date))
        return self.decode(stored.session_data)

    def save(self, must_create=False):
        super().save(must_create)
        # Redis holds the session encoded as the database row holds it (the session serializer,
        # signed), never pickled: what a request reads back is what the database would give,
        # e.g. a message's `core.texts.Day` comes back as the plain string it was saved as.
        with suppress(CacheUnavailable):
            encoded = self.encode(self._get_session())
            cache_call(cache.set, DATA_KEY.format(key=self.session_key), encoded, self.get_expiry_age())

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            cache_call(cache.set, ENDED_KEY.format(key=session_key), True, settings.SESSION_COOKIE_AGE)
        except CacheUnavailable as down:
            raise ServiceUnavailable(
                gettext("Signing out cannot be completed right now. Try again in %(seconds)s seconds.")
                % {"seconds": down.retry_after},
                retry_after=down.retry_after,
            ) from down
        super().delete(session_key)
        with suppress(CacheUnavailable):
            cache_call(cache.delete, DATA_KEY.format(key=session_key))

    # The async variants (an ASGI server) take the same paths.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def asave(self, must_create=False):
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        await sync_to_async(self.delete)(session_key)
