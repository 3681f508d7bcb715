"""What every demo module shares: one seeded random source, one seeded Faker, and ids that
depend only on the seed, so the same seed builds the same partnership."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date

from faker import Faker


@dataclass
class DemoContext:
    seed: int
    #: The day the demo treats as "today" for ages; fixed so the data are the same on any day.
    today: date = date(2026, 11, 1)
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(self.seed)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)
