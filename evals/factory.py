"""The models of one eval item: metered and timed per role, the coder maybe in chaos.

Each item gets fresh model instances carrying its own usage meter and call timer as
callbacks, so the item's calls, tokens, cost and model time are its own (failed jobs
included), while the agents still receive plain `BaseChatModel`s from a `ModelFactory`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from agents.models import ROLES, ModelFactory, ModelSpec, Role, build_model
from agents.replay import ReplayChatModel
from agents.usage import UsageMeter
from evals.chaos import ChaosChatModel
from evals.timing import CallTimer

__all__ = ["ItemModels", "Meters", "item_models", "item_seed", "metered_model"]


@dataclass(frozen=True)
class Meters:
    """What an item's model calls are counted by: usage by agent, and their intervals."""

    usage: UsageMeter = field(default_factory=UsageMeter)
    timer: CallTimer = field(default_factory=CallTimer)


@dataclass(frozen=True)
class ItemModels:
    """The factory an item's jobs run with, and the chaos wrapper around its coder if any."""

    factory: ModelFactory
    meters: Meters
    chaos: ChaosChatModel | None


def item_seed(seed: int, item_id: str) -> int:
    """A per-item seed, so adding items to a dataset does not reshuffle the others' faults."""
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{item_id}".encode()).digest()[:8], "big")


def metered_model(spec: ModelSpec, meters: Meters) -> BaseChatModel:
    """A fresh model for `spec` whose calls `meters` count."""
    return build_model(spec).model_copy(update={"callbacks": [meters.usage, meters.timer]})


def item_models(
    specs: Mapping[Role, ModelSpec], *, chaos: float, seed: int, item: str | None = None
) -> ItemModels:
    """Every role served by a metered model; with `chaos > 0` the coder's answers get faults.
    A replay coder (`replay:FILE`) answers from the recordings of `item`.

    The meters sit on the chaos wrapper, not inside it, so each coder call counts once.
    """
    meters = Meters()
    models: dict[Role, BaseChatModel] = {
        role: metered_model(specs[role], meters) for role in ROLES if role != "coder"
    }
    wrapper = None
    if chaos > 0:
        inner = _for_item(build_model(specs["coder"]), item)
        callbacks = [meters.usage, meters.timer]
        wrapper = ChaosChatModel(inner=inner, rate=chaos, seed=seed, callbacks=callbacks)
        models["coder"] = wrapper
    else:
        models["coder"] = _for_item(metered_model(specs["coder"], meters), item)
    return ItemModels(ModelFactory(dict(specs), overrides=models), meters, wrapper)


def _for_item(model: BaseChatModel, item: str | None) -> BaseChatModel:
    """A replay model answering from `item`'s recordings; any other model as it is."""
    if isinstance(model, ReplayChatModel) and item is not None:
        return model.model_copy(update={"item": item})
    return model
