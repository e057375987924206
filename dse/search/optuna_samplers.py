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

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import NSGAIIISampler, NSGAIISampler, RandomSampler, TPESampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from dse.results.pareto import minimization
from dse.schema.space import Categorical, IntRange, Nsga2, Nsga3, RandomSearch, Tpe
from dse.search.parameters import distributions as distributions_of
from dse.search.parameters import draw

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
            owner._rng.rng.seed(seed)  # type: ignore[union-attr]


def _dummy(number: int) -> FrozenTrial:
    """A running trial to hand to a sampler's per-trial methods (none of ours reads it)."""
    return FrozenTrial(number=number, state=TrialState.RUNNING, value=None, datetime_start=datetime.now(),
                       datetime_complete=None, params={}, distributions={}, user_attrs={}, system_attrs={},
                       intermediate_values={}, trial_id=number)


class GenerationSampler:
    """NSGA-II, NSGA-III or random search over the sampled columns ``specs`` (see the module docstring)."""

    def __init__(self, sampler: optuna.samplers.BaseSampler, spec: Spec, directions: Sequence[str],
                 specs: dict[str, Any], seed: int) -> None:
        self.sampler = sampler
        self.view = _View([StudyDirection[d.upper()] for d in directions])
        self.directions = list(directions)
        self.specs = specs
        self.genetic = isinstance(spec, (Nsga2, Nsga3))
        self.key = f"{type(sampler).__name__}:generation"
        self.population = spec.population_size if isinstance(spec, (Nsga2, Nsga3)) else 0
        self.crossover_prob = spec.crossover_prob if isinstance(spec, (Nsga2, Nsga3)) else 0.0
        self.swapping_prob = spec.swapping_prob if isinstance(spec, (Nsga2, Nsga3)) else 0.0
        # Optuna crosses over the distributions that hold more than one value
        self.crossed = [name for name, d in distributions_of(specs).items() if not d.single()]
        mutation = spec.mutation_prob if isinstance(spec, (Nsga2, Nsga3)) else None
        self.mutation_prob = 1.0 / max(1, len(self.crossed)) if mutation is None else mutation
        self.rng = np.random.default_rng(seed)
        self.newest = 0  # the newest generation among complete trials
        self.members: list[FrozenTrial] = []  # its complete trials
        self.parents: dict[int, list[FrozenTrial]] = {0: []}  # parent populations of newest and newest + 1
        self.late: list[FrozenTrial] = []  # complete trials of older generations since the last selection
        self.parent_key = f"{type(sampler).__name__}:parent:"  # Optuna's cache of a generation's parents
        self.known: dict[int, list[int]] = {}  # stored parent trial ids of generations not reached yet
        self.chosen: dict[str, list[int]] = {}  # selections made here, to store (key: trial ids)

    def reseed(self, seed: int) -> None:
        reseed(self.sampler, seed)
        self.rng = np.random.default_rng(seed)

    def observe(self, trials: Sequence[FrozenTrial]) -> None:
        """Take finished trials in the order the study stored them.

        A complete trial of an older generation (asked before its generation filled up, by
        another worker or while other batches were in flight) comes too late to be a parent
        of the generation after its own; it is a candidate of the next selection instead.
        """
        if not self.genetic:
            return
        for trial in trials:
            generation = trial.system_attrs.get(self.key)
            if trial.state != TrialState.COMPLETE or generation is None:
                continue
            if generation < self.newest:
                self.late.append(trial)
                continue
            if generation > self.newest:
                self._parents_of(generation)
                self.parents = {generation: self.parents[generation]}
                self.newest, self.members = generation, []
            self.members.append(trial)

    def _parents_of(self, generation: int) -> list[FrozenTrial]:
        """The parents of ``generation``: Optuna's elite selection of the newest generation, its
        parents and late trials, once per generation (a generation further ahead, another
        worker's, missed, gets the same parents). A selection the study holds already (a
        resumed run) is taken from it instead of being made again."""
        if generation not in self.parents:
            candidates = self.members + self.late + self.parents[self.newest]
            by_id = {t._trial_id: t for t in candidates}
            stored = self.known.pop(generation, None)
            if stored is not None and all(i in by_id for i in stored):
                self.parents[generation] = [by_id[i] for i in stored]
            else:
                select = self.sampler._elite_population_selection_strategy  # type: ignore[attr-defined]
                self.parents[generation] = select(self.view, candidates)
                self.chosen[self.parent_key + str(generation)] = [t._trial_id for t in self.parents[generation]]
            self.late = []
            self.known = {g: ids for g, ids in self.known.items() if g > generation}
        return self.parents[generation]

    def remember(self, key: str, value: Any) -> None:
        """A study system attribute as stored: the parents of a generation not reached yet are kept."""
        if self.genetic and key.startswith(self.parent_key) and isinstance(value, list):
            generation = int(key[len(self.parent_key):])
            if generation > self.newest:
                self.known[generation] = value

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
        columns = self._children(parents, n) if parents else {}
        for name, spec in self.specs.items():
            if name not in columns:
                columns[name] = draw(spec, n, self.rng)
        values = {name: columns[name].tolist() for name in self.specs}
        return [Asked({name: column[i] for name, column in values.items()}, dict(attrs)) for i in range(n)]

    def _children(self, parents: list[FrozenTrial], n: int) -> dict[str, np.ndarray]:
        """``n`` children of ``parents``: Optuna's NSGA-II child generation with its uniform
        crossover (``NSGAIIChildGenerationStrategy``, ``UniformCrossover``), on arrays.

        Each parent is the winner of a binary tournament (a candidate that constrained-dominates
        the other wins, else the second; the second parent is drawn from the others); with
        ``crossover_prob`` each parameter comes from either parent (from the second when a
        uniform draw is at least ``swapping_prob``), otherwise all from one random parent; then
        each parameter is drawn anew with ``mutation_prob``.
        """
        m, rng = len(parents), self.rng
        beats = self._beats(parents)
        first = _tournament(beats, rng.integers(0, m, n), rng.integers(0, m, n))
        second = _tournament(beats, _skip(rng.integers(0, m - 1, n), first), _skip(rng.integers(0, m - 1, n), first)) \
            if m > 1 else first
        cross = rng.random(n) < self.crossover_prob
        copied = rng.integers(0, m, n)
        out: dict[str, np.ndarray] = {}
        for name in self.crossed:
            known = np.asarray([p.params[name] for p in parents], dtype=_dtype(self.specs[name]))
            take_second = rng.random(n) >= self.swapping_prob
            child = np.where(cross, np.where(take_second, known[second], known[first]), known[copied])
            mutated = rng.random(n) < self.mutation_prob
            out[name] = np.where(mutated, draw(self.specs[name], n, rng), child)
        return out

    def _beats(self, parents: list[FrozenTrial]) -> np.ndarray:
        """``beats[i, j]``: parent i constrained-dominates parent j (Optuna's
        ``_constrained_dominates``, or ``_dominates`` when no parent has constraints)."""
        values = minimization(np.asarray([p.values for p in parents], dtype=float), self.directions)
        le = (values[:, None, :] <= values[None, :, :]).all(axis=2)
        lt = (values[:, None, :] < values[None, :, :]).any(axis=2)
        dominates: np.ndarray = np.asarray(le & lt)
        constraints = [p.constraints for p in parents]
        if not any(constraints):
            return dominates
        penalty = np.asarray([sum(v for v in c.values() if v > 0) for c in constraints])
        feasible = np.asarray([all(v <= 0 for v in c.values()) for c in constraints])
        fi, fj = feasible[:, None], feasible[None, :]
        beats: np.ndarray = np.where(fi & fj, dominates, np.where(fi != fj, fi, penalty[:, None] < penalty[None, :]))
        return beats


