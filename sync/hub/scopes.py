"""What each hub facilitator may see and change: the one rule every page, CSV, xAPI answer and export uses.

A facilitator is national (every centre), or holds some regions (every centre placed in them) and some
centres (by name); and is an administrator or read-only (a funder's view). A centre is the name its kiosks
were enrolled with; its region is a row of CentreRegion. Queries are narrowed with the expressions below
(`covers_centre`, `covers_kiosk`, `covers_learner`), written once here, so a page cannot word the rule
its own way. An account without a scope sees nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from sync.base import credentials

from .db import database
from .models import CentreRegion, EnrollCode, Facilitator, FacilitatorGrant, FacilitatorScope, Kiosk, Learner

REGION, CENTRE = "region", "centre"
EVERYTHING = pw.SQL("1 = 1")


def _l(message: str) -> str:
    """Mark a message for translation; the page translates it, the command line prints it in English."""
    return message


class ScopeRefused(Exception):
    """A grant or a change outside what the facilitator holds; `message` and `params` for the page's gettext."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Scope:
    """A facilitator's reach: national, or regions and centres by name; read-only or an administrator."""

    national: bool = False
    regions: frozenset[str] = field(default_factory=frozenset)
    centres: frozenset[str] = field(default_factory=frozenset)
    read_only: bool = False

    def covers_centre(self, column) -> pw.Expression:
        """A WHERE clause: `column` (a centre's name) is one of this scope's centres."""
        if self.national:
            return EVERYTHING
        placed = CentreRegion.select(CentreRegion.centre).where(CentreRegion.region.in_(sorted(self.regions)))
        return column.in_(sorted(self.centres)) | column.in_(placed)

    def covers_kiosk(self, column) -> pw.Expression:
        """A WHERE clause: `column` (a kiosk id) is a kiosk of one of this scope's centres."""
        if self.national:
            return EVERYTHING
        return column.in_(Kiosk.select(Kiosk.id).where(self.covers_centre(Kiosk.centre)))

    def covers_learner(self, column) -> pw.Expression:
        """A WHERE clause: `column` (a learner's uuid) is a learner enrolled on a kiosk of this scope."""
        if self.national:
            return EVERYTHING
        return column.in_(Learner.select(Learner.uuid).where(self.covers_kiosk(Learner.kiosk_id)))

    def holds_centre(self, centre: str) -> bool:
        if self.national or centre in self.centres:
            return True
        return CentreRegion.select().where((CentreRegion.centre == centre)
                                           & CentreRegion.region.in_(sorted(self.regions))).exists()

    def holds_kiosk(self, kiosk_id: str) -> bool:
        return Kiosk.select().where((Kiosk.id == kiosk_id) & self.covers_centre(Kiosk.centre)).exists()

    @property
    def empty(self) -> bool:
        return not (self.national or self.regions or self.centres)


NOBODY = Scope()
NATIONAL = Scope(national=True)


def scope_of(account: Facilitator | None) -> Scope:
    """The scope kept for this account; NOBODY when there is none (or no account)."""
    row = account and FacilitatorScope.get_or_none(FacilitatorScope.facilitator == account.id)
    if row is None:
        return NOBODY
    grants = list(FacilitatorGrant.select().where(FacilitatorGrant.facilitator == account.id))
    return Scope(national=row.national, read_only=row.read_only,
                 regions=frozenset(g.name for g in grants if g.kind == REGION),
                 centres=frozenset(g.name for g in grants if g.kind == CENTRE))


def give(account: Facilitator, scope: Scope) -> None:
    """Keep `scope` as this account's, replacing what it had."""
    with database.atomic():
        FacilitatorScope.insert(facilitator=account.id, national=scope.national, read_only=scope.read_only) \
            .on_conflict(conflict_target=[FacilitatorScope.facilitator],
                         update={FacilitatorScope.national: scope.national,
                                 FacilitatorScope.read_only: scope.read_only}).execute()
        FacilitatorGrant.delete().where(FacilitatorGrant.facilitator == account.id).execute()
        rows = [(account.id, REGION, r) for r in sorted(scope.regions)] + \
               [(account.id, CENTRE, c) for c in sorted(scope.centres)]
        if rows:
            FacilitatorGrant.insert_many(rows, fields=[FacilitatorGrant.facilitator, FacilitatorGrant.kind,
                                                       FacilitatorGrant.name]).execute()


