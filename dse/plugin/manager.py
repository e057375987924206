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
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pluggy

from dse.errors import DseInputError, one_line
from dse.extras import DISTRIBUTION
from dse.plugin import hookspecs
from dse.plugin.api_version import check_api, declared_api
from dse.plugin.checks import PluginError, registration_problem
from dse.plugin.types import AccuracyModel, Backend, WorkloadLoader
from dse.schema.preset import Preset
from dse.schema.technology import Technology

if TYPE_CHECKING:
    from dse.plugin.schema_cache import SchemaChecks

T = TypeVar("T")


class PluginWarning(RuntimeWarning):
    """The one-line summary of the plugins that failed to load (the CLI prints it as
    ``dse: warning: ...``)."""


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

    def put(self, name: str, item: T, owner: str) -> None:
        """Register ``item`` (the plugin manager has refused collisions already)."""
        self._items[name] = item
        self._owners[name] = owner

    def drop_owner(self, owner: str) -> None:
        """Forget everything plugin ``owner`` registered."""
        for name in [n for n, o in self._owners.items() if o == owner]:
            del self._items[name], self._owners[name]

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


    # -- who --------------------------------------------------------------------------------
    def describe(self, plugin: str) -> str:
        """``plugin 'NAME' (DIST VERSION)``: how one-line errors name a plugin."""
        info = self.info.get(plugin)
        where = " ".join(p for p in (info.distribution, info.version) if p) if info else ""
        if where and not where.startswith("("):
            where = f"({where})"
        return f"plugin '{plugin}'" + (f" {where}" if where else "")

    def release(self, plugin: str) -> str:
        """``DIST VERSION`` of plugin ``plugin`` (what trials record), or how it was registered."""
        info = self.info.get(plugin)
        if info is None:
            return "unknown"
        return " ".join(p for p in (info.distribution, info.version) if p) or "unknown"

    def failure_summary(self) -> str | None:
        """One line for every plugin that failed to load, or None when all loaded."""
        failed = [i for i in sorted(self.info.values(), key=lambda i: i.name) if i.status == "failed"]
        if not failed:
            return None
        parts = "; ".join(f"{self.describe(i.name)}: {i.error}" for i in failed)  # each bounded by _fail
        noun = "plugin" if len(failed) == 1 else "plugins"
        return f"{len(failed)} {noun} failed and skipped (see `dse plugins`): {parts}"

    # -- loading ----------------------------------------------------------------------------
    def _add(self, name: str, load: Callable[[], object], distribution: str, version: str) -> None:
        """Import and register one plugin; anything it raises (SystemExit included) or a hook
        name that no spec knows fails that plugin only."""
        self.info[name] = PluginInfo(name, distribution, version, "loaded")
        try:
            plugin = load()
            check_api(plugin)
            self.pm.register(plugin, name=name)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt) or _strict():
                raise
            self._fail(name, error)
            return
        unknown = [c.name for c in self.pm.get_hookcallers(plugin) or ()
                   if c.spec is None and not all(i.optionalhook for i in c.get_hookimpls())]
        if unknown:
            self.pm.unregister(plugin)
            invalid = pluggy.PluginValidationError(plugin, _unknown_hooks(unknown))
            if _strict():
                raise invalid
            self._fail(name, invalid)
            return
        self.info[name] = replace(self.info[name], hooks=_hooks_of(self.pm, plugin), api=declared_api(plugin))

    def _call(self, impl: pluggy.HookImpl, invoke: Callable[[Callable[..., Any]], Any]) -> None:
        try:
            invoke(impl.function)
        except Exception as error:
            if _strict():
                raise
            self._fail(impl.plugin_name, error)

    def _fail(self, name: str, error: BaseException | str) -> None:
        """Mark plugin ``name`` failed and take back everything it registered."""
        old = self.info.get(name, PluginInfo(name, "", "", "failed"))
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.info[name] = replace(old, status="failed", error=one_line(text, 300))
        for registry in self._registries():
            registry.drop_owner(name)
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)

    def _registries(self) -> list[Registry[Any]]:
        return [self.backends, self.technologies, self.loaders, self.accuracy_models, self.presets]

    def _collect(self) -> None:
        """Ask every plugin to register, a plugin at a time, all or nothing per plugin.

        A plugin whose hook raises, which registers something of the wrong kind, or which
        takes a name another plugin registered first is refused as a whole (naming both).
        Built-in plugins load first, so their names cannot be taken over unless the user
        names the later plugin in ``DSE_PLUGIN_OVERRIDES``.
        """
        from dse.plugin.schema_cache import SchemaChecks

        overrides = _names("DSE_PLUGIN_OVERRIDES")
        schemas = SchemaChecks.load()
        for name, plugin in list(self.pm.list_name_plugin()):
            if plugin is None or self.info.get(name, PluginInfo(name, "", "", "")).status != "loaded":
                continue
            staged: list[tuple[Registry[Any], str, Any]] = []
            try:
                for hook_name, registry, base in _targets(self):
                    for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                        if impl.plugin is plugin:
                            impl.function(register=_stager(staged, registry, base, schemas))
                problem = self._collision(name, staged, name in overrides)
            except Exception as error:
                if _strict():
                    raise
                self._fail(name, error)
                continue
            if problem:
                if _strict():
                    raise ValueError(problem)
                self._fail(name, problem)
                continue
            for registry, key, item in staged:
                registry.put(key, item, name)
        schemas.save()
        for key, backend in self.backends.items():
            try:
                backend.attach(self)
            except Exception as error:
                if _strict():
                    raise
                self._fail(self.backends.owner(key), error)

    def _collision(self, name: str, staged: list[tuple[Registry[Any], str, Any]], allowed: bool) -> str | None:
        seen: set[tuple[str, str]] = set()
        for registry, key, _ in staged:
            if (registry.kind, key) in seen:
                return f"registers {registry.kind} '{key}' twice"
            seen.add((registry.kind, key))
            if key in registry and not allowed:
                return (f"{registry.kind} '{key}' is already registered by {self.describe(registry.owner(key))}; "
                        f"set DSE_PLUGIN_OVERRIDES={name} to let {self.describe(name)} replace it")
        return None


