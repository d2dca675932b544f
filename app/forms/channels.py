"""The channel table (`forms/_kanalen.yaml`): how a fact reaches the gemeente, on which legal basis,
and with whom it may be shared; plus the recipients a controle brief may go to.

Questions name their channel in `source`; the loader resolves it into a `Provenance` on the
question, so the wizard, the snapshot, the report, the controle brief, the portfolio upload,
the processing record and the Algoritmeregister entry all read the same declaration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate

from app.rules.errors import Fault, flatten_messages, read_yaml

CHANNELS_FILE = "_kanalen.yaml"
KEY = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="moet kleine letters, cijfers of _ zijn")
BRIEF_POLICIES = ("antwoord", "weglaten")
#: The channel of a question that names none.
DEFAULT_CHANNEL = "aanvrager"


class ShareabilitySchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=3, max=200))
    toelichting = fields.String(required=True, validate=validate.Length(min=3, max=1000))
    brief = fields.String(required=True, validate=validate.OneOf(BRIEF_POLICIES))


class ChannelSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=3, max=200))
    grondslag = fields.String(required=True, validate=validate.Length(min=3, max=500))
    geverifieerd = fields.Boolean(required=True)
    deelbaarheid = fields.String(required=True)
    portfolio = fields.Boolean(required=True)
    strafrechtelijk = fields.Boolean(load_default=False)
    bevindingen = fields.Boolean(load_default=False)


class RecipientSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=2, max=200))
    grondslag = fields.String(required=True, validate=validate.Length(min=3, max=500))
    ontvangt = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    weerleggingen = fields.Boolean(required=True)


class ChannelFileSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    deelbaarheid = fields.Dict(
        keys=fields.String(validate=KEY), values=fields.Nested(ShareabilitySchema), required=True
    )
    kanalen = fields.Dict(keys=fields.String(validate=KEY), values=fields.Nested(ChannelSchema), required=True)
    portfolio_reden = fields.String(required=True, validate=validate.Length(min=10, max=2000))
    partners = fields.Dict(
        keys=fields.String(validate=KEY), values=fields.String(validate=validate.Length(min=2, max=200)), required=True
    )
    ontvangers = fields.Dict(keys=fields.String(validate=KEY), values=fields.Nested(RecipientSchema), required=True)


@dataclass(frozen=True)
class Shareability:
    id: str
    label: str
    explanation: str
    brief: str  # "antwoord" or "weglaten"


@dataclass(frozen=True)
class Channel:
    id: str
    label: str
    legal_basis: str
    verified: bool
    shareability: str
    portfolio: bool
    criminal: bool
    findings: bool = False


@dataclass(frozen=True)
class Recipient:
    id: str
    label: str
    legal_ground: str
    receives: tuple[str, ...]
    may_know_rebuttals: bool


@dataclass(frozen=True)
class Provenance:
    """Where one question's answer comes from and who may receive it (resolved from the table)."""

    channel: str
    channel_label: str
    partner: str | None
    partner_label: str
    shareability: str
    shareability_label: str
    criminal: bool
    portfolio: bool
    legal_basis: str
    findings: bool = False

    @property
    def label(self) -> str:
        """The channel as a report shows it: "Informatie van een partner: Politie"."""
        return f"{self.channel_label}: {self.partner_label}" if self.partner_label else self.channel_label

    def snapshot_fields(self) -> dict[str, object]:
        """The fields a result snapshot stores beside `source`, so the report renders as it was."""
        return {
            "source_label": self.label,
            "partner": self.partner,
            "shareability": self.shareability,
            "shareability_label": self.shareability_label,
            "criminal": self.criminal,
        }


@dataclass(frozen=True, eq=False)
class ChannelTable:
    version: int
    shareabilities: dict[str, Shareability]
    channels: dict[str, Channel]
    portfolio_reason: str
    partners: dict[str, str]
    recipients: dict[str, Recipient]
    content_hash: str = ""

    def resolve(self, channel: str, partner: str | None, criminal: bool) -> Provenance:
        """The provenance of a question with this channel, partner and criminal-data flag."""
        c = self.channels[channel]
        is_criminal = criminal or c.criminal
        shareability = self.strictest() if is_criminal else c.shareability
        return Provenance(
            channel=channel,
            channel_label=c.label,
            partner=partner,
            partner_label=self.partners.get(partner, "") if partner else "",
            shareability=shareability,
            shareability_label=self.shareabilities[shareability].label,
            criminal=is_criminal,
            portfolio=c.portfolio and not is_criminal,
            legal_basis=c.legal_basis,
            findings=c.findings,
        )

    def strictest(self) -> str:
        """The last (strictest) shareability in the table."""
        return list(self.shareabilities)[-1]


def load_channels(forms_dir: Path, faults: list[Fault], texts: dict[str, str] | None = None) -> ChannelTable | None:
    """Read and check `forms/_kanalen.yaml`; record every fault and return None when it is unusable."""
    name = f"forms/{CHANNELS_FILE}"
    path = forms_dir / CHANNELS_FILE
    if not path.is_file():
        faults.append(Fault(name, "", "kanalentabel ontbreekt"))
        return None
    data, raw = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = ChannelFileSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    before = len(faults)
    levels = doc["deelbaarheid"]
    for cid, c in doc["kanalen"].items():
        if c["deelbaarheid"] not in levels:
            faults.append(Fault(name, f"kanalen.{cid}.deelbaarheid", f"onbekende deelbaarheid {c['deelbaarheid']!r}"))
    for rid, r in doc["ontvangers"].items():
        for level in r["ontvangt"]:
            if level not in levels:
                faults.append(Fault(name, f"ontvangers.{rid}.ontvangt", f"onbekende deelbaarheid {level!r}"))
    if DEFAULT_CHANNEL not in doc["kanalen"]:
        faults.append(Fault(name, "kanalen", f"kanaal {DEFAULT_CHANNEL!r} ontbreekt (standaard van elke vraag)"))
    if len(faults) > before:
        return None
    return ChannelTable(
        version=doc["version"],
        shareabilities={k: Shareability(k, v["label"], v["toelichting"], v["brief"]) for k, v in levels.items()},
        channels={
            k: Channel(
                k,
                v["label"],
                v["grondslag"],
                v["geverifieerd"],
                v["deelbaarheid"],
                v["portfolio"],
                v["strafrechtelijk"],
                v["bevindingen"],
            )
            for k, v in doc["kanalen"].items()
        },
        portfolio_reason=" ".join(doc["portfolio_reden"].split()),
        partners=doc["partners"],
        recipients={
            k: Recipient(k, v["label"], v["grondslag"], tuple(v["ontvangt"]), v["weerleggingen"])
            for k, v in doc["ontvangers"].items()
        },
        content_hash=hashlib.sha256(raw).hexdigest(),
    )
