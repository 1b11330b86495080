"""SQLAlchemy 2 typed models, one module per domain; Alembic reads `Base.metadata`."""

from bot.models.base import Base
from bot.models.conversation import ConversationState, ProcessedEvent, QuestionLog, TaughtExample
from bot.models.directory import (
    CorrectionRequest,
    Organisation,
    Partnership,
    PartnershipService,
    School,
)
from bot.models.tickets import OutboxMessage, StaffMember, Ticket, TicketEvent
from bot.models.trainings import AnnouncementPost, Reminder, TrainingSession
from bot.models.channels import ChannelRole, ConversationReference
from bot.models.inbox import InboxEvent
from bot.models.grounded import GroundedAnswer
from bot.models.contacts import NudgeHold, NudgeSent, SchoolContact
from bot.models.desk import AuditEvent, DeskLogin, DeskSession, StaffPerson
from bot.models.email import EmailAddress
from bot.models.knowledge import DepartmentAnswer, FaqEntry, FaqTopicText

__all__ = [
    "AnnouncementPost",
    "AuditEvent",
    "DeskLogin",
    "DeskSession",
    "DepartmentAnswer",
    "FaqEntry",
    "FaqTopicText",
    "EmailAddress",
    "StaffPerson",
    "Base",
    "ChannelRole",
    "ConversationReference",
    "ConversationState",
    "CorrectionRequest",
    "GroundedAnswer",
    "InboxEvent",
    "NudgeHold",
    "NudgeSent",
    "Organisation",
    "OutboxMessage",
    "Partnership",
    "PartnershipService",
    "ProcessedEvent",
    "QuestionLog",
    "Reminder",
    "School",
    "SchoolContact",
    "StaffMember",
    "TaughtExample",
    "Ticket",
    "TicketEvent",
    "TrainingSession",
]