def wanted(national: bool, regions, centres, read_only: bool) -> Scope:
    """The scope a form or the command line asks for; ScopeRefused when it names nothing or bad names."""
    regions = frozenset(r.strip() for r in regions if r.strip())
    centres = frozenset(c.strip() for c in centres if c.strip())
    for name in regions | centres:
        if credentials.name_problem(name):
            raise ScopeRefused(_l("A region's or a centre's name cannot hold control characters or be longer "
                                  "than %(n)s characters."), n=credentials.MAX_NAME)
    scope = Scope(national=bool(national), regions=frozenset() if national else regions,
                  centres=frozenset() if national else centres, read_only=bool(read_only))
    if scope.empty:
        raise ScopeRefused(_l("Say what this facilitator sees: the whole country, or at least one region or centre."))
    return scope


def outside(outer: Scope, inner: Scope) -> list[str]:
    """What `inner` reaches that `outer` does not (["the whole country"] or names); [] when it lies within."""
    if outer.national:
        return []
    if inner.national:
        return ["the whole country"]
    return sorted(inner.regions - outer.regions) + sorted(c for c in inner.centres if not outer.holds_centre(c))


def check_grant(granter: Scope, scope: Scope) -> None:
    """ScopeRefused unless `granter` may give `scope`: an administrator gives only within what they hold."""
    if granter.read_only:
        raise ScopeRefused(_l("A read-only account cannot give access."))
    if scope.national and not granter.national:
        raise ScopeRefused(_l("Only a national administrator can give access to the whole country."))
    names = outside(granter, scope)
    if names:
        raise ScopeRefused(_l("You can give access only to your own regions and centres, not to %(names)s."),
                           names=", ".join(names))


def known_centres(scope: Scope) -> list[str]:
    """Every centre this scope covers that the hub knows of (from kiosks, enrolment codes or regions)."""
    names = set()
    for model in (Kiosk, EnrollCode):
        names |= {r[0] for r in model.select(model.centre).where(scope.covers_centre(model.centre)).distinct().tuples()}
    names |= {r[0] for r in CentreRegion.select(CentreRegion.centre)
              .where(scope.covers_centre(CentreRegion.centre)).tuples()}
    return sorted(names, key=str.lower)


def regions_of(centres: list[str]) -> dict[str, str]:
    """{centre: its region} for these centres (a centre with no region is left out)."""
    return dict(CentreRegion.select(CentreRegion.centre, CentreRegion.region)
                .where(CentreRegion.centre.in_(centres)).tuples()) if centres else {}


def known_regions(scope: Scope) -> list[str]:
    """The regions this scope may name: every region for a national one, else those it holds."""
    if scope.national:
        return sorted({r[0] for r in CentreRegion.select(CentreRegion.region).distinct().tuples()}, key=str.lower)
    return sorted(scope.regions, key=str.lower)


def set_region(by: Scope, centre: str, region: str) -> None:
    """Place `centre` in `region` (an empty region: in none). ScopeRefused unless `by` may.

    A national administrator places any centre. A regional one moves a centre between their own regions,
    or places a centre the hub does not know yet in one of them (to enrol its first kiosk); never a centre
    of someone else, which would bring its learners into their view."""
    centre, region = centre.strip(), region.strip()
    if not centre or credentials.name_problem(centre) or credentials.name_problem(region):
        raise ScopeRefused(_l("A region's or a centre's name cannot hold control characters or be longer "
                              "than %(n)s characters."), n=credentials.MAX_NAME)
    if by.read_only:
        raise ScopeRefused(_l("A read-only account cannot give access."))
    if not by.national:
        current = CentreRegion.get_or_none(CentreRegion.centre == centre)
        unknown = current is None and centre not in known_centres(NATIONAL)
        mine = current is not None and current.region in by.regions
        if not region or region not in by.regions or not (unknown or mine):
            raise ScopeRefused(_l("You can place only your own centres, or new ones, in your own regions."))
    if region:
        CentreRegion.insert(centre=centre, region=region).on_conflict(
            conflict_target=[CentreRegion.centre], update={CentreRegion.region: region}).execute()
    else:
        CentreRegion.delete().where(CentreRegion.centre == centre).execute()
