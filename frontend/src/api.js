// The integration's websocket commands for one session entity (custom_components/openclaw/
// websocket_api.py). `getHass` returns the current hass object: it is replaced on every state
// change, while its connection stays (and resubscribes by itself after a reconnect).

export function chatApi(getHass, entityId) {
  const call = (type, params) => getHass().callWS({ type, entity_id: entityId, ...params });
  return {
    subscribe: (onEvent) =>
      getHass().connection.subscribeMessage(onEvent, {
        type: "openclaw/chat/subscribe",
        entity_id: entityId,
      }),
    history: (params) => call("openclaw/chat/history", params),
    send: (params) => call("openclaw/chat/send", params),
    abort: (params) => call("openclaw/chat/abort", params),
  };
}
