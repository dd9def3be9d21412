"""Config flow: pair Home Assistant with an OpenClaw gateway as a device.

Two ways in: a setup code (``openclaw qr`` or ``/pair``; its bootstrap token is used once and
never stored) or a URL with the gateway token or password. Either way the flow presents a fresh
Ed25519 device identity; when the gateway wants the device approved, a progress step names the
request to approve and reconnects until it is. The entry keeps the device key and the device
token from ``hello-ok``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import probatio as vol
from yarl import URL

from . import pairing
from .aioopenclaw import DeviceIdentity, HelloOk, OpenClawError
from .aioopenclaw.errors import PairingRequiredError, SetupCodeError
from .aioopenclaw.setup_code import parse_setup_code
from .assist_const import (
    CONF_AGENT_ID,
    CONF_ANNOUNCE,
    CONF_REPLY_TIMEOUT,
    CONF_SEND_CONTEXT,
    CONF_SESSION_SCOPE,
    DEFAULT_REPLY_TIMEOUT,
    DEFAULT_SESSION_SCOPE,
    SUBENTRY_CONVERSATION,
)
from .client_factory import gateway_unique_id
from .const import (
    CONF_DELTA_RATE,
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_HOOKS_TOKEN,
    CONF_PASSWORD,
    CONF_SESSIONS,
    CONF_SETUP_CODE,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_DELTA_RATE,
    DOMAIN,
    LOGGER,
    MAX_DELTA_RATE,
    MAX_EXPOSED_SESSIONS,
    MIN_DELTA_RATE,
)
from .node_options import NODE_OPTIONS_SCHEMA, node_options
from .pairing import GatewayLogin, LoginError
from .subentry_flow import SUBENTRY_FLOWS

# Setup-code parse failures (SetupCodeError.reason) and their form errors.
_SETUP_CODE_ERRORS = {
    "invalid_encoding": "setup_code_malformed",
    "invalid_json": "setup_code_malformed",
    "missing_url": "setup_code_no_url",
    "invalid_url_scheme": "setup_code_no_url",
    "missing_token": "setup_code_no_token",
    "expired": "setup_code_expired",
}
# Rows of sessions.list offered in the options (newest first); the selection is capped apart.
SESSION_CHOICES_LIMIT = 200

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TEXT = TextSelector()
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


@dataclass(frozen=True)
class _Discovery:
    url: str
    name: str
    fingerprint: str | None


class OpenClawConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up, re-authenticate and reconfigure a gateway connection."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        self._identity: DeviceIdentity | None = None
        self._discovery: _Discovery | None = None
        self._login: GatewayLogin | None = None
        self._request_id: str | None = None
        self._data: dict[str, Any] | None = None
        self._pair_task: asyncio.Task[dict[str, Any]] | None = None
        self._pair_error: str | None = None
        self._return_step = "setup_code"
        self._default_agent = "main"

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OpenClawOptionsFlow:
        return OpenClawOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Assist and AI task agents (subentry_flow.py)."""
        return dict(SUBENTRY_FLOWS)

    # -- who we are ----------------------------------------------------------------------

    @property
    def _entry(self) -> ConfigEntry | None:
        """The entry being re-authenticated or reconfigured."""
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry()
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry()
        return None

    @property
    def identity(self) -> DeviceIdentity:
        """One device identity per flow: a bootstrap token binds to the first key it sees."""
        if self._identity is None:
            entry = self._entry
            self._identity = (
                DeviceIdentity.from_storage(entry.data[CONF_DEVICE_KEY])
                if entry is not None
                else DeviceIdentity.generate()
            )
        return self._identity

    # -- new gateways --------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="user", menu_options=["setup_code", "manual"])

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A gateway announced itself. TXT records are unauthenticated: they only suggest."""
        props = discovery_info.properties
        port = discovery_info.port or _int(props.get("gatewayPort"))
        if port is None:
            return self.async_abort(reason="not_openclaw")
        tls = str(props.get("gatewayTls", "")).lower() in ("1", "true")
        # Connect to the address the A/AAAA record gave, not to TXT lanHost.
        url = str(URL.build(scheme="wss" if tls else "ws", host=discovery_info.host, port=port))
        await self.async_set_unique_id(gateway_unique_id(url))
        # No updates: a discovery must never replace a stored URL or TLS pin.
        self._abort_if_unique_id_configured()
        names = {discovery_info.host.lower(), pairing.url_host(f"ws://{props.get('lanHost', '')}")}
        for entry in self._async_current_entries(include_ignore=False):
            known = URL(entry.data.get(CONF_URL, ""))
            if pairing.url_host(str(known)) in names and known.port == port:
                return self.async_abort(reason="already_configured")
        name = str(props.get("displayName") or discovery_info.name.split(".")[0])
        fingerprint = props.get("gatewayTlsSha256")
        self._discovery = _Discovery(url, name, str(fingerprint) if fingerprint else None)
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        assert self._discovery is not None
        return self.async_show_menu(
            step_id="zeroconf_confirm",
            menu_options=["setup_code", "manual"],
            description_placeholders={
                "name": self._discovery.name,
                "url": self._discovery.url,
                "fingerprint": self._discovery.fingerprint or "-",
            },
        )

    async def async_step_setup_code(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Paste a setup code: its bootstrap token pairs this flow's device identity."""
        errors = self._take_pair_error()
        entry = self._entry
        if user_input is not None:
            try:
                code = parse_setup_code(user_input[CONF_SETUP_CODE])
                fingerprint = pairing.normalize_fingerprint(user_input.get(CONF_TLS_FINGERPRINT))
            except SetupCodeError as err:
                errors[CONF_SETUP_CODE] = _SETUP_CODE_ERRORS.get(err.reason, "setup_code_invalid")
            except ValueError:
                errors[CONF_TLS_FINGERPRINT] = "invalid_fingerprint"
            else:
                if entry is not None:
                    # Re-authenticating: the entry's address is the gateway we know.
                    urls = [entry.data[CONF_URL]]
                    fingerprint = fingerprint or code.tls_fingerprint
                    fingerprint = fingerprint or entry.data.get(CONF_TLS_FINGERPRINT)
                else:
                    urls = _unique(
                        [self._discovery.url] if self._discovery else [], [code.url], code.urls
                    )
                    fingerprint = fingerprint or code.tls_fingerprint
                    for url in urls:  # before the code gets bound to this device
                        await self._async_abort_if_configured(url)
                logins = [
                    GatewayLogin(
                        url,
                        self.identity,
                        bootstrap_token=code.bootstrap_token,
                        tls_fingerprint=fingerprint,
                        expires_at_ms=code.expires_at_ms,
                    )
                    for url in urls
                ]
                if (result := await self._async_login("setup_code", logins, errors)) is not None:
                    return result
        schema = vol.Schema(
            {
                vol.Required(CONF_SETUP_CODE): _TEXT,
                vol.Optional(CONF_TLS_FINGERPRINT): _TEXT,
            }
        )
        return self.async_show_form(
            step_id="setup_code",
            data_schema=self.add_suggested_values_to_schema(schema, _without_secrets(user_input)),
            errors=errors,
        )

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A URL and the gateway token or password."""
        errors = self._take_pair_error()
        if user_input is not None:
            url = pairing.normalize_url(user_input[CONF_URL])
            token = (user_input.get(CONF_TOKEN) or "").strip() or None
            password = user_input.get(CONF_PASSWORD) or None
            fingerprint = self._fingerprint(user_input, errors)
            if url is None:
                errors[CONF_URL] = "invalid_url"
            elif token and password:
                errors["base"] = "token_or_password"
            elif not errors:
                await self._async_abort_if_configured(url)
                login = GatewayLogin(
                    url, self.identity, token=token, password=password, tls_fingerprint=fingerprint
                )
                if (result := await self._async_login("manual", [login], errors)) is not None:
                    return result
        suggested: dict[str, Any] = {}
        if self._discovery is not None:
            suggested[CONF_URL] = self._discovery.url
            if self._discovery.fingerprint:
                suggested[CONF_TLS_FINGERPRINT] = self._discovery.fingerprint
        suggested.update(_without_secrets(user_input))
        schema = vol.Schema(
            {
                vol.Required(CONF_URL): _URL,
                vol.Optional(CONF_TOKEN): _PASSWORD,
                vol.Optional(CONF_PASSWORD): _PASSWORD,
                vol.Optional(CONF_TLS_FINGERPRINT): _TEXT,
            }
        )
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    # -- existing entries ----------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        return self.async_show_menu(
            step_id="reauth_confirm",
            menu_options=["setup_code", "reauth_token"],
            description_placeholders={"name": entry.title, "url": entry.data[CONF_URL]},
        )

    async def async_step_reauth_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new gateway token or password for the entry's address (e.g. after a rotation)."""
        errors = self._take_pair_error()
        entry = self._get_reauth_entry()
        if user_input is not None:
            token = (user_input.get(CONF_TOKEN) or "").strip() or None
            password = user_input.get(CONF_PASSWORD) or None
            if bool(token) == bool(password):
                errors["base"] = "token_or_password"
            else:
                login = GatewayLogin(
                    entry.data[CONF_URL],
                    self.identity,
                    token=token,
                    password=password,
                    tls_fingerprint=entry.data.get(CONF_TLS_FINGERPRINT),
                )
                if (result := await self._async_login("reauth_token", [login], errors)) is not None:
                    return result
        schema = vol.Schema(
            {vol.Optional(CONF_TOKEN): _PASSWORD, vol.Optional(CONF_PASSWORD): _PASSWORD}
        )
        return self.async_show_form(
            step_id="reauth_token",
            data_schema=schema,
            errors=errors,
            description_placeholders={"url": entry.data[CONF_URL]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to a new address, keeping its device and credentials."""
        errors = self._take_pair_error()
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            url = pairing.normalize_url(user_input[CONF_URL])
            fingerprint = self._fingerprint(user_input, errors)
            if url is None:
                errors[CONF_URL] = "invalid_url"
            elif not errors:
                other = self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, gateway_unique_id(url)
                )
                if other is not None and other.entry_id != entry.entry_id:
                    return self.async_abort(reason="already_configured")
                login = GatewayLogin(
                    url,
                    self.identity,
                    token=entry.data.get(CONF_TOKEN),
                    password=entry.data.get(CONF_PASSWORD),
                    device_token=entry.data.get(CONF_DEVICE_TOKEN),
                    tls_fingerprint=fingerprint,
                )
                if (result := await self._async_login("reconfigure", [login], errors)) is not None:
                    return result
        schema = vol.Schema(
            {vol.Required(CONF_URL): _URL, vol.Optional(CONF_TLS_FINGERPRINT): _TEXT}
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or dict(entry.data)),
            errors=errors,
        )

    # -- logging in and waiting for approval ---------------------------------------------

    async def _async_login(
        self, step_id: str, logins: list[GatewayLogin], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Test the login; fill ``errors`` and return None when the form must show again."""
        try:
            login, outcome = await pairing.async_first_login(self.hass, logins)
            if isinstance(outcome, PairingRequiredError):
                self._login, self._request_id = login, outcome.request_id
                self._return_step = step_id
                return await self.async_step_pair()
            self._login, self._data = login, pairing.entry_data(login, outcome)
            self._default_agent = outcome.default_agent_id
        except (OpenClawError, LoginError) as err:
            errors["base"] = pairing.error_key(err, logins[0])
            LOGGER.debug("login to the gateway failed: %s", errors["base"])
            return None
        return await self.async_step_finish()

    async def async_step_pair(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show what to approve on the gateway while reconnecting in the background."""
        assert self._login is not None
        if self._pair_task is None:
            self._pair_task = self.hass.async_create_task(
                self._async_wait_for_approval(self._login), "openclaw pairing wait"
            )
        if not self._pair_task.done():
            request_id = self._request_id or "-"
            return self.async_show_progress(
                step_id="pair",
                progress_action="wait_for_approval",
                description_placeholders={
                    "request_id": request_id,
                    "command": f"openclaw devices approve {request_id}",
                    "minutes": str(pairing.wait_minutes(self._login, pairing.PAIRING_TIMEOUT)),
                },
                progress_task=self._pair_task,
            )
        task, self._pair_task = self._pair_task, None
        try:
            self._data = task.result()
        except LoginError as err:
            self._pair_error = err.key
            return self.async_show_progress_done(next_step_id=self._return_step)
        return self.async_show_progress_done(next_step_id="finish")

    async def _async_wait_for_approval(self, login: GatewayLogin) -> dict[str, Any]:
        try:
            hello: HelloOk = await pairing.async_wait_for_approval(
                self.hass, login, self._request_id, pairing.PAIRING_TIMEOUT
            )
            self._default_agent = hello.default_agent_id
            return pairing.entry_data(login, hello)
        except LoginError:
            raise
        except Exception as err:  # every failure must end the wait with a message
            raise LoginError(pairing.error_key(err, login)) from err

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the entry (or update the re-authenticated / reconfigured one)."""
        assert self._login is not None and self._data is not None
        data, url = self._data, self._login.url
        if self.source == SOURCE_REAUTH:
            return self._async_update_entry(self._get_reauth_entry(), data)
        if self.source == SOURCE_RECONFIGURE:
            return self._async_update_entry(
                self._get_reconfigure_entry(), data, unique_id=gateway_unique_id(url)
            )
        await self.async_set_unique_id(gateway_unique_id(url), raise_on_progress=False)
        self._abort_if_unique_id_configured()
        title = self._discovery.name if self._discovery else pairing.url_host(url)
        # Like other conversation integrations: the default agent is an Assist agent at once.
        agent = self._default_agent
        assist: ConfigSubentryData = {
            "subentry_type": SUBENTRY_CONVERSATION,
            "title": f"OpenClaw {agent}",
            "unique_id": None,
            "data": {
                CONF_AGENT_ID: agent,
                CONF_SESSION_SCOPE: DEFAULT_SESSION_SCOPE,
                CONF_REPLY_TIMEOUT: DEFAULT_REPLY_TIMEOUT,
                CONF_SEND_CONTEXT: True,
                CONF_ANNOUNCE: False,
            },
        }
        return self.async_create_entry(title=f"OpenClaw {title}", data=data, subentries=[assist])

    # -- helpers -------------------------------------------------------------------------

    def _async_update_entry(
        self, entry: ConfigEntry, data: dict[str, Any], unique_id: str | None = None
    ) -> ConfigFlowResult:
        kwargs: dict[str, Any] = {"data": data}
        if unique_id is not None:
            kwargs["unique_id"] = unique_id
        if entry.update_listeners:
            # The integration's update listener reloads the entry on any change.
            return self.async_update_and_abort(entry, **kwargs)
        return self.async_update_reload_and_abort(entry, **kwargs)

    async def _async_abort_if_configured(self, url: str) -> None:
        await self.async_set_unique_id(gateway_unique_id(url), raise_on_progress=False)
        self._abort_if_unique_id_configured()

    def _take_pair_error(self) -> dict[str, str]:
        """The error a failed pairing wait left for the form it returned to."""
        errors: dict[str, str] = {}
        if self._pair_error is not None:
            errors["base"], self._pair_error = self._pair_error, None
        return errors

    @staticmethod
    def _fingerprint(user_input: dict[str, Any], errors: dict[str, str]) -> str | None:
        try:
            return pairing.normalize_fingerprint(user_input.get(CONF_TLS_FINGERPRINT))
        except ValueError:
            errors[CONF_TLS_FINGERPRINT] = "invalid_fingerprint"
            return None


class OpenClawOptionsFlow(OptionsFlowWithReload):
    """Hooks token, exposed sessions and the rate of streamed deltas (then a reload)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        options = self.config_entry.options
        # HA refuses both at once: reload here unless an update listener of the entry does.
        self.automatic_reload = not self.config_entry.update_listeners
        if user_input is not None:
            sessions = list(dict.fromkeys(user_input.get(CONF_SESSIONS, [])))
            if len(sessions) > MAX_EXPOSED_SESSIONS:
                errors[CONF_SESSIONS] = "too_many_sessions"
            else:
                new: dict[str, Any] = {
                    CONF_SESSIONS: sessions,
                    CONF_DELTA_RATE: float(user_input[CONF_DELTA_RATE]),
                }
                # An empty field keeps the stored token: it is never sent back to the browser.
                hooks_token = (user_input.get(CONF_HOOKS_TOKEN) or "").strip()
                hooks_token = hooks_token or options.get(CONF_HOOKS_TOKEN, "")
                if hooks_token:
                    new[CONF_HOOKS_TOKEN] = hooks_token
                new.update(node_options(user_input, options))
                return self.async_create_entry(data=new)
        choices = await self._async_session_choices(options.get(CONF_SESSIONS, []))
        schema = vol.Schema(
            {
                vol.Optional(CONF_HOOKS_TOKEN): _PASSWORD,
                vol.Optional(CONF_SESSIONS, default=[]): SelectSelector(
                    SelectSelectorConfig(
                        options=choices, multiple=True, mode=SelectSelectorMode.DROPDOWN
                    )
                ),
                vol.Required(CONF_DELTA_RATE, default=DEFAULT_DELTA_RATE): vol.All(
                    NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_DELTA_RATE,
                            max=MAX_DELTA_RATE,
                            step=0.5,
                            mode=NumberSelectorMode.BOX,
                            unit_of_measurement="/s",
                        )
                    ),
                    vol.Coerce(float),
                    vol.Range(min=MIN_DELTA_RATE, max=MAX_DELTA_RATE),
                ),
                **NODE_OPTIONS_SCHEMA,
            }
        )
        suggested = {**options, **(user_input or {})}
        suggested.pop(CONF_HOOKS_TOKEN, None)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={
                "max_sessions": str(MAX_EXPOSED_SESSIONS),
                "hooks_token_state": "set" if options.get(CONF_HOOKS_TOKEN) else "not set",
            },
        )

    async def _async_session_choices(self, selected: list[str]) -> list[SelectOptionDict]:
        """The gateway's sessions (newest first, capped) plus whatever is selected already."""
        choices: dict[str, str] = {}
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            try:
                rows = await entry.runtime_data.client.sessions_list(limit=SESSION_CHOICES_LIMIT)
            except OpenClawError as err:
                LOGGER.debug("could not list the gateway's sessions: %s", err)
            else:
                for row in rows[:SESSION_CHOICES_LIMIT]:
                    title = row.title
                    choices[row.key] = row.key if title == row.key else f"{title} ({row.key})"
        for key in selected:
            choices.setdefault(key, key)
        return [SelectOptionDict(value=key, label=label) for key, label in choices.items()]


def _unique(*groups: Any) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for url in group:
            seen.setdefault(url, None)
    return list(seen)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except TypeError, ValueError:
        return None


def _without_secrets(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """Form values to show again: never a secret (setup code, token, password)."""
    if not user_input:
        return {}
    return {
        key: value
        for key, value in user_input.items()
        if key not in (CONF_SETUP_CODE, CONF_TOKEN, CONF_PASSWORD)
    }
