"""The Reflex app: pages, theme, and the FastAPI app mounted for /api."""

import reflex as rx

from voice_platform.api import create_api
from voice_platform.logs import configure_logging
from voice_platform.pages.agent import AgentState, agent_page
from voice_platform.pages.agents import AgentsState, agents_page
from voice_platform.pages.api_keys import ApiKeysState, api_keys_page
from voice_platform.pages.audit import AuditState, audit_log
from voice_platform.pages.calls import CallsState, calls_page
from voice_platform.pages.console import ConsoleState, console_page
from voice_platform.pages.create import create_page, creation_page
from voice_platform.pages.dashboard import DashboardState, dashboard_page
from voice_platform.pages.forgot_password import ForgotPasswordState, forgot_password
from voice_platform.pages.home import HomeState, home
from voice_platform.pages.invite import InviteState, invite
from voice_platform.pages.knowledge import KnowledgeState, knowledge_page
from voice_platform.pages.knowledge_gaps import knowledge_gaps_page
from voice_platform.pages.login import LoginState, login
from voice_platform.pages.messages import MessagesState, messages_page
from voice_platform.pages.not_found import not_found
from voice_platform.pages.numbers import NumbersState, numbers_page
from voice_platform.pages.outbox import OutboxState, outbox
from voice_platform.pages.reset_password import ResetPasswordState, reset_password
from voice_platform.pages.settings import SettingsState, settings
from voice_platform.pages.signup import SignupState, signup
from voice_platform.pages.staff import StaffState, staff
from voice_platform.pages.team import TeamState, team
from voice_platform.state.auth import AuthState
from voice_platform.state.create_wizard import CreateWizardState, CreationProgressState
from voice_platform.state.knowledge_gaps import KnowledgeGapsState
from voice_platform.state.provider_accounts import ProviderAccountsState
from voice_platform.state.voice_picker import VoicePickerState

configure_logging()

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.meta(name="viewport", content="width=device-width, initial-scale=1")],
)
# Public pages pick up an existing session (for the navigation) but never insist on one.
app.add_page(
    home, route="/", title="Voice Platform", on_load=[AuthState.check_session, HomeState.load]
)
app.add_page(login, route="/login", title="Log in · Voice Platform", on_load=LoginState.load)
app.add_page(signup, route="/signup", title="Sign up · Voice Platform", on_load=SignupState.load)
app.add_page(
    forgot_password,
    route="/forgot-password",
    title="Forgot password · Voice Platform",
    on_load=ForgotPasswordState.load,
)
app.add_page(
    reset_password,
    route="/reset-password",
    title="New password · Voice Platform",
    on_load=ResetPasswordState.load,
)
app.add_page(invite, route="/invite", title="Invitation · Voice Platform", on_load=InviteState.load)
# Protected pages: a session first (or the log-in page), then the page's own data.
app.add_page(
    agents_page,
    route="/agents",
    title="Agents · Voice Platform",
    on_load=[AuthState.require_login, AgentsState.load],
)
app.add_page(
    create_page,
    route="/agents/new",
    title="New agent · Voice Platform",
    on_load=[AuthState.require_login, CreateWizardState.load],
)
app.add_page(
    creation_page,
    route="/agents/[agent_id]/creating",
    title="Creating an agent · Voice Platform",
    on_load=[AuthState.require_login, CreationProgressState.load],
)
app.add_page(
    agent_page,
    route="/agents/[agent_id]",
    title="Agent · Voice Platform",
    on_load=[AuthState.require_login, AgentState.load, VoicePickerState.load],
)
app.add_page(
    knowledge_page,
    route="/agents/[agent_id]/knowledge",
    title="Knowledge base · Voice Platform",
    on_load=[AuthState.require_login, KnowledgeState.load],
)
app.add_page(
    settings,
    route="/settings",
    title="Settings · Voice Platform",
    on_load=[AuthState.require_login, SettingsState.load, ProviderAccountsState.load],
)
app.add_page(
    team,
    route="/team",
    title="Team · Voice Platform",
    on_load=[AuthState.require_login, TeamState.load],
)
app.add_page(
    api_keys_page,
    route="/api-keys",
    title="API keys · Voice Platform",
    on_load=[AuthState.require_login, ApiKeysState.load],
)
app.add_page(
    console_page,
    route="/agents/[agent_id]/console",
    title="Test console · Voice Platform",
    on_load=[AuthState.require_login, ConsoleState.load],
)
app.add_page(
    numbers_page,
    route="/numbers",
    title="Phone numbers · Voice Platform",
    on_load=[AuthState.require_login, NumbersState.load],
)
app.add_page(
    dashboard_page,
    route="/dashboard",
    title="Dashboard · Voice Platform",
    on_load=[AuthState.require_login, DashboardState.load],
)
app.add_page(
    calls_page,
    route="/calls",
    title="Calls · Voice Platform",
    on_load=[AuthState.require_login, CallsState.load],
)
app.add_page(
    messages_page,
    route="/messages",
    title="Messages · Voice Platform",
    on_load=[AuthState.require_login, MessagesState.load],
)
app.add_page(
    knowledge_gaps_page,
    route="/knowledge-gaps",
    title="Unanswered questions · Voice Platform",
    on_load=[AuthState.require_login, KnowledgeGapsState.load],
)
app.add_page(
    audit_log,
    route="/audit",
    title="Audit log · Voice Platform",
    on_load=[AuthState.require_login, AuditState.load],
)
app.add_page(
    staff,
    route="/staff",
    title="Staff console · Voice Platform",
    on_load=[AuthState.require_login, StaffState.load],
)
app.add_page(
    outbox,
    route="/staff/outbox",
    title="Email outbox · Voice Platform",
    on_load=[AuthState.require_login, OutboxState.load],
)
app.add_page(not_found, route="404", title="Page not found")