def _targets(plugins: Plugins) -> list[tuple[str, Registry[Any], type]]:
    return [
        ("dse_register_backends", plugins.backends, Backend),
        ("dse_register_technologies", plugins.technologies, Technology),
        ("dse_register_workload_loaders", plugins.loaders, WorkloadLoader),
        ("dse_register_accuracy_models", plugins.accuracy_models, AccuracyModel),
        ("dse_register_presets", plugins.presets, Preset),
    ]


def _stager(staged: list[tuple[Registry[Any], str, Any]], registry: Registry[Any],
            base: type, schemas: SchemaChecks) -> Callable[[Any], None]:
    """The ``register`` callable handed to a plugin: checks the item, keeps it until the
    plugin's registration is known to be whole."""

    def register(item: Any) -> None:
        problem = registration_problem(registry.kind, base, item, schemas)
        if problem:
            raise PluginError(problem)
        staged.append((registry, item.name, item))

    return register


def _given(plugin: object) -> Callable[[], object]:
    return lambda: plugin


def _unknown_hooks(names: list[str]) -> str:
    import difflib

    known = [n for n in dir(hookspecs) if n.startswith("dse_")]
    texts = []
    for name in sorted(names):
        close = difflib.get_close_matches(name, known, n=1)
        texts.append(f"unknown hook '{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return "; ".join(texts)


def _names(variable: str) -> set[str]:
    return {n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()}


def _strict() -> bool:
    return os.environ.get("DSE_STRICT_PLUGINS", "") not in ("", "0")


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    return tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))


def make_plugins(extra: Iterable[ModuleType | object] = (), *, entry_points: bool | None = None) -> Plugins:
    """Build a fresh plugin manager: entry points (unless disabled) plus ``extra`` plugin objects.

    Failed plugins are listed in ``info`` and summarised in one RuntimeWarning.
    """
    pm = pluggy.PluginManager("dse")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    autoload = entry_points if entry_points is not None else not os.environ.get("DSE_DISABLE_PLUGIN_AUTOLOAD")
    if autoload:
        _load_entry_points(plugins)
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", None) or f"extra-{index}"
        plugins._add(name, _given(plugin), "(registered in code)", "")
    plugins._collect()
    summary = plugins.failure_summary()
    if summary:
        import warnings

        warnings.warn(summary, PluginWarning, stacklevel=2)
    return plugins


#: The distribution whose entry points are dse's own plugins: they load first.
BUILT_IN = DISTRIBUTION


def _load_entry_points(plugins: Plugins) -> None:
    blocked = _names("DSE_BLOCK_PLUGINS")
    from dse.plugin.discovery import entry_points

    # dse's own plugins first: a later plugin cannot take their names (DSE_PLUGIN_OVERRIDES)
    for ep in sorted(entry_points(), key=lambda ep: (ep.distribution != BUILT_IN, ep.name)):
        dist, version = ep.distribution, ep.version
        if ep.name in blocked or plugins.pm.is_blocked(ep.name):
            plugins.info[ep.name] = PluginInfo(ep.name, dist, version, "blocked")
            continue
        if ep.name in plugins.info:
            if plugins.info[ep.name].distribution != dist:  # the same name in two distributions
                key = f"{dist}:{ep.name}"
                plugins.info[key] = PluginInfo(key, dist, version, "failed",
                                               f"entry point name '{ep.name}' is taken by {plugins.describe(ep.name)}")
            continue
        plugins._add(ep.name, ep.load, dist, version)
