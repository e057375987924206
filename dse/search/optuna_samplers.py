"""Optuna's samplers, asked a whole generation at a time without a study in memory.

`dse explore` asks a batch of trials, evaluates it, and tells it; the sampler sees finished
trials only (its own and other workers', in the order the shared study stored them).
Asking through ``Study.ask`` would copy every trial the study holds, several times per
trial, and keep them all in memory. Here the sampler object is Optuna's, and it is called
on a view of what it needs:

- NSGA-II and NSGA-III (:class:`GenerationSampler`) need the newest generation and its
  parent population only. Generations follow Optuna's rule (``BaseGASampler``): a trial
  belongs to the newest generation of the finished trials until that generation has
  ``population_size`` complete trials; the parents of generation g are Optuna's elite
  selection of generation g-1 and its parents. Children are Optuna's child generation
  strategy (crossover, mutation) on those parents; parameters it leaves out (the first
  generation, mutated ones) are drawn by Optuna's random sampler. Memory is two
  populations, whatever the size of the study; the generation number is stored in each
  trial's ``BatchNSGAII:generation`` (or ``BatchNSGAIII:``) system attribute, as Optuna does.
- Random search (:class:`GenerationSampler` without parents) draws every parameter.
- TPE (:class:`HistorySampler`) models every finished trial, so it keeps them in an
  in-memory study (its cost grows with the study, by design).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import NSGAIIISampler, NSGAIISampler, RandomSampler, TPESampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from dse.schema.space import Nsga2, Nsga3, RandomSearch, Tpe

Spec = Nsga2 | Nsga3 | Tpe | RandomSearch


class BatchNSGAII(NSGAIISampler):
    """NSGA-II; its class name keys the generation attribute of dse's trials."""


class BatchNSGAIII(NSGAIIISampler):
    """NSGA-III; its class name keys the generation attribute of dse's trials."""


@dataclass(frozen=True)
class Asked:
    """One asked trial: sampled values (Optuna's external representation) and system attributes."""

    params: dict[str, Any]
    system_attrs: dict[str, Any] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _View:
    """What Optuna's selection and crossover read of a study: its directions."""

    directions: list[StudyDirection]


def make_sampler(spec: Spec, seed: int) -> optuna.samplers.BaseSampler:
    """The Optuna sampler of a space's ``sampler`` section."""
    if isinstance(spec, Nsga2):
        return BatchNSGAII(population_size=spec.population_size, mutation_prob=spec.mutation_prob,
                           crossover_prob=spec.crossover_prob, swapping_prob=spec.swapping_prob, seed=seed)
    if isinstance(spec, Nsga3):
        return BatchNSGAIII(population_size=spec.population_size, mutation_prob=spec.mutation_prob,
                            crossover_prob=spec.crossover_prob, swapping_prob=spec.swapping_prob,
                            dividing_parameter=spec.dividing_parameter, seed=seed)
    if isinstance(spec, Tpe):
        return TPESampler(n_startup_trials=spec.n_startup_trials, multivariate=spec.multivariate, seed=seed)
    return RandomSampler(seed=seed)


def batch_size(spec: Spec) -> int:
    """Trials asked, evaluated and told together: a generation for GA samplers."""
    return spec.population_size if isinstance(spec, (Nsga2, Nsga3)) else spec.batch_size


def reseed(sampler: optuna.samplers.BaseSampler, seed: int) -> None:
    """Seed ``sampler`` as if it had been made with ``seed`` (its own generator and its random sampler's)."""
    for owner in (sampler, getattr(sampler, "_random_sampler", None)):
        if owner is not None:
            owner._rng.rng.seed(seed)


def _dummy(number: int) -> FrozenTrial:
    """A running trial to hand to a sampler's per-trial methods (none of ours reads it)."""
    return FrozenTrial(number=number, state=TrialState.RUNNING, value=None, datetime_start=datetime.now(),
                       datetime_complete=None, params={}, distributions={}, user_attrs={}, system_attrs={},
                       intermediate_values={}, trial_id=number)


