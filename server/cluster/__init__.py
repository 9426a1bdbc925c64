"""Cluster mode: many game nodes behind one service (docs/DEPLOY.md).

`Directory` is the one interface the web layer uses; `LocalDirectory` is the
single process (the default), `RedisDirectory` the cluster (`REDIS_URL` set).
This package knows nothing of rooms or HTTP: the web layer reports its rooms
in a `NodeLoad` and asks `locate()` about rooms it does not hold.
"""

from .directory import (
    Directory,
    DirectoryUnavailable,
    LocalDirectory,
    NodeInfo,
    NodeLoad,
    RoomLoad,
    RoomLocation,
    SeatRecord,
    new_room_id,
    owner_of,
    valid_node_id,
)

__all__ = ["Directory", "DirectoryUnavailable", "LocalDirectory", "NodeInfo", "NodeLoad", "RoomLoad", "RoomLocation", "SeatRecord",
           "new_room_id", "owner_of", "valid_node_id", "redis_directory"]


def redis_directory(url: str, *, node_id: str, node_url: str, max_rooms: int, ttl_s: float,
                    prefix: str = "rts:") -> Directory:
    """The Redis implementation (imported only in cluster mode)."""
    from .redis_directory import RedisDirectory

    return RedisDirectory(url, node_id=node_id, node_url=node_url, max_rooms=max_rooms, ttl_s=ttl_s,
                          prefix=prefix)
