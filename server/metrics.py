"""Prometheus metrics, in a registry per application so that several apps
(tests) can live in one process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

TICK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25)


class _CallbackCollector(Collector):
    """Gauges read at scrape time from a function returning {name: value}."""

    def __init__(self, prefix: str, source: Callable[[], dict[str, Any]]) -> None:
        self.prefix, self.source = prefix, source

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, value in self.source().items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                yield GaugeMetricFamily(f"{self.prefix}_{name}", f"{self.prefix} {name}", value=value)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.tick_duration = Histogram("rts_tick_duration_seconds", "Time spent computing one room tick",
                                       buckets=TICK_BUCKETS, registry=self.registry)
        self.tick_lateness = Histogram("rts_tick_lateness_seconds", "How late a room tick started",
                                       buckets=TICK_BUCKETS, registry=self.registry)
        self.rooms = Gauge("rts_rooms", "Open rooms", registry=self.registry)
        self.clients = Gauge("rts_clients", "Connected WebSocket clients", registry=self.registry)

    def observe_tick(self, duration: float, lateness: float) -> None:
        self.tick_duration.observe(duration)
        self.tick_lateness.observe(lateness)

    def add_source(self, prefix: str, source: Callable[[], dict[str, Any]]) -> None:
        self.registry.register(_CallbackCollector(prefix, source))

    def render(self) -> bytes:
        return generate_latest(self.registry)