class GenerationSampler:
    """NSGA-II, NSGA-III or random search over fixed ``distributions`` (see the module docstring)."""

    def __init__(self, sampler: optuna.samplers.BaseSampler, directions: Sequence[str],
                 distributions: dict[str, BaseDistribution]) -> None:
        self.sampler = sampler
        self.view = _View([StudyDirection[d.upper()] for d in directions])
        self.distributions = distributions
        self.genetic = isinstance(sampler, (NSGAIISampler, NSGAIIISampler))
        self.key = f"{type(sampler).__name__}:generation"
        self.population = getattr(sampler, "population_size", 0)
        # Optuna samples single-valued distributions independently, never by crossover
        self.space = {name: d for name, d in distributions.items() if not d.single()}
        self.newest = 0  # the newest generation among complete trials
        self.members: list[FrozenTrial] = []  # its complete trials
        self.parents: dict[int, list[FrozenTrial]] = {0: []}  # parent populations of newest and newest + 1
        self.seen = 0

    def observe(self, trials: Sequence[FrozenTrial]) -> None:
        """Take finished trials in the order the study stored them."""
        self.seen += len(trials)
        if not self.genetic:
            return
        for trial in trials:
            generation = trial.system_attrs.get(self.key)
            if trial.state != TrialState.COMPLETE or generation is None or generation < self.newest:
                continue  # a late member of an older generation: its parents are chosen already
            if generation > self.newest:
                self._parents_of(generation)
                self.parents = {generation: self.parents[generation]}
                self.newest, self.members = generation, []
            self.members.append(trial)

    def _parents_of(self, generation: int) -> list[FrozenTrial]:
        """Optuna's elite selection of the newest generation and its parents (once per generation);
        a generation further ahead (another worker's, missed) gets the same parents."""
        if generation not in self.parents:
            select = self.sampler._elite_population_selection_strategy  # type: ignore[attr-defined]
            self.parents[generation] = select(self.view, self.members + self.parents[self.newest])
        return self.parents[generation]

    def reseed(self, seed: int) -> None:
        reseed(self.sampler, seed)

    def generation(self) -> int | None:
        """The generation of trials asked now (None for random search)."""
        if not self.genetic:
            return None
        return self.newest + 1 if len(self.members) >= self.population else self.newest

    def ask(self, n: int) -> list[Asked]:
        """``n`` new trials of one generation."""
        generation = self.generation()
        parents = [] if generation is None else self._parents_of(generation)
        attrs = {} if generation is None else {self.key: generation}
        child = self.sampler._child_generation_strategy if parents else None  # type: ignore[attr-defined]
        draw = self.sampler._random_sampler if self.genetic else self.sampler  # type: ignore[attr-defined]
        asked = []
        for i in range(n):
            values = child(self.view, self.space, parents) if child is not None else {}
            dummy = _dummy(self.seen + i)
            params = {name: values[name] if name in values else draw.sample_independent(self.view, dummy, name, d)
                      for name, d in self.distributions.items()}
            asked.append(Asked(params, dict(attrs)))
        return asked


class HistorySampler:
    """TPE: every finished trial in an in-memory study; asked through the sampler's own hooks."""

    def __init__(self, sampler: optuna.samplers.BaseSampler, directions: Sequence[str],
                 distributions: dict[str, BaseDistribution]) -> None:
        self.study = optuna.create_study(directions=list(directions), sampler=sampler)
        self.sampler = sampler
        self.distributions = distributions

    def observe(self, trials: Sequence[FrozenTrial]) -> None:
        if trials:
            self.study.add_trials(trials)

    key = ""  # no generations

    def reseed(self, seed: int) -> None:
        reseed(self.sampler, seed)

    def generation(self) -> int | None:
        return None

    def ask(self, n: int) -> list[Asked]:
        """``n`` new trials, each sampled from the finished ones (not from each other)."""
        asked = []
        seen = len(self.study.get_trials(deepcopy=False))
        for i in range(n):
            dummy = _dummy(seen + i)
            space = self.sampler.infer_relative_search_space(self.study, dummy)
            values = self.sampler.sample_relative(self.study, dummy, space) if space else {}
            params = {name: values[name] if name in values else
                      self.sampler.sample_independent(self.study, dummy, name, d)
                      for name, d in self.distributions.items()}
            asked.append(Asked(params))
        return asked


def batch_sampler(spec: Spec, seed: int, directions: Sequence[str],
                  distributions: dict[str, BaseDistribution]) -> GenerationSampler | HistorySampler:
    """The batch sampler of a space's ``sampler`` section over ``distributions``."""
    sampler = make_sampler(spec, seed)
    if isinstance(spec, Tpe):
        return HistorySampler(sampler, directions, distributions)
    return GenerationSampler(sampler, directions, distributions)
