"""Setting up a data directory: schema, demo population, keys and the first trust list.

`initialise` is what `sanad registry init` runs: create the directory, migrate the database,
optionally insert a generated population (bulk inserts; 10,000 persons in a few seconds), make
the root key and the first document signer if there are none, and publish the trust list.
Re-running it on an initialised directory migrates and keeps what is there; a demo population
is only added to an empty database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from registry import keyring, pins
from registry.config import (
    DataDir,
    Settings,
    default_config_text,
    load_settings,
    open_private,
    write_private,
)
from registry.db import Database
from registry.errors import ConfigError
from registry.models import (
    Credential,
    Death,
    Divorce,
    Marriage,
    Person,
    PersonNameBlock,
    RootKey,
)
from registry.payments import setup as payment_secrets
from registry.places import register_defaults
from registry.population import REFERENCE_DATE, Population, demo_phone, demo_pin, generate
from registry.records import name_index_rows
from registry.transparency import keys as transparency_keys

__all__ = ["InitResult", "initialise", "insert_population"]

log = logging.getLogger(__name__)

_CHUNK = 2000


@dataclass(frozen=True)
class InitResult:
    database_url: str
    persons_added: int
    credentials_added: int
    root_kid: str
    signer_kid: str | None
    trust_list_sequence: int | None  # None: the root key is offline, nothing was published
    demo_citizens: str | None


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def insert_population(
    db: Database,
    pop: Population,
    seed: int,
    *,
    progress: Callable[[int], None] | None = None,
    region: str | None = None,
) -> int:
    """Insert the rows and a demo-cost PIN hash for every living person aged 16 or more (and,
    given the jurisdiction's `region`, a demo mobile number: `population.demo_phone`)."""
    dead = {d["person_id"] for d in pop.deaths}
    creds = []
    for p in pop.persons:
        if p["id"] in dead or _age(p["date_of_birth"], REFERENCE_DATE) < 16:
            continue
        p["phone"] = demo_phone(seed, p["national_id"], region)
        pin = demo_pin(seed, p["national_id"])
        creds.append(
            {
                "person_id": p["id"],
                "pin_hash": pins.hash_pin(
                    pin, opslimit=pins.DEMO_OPSLIMIT, memlimit=pins.DEMO_MEMLIMIT
                ),
                "failures": 0,
            }
        )
    with db.session() as s:
        if s.execute(select(func.count()).select_from(Person)).scalar():
            raise ConfigError(
                "the database already holds persons; a demo population needs an empty one"
            )
        for i in range(0, len(pop.persons), _CHUNK):
            chunk = pop.persons[i : i + _CHUNK]
            keys, blocks = name_index_rows(chunk)
            s.execute(insert(Person), [{**p, "name_key": keys[p["id"]]} for p in chunk])
            if blocks:
                s.execute(insert(PersonNameBlock), blocks)
            if progress:
                progress(min(i + _CHUNK, len(pop.persons)))
        for model, rows in (
            (Marriage, pop.marriages),
            (Divorce, pop.divorces),
            (Death, pop.deaths),
        ):
            for i in range(0, len(rows), _CHUNK):
                s.execute(insert(model), rows[i : i + _CHUNK])
        for i in range(0, len(creds), _CHUNK):
            s.execute(insert(Credential), creds[i : i + _CHUNK])
        if db.engine.dialect.name == "postgresql":
            # explicit ids were inserted: move the sequences past them
            for table in ("persons", "marriages", "divorces", "deaths"):
                s.connection().exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    return len(creds)


def write_demo_citizens(path: str | os.PathLike[str], pop: Population, seed: int) -> None:
    """DATA/demo-citizens.csv: national ID, PIN and a few facts handy for trying the kiosk."""
    dead = {d["person_id"] for d in pop.deaths}
    by_id = {p["id"]: p for p in pop.persons}
    divorced: set[int] = set()
    married: set[int] = set()
    for m in pop.marriages:
        married.update((m["husband_id"], m["wife_id"]))
    for d in pop.divorces:
        m = pop.marriages[d["marriage_id"] - 1]
        divorced.update((m["husband_id"], m["wife_id"]))
    minor_parents: set[int] = set()
    orphans: set[int] = set()
    for p in pop.persons:
        if _age(p["date_of_birth"], REFERENCE_DATE) < 18:
            minor_parents.update(x for x in (p["father_id"], p["mother_id"]) if x)
        if (p["father_id"] in dead) or (p["mother_id"] in dead):
            orphans.add(p["id"])
    with open_private(path) as f:  # national numbers and PINs: owner-only
        w = csv.writer(f)
        w.writerow(
            [
                "national_id",
                "pin",
                "card_number",
                "name_ar",
                "name_latin",
                "sex",
                "date_of_birth",
                "facts",
                "phone",
            ]
        )
        for pid, p in by_id.items():
            if pid in dead or _age(p["date_of_birth"], REFERENCE_DATE) < 16:
                continue
            facts = [
                name
                for name, flag in (
                    ("married", pid in married),
                    ("divorced", pid in divorced),
                    ("parent_of_minor", pid in minor_parents),
                    ("deceased_parent", pid in orphans),
                    ("employed", p["employed"]),
                )
                if flag
            ]
            full_ar = " ".join(
                (p["given_ar"], p["father_given_ar"], p["grandfather_given_ar"], p["family_ar"])
            )
            full_latin = " ".join(
                (
                    p["given_latin"],
                    p["father_given_latin"],
                    p["grandfather_given_latin"],
                    p["family_latin"],
                )
            )
            w.writerow(
                [
                    p["national_id"],
                    demo_pin(seed, p["national_id"]),
                    p["card_number"] or "",
                    full_ar,
                    full_latin,
                    "M" if p["sex"] == 1 else "F",
                    p["date_of_birth"].isoformat(),
                    " ".join(facts),
                    p.get("phone") or "",
                ]
            )


def config_text(database_url: str | None = None) -> str:
    """DATA/registry.toml as `init` writes it: the packaged default (the pilot's identity),
    with the database URL when one was given (the file is owner-only: the URL may carry the
    database password)."""
    text = default_config_text()
    if database_url:
        line = f"database = {json.dumps(database_url)}\n"
        text = text.replace("[registry]\n", "[registry]\n" + line, 1)
    return text


def initialise(
    data: DataDir,
    *,
    database_url: str | None = None,
    demo: int = 0,
    seed: int = 0,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> InitResult:
    data.ensure()
    if not data.config_path.exists():
        write_private(data.config_path, config_text(database_url))
    settings = settings or load_settings(data)
    payment_secrets.ensure_secrets(data, settings.payments)  # the provider's key, owner-only
    transparency_keys.checkpoint_key(data)  # the audit log's checkpoint key (docs/transparency.md)
    url = data.database_url(database_url)
    db = Database(url)
    try:
        db.migrate()
        added = creds = 0
        demo_path = None
        if demo:
            pop = generate(demo, seed)
            creds = insert_population(
                db, pop, seed, progress=progress, region=settings.identity.country
            )
            added = len(pop.persons)
            write_demo_citizens(data.demo_citizens_path, pop, seed)
            demo_path = str(data.demo_citizens_path)
        with db.session() as s:
            register_defaults(s)
            root = s.execute(select(RootKey).where(RootKey.active)).scalars().first()
            if root is None:
                root = keyring.create_root(s, data)
            # A root whose private key is not here is kept offline (docs/operations.md): it is
            # never replaced behind the administrator's back, and the trust list waits for the
            # next key ceremony.
            signer = keyring.current_signer(s)
            if signer is None:
                signer = keyring.create_signer(s, data, settings)
            s.flush()
            published = (
                keyring.publish_trust_list(s, data, settings)
                if data.root_key_path.exists()
                else None
            )
        return InitResult(
            database_url=url,
            persons_added=added,
            credentials_added=creds,
            root_kid=root.kid,
            signer_kid=signer.kid if signer else None,
            trust_list_sequence=published.sequence if published else None,
            demo_citizens=demo_path,
        )
    finally:
        db.dispose()
