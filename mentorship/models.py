"""Every table, in one place for Alembic and for code that needs the whole schema mapped.

Each table's home is its feature package (`mentorship.people.models`, `.profiles.models`,
`.taxonomy.models`, `.rounds.models`, `.programmes.models`, `.pairs_health.models`,
`.mail.models`, `mentorship.core.audit`); import from there.
"""

from mentorship.core.audit import AuditEvent
from mentorship.core.models import Base
from mentorship.mail.models import MailStatus, OutboxMessage
from mentorship.pairs_health.models import CheckIn, CheckInAnswer, Feedback
from mentorship.people.models import Invite, Person, SignupLink, SignupRequest
from mentorship.profiles.models import (
    FormatPreference,
    ImportJob,
    ImportStatus,
    MentoringRole,
    Profile,
    ProfileSkill,
)
from mentorship.programmes.models import Enrolment, Programme, ProgrammeCoordinator
from mentorship.rounds.models import (
    Agreement,
    Match,
    MatchStatus,
    PairRule,
    Round,
    RoundStatus,
    Suggestion,
)
from mentorship.taxonomy.models import Skill, TaxonomyVersion

__all__ = [
    "Agreement",
    "AuditEvent",
    "Base",
    "CheckIn",
    "CheckInAnswer",
    "Enrolment",
    "Feedback",
    "FormatPreference",
    "ImportJob",
    "ImportStatus",
    "Invite",
    "MailStatus",
    "Match",
    "MatchStatus",
    "MentoringRole",
    "OutboxMessage",
    "PairRule",
    "Person",
    "Profile",
    "ProfileSkill",
    "Programme",
    "ProgrammeCoordinator",
    "Round",
    "RoundStatus",
    "SignupLink",
    "SignupRequest",
    "Skill",
    "Suggestion",
    "TaxonomyVersion",
]
