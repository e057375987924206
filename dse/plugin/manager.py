"""The plugin manager factory and a typed facade over its registries.

Entry points in the group ``dse`` are loaded one by one: a plugin that fails to import or
whose register hook raises is recorded (``dse plugins`` lists it) and skipped, so one broken
package never breaks the tool (pluggy's ``load_setuptools_entrypoints`` stops at the first
error). Environment switches, as in pytest and tox:

- ``DSE_STRICT_PLUGINS=1``: re-raise plugin errors (for plugin authors);
- ``DSE_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (tests register plugins by hand);
- ``DSE_BLOCK_PLUGINS=a,b``: skip the entry points named a and b.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, TypeVar

import pluggy

from dse.errors import DseInputError
from dse.plugin import hookspecs
from dse.plugin.api_version import check_api, declared_api
from dse.plugin.types import AccuracyModel, Backend, WorkloadLoader
from dse.schema.preset import Preset
from dse.schema.technology import Technology

T = TypeVar("T")


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as `dse plugins` shows it."""

    name: str
    distribution: str
    version: str
    status: str  # "loaded", "failed", "blocked"
    error: str = ""
    hooks: tuple[str, ...] = ()
    api: int | None = None  # the DSE_PLUGIN_API it declares (None: undeclared)


class Registry(Generic[T]):
    """Named items from plugins; a second plugin registering a taken name is refused."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._owners: dict[str, str] = {}

    def add(self, name: str, item: T, owner: str) -> None:
        if name in self._items:
            raise ValueError(
                f"{self.kind} '{name}' from plugin '{owner}' is already registered by plugin '{self._owners[name]}'"
            )
        self._items[name] = item
        self._owners[name] = owner

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none registered"
            raise DseInputError(f"unknown {self.kind} '{name}' (known: {known})") from None

    def owner(self, name: str) -> str:
        return self._owners[name]

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items(), key=lambda kv: kv[0])

    def values(self) -> list[T]:
        return [item for _, item in self.items()]

    def __contains__(self, name: object) -> bool:
        return name in self._items


@dataclass
class Plugins:
    """A plugin manager and the registries its plugins filled."""

    pm: pluggy.PluginManager
    backends: Registry[Backend] = field(default_factory=lambda: Registry("backend"))
    technologies: Registry[Technology] = field(default_factory=lambda: Registry("technology"))
    loaders: Registry[WorkloadLoader] = field(default_factory=lambda: Registry("workload loader"))
    accuracy_models: Registry[AccuracyModel] = field(default_factory=lambda: Registry("accuracy model"))
    presets: Registry[Preset] = field(default_factory=lambda: Registry("preset"))
    info: dict[str, PluginInfo] = field(default_factory=dict)

    def backend(self, name: str) -> Backend:
        """The registered backend ``name``; DseInputError listing the known ones otherwise."""
        return self.backends.get(name)

    def accuracy_model(self, name: str) -> AccuracyModel:
        """The registered accuracy model ``name``; DseInputError listing the known ones otherwise."""
        return self.accuracy_models.get(name)

    def default_technology(self) -> str:
        """The technology name used where none is given: ``DSE_DEFAULT_TECHNOLOGY`` if set, else
        the one name the plugins' ``dse_default_technology`` hooks agree on.

        Raises DseInputError when none is declared or plugins disagree.
        """
        chosen = os.environ.get("DSE_DEFAULT_TECHNOLOGY", "").strip()
        if chosen:
            return chosen
        answers = {name: impl.plugin_name for impl in self.pm.hook.dse_default_technology.get_hookimpls()
                   if (name := impl.function())}
        if len(answers) == 1:
            return str(next(iter(answers)))
        known = ", ".join(self.technologies.names()) or "none registered"
        if not answers:
            raise DseInputError(f"no technology given and no plugin declares a default (registered: {known})")
        claims = ", ".join(f"'{name}' (plugin '{owner}')" for name, owner in sorted(answers.items()))
        raise DseInputError(f"plugins disagree on the default technology: {claims}; "
                            "set DSE_DEFAULT_TECHNOLOGY to one of them")

    def technology(self, ref: str | Technology | None) -> Technology:
        """A technology by name (None: :meth:`default_technology`); ``NAME@22nm`` scales a
        registered table to another node."""
        if isinstance(ref, Technology):
            return ref
        if ref is None:
            ref = self.default_technology()
        from dse.schema.scaling import scale_technology

        match = re.fullmatch(r"(.+)@(\d+(?:\.\d+)?)\s*nm", ref.strip())
        if match is None:
            return self.technologies.get(ref.strip())
        return scale_technology(self.technologies.get(match.group(1)), float(match.group(2)))

    def loader_for(self, ref: str) -> WorkloadLoader | None:
        """The loader that claims ``ref`` by scheme (``zoo:``) or suffix (``.onnx``), if any."""
        scheme = ref.split(":", 1)[0] if re.match(r"^[A-Za-z][\w+-]+:(?!\\|/)", ref) else None
        for loader in self.loaders.values():
            if scheme and scheme in loader.schemes:
                return loader
        lower = ref.lower()
        for loader in self.loaders.values():
            if any(lower.endswith(suffix) for suffix in loader.suffixes):
                return loader
        return None

    def register_commands(self, app: Any) -> None:
        """Let every plugin add its commands to the typer ``app`` (errors isolated per plugin)."""
        for impl in self.pm.hook.dse_register_commands.get_hookimpls():
            self._call(impl, lambda fn: fn(app=app))


    # -- loading ----------------------------------------------------------------------------
    def _call(self, impl: pluggy.HookImpl, invoke: Callable[[Callable[..., Any]], Any]) -> None:
        try:
            invoke(impl.function)
        except Exception as error:
            if _strict():
                raise
            self._fail(impl.plugin_name, error)

    def _fail(self, name: str, error: BaseException) -> None:
        old = self.info.get(name, PluginInfo(name, "", "", "failed"))
        self.info[name] = PluginInfo(
            name, old.distribution, old.version, "failed", f"{type(error).__name__}: {error}", old.hooks
        )
        import warnings

        warnings.warn(f"dse plugin '{name}' failed and is skipped: {error}", RuntimeWarning, stacklevel=2)

    def _collect(self) -> None:
        """Ask every plugin to register, one implementation at a time, errors isolated."""
        targets: list[tuple[str, Registry[Any], Callable[[Any], str]]] = [
            ("dse_register_backends", self.backends, lambda b: b.name),
            ("dse_register_technologies", self.technologies, lambda t: t.name),
            ("dse_register_workload_loaders", self.loaders, lambda w: w.name),
            ("dse_register_accuracy_models", self.accuracy_models, lambda a: a.name),
            ("dse_register_presets", self.presets, lambda p: p.name),
        ]
        for hook_name, registry, key in targets:
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                owner = impl.plugin_name

                def register(item: Any, registry: Registry[Any] = registry, key: Callable[[Any], str] = key,
                             owner: str = owner) -> None:
                    registry.add(key(item), item, owner)

                def invoke(fn: Callable[..., Any], register: Callable[[Any], None] = register) -> Any:
                    return fn(register=register)

                self._call(impl, invoke)
        for name, backend in self.backends.items():
            try:
                backend.attach(self)
            except Exception as error:
                if _strict():
                    raise
                self._fail(self.backends.owner(name), error)


def _strict() -> bool:
    return os.environ.get("DSE_STRICT_PLUGINS", "") not in ("", "0")


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    return tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))


def make_plugins(extra: Iterable[ModuleType | object] = (), *, entry_points: bool | None = None) -> Plugins:
    """Build a fresh plugin manager: entry points (unless disabled) plus ``extra`` plugin objects."""
    pm = pluggy.PluginManager("dse")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    autoload = entry_points if entry_points is not None else not os.environ.get("DSE_DISABLE_PLUGIN_AUTOLOAD")
    if autoload:
        _load_entry_points(plugins)
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", None) or f"extra-{index}"
        pm.register(plugin, name=name)
        plugins.info[name] = PluginInfo(name, "(registered in code)", "", "loaded", hooks=_hooks_of(pm, plugin))
    pm.check_pending()
    plugins._collect()
    return plugins


def _load_entry_points(plugins: Plugins) -> None:
    blocked = {b.strip() for b in os.environ.get("DSE_BLOCK_PLUGINS", "").split(",") if b.strip()}
    from dse.plugin.discovery import entry_points

    for ep in entry_points():
        dist, version = ep.distribution, ep.version
        if ep.name in blocked or plugins.pm.is_blocked(ep.name):
            plugins.info[ep.name] = PluginInfo(ep.name, dist, version, "blocked")
            continue
        if plugins.pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
            check_api(module)
            plugins.pm.register(module, name=ep.name)
        except Exception as error:
            if _strict():
                raise
            plugins.info[ep.name] = PluginInfo(ep.name, dist, version, "loaded")
            plugins._fail(ep.name, error)
            continue
        plugins.info[ep.name] = PluginInfo(ep.name, dist, version, "loaded", hooks=_hooks_of(plugins.pm, module),
                                           api=declared_api(module))
