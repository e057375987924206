"""Optuna samplers for a space's ``sampler`` section, made cheap for batch ask/tell.

Optuna's genetic samplers find a new trial's generation by scanning every finished trial
and look its parents up by scanning every trial again, for each trial asked: quadratic in
the study (a 10,000-trial NSGA-II study spends most of its time there). `dse explore` asks a
whole generation at once, so the generation is worked out once per batch (the same rule as
Optuna's: the newest generation until it has ``population_size`` finished trials), so is the
search space (the intersection of the finished trials' spaces, which no trial of the batch
can change), and the parent population once per generation. Sampling, crossover, mutation, selection and the
attributes stored in the study are Optuna's own, so a study can be continued by either.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import NSGAIIISampler, NSGAIISampler, RandomSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from dse.schema.space import Nsga2, Nsga3, RandomSearch, Tpe


class _BatchGenerations:
    """Mixin for Optuna's GA samplers: one generation per asked batch, parents cached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pinned: int | None = None
        self._space: dict[str, BaseDistribution] | None = None
        self._parents: dict[tuple[int, int], list[FrozenTrial]] = {}

    def pin_generation(self, study: optuna.Study) -> None:
        """Fix the generation of the trials asked until :meth:`unpin_generation`."""
        key = self._get_generation_key()  # type: ignore[attr-defined]
        newest, count = 0, 0
        for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            generation = trial.system_attrs.get(key, -1)
            if generation > newest:
                newest, count = generation, 1
            elif generation == newest:
                count += 1
        self._pinned = newest if count < self.population_size else newest + 1  # type: ignore[attr-defined]

    def unpin_generation(self) -> None:
        self._pinned = None
        self._space = None

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """Once per batch: no trial of a batch is finished, so the intersection cannot change."""
        if self._pinned is None:
            space: dict[str, BaseDistribution] = super().infer_relative_search_space(study, trial)  # type: ignore[misc]
            return space
        if self._space is None:
            self._space = super().infer_relative_search_space(study, trial)  # type: ignore[misc]
        return dict(self._space)

    def get_trial_generation(self, study: optuna.Study, trial: FrozenTrial) -> int:
        key = self._get_generation_key()  # type: ignore[attr-defined]
        generation = trial.system_attrs.get(key)
        if generation is not None:
            return int(generation)
        if self._pinned is None:
            return int(super().get_trial_generation(study, trial))  # type: ignore[misc]
        study._storage.set_trial_system_attr(trial._trial_id, key, self._pinned)
        return self._pinned

    def get_parent_population(self, study: optuna.Study, generation: int) -> list[FrozenTrial]:
        cache = (study._study_id, generation)
        if cache not in self._parents:
            self._parents[cache] = super().get_parent_population(study, generation)  # type: ignore[misc]
        return self._parents[cache]


class BatchNSGAII(_BatchGenerations, NSGAIISampler):
    """NSGA-II with per-batch generation bookkeeping."""


class BatchNSGAIII(_BatchGenerations, NSGAIIISampler):
    """NSGA-III with per-batch generation bookkeeping."""


def make_sampler(spec: Nsga2 | Nsga3 | Tpe | RandomSearch, seed: int) -> optuna.samplers.BaseSampler:
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


def batch_size(spec: Nsga2 | Nsga3 | Tpe | RandomSearch) -> int:
    """Trials asked, evaluated and told together: a generation for GA samplers."""
    return spec.population_size if isinstance(spec, (Nsga2, Nsga3)) else spec.batch_size


def pinned(sampler: optuna.samplers.BaseSampler) -> _BatchGenerations | None:
    """The sampler if it keeps generations per batch, else None."""
    return sampler if isinstance(sampler, _BatchGenerations) else None