def _tournament(beats: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Optuna's ``_select_parent``: candidate a if it dominates b, else b."""
    return np.where(beats[a, b], a, b)


def _skip(drawn: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Indices drawn among the m - 1 parents other than ``first``, as indices among all m."""
    return drawn + (drawn >= first)


def _dtype(spec: Any) -> Any:
    return object if isinstance(spec, Categorical) else (np.int64 if isinstance(spec, IntRange) else float)


class HistorySampler:
    """TPE: every finished trial in an in-memory study; asked through the sampler's own hooks."""

    def __init__(self, sampler: optuna.samplers.BaseSampler, directions: Sequence[str],
                 distributions: dict[str, BaseDistribution]) -> None:
        self.chosen: dict[str, list[int]] = {}  # no selections to store
        self.study = optuna.create_study(directions=[StudyDirection[d.upper()] for d in directions],
                                         sampler=sampler)
        self.sampler = sampler
        self.distributions = distributions

    def observe(self, trials: Sequence[FrozenTrial]) -> None:
        if trials:
            self.study.add_trials(trials)

    key = ""  # no generations

    def remember(self, key: str, value: Any) -> None:
        """TPE keeps no generations."""

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
                  specs: dict[str, Any]) -> GenerationSampler | HistorySampler:
    """The batch sampler of a space's ``sampler`` section over the sampled columns ``specs``
    (:func:`dse.search.parameters.sampled_columns`)."""
    sampler = make_sampler(spec, seed)
    if isinstance(spec, Tpe):
        return HistorySampler(sampler, directions, distributions_of(specs))
    return GenerationSampler(sampler, spec, directions, specs, seed)
