from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "clinicbot.ops"
    label = "ops"
    verbose_name = "Operação"

    def ready(self) -> None:
        from clinicbot.core import cache
        from clinicbot.core.metrics import record_cache_lookup

        # Cache hits/misses by key family for /metrics (core imports no other app).
        if record_cache_lookup not in cache.lookup_observers:
            cache.lookup_observers.append(record_cache_lookup)
